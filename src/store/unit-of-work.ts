import { sql, type Compilable, type KyselyPlugin, type QueryResult, type RawBuilder } from 'kysely';
import { annotate, inSpan, tracingEnabled } from '../shared/tracing.js';
import type { Db, Tx } from './db.js';
import { DatabaseUnavailableError, isPrimaryLost } from './failover.js';
import { isSerializationFailure, serializationRetryPause } from './pg-errors.js';
import {
  writeAppends,
  type DeferredJob,
  type EventRow,
  type HistoryRow,
  type IdempotencyRow,
} from './closing-statement.js';

/** How many times a unit of work runs when each run is a deadlock victim (retried). */
const DEADLOCK_ATTEMPTS = 5;

export { appendsWith, OUTBOX_CHANNEL } from './closing-statement.js';

/** Turns a unit of work's failure into the error its caller sees, or answers undefined (UnitOfWork.explainFailure). */
export type Explainer = (error: unknown, db: Db) => Promise<unknown>;

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
  /** What turns this unit of work's failure into the error its caller sees (explainFailure). */
  private explainers: Explainer[] = [];

  /** Runs what beforeNextStatement holds as the next statement is issued. */
  private readonly gate: StatementGate;
  readonly trx: Tx;

  private constructor(trx: Tx) {
    this.gate = new StatementGate();
    this.trx = trx.withPlugin(this.gate);
  }

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
    try {
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
        written = unit.flush();
        written.catch(() => {});
        return value;
      });
      // A statement sent ahead that was refused aborted the transaction: its COMMIT rolled back.
      const refused = await work!.aheadFailure(0);
      if (refused) throw refused;
      const committed = await written;
      if (committed) eventsCommitted(committed);
      return result;
    } catch (error) {
      // rolled back by now: what the failure means to the caller (explainFailure)
      throw (await work?.explained(error, db)) ?? error;
    }
  }

  /**
   * Names what a failure of this unit of work means to its caller, once it has rolled back: an
   * explainer answers the error to throw instead (it may read committed data through `db`), or
   * undefined to leave the failure as it is. For a failure that can only surface at the end (a
   * write held for the closing statement that a concurrent transaction's commit refuses).
   */
  explainFailure(explain: Explainer): void {
    this.explainers.push(explain);
  }

  private async explained(error: unknown, db: Db): Promise<unknown> {
    for (const explain of this.explainers) {
      const replaced = await explain(error, db);
      if (replaced !== undefined) return replaced;
    }
    return undefined;
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
   * Runs `before` as the next statement of this unit of work is issued, just ahead of it (once):
   * `before` sends a statement ahead (sendAhead), so the two leave together. Not for the closing
   * statement: what is still held then is the caller's to hold for it (`heldUntilClose` answers
   * whether it still is, and disarms it). For a write nothing may miss once anything else happens
   * (a new order's row held for the closing statement: create-order.ts).
   */
  beforeNextStatement(before: () => void): void {
    this.gate.before = before;
  }

  /** Whether what beforeNextStatement holds has not run yet; it will not run now. */
  heldUntilClose(): boolean {
    const held = this.gate.before !== null;
    this.gate.before = null;
    return held;
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
    const explainers = this.explainers.length;
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
      this.explainers.length = explainers;
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

/** Runs what a unit of work holds for its next statement as that statement is issued (UnitOfWork.beforeNextStatement). */
class StatementGate implements KyselyPlugin {
  before: (() => void) | null = null;
  transformQuery: KyselyPlugin['transformQuery'] = (args) => {
    const before = this.before;
    if (before) {
      this.before = null;
      before();
    }
    return args.node;
  };
  transformResult: KyselyPlugin['transformResult'] = (args) => Promise.resolve(args.result);
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
