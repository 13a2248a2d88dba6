import { sql, type Insertable } from 'kysely';
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
  return db.transaction().execute(async (trx) => {
    const p: PendingWrites = { history: [], events: [] };
    pending.set(trx, p);
    try {
      const result = await fn(trx);
      await flush(trx, p);
      return result;
    } finally {
      pending.delete(trx);
    }
  });
}

/** Where a savepoint started, so a rollback to it also forgets the writes made after it. */
export function markPending(conn: Conn): (() => void) | undefined {
  const p = pending.get(conn);
  if (!p) return undefined;
  const h = p.history.length;
  const e = p.events.length;
  return () => { p.history.length = h; p.events.length = e; };
}

// One statement may carry at most 65,535 parameters; stay well below.
const MAX_PARAMS = 30_000;

function chunks<R extends object>(rows: R[]): R[][] {
  if (rows.length === 0) return [];
  const per = Math.max(1, Math.floor(MAX_PARAMS / Object.keys(rows[0]!).length));
  const out: R[][] = [];
  for (let i = 0; i < rows.length; i += per) out.push(rows.slice(i, i + per));
  return out;
}

/** Writes what is pending: at most one lock statement and one insert for a usual command. */
export async function flush(trx: Tx, p: PendingWrites): Promise<void> {
  const { history, events } = p;
  p.history = [];
  p.events = [];
  if (events.length) {
    // Serialise writers per subject until commit, so the outbox's seq order is commit order for
    // each subject (keys sorted, so two transactions locking several subjects cannot deadlock).
    const keys = [...new Set(events.map((e) => `${e.tenant_id}/${e.subject}`))].sort();
    await sql`select pg_notify(${OUTBOX_CHANNEL}, ''), (select count(pg_advisory_xact_lock(hashtextextended(k, 0))) from unnest(${keys}::text[]) as k)`.execute(trx);
  }
  const h = chunks(history);
  const e = chunks(events);
  // The common case, both kinds fitting one statement: a data-modifying CTE writes both at once.
  if (h.length === 1 && e.length === 1) {
    await trx.with('h', (q) => q.insertInto('order_history').values(h[0]!)).insertInto('events').values(e[0]!).execute();
    return;
  }
  for (const rows of h) await trx.insertInto('order_history').values(rows).execute();
  for (const rows of e) await trx.insertInto('events').values(rows).execute();
}
