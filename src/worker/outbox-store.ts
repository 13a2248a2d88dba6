import { sql } from 'kysely';
import { newId } from '../shared/ids.js';
import { typeMatches } from '../domain/events/catalogue.js';
import type { Db } from '../store/db.js';
import '../store/schema-events.js';

/**
 * The worker's queries. They run across tenants on purpose (a worker serves every tenant);
 * every row they touch is then addressed by (tenant_id, id).
 */

/**
 * Marks new events of tenants that have no webhook subscription as fanned out, in one statement
 * (no transaction of its own): they need no delivery row, so the usual fan-out (a transaction of
 * four statements) is spent only on events someone will receive. Only when the worker has no
 * broker sink (a sink receives every event). Answers how many events it looked at and how many
 * it marked; the rest (tenants with subscriptions) are left for `fanOut`.
 */
export async function fanOutQuiet(db: Db, limit: number): Promise<{ seen: number; marked: number }> {
  const { rows } = await sql<{ seen: number; marked: number }>`
    with seen as (
      select tenant_id, seq from events where not fanned_out order by seq limit ${limit} for update skip locked
    ), marked as (
      update events e set fanned_out = true from seen
      where e.seq = seen.seq
        and not exists (select 1 from webhook_subscriptions s where s.tenant_id = seen.tenant_id)
      returning 1
    )
    select (select count(*) from seen)::int as seen, (select count(*) from marked)::int as marked`.execute(db);
  return rows[0] ?? { seen: 0, marked: 0 };
}

/**
 * Turns new events into one delivery row per matching subscription and per broker sink.
 * Rows are claimed with SKIP LOCKED, so several workers fan out disjoint batches.
 */
export async function fanOut(
  db: Db,
  sinks: ReadonlyArray<{ name: string; eventTypes?: readonly string[] | undefined }>,
  limit: number,
  now: Date,
): Promise<{ events: number; deliveries: number }> {
  return db.transaction().execute(async (trx) => {
    const { rows: events } = await sql<{ tenant_id: string; id: string; seq: string; type: string; subject: string }>`
      select tenant_id, id, seq, type, subject from events where not fanned_out order by seq limit ${limit} for update skip locked`.execute(
      trx,
    );
    if (events.length === 0) return { events: 0, deliveries: 0 };
    const tenants = [...new Set(events.map((e) => e.tenant_id))];
    const subs = await trx
      .selectFrom('webhook_subscriptions')
      .select(['tenant_id', 'id', 'event_types'])
      .where('tenant_id', 'in', tenants)
      .execute();
    const deliveries = [];
    for (const event of events) {
      const base = {
        tenant_id: event.tenant_id,
        event_id: event.id,
        event_seq: event.seq,
        event_type: event.type,
        subject: event.subject,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      };
      for (const sub of subs) {
        if (sub.tenant_id === event.tenant_id && typeMatches(sub.event_types, event.type))
          deliveries.push({ ...base, id: newId(), target: sub.id, subscription_id: sub.id });
      }
      for (const sink of sinks) {
        if (!sink.eventTypes || sink.eventTypes.includes(event.type))
          deliveries.push({ ...base, id: newId(), target: `sink:${sink.name}`, subscription_id: null });
      }
    }
    for (let deliveryIndex = 0; deliveryIndex < deliveries.length; deliveryIndex += 1000)
      await trx
        .insertInto('event_deliveries')
        .values(deliveries.slice(deliveryIndex, deliveryIndex + 1000))
        .execute();
    await trx
      .updateTable('events')
      .set({ fanned_out: true })
      .where(
        'seq',
        'in',
        events.map((e) => e.seq),
      )
      .execute();
    return { events: events.length, deliveries: deliveries.length };
  });
}

export interface ClaimedDelivery {
  tenant_id: string;
  id: string;
  target: string;
  subscription_id: string | null;
  attempts: number;
  replay: boolean;
  claim_token: string;
  event_id: string;
  event_type: string;
  subject: string;
  event_time: Date;
  schema_version: number;
  payload: Record<string, unknown>;
  url: string | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  /** W3C traceparent of the span that wrote the event (tracing on), else null. */
  trace_context: string | null;
}

/**
 * Claims up to `limit` due deliveries for one worker. A delivery is due when it is pending and its
 * time has come (or its lease ran out: the worker that held it died), its endpoint is active,
 * and nothing earlier for the same (endpoint, subject) is still open — neither an earlier
 * delivery nor an earlier event not yet fanned out — which is what keeps each order's events in
 * order per endpoint. FOR UPDATE SKIP LOCKED plus the status change under a lease means two
 * workers never hold the same delivery; the attempt counter is incremented in the same write.
 */
