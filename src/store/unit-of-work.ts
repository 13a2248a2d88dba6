import { sql, type Compilable, type Insertable, type KyselyPlugin, type QueryResult, type RawBuilder } from 'kysely';
import { annotate, inSpan, tracingEnabled } from '../shared/tracing.js';
import type { Db, Tx } from './db.js';
import type { DB } from './schema.js';
import { DatabaseUnavailableError, isPrimaryLost } from './failover.js';
import { isSerializationFailure, serializationRetryPause } from './pg-errors.js';
import './schema-events.js';

/** How many times a unit of work runs when each run is a deadlock victim (retried). */
const DEADLOCK_ATTEMPTS = 5;

/** Channel the worker LISTENs on (PostgreSQL); NOTIFY is sent at commit, so a rollback wakes nobody. */
export const OUTBOX_CHANNEL = 'ordo_outbox';

/** What a commit brought: `forWorker` — events to fan out, or a job due soon, so a worker has work. */
export interface Committed {
  forWorker: boolean;
}
type Waker = (committed: Committed) => void;
const committedWakers = new Set<Waker>();

/**
 * In-process outbox workers and live streams register here: they are woken when events have
 * committed (after a unit of work that wrote some, or a single-statement write), never before — a
 * worker woken ahead of the commit finds nothing, spends a transaction on it, and then sleeps past
 * the event. A worker looks at `forWorker`: events nobody receives were written fanned out already.
 */
export function onEventsCommitted(waker: Waker): () => void {
  committedWakers.add(waker);
  return () => committedWakers.delete(waker);
}

/** Wakes in-process workers and live streams: events have committed. */
export function eventsCommitted(committed: Committed = { forWorker: true }): void {
  for (const waker of committedWakers) waker(committed);
}

/**
 * A job due within this long of its commit wakes the workers (NOTIFY, in-process wake-up); a later
 * one is found by an idle worker's next look (ORDO_POLL_MAX_MS, default 2 s, well under this).
 */
export const JOB_WAKE_HORIZON_MS = 60_000;

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

/** A filter keeping every timer (held or cancelled) but those of this tenant and key. */
const otherKey = (tenantId: string, key: string) => (job: { tenant_id: string; key: string }) =>
  !(job.tenant_id === tenantId && job.key === key);

/**
 * One transaction and what it appends: the order history rows and outbox events it made, held
 * here and written together just before commit, and its savepoints. A use case that takes a
 * `Work` (a tenant scope inside a unit of work, see tenant-scope.ts) runs inside its caller's
 * unit of work; one that takes a plain TenantScope opens its own. A command that moves an order
 * through several process steps writes a handful of history rows and events: held here, they cost
 * one statement per transaction whatever their number, and the outbox lock per subject is held
 * only from the end of the transaction to its commit.
 */
export class UnitOfWork {
  private history: HistoryRow[] = [];
  private events: EventRow[] = [];
  private savepoints = 0;
  /** Savepoints open now (savepoint() inside savepoint() counts two). */
  private openSavepoints = 0;
  /** Events written at the end (for the unit of work's span). */
  flushedEvents = 0;
  /** A job this unit of work scheduled is due soon: the workers are to be woken at commit. */
  private jobDueSoon = false;
  /** The Idempotency-Key to write with the closing statement (storeIdempotencyKey). */
  private idempotencyKey: IdempotencyRow | null = null;
  /** Keyed timers to write with the closing statement, at most one per key (the last scheduled). */
  private jobs: DeferredJob[] = [];
  /** Keys whose live timer the closing statement cancels (a later deferJob of the key takes its place). */
  private cancels: Array<{ tenant_id: string; key: string }> = [];
  /** Writes the closing statement runs as CTEs of its own (writeAtClose). */
  private atClose: RawBuilder<unknown>[] = [];
  /** What this unit of work wrote, for one later read in it to take instead of a statement (`take`). */
  private written = new Map<string, unknown>();
  /** The answers of the statements sent ahead (sendAhead), in the order they were sent. */
  private ahead: Promise<unknown>[] = [];
  /** Settles once the last statement sent ahead is on the connection (Kysely hands it over a few ticks later). */
  private handing: Promise<unknown> = Promise.resolve();

  private constructor(readonly trx: Tx) {}

  /**
   * Runs fn in a new transaction as a unit of work: its history rows and events are written at its
   * end, in the same transaction, so they exist if and only if the change commits. Rows keep the
   * order they were made in (ids are UUIDv7). fn may run again when the database server is lost
   * before the commit, or when the database chose the transaction as a deadlock victim (see
   * retried): it must do nothing outside the transaction, as every use case does.
   */
  static async run<T>(db: Db, fn: (work: UnitOfWork) => Promise<T>, tenantId?: string): Promise<T> {
    if (!tracingEnabled()) return UnitOfWork.retried(db, fn);
    // Traced inside a request or a job only (a worker's empty poll is no trace of its own).
    return inSpan(
      'ordo.unit_of_work',
      { 'ordo.tenant_id': tenantId },
      () => {
        const counter = new StatementCounter();
        return UnitOfWork.retried(db, fn, counter).finally(() =>
          annotate({ 'db.statements': counter.count, 'ordo.events': counter.events }),
        );
      },
      { onlyInTrace: true },
    );
  }

