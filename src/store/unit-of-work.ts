import { sql, type Insertable, type RawBuilder } from 'kysely';
import type { Conn, Db, Tx } from './db.js';
import type { DB } from './schema.js';
import './schema-events.js';

/** Channel the worker LISTENs on (PostgreSQL); NOTIFY is sent at commit, so a rollback wakes nobody. */
export const OUTBOX_CHANNEL = 'ordo_outbox';

type HistoryRow = Insertable<DB['order_history']>;
type EventRow = Insertable<DB['events']>;

/**
 * The append-only writes of a transaction (order history and outbox events), held back and
 * written together just before commit. A command that moves an order through several process
 * steps writes a handful of history rows and events; sending each as its own statement made
 * intake round-trip bound (48 statements for a B2C order). Held here, they cost two statements
 * per transaction whatever their number, and the outbox lock per subject is held only from the
 * end of the transaction to its commit.
 */
export interface PendingWrites {
  history: HistoryRow[];
  events: EventRow[];
}

const pending = new WeakMap<object, PendingWrites>();

/** The writes waiting for this transaction's end; undefined when writes on `conn` go out at once. */
export function pendingWrites(conn: Conn): PendingWrites | undefined {
  return pending.get(conn);
}

/**
 * Opens a transaction whose history rows and outbox events are written at its end, in the same
 * transaction: they still exist if and only if the change commits. Rows are kept in the order
 * they were made (ids are UUIDv7), so readers see the same order as before.
 */
export async function unitOfWork<T>(db: Db, fn: (trx: Tx) => Promise<T>): Promise<T> {
  let written: Promise<void> | undefined;
  const result = await db.transaction().execute(async (trx) => {
    const p: PendingWrites = { history: [], events: [] };
    pending.set(trx, p);
    try {
      const value = await fn(trx);
      // Not awaited: issued now, ahead of the commit, and sent with it (one round trip on
      // PostgreSQL). If it fails, the transaction is aborted and its commit rolls back.
      written = flush(trx, p);
      written.catch(() => {});
      return value;
    } finally {
      pending.delete(trx);
    }
  });
  await written;
  return result;
}

/** Where a savepoint started, so a rollback to it also forgets the writes made after it. */
export function markPending(conn: Conn): (() => void) | undefined {
  const p = pending.get(conn);
  if (!p) return undefined;
  const h = p.history.length;
  const e = p.events.length;
  return () => { p.history.length = h; p.events.length = e; };
}

/**
 * Rows as one JSON array for jsonb_to_recordset: a single parameter whatever the number of rows.
 * Columns holding JSON text (history changes and reason, event payloads) are embedded as they are.
 */
function recordsJson(rows: object[], jsonColumns: readonly string[]): string {
  return `[${rows.map((r) => {
    const plain: Record<string, unknown> = {};
    const raw: string[] = [];
    for (const [k, v] of Object.entries(r)) {
      if (jsonColumns.includes(k)) raw.push(`${JSON.stringify(k)}:${typeof v === 'string' ? v : JSON.stringify(v ?? null)}`);
      else plain[k] = v;
    }
    const head = JSON.stringify(plain);
    return raw.length ? `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}${raw.join(',')}}` : head;
  }).join(',')}]`;
}

const HISTORY_RECORD = sql.raw(`x(tenant_id uuid, id uuid, order_id uuid, at timestamptz, actor_type text, actor_id text, action text,
  from_state text, to_state text, changes jsonb, reason jsonb)`);
const EVENT_RECORD = sql.raw('x(tenant_id uuid, id uuid, type text, subject text, time timestamptz, schema_version int, payload jsonb)');

/**
 * Writes what is pending in one statement: the outbox lock per subject, NOTIFY, the history rows
 * and the events. The events are produced from a join with the lock CTE, so every lock is held
 * before any event row (and its seq) exists: each subject's seq order stays its commit order,
 * and keys are taken sorted, so two transactions locking several subjects cannot deadlock.
 */
export async function flush(trx: Tx, p: PendingWrites): Promise<void> {
  const { history, events } = p;
  p.history = [];
  p.events = [];
  if (history.length === 0 && events.length === 0) return;
  const h = history.length ? recordsJson(history, ['changes', 'reason']) : '[]';
  const insertHistory = sql`insert into order_history (tenant_id, id, order_id, at, actor_type, actor_id, action, from_state, to_state, changes, reason)
    select tenant_id, id, order_id, at, actor_type, actor_id, action, from_state, to_state, changes, reason
    from jsonb_to_recordset(${h}::jsonb) as ${HISTORY_RECORD}`;
  if (events.length === 0) {
    await insertHistory.execute(trx);
    return;
  }
  const keys = [...new Set(events.map((e) => `${e.tenant_id}/${e.subject}`))].sort();
  await sql`with l as (
      select pg_notify(${OUTBOX_CHANNEL}, '') as notified,
        (select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(${keys}::text[]) as k) as locked
    ), h as (${insertHistory})
    insert into events (tenant_id, id, type, subject, time, schema_version, payload)
    select x.tenant_id, x.id, x.type, x.subject, x.time, x.schema_version, x.payload
    from l cross join jsonb_to_recordset(${recordsJson(events, ['payload'])}::jsonb) as ${EVENT_RECORD}
    order by x.id`.execute(trx);
}

/**
 * History rows and events as data-modifying CTEs of one statement that makes a change on its own,
 * outside any transaction: they are written only if the CTE named `gate` returned a row, and the
 * statement is atomic by itself. Only for a new subject no other transaction can yet see (a new
 * order), which is why no outbox lock is taken. The caller's final select must read `notified`,
 * or PostgreSQL skips the NOTIFY.
 */
export function appendsWith(gate: string, history: HistoryRow[], events: EventRow[]): RawBuilder<unknown> {
  const g = sql.raw(gate);
  return sql`h as (
      insert into order_history (tenant_id, id, order_id, at, actor_type, actor_id, action, from_state, to_state, changes, reason)
      select x.tenant_id, x.id, x.order_id, x.at, x.actor_type, x.actor_id, x.action, x.from_state, x.to_state, x.changes, x.reason
      from (select 1 from ${g} limit 1) as gate cross join jsonb_to_recordset(${recordsJson(history, ['changes', 'reason'])}::jsonb) as ${HISTORY_RECORD}
    ), e as (
      insert into events (tenant_id, id, type, subject, time, schema_version, payload)
      select x.tenant_id, x.id, x.type, x.subject, x.time, x.schema_version, x.payload
      from (select 1 from ${g} limit 1) as gate cross join jsonb_to_recordset(${recordsJson(events, ['payload'])}::jsonb) as ${EVENT_RECORD}
      order by x.id
    ), notified as (
      select pg_notify(${OUTBOX_CHANNEL}, '') from (select 1 from ${g} limit 1) as gate where ${events.length > 0}
    )`;
}
