import { sql, type Insertable, type RawBuilder } from 'kysely';
import type { Tx } from './db.js';
import type { DB } from './schema.js';
import './schema-events.js';

/**
 * The SQL of a unit of work's closing statement (store/unit-of-work.ts flush): what it held — history
 * rows, events, the Idempotency-Key, timers, writes held for the close — written by one statement
 * sent with the commit; and the same appends for a single statement outside any transaction.
 */

/** Channel the worker LISTENs on (PostgreSQL); NOTIFY is sent at commit, so a rollback wakes nobody. */
export const OUTBOX_CHANNEL = 'ordo_outbox';

/**
 * Whether an event needs fanning out, as SQL over an event record `x`: a webhook subscription of its
 * tenant or a registered broker sink taking its type (event_sinks, migration 0036) may want it.
 * An event no one wants is written fanned out: no delivery, no NOTIFY, no worker statement.
 */
const WANTED = sql.raw(`(exists (select 1 from webhook_subscriptions s where s.tenant_id = x.tenant_id)
  or exists (select 1 from event_sinks k where k.event_types is null or x.type = any(k.event_types)))`);

export type HistoryRow = Insertable<DB['order_history']>;
export type EventRow = Insertable<DB['events']>;
/** An Idempotency-Key with the answer it stands for. */
export interface IdempotencyRow {
  tenant_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: string;
}

/**
 * A keyed timer written with the closing statement instead of its own (scheduleTimer's `defer`):
 * the same upsert, so it moves the key's live timer as an immediate one would. `payload` is JSON text.
 */
export interface DeferredJob {
  tenant_id: string;
  id: string;
  kind: string;
  key: string;
  payload: string;
  run_at: Date;
  max_attempts: number;
}

/**
 * Rows as one JSON array for jsonb_to_recordset: a single parameter whatever the number of rows.
 * Columns holding JSON text (history changes and reason, event payloads) are embedded as they are.
 */
function recordsJson(rows: object[], jsonColumns: readonly string[]): string {
  return `[${rows
    .map((row) => {
      const plain: Record<string, unknown> = {};
      const raw: string[] = [];
      for (const [key, value] of Object.entries(row)) {
        if (jsonColumns.includes(key))
          raw.push(`${JSON.stringify(key)}:${typeof value === 'string' ? value : JSON.stringify(value ?? null)}`);
        else plain[key] = value;
      }
      const head = JSON.stringify(plain);
      return raw.length ? `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}${raw.join(',')}}` : head;
    })
    .join(',')}]`;
}

const HISTORY_RECORD =
  sql.raw(`x(tenant_id uuid, id uuid, order_id uuid, at timestamptz, actor_type text, actor_id text, action text,
  from_state text, to_state text, changes jsonb, reason jsonb)`);
const JOB_RECORD = sql.raw(
  'x(tenant_id uuid, id uuid, kind text, key text, payload jsonb, run_at timestamptz, max_attempts int)',
);
const EVENT_RECORD = sql.raw(
  'x(tenant_id uuid, id uuid, type text, subject text, time timestamptz, schema_version int, payload jsonb, trace_context text)',
);

/**
 * Writes what is pending in one statement: the outbox lock per subject, NOTIFY when a worker has
 * work, the history rows, the Idempotency-Key with its answer, the held timers and cancels, the
 * writes held by writeAtClose and the events. The events are produced from a join with the lock CTE,
 * so every lock is held before any event row (and its seq) exists: each subject's seq order stays
 * its commit order, and keys are taken sorted, so two transactions locking several subjects cannot
 * deadlock. An event no subscription or sink wants is written fanned out (WANTED). Answers whether
 * a worker has work: an event to fan out, or `jobDueSoon`.
 */