export async function claimDeliveries(db: Db, now: Date, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const token = newId();
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const { rows } = await sql<ClaimedDelivery>`
    with due as (
      select d.tenant_id, d.id, d.event_id, d.subscription_id from event_deliveries d
      where d.status in ('pending', 'delivering')
        and ((d.status = 'pending' and d.next_attempt_at <= ${now}) or (d.status = 'delivering' and d.lease_until <= ${now}))
        and not exists (
          select 1 from event_deliveries p
          where p.tenant_id = d.tenant_id and p.target = d.target and p.subject = d.subject
            and p.status in ('pending', 'delivering') and p.event_seq < d.event_seq)
        and not exists (
          select 1 from events u where u.tenant_id = d.tenant_id and u.subject = d.subject and not u.fanned_out and u.seq < d.event_seq)
        and (d.subscription_id is null or exists (
          select 1 from webhook_subscriptions s where s.tenant_id = d.tenant_id and s.id = d.subscription_id and s.status = 'active'))
      order by d.next_attempt_at, d.event_seq
      limit ${limit}
      for update of d skip locked
    )
    update event_deliveries t
    set status = 'delivering', attempts = t.attempts + 1, lease_until = ${leaseUntil}, claim_token = ${token}, updated_at = ${now}
    from due
      join events e on e.tenant_id = due.tenant_id and e.id = due.event_id
      left join webhook_subscriptions s on s.tenant_id = due.tenant_id and s.id = due.subscription_id
    where t.tenant_id = due.tenant_id and t.id = due.id
    returning t.tenant_id, t.id, t.target, t.subscription_id, t.attempts, t.replay, t.claim_token,
      e.id as event_id, e.type as event_type, e.subject, e.time as event_time, e.schema_version, e.payload, e.trace_context,
      s.url, s.secret, s.previous_secret, s.previous_secret_until`.execute(db);
  return rows;
}

export interface AttemptResult {
  outcome: 'succeeded' | 'failed' | 'timeout' | 'error';
  statusCode: number | null;
  latencyMs: number;
  excerpt: string | null;
  error: string | null;
  startedAt: Date;
}

/**
 * Records one attempt and moves the delivery on: succeeded, back to pending with a retry time,
 * or dead after the last attempt. Only the holder of the claim may move it (a worker whose
 * lease ran out records its attempt but leaves the row to the new holder).
 */
export async function completeDelivery(
  db: Db,
  claimedDelivery: ClaimedDelivery,
  attemptResult: AttemptResult,
  next: { dead: boolean; retryAt: Date; pauseReason?: string | undefined },
  worker: string,
  now: Date,
): Promise<void> {
  const ok = attemptResult.outcome === 'succeeded';
  const status = ok ? 'succeeded' : next.dead ? 'dead' : 'pending';
  const final = ok || next.dead;
  // One statement (the attempt row and the delivery's move commit together) in one round trip.
  await sql`
    with attempt as (
      insert into delivery_attempts (tenant_id, delivery_id, attempt, started_at, status_code, latency_ms, outcome, error, response_excerpt, worker)
      values (${claimedDelivery.tenant_id}, ${claimedDelivery.id}, ${claimedDelivery.attempts}, ${attemptResult.startedAt}, ${attemptResult.statusCode}, ${attemptResult.latencyMs}, ${attemptResult.outcome}, ${attemptResult.error}, ${attemptResult.excerpt}, ${worker})
      on conflict (tenant_id, delivery_id, attempt) do nothing
    )
    update event_deliveries set status = ${status}, next_attempt_at = ${final ? now : next.retryAt}, lease_until = null, claim_token = null,
      last_status_code = ${attemptResult.statusCode}, last_error = ${attemptResult.error}, updated_at = ${now}, completed_at = ${final ? now : null}
    where tenant_id = ${claimedDelivery.tenant_id} and id = ${claimedDelivery.id} and claim_token = ${claimedDelivery.claim_token}`.execute(
    db,
  );
  if (next.pauseReason && claimedDelivery.subscription_id) {
    await db
      .updateTable('webhook_subscriptions')
      .set({ status: 'paused', paused_reason: next.pauseReason, updated_at: now })
      .where('tenant_id', '=', claimedDelivery.tenant_id)
      .where('id', '=', claimedDelivery.subscription_id)
      .execute();
  }
}

/** Hands claimed but never attempted deliveries back (a graceful stop), undoing their attempt count. */
export async function releaseClaims(db: Db, claimed: readonly ClaimedDelivery[], now: Date): Promise<void> {
  for (const claimedDelivery of claimed) {
    await sql`update event_deliveries set status = 'pending', attempts = attempts - 1, lease_until = null, claim_token = null, updated_at = ${now}
      where tenant_id = ${claimedDelivery.tenant_id} and id = ${claimedDelivery.id} and claim_token = ${claimedDelivery.claim_token}`.execute(
      db,
    );
  }
}
