import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { newId } from '../../shared/ids.js';
import { OUTBOX_CHANNEL } from './emit-event.js';
import { typeMatches } from '../../domain/events/catalogue.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { DeliveryStatus } from '../../store/schema-events.js';
import { requireParent } from '../require-parent.js';

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listEvents(
  scope: TenantScope,
  filter: { type?: string | undefined; subject?: string | undefined; after?: string | undefined; limit: number },
) {
  let query = scope
    .selectFrom('events')
    .select(['id', 'type', 'subject', 'time', 'schema_version', 'payload'])
    .orderBy('id')
    .limit(filter.limit + 1);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.subject) query = query.where('subject', '=', filter.subject);
  if (filter.after) query = query.where('id', '>', filter.after);
  const rows = await query.execute();
  const items = rows.slice(0, filter.limit).map((r) => ({
    id: r.id,
    type: r.type,
    subject: r.subject,
    time: iso(r.time)!,
    schemaVersion: r.schema_version,
    payload: r.payload,
  }));
  return { items, nextCursor: rows.length > filter.limit ? items.at(-1)!.id : null };
}

export async function getEvent(scope: TenantScope, id: string) {
  const row = await scope
    .selectFrom('events')
    .select(['id', 'type', 'subject', 'time', 'schema_version', 'payload'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `event ${id} not found`);
  return {
    id: row.id,
    type: row.type,
    subject: row.subject,
    time: iso(row.time)!,
    schemaVersion: row.schema_version,
    payload: row.payload,
  };
}

export async function listDeliveries(
  scope: TenantScope,
  subscriptionId: string,
  filter: { status?: DeliveryStatus | undefined; limit: number; after?: string | undefined },
) {
  await requireParent(scope, 'webhook_subscriptions', subscriptionId);
  let query = scope
    .selectFrom('event_deliveries')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.after) query = query.where('id', '<', filter.after);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    eventType: r.event_type,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    replay: r.replay,
    createdAt: iso(r.created_at)!,
    completedAt: iso(r.completed_at),
  }));
}

export async function listAttempts(scope: TenantScope, deliveryId: string) {
  await requireParent(scope, 'event_deliveries', deliveryId);
  const rows = await scope
    .selectFrom('delivery_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();
  return rows.map((r) => ({
    attempt: r.attempt,
    startedAt: iso(r.started_at)!,
    outcome: r.outcome,
    statusCode: r.status_code,
    latencyMs: r.latency_ms,
    error: r.error,
    responseExcerpt: r.response_excerpt,
    worker: r.worker,
  }));
}

export const MAX_REPLAY = 10_000;

/**
 * Queues one event, or every matching event in [from, to), for delivery again to one endpoint.
 * Replays carry the original event id as webhook-id: a receiver that deduplicates sees them as
 * the same message, which is the point of an id; the delivery log marks them as replays.
 */
export async function replayEvents(
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  subscriptionId: string,
  what: { eventId: string } | { from: Date; to: Date },
): Promise<{ queued: number }> {
  const sub = await scope
    .selectFrom('webhook_subscriptions')
    .select(['id', 'event_types'])
    .where('id', '=', subscriptionId)
    .executeTakeFirst();
  if (!sub) throw new AppError('NOT_FOUND', `webhook subscription ${subscriptionId} not found`);
  let query = scope
    .selectFrom('events')
    .select(['id', 'seq', 'type', 'subject'])
    .orderBy('seq')
    .limit(MAX_REPLAY + 1);
  query =
    'eventId' in what
      ? query.where('id', '=', what.eventId)
      : query.where('time', '>=', what.from).where('time', '<', what.to);
  const events = (await query.execute()).filter((e) => typeMatches(sub.event_types, e.type));
  if ('eventId' in what && events.length === 0) {
    throw new AppError('NOT_FOUND', `event ${what.eventId} not found or not of a type this subscription receives`);
  }
  if (events.length > MAX_REPLAY) {
    throw new AppError('VALIDATION_FAILED', `the range holds more than ${MAX_REPLAY} events; replay a shorter range`, [
      { path: '/from', message: 'range too large' },
    ]);
  }
  const now = clock.now();
  for (let eventIndex = 0; eventIndex < events.length; eventIndex += 1000) {
    await scope
      .insertInto(
        'event_deliveries',
        events.slice(eventIndex, eventIndex + 1000).map((e) => ({
          id: newId(),
          target: sub.id,
          subscription_id: sub.id,
          event_id: e.id,
          event_seq: e.seq,
          event_type: e.type,
          subject: e.subject,
          next_attempt_at: now,
          replay: true,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  }
  await writeAudit(scope, actor, now, {
    entity: 'webhook_subscription',
    entityId: sub.id,
    action: 'replayed',
    changes: { ...what, queued: events.length },
  });
  if (events.length) await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute(scope.conn);
  return { queued: events.length };
}