export async function writeAppends(
  trx: Tx,
  history: HistoryRow[],
  events: EventRow[],
  timers: { jobs: DeferredJob[]; cancels: Array<{ tenant_id: string; key: string }> },
  jobDueSoon: boolean,
  idempotencyKey: IdempotencyRow | null,
  atClose: RawBuilder<unknown>[],
): Promise<boolean> {
  const json = history.length ? recordsJson(history, ['changes', 'reason']) : '[]';
  const insertHistory = sql`insert into order_history (tenant_id, id, order_id, at, actor_type, actor_id, action, from_state, to_state, changes, reason)
    select tenant_id, id, order_id, at, actor_type, actor_id, action, from_state, to_state, changes, reason
    from jsonb_to_recordset(${json}::jsonb) as ${HISTORY_RECORD}`;
  const insertKey = idempotencyKey
    ? sql`insert into idempotency_keys (tenant_id, key, request_hash, status_code, response)
      values (${idempotencyKey.tenant_id}, ${idempotencyKey.key}, ${idempotencyKey.request_hash},
        ${idempotencyKey.status_code}, ${idempotencyKey.response}::jsonb)`
    : null;
  // scheduleTimer's upsert (timers.ts), for every held timer: one live timer per key
  const { jobs, cancels } = timers;
  const insertJobs = jobs.length
    ? sql`insert into jobs (tenant_id, id, kind, key, payload, run_at, max_attempts)
      select tenant_id, id, kind, key, payload, run_at, max_attempts
      from jsonb_to_recordset(${recordsJson(jobs, ['payload'])}::jsonb) as ${JOB_RECORD}
      on conflict (tenant_id, key) where key is not null and status = 'scheduled' do update
        set kind = excluded.kind, payload = excluded.payload, run_at = excluded.run_at, attempts = 0,
          max_attempts = excluded.max_attempts, last_error = null, updated_at = now()`
    : null;
  // cancelTimer's update (no key is both cancelled and held: deferJob and deferCancel keep them apart)
  const cancelJobs = cancels.length
    ? sql`update jobs j set status = 'cancelled', updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(cancels)}::jsonb) as c(tenant_id uuid, key text)
      where j.tenant_id = c.tenant_id and j.key = c.key and j.status = 'scheduled'`
    : null;
  if (events.length === 0) {
    // every write as a CTE of one statement (a writing CTE runs whether read or not), NOTIFY as its result
    const writes = [history.length ? insertHistory : null, insertKey, insertJobs, cancelJobs, ...atClose].filter(
      (write) => write !== null,
    );
    if (writes.length === 0 && !jobDueSoon) return false;
    const ctes = writes.map((write, index) => sql`${sql.raw(`w${index}`)} as (${write})`);
    await sql`${ctes.length ? sql`with ${sql.join(ctes)} ` : sql``}select ${
      jobDueSoon ? sql`pg_notify(${OUTBOX_CHANNEL}, '')` : sql`1`
    }`.execute(trx);
    return jobDueSoon;
  }
  const keys = [...new Set(events.map((e) => `${e.tenant_id}/${e.subject}`))].sort();
  const { rows } = await sql<{ fanned_out: boolean }>`with ev as (
      select * from jsonb_to_recordset(${recordsJson(events, ['payload'])}::jsonb) as ${EVENT_RECORD}
    ), q as (
      select x.id, not ${WANTED} as quiet from ev as x
    ), n as (
      select pg_notify(${OUTBOX_CHANNEL}, '') where ${jobDueSoon} or exists (select 1 from q where not q.quiet)
    ), l as (
      select (select count(*) from n) as notified,
        (select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(${keys}::text[]) as k) as locked
    ), h as (${insertHistory})${insertKey ? sql`, k as (${insertKey})` : sql``}${insertJobs ? sql`, j as (${insertJobs})` : sql``}${
      cancelJobs ? sql`, c as (${cancelJobs})` : sql``
    }${
      atClose.length
        ? sql.join(
            atClose.map((write, index) => sql`, ${sql.raw(`a${index}`)} as (${write})`),
            sql``,
          )
        : sql``
    }
    insert into events (tenant_id, id, type, subject, time, schema_version, payload, trace_context, fanned_out)
    select x.tenant_id, x.id, x.type, x.subject, x.time, x.schema_version, x.payload, x.trace_context, q.quiet
    from l cross join ev as x join q on q.id = x.id
    order by x.id
    returning fanned_out`.execute(trx);
  return jobDueSoon || rows.some((row) => !row.fanned_out);
}

/**
 * History rows and events as data-modifying CTEs of one statement that makes a change on its own,
 * outside any transaction: they are written only if the CTE named `gate` returned a row, and the
 * statement is atomic by itself. Only for a new subject no other transaction can yet see (a new
 * order), which is why no outbox lock is taken. Events no one wants are written fanned out and
 * send no NOTIFY (as in writeAppends). The caller's final select must read `notified` (how many
 * NOTIFYs were sent: a worker has work), or PostgreSQL skips the NOTIFY.
 */
export function appendsWith(gate: string, history: HistoryRow[], events: EventRow[]): RawBuilder<unknown> {
  const group = sql.raw(gate);
  return sql`h as (
      insert into order_history (tenant_id, id, order_id, at, actor_type, actor_id, action, from_state, to_state, changes, reason)
      select x.tenant_id, x.id, x.order_id, x.at, x.actor_type, x.actor_id, x.action, x.from_state, x.to_state, x.changes, x.reason
      from (select 1 from ${group} limit 1) as gate cross join jsonb_to_recordset(${recordsJson(history, ['changes', 'reason'])}::jsonb) as ${HISTORY_RECORD}
    ), ev as (
      select x.*, not ${WANTED} as quiet
      from (select 1 from ${group} limit 1) as gate cross join jsonb_to_recordset(${recordsJson(events, ['payload'])}::jsonb) as ${EVENT_RECORD}
    ), e as (
      insert into events (tenant_id, id, type, subject, time, schema_version, payload, trace_context, fanned_out)
      select x.tenant_id, x.id, x.type, x.subject, x.time, x.schema_version, x.payload, x.trace_context, x.quiet
      from ev as x
      order by x.id
    ), notified as (
      select pg_notify(${OUTBOX_CHANNEL}, '') where exists (select 1 from ev where not ev.quiet)
    )`;
}