  private static async retried<T>(
    db: Db,
    fn: (work: UnitOfWork) => Promise<T>,
    counter?: StatementCounter,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let committing = false;
      try {
        return await UnitOfWork.once(db, fn, () => (committing = true), counter);
      } catch (error) {
        // A deadlock victim (or a serialization failure): the database rolled the whole transaction
        // back, commit or not, so it runs again from the start, a few times, after a short random
        // pause. This is what lets a step at the top of a unit of work (an intake's reservation)
        // go without a savepoint of its own (UnitOfWork.atTop).
        if (isSerializationFailure(error) && attempt < DEADLOCK_ATTEMPTS) {
          await serializationRetryPause(attempt);
          continue;
        }
        // The server went away (or was demoted) before COMMIT was sent: the transaction certainly
        // did not commit, so it runs once more, on the server the pool finds now (failover-pool.ts).
        // Once COMMIT may have been sent the outcome is unknown and the error goes up (503; the
        // client retries with its Idempotency-Key). A connect that already waited is not repeated.
        if (committing || !isPrimaryLost(error) || error instanceof DatabaseUnavailableError) throw error;
        return UnitOfWork.once(db, fn, () => {}, counter);
      }
    }
  }

  /**
   * No savepoint is open: an error thrown here ends the unit of work, and a deadlock is retried by
   * running the unit again (retried), so a step here needs no savepoint to be retried on its own.
   */
  get atTop(): boolean {
    return this.openSavepoints === 0;
  }

  private static async once<T>(
    db: Db,
    fn: (work: UnitOfWork) => Promise<T>,
    committing: () => void,
    counter?: StatementCounter,
  ): Promise<T> {
    let written: Promise<Committed | null> | undefined;
    let work: UnitOfWork | undefined;
    const result = await db.transaction().execute(async (trx) => {
      const unit = new UnitOfWork(counter ? trx.withPlugin(counter) : trx);
      work = unit;
      if (counter) counter.work = unit;
      let value: T;
      try {
        value = await fn(unit);
      } catch (error) {
        // a statement sent ahead that the database refused: every later one failed with
        // "transaction is aborted", so its own error is the one that says what went wrong
        throw (await unit.aheadFailure(0)) ?? error;
      }
      committing();
      // Kysely sends COMMIT straight to the connection, past statements still waiting to be handed
      // over: what was sent ahead is on the connection before the closing statement is issued.
      await unit.handing.catch(() => {});
      // Not awaited: issued now, ahead of the commit, and sent with it (one round trip on
      // PostgreSQL, see pipeline.ts). If it fails, the transaction is aborted and its commit rolls back.
      written = work.flush();
      written.catch(() => {});
      return value;
    });
    // A statement sent ahead that was refused aborted the transaction: its COMMIT rolled back.
    const refused = await work!.aheadFailure(0);
    if (refused) throw refused;
    const committed = await written;
    if (committed) eventsCommitted(committed);
    return result;
  }

  /**
   * Writes the Idempotency-Key and its answer with the closing statement. A key another
   * transaction holds makes that statement wait for it and then fail (unique violation), which
   * rolls this unit of work back: the caller reads the stored answer instead (app/idempotency.ts).
   */
  storeIdempotencyKey(row: IdempotencyRow): void {
    this.idempotencyKey = row;
  }

  /** A job was scheduled to run at `runAt`: one due soon wakes the workers when this commits. */
  jobScheduled(runAt: Date): void {
    if (runAt.getTime() - Date.now() < JOB_WAKE_HORIZON_MS) this.jobDueSoon = true;
  }

  /** Holds a keyed timer for the closing statement; a later one with the same key replaces it. */
  deferJob(row: DeferredJob): void {
    const other = otherKey(row.tenant_id, row.key);
    this.jobs = [...this.jobs.filter(other), row];
    // the upsert moves the key's live timer: cancelling it first would change nothing
    this.cancels = this.cancels.filter(other);
    this.jobScheduled(row.run_at);
  }

  /**
   * Cancels the key's timer with the closing statement: the one held here is dropped, and a live
   * one written earlier is cancelled then (scheduleTimer/cancelTimer with `defer`).
   */
  deferCancel(tenantId: string, key: string): void {
    const other = otherKey(tenantId, key);
    this.jobs = this.jobs.filter(other);
    this.cancels = [...this.cancels.filter(other), { tenant_id: tenantId, key }];
  }

  /**
   * Remembers rows this unit of work has just written (e.g. a new order's money fields and payments),
   * so that the first read of them in it can take them instead of asking the database. Only for rows
   * no other transaction can see or change yet; any later read goes to the database.
   */
  remember(key: string, value: unknown): void {
    this.written.set(key, value);
  }

  /** What `remember` holds under this key, once: it is forgotten as it is taken. */
  take<T>(key: string): T | undefined {
    const value = this.written.get(key) as T | undefined;
    this.written.delete(key);
    return value;
  }

  /**
   * A write held for the closing statement, which runs it as one of its CTEs: a round trip and a
   * statement fewer. Only for rows nothing in this unit of work reads or writes again (a new
   * order's process row and state when intake is the last thing the unit of work does), since
   * they exist only from the end of the unit of work on, and a CTE may not touch a row another
   * CTE of the statement changes.
   */
  writeAtClose(write: RawBuilder<unknown>): void {
    this.atClose.push(write);
  }

  /**
   * Hands a statement to the transaction's connection now, without waiting for its answer: what is
   * issued next follows it at once (on PostgreSQL both leave in one write, pipeline.ts), a round
   * trip fewer. For a write whose answer the caller needs later or not at all; the server runs it
   * before anything issued after it, so later statements see what it wrote. If the database refuses
   * it, the transaction is aborted: every later statement fails, the unit of work does not commit,
   * and its caller gets this statement's own error. A savepoint waits for the answers of what was
   * sent ahead inside it before it is released.
   */
  sendAhead<R>(query: Compilable<R> | RawBuilder<R>): Promise<QueryResult<R>> {
    const compiled = 'isRawBuilder' in query ? query.compile(this.trx) : query.compile();
    let handed!: Promise<void>;
    const answer = new Promise<QueryResult<R>>((resolve, reject) => {
      // Kysely's connection provider hands statements over one at a time, in the order asked for
      handed = this.trx.getExecutor().provideConnection((connection) => {
        connection.executeQuery<R>(compiled).then(resolve, reject);
        return Promise.resolve();
      });
      handed.catch(reject);
    });
    this.handing = handed;
    answer.catch(() => {}); // a caller that never awaits it learns of a refusal from aheadFailure
    this.ahead.push(answer);
    return answer;
  }

  /**
   * Once the answers of the statements sent ahead from the `from`-th on are in: the error of the
   * first one the database refused, or null.
   */
  private async aheadFailure(from: number): Promise<unknown> {
    if (this.ahead.length <= from) return null;
    const outcomes = await Promise.allSettled(this.ahead.slice(from));
    return outcomes.find((outcome) => outcome.status === 'rejected')?.reason ?? null;
  }

  /** Appends order history rows (written at the end of the unit of work). */
  recordHistory(rows: readonly HistoryRow[]): void {
    this.history.push(...rows);
  }

  /** Queues outbox events (written at the end of the unit of work, under the per-subject lock). */
  queueEvents(rows: readonly EventRow[]): void {
    this.events.push(...rows);
  }

  /**
   * Runs fn under a savepoint of this unit of work: if it throws, its writes (rows and the
   * history and events it queued) are rolled back and the unit of work stays usable.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `sp_${++this.savepoints}`;
    const history = this.history.length;
    const events = this.events.length;
    const atClose = this.atClose.length;
    const jobs = this.jobs;
    const cancels = this.cancels;
    const written = new Map(this.written);
    const ahead = this.ahead.length;
    await sql.raw(`savepoint ${name}`).execute(this.trx);
    this.openSavepoints++;
    try {
      const result = await fn();
      // what fn sent ahead is its to answer for: a refusal rolls back to the savepoint like any error
      const refused = await this.aheadFailure(ahead);
      if (refused) throw refused;
      await sql.raw(`release savepoint ${name}`).execute(this.trx);
      return result;
    } catch (error) {
      const refused = await this.aheadFailure(ahead);
      await sql.raw(`rollback to savepoint ${name}`).execute(this.trx);
      this.ahead.length = ahead;
      this.history.length = history;
      this.events.length = events;
      this.atClose.length = atClose;
      this.jobs = jobs;
      this.cancels = cancels;
      this.written = written;
      throw refused ?? error;
    } finally {
      this.openSavepoints--;
    }
  }

  /**
   * Writes what is held (called once, at the end of run). Answers what the commit brings for
   * workers and live streams, or null when it wrote no event and scheduled no job due soon.
   */
  private async flush(): Promise<Committed | null> {
    const history = this.history;
    const events = this.events;
    this.flushedEvents = events.length;
    const timers = { jobs: this.jobs, cancels: this.cancels };
    const atClose = this.atClose;
    this.history = [];
    this.events = [];
    this.jobs = [];
    this.cancels = [];
    this.atClose = [];
    const forWorker = await writeAppends(
      this.trx,
      history,
      events,
      timers,
      this.jobDueSoon,
      this.idempotencyKey,
      atClose,
    );
    return events.length > 0 || forWorker ? { forWorker } : null;
  }
}

/** Counts the statements a traced unit of work sends (begin and commit aside): `db.statements` on its span. */
class StatementCounter implements KyselyPlugin {
  count = 0;
  work: UnitOfWork | null = null;
  get events(): number {
    return this.work?.flushedEvents ?? 0;
  }
  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    this.count++;
    return args.node;
  };
  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;
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
async function writeAppends(
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
