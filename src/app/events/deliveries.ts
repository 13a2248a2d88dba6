import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import { OUTBOX_CHANNEL } from './emit-event.js';
import { typeMatches } from '../../domain/events/catalogue.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { DeliveryStatus } from '../../store/schema-events.js';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listEvents(s: TenantScope, q: { type?: string | undefined; subject?: string | undefined; after?: string | undefined; limit: number }) {
  let query = s.selectFrom('events').select(['id', 'type', 'subject', 'time', 'schema_version', 'payload']).orderBy('id').limit(q.limit + 1);
  if (q.type) query = query.where('type', '=', q.type);
  if (q.subject) query = query.where('subject', '=', q.subject);
  if (q.after) query = query.where('id', '>', q.after);
  const rows = await query.execute();
  const items = rows.slice(0, q.limit).map((r) => ({
    id: r.id, type: r.type, subject: r.subject, time: iso(r.time)!, schemaVersion: r.schema_version, payload: r.payload,
  }));
  return { items, nextCursor: rows.length > q.limit ? items.at(-1)!.id : null };
}

export async function getEvent(s: TenantScope, id: string) {
  const r = await s.selectFrom('events').select(['id', 'type', 'subject', 'time', 'schema_version', 'payload']).where('id', '=', id).executeTakeFirst();
  if (!r) throw new AppError('NOT_FOUND', `event ${id} not found`);
  return { id: r.id, type: r.type, subject: r.subject, time: iso(r.time)!, schemaVersion: r.schema_version, payload: r.payload };
}

export async function listDeliveries(s: TenantScope, subscriptionId: string, q: { status?: DeliveryStatus | undefined; limit: number; after?: string | undefined }) {
  let query = s.selectFrom('event_deliveries').selectAll().where('subscription_id', '=', subscriptionId).orderBy('id', 'desc').limit(q.limit);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after) query = query.where('id', '<', q.after);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id, eventId: r.event_id, eventType: r.event_type, subject: r.subject, status: r.status, attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null, lastStatusCode: r.last_status_code,
    lastError: r.last_error, replay: r.replay, createdAt: iso(r.created_at)!, completedAt: iso(r.completed_at),
  }));
}

export async function listAttempts(s: TenantScope, deliveryId: string) {
  const rows = await s.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('attempt').execute();
  return rows.map((r) => ({
    attempt: r.attempt, startedAt: iso(r.started_at)!, outcome: r.outcome, statusCode: r.status_code, latencyMs: r.latency_ms,
    error: r.error, responseExcerpt: r.response_excerpt, worker: r.worker,
  }));
}

export const MAX_REPLAY = 10_000;

/**
 * Queues one event, or every matching event in [from, to), for delivery again to one endpoint.
 * Replays carry the original event id as webhook-id: a receiver that deduplicates sees them as
 * the same message, which is the point of an id; the delivery log marks them as replays.
 */
export async function replayEvents(
  s: TenantScope, actor: Actor, clock: Clock, subscriptionId: string,
  what: { eventId: string } | { from: Date; to: Date },
): Promise<{ queued: number }> {
  const sub = await s.selectFrom('webhook_subscriptions').select(['id', 'event_types']).where('id', '=', subscriptionId).executeTakeFirst();
  if (!sub) throw new AppError('NOT_FOUND', `webhook subscription ${subscriptionId} not found`);
  let q = s.selectFrom('events').select(['id', 'seq', 'type', 'subject']).orderBy('seq').limit(MAX_REPLAY + 1);
  q = 'eventId' in what ? q.where('id', '=', what.eventId) : q.where('time', '>=', what.from).where('time', '<', what.to);
  const events = (await q.execute()).filter((e) => typeMatches(sub.event_types, e.type));
  if ('eventId' in what && events.length === 0) {
    throw new AppError('NOT_FOUND', `event ${what.eventId} not found or not of a type this subscription receives`);
  }
  if (events.length > MAX_REPLAY) {
    throw new AppError('VALIDATION_FAILED', `the range holds more than ${MAX_REPLAY} events; replay a shorter range`, [{ path: '/from', message: 'range too large' }]);
  }
  const now = clock.now();
  for (let i = 0; i < events.length; i += 1000) {
    await s.insertInto('event_deliveries', events.slice(i, i + 1000).map((e) => ({
      id: newId(), target: sub.id, subscription_id: sub.id, event_id: e.id, event_seq: e.seq, event_type: e.type,
      subject: e.subject, next_attempt_at: now, replay: true, created_at: now, updated_at: now,
    }))).execute();
  }
  await writeAudit(s, actor, now, { entity: 'webhook_subscription', entityId: sub.id, action: 'replayed', changes: { ...what, queued: events.length } });
  if (events.length) await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute(s.conn);
  return { queued: events.length };
}
