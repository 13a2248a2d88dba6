import type { PGliteSession } from './pglite-thread.js';
import { answeredAtOnce, DEFERRABLE } from './pipeline.js';

/**
 * PGlite runs PostgreSQL in single-user mode: no autovacuum. Without it a named statement keeps
 * the plan it got when its tables were small (nothing tells PostgreSQL they grew), and dead row
 * versions are never reclaimed: a B2C order on a data folder took twice as long after 7,500
 * orders as after the first few hundred. So the pool vacuums the tables itself, between two
 * sessions' uses, as autovacuum would pick them: a table whose dead row versions and rows inserted
 * since its last vacuum reach `minRows` plus `share` of the rows it holds (PostgreSQL's own
 * counters, which see the writes of data-modifying CTEs too; read at most every `checkMs` while the
 * session is used, or at once after top-level writes of `minRows` rows). Vacuum reclaims the dead
 * versions and records the table's size, which makes PostgreSQL plan again the statements that
 * read it. One table per hand-over: a vacuum of the whole database also visits every table that
 * did not change (~150 ms at 100,000 orders, each time), and the session waits for it.
 */
export interface Upkeep {
  minRows: number;
  share: number;
  /** How often (ms, at most, while the session is used) the tables' counters are read. */
  checkMs: number;
}
export const UPKEEP: Upkeep = { minRows: 500, share: 0.2, checkMs: 1_000 };

/**
 * PostgreSQL's counters of the tables' changes since each was last vacuumed. PGlite publishes them
 * only when asked to flush them.
 */
const FLUSH_COUNTERS = 'select pg_stat_force_next_flush()';
/** The database's own tables due a vacuum, the most changed first, each named as SQL quotes it. */
const tablesDue = (upkeep: Upkeep) => `select quote_ident(relname) as name from pg_stat_user_tables
  where schemaname = 'public'
    and n_dead_tup + n_ins_since_vacuum >= ${Number(upkeep.minRows)} + ${Number(upkeep.share)} * greatest(n_live_tup, 0)
  order by n_dead_tup + n_ins_since_vacuum desc`;

/**
 * A minimal pg.Pool look-alike over one PGlite instance, so Kysely's PostgresDialect runs
 * unchanged. PGlite has a single session: connect()…release() is serialised, which makes a
 * Kysely transaction own the session until it commits or rolls back. (kysely-pglite does not
 * do this: concurrent transactions shared one session — see the architecture brief.)
 */
export class PGlitePool {
  private queue: Array<() => void> = [];
  private busy = false;

  /** Rows of top-level writes since the tables' counters were last read (known at once). */
  private written = 0;
  private checkedAt = Date.now();
  /** Tables found due a vacuum and not vacuumed yet: one per hand-over. */
  private due: string[] = [];
  /** Tables the upkeep vacuumed since start and the seconds it took (/metrics: ordo_embedded_vacuums). */
  vacuums = 0;
  vacuumSeconds = 0;

  /**
   * @param named run parameterised statements as named ones (ORDO_PREPARE; pglite-prepared.mjs)
   * @param upkeep vacuum as the rows written grow (a data folder); null: never (the tests' memory databases)
   */
  constructor(
    readonly pg: PGliteSession,
    private readonly named = true,
    private readonly upkeep: Upkeep | null = null,
  ) {}

  // pg.Pool's gauges, for /metrics: one session, and the callers queued for it
  get totalCount(): number {
    return 1;
  }
  get idleCount(): number {
    return this.busy ? 0 : 1;
  }
  get waitingCount(): number {
    return this.queue.length;
  }

  async connect(): Promise<PGliteClient> {
    if (this.busy) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.busy = true;
    return new PGliteClient(
      this.pg,
      this.named,
      (rows) => (this.written += rows),
      () => this.release(),
    );
  }

  private release(): void {
    const upkeep = this.upkeep;
    if (!upkeep) return this.handOver();
    // the session stays taken: callers queue behind the check or the vacuum as behind a transaction
    if (this.due.length > 0) void this.vacuumNext().finally(() => this.handOver());
    else if (this.written >= upkeep.minRows || Date.now() - this.checkedAt >= upkeep.checkMs)
      void this.check(upkeep).finally(() => this.handOver());
    else this.handOver();
  }

  /** Reads which tables are due a vacuum and vacuums the first. */
  private async check(upkeep: Upkeep): Promise<void> {
    this.written = 0;
    this.checkedAt = Date.now();
    try {
      await this.pg.exec(FLUSH_COUNTERS);
      const [found] = await this.pg.exec(tablesDue(upkeep));
      this.due = (found?.rows ?? []).map((row) => String((row as { name: unknown }).name));
    } catch {
      // the next check tries again
    }
    if (this.due.length > 0) await this.vacuumNext();
  }

  private async vacuumNext(): Promise<void> {
    const table = this.due.shift()!;
    try {
      const started = performance.now();
      await this.pg.exec(`vacuum ${table}`);
      this.vacuums++;
      this.vacuumSeconds += (performance.now() - started) / 1000;
    } catch {
      // a table dropped since the check, or a session that cannot vacuum: it fails its own callers
    }
  }

  private handOver(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.busy = false;
  }

  async end(): Promise<void> {
    // The owner closes the PGlite instance itself.
  }
}

const DML = /^\s*(insert|update|delete|merge)\b/i;

function commandOf(sql: string): string {
  const match = DML.exec(sql);
  if (match) return match[1]!.toUpperCase();
  if (/^\s*with\b/i.test(sql)) {
    const main = /\)\s*(insert|update|delete|merge|select)\b[^()]*$/i.exec(sql.replace(/\([^()]*\)/g, '()'));
    if (main) return main[1]!.toUpperCase();
  }
  return 'SELECT';
}

class PGliteClient {
  private released = false;
  /**
   * Statements handed over together (store/pipeline.ts sentTogether, UnitOfWork.sendAhead) run one
   * after another, in order. On PGlite's thread each is posted at once (its thread runs them in
   * turn), so the next runs as soon as the one before ends, without a hop back to this thread
   * between them; in this thread each waits for the answer to the one before (`last`).
   */
  private last: Promise<unknown> = Promise.resolve();
  /**
   * `begin` and savepoints, answered at once and run with the next statement (as pipeline.ts does
   * on PostgreSQL): on PGlite's thread that saves a message and its answer each, and the session
   * is held by one transaction at a time, so every hop is time no other order can use it. If one
   * fails, the statement it went with fails with its error.
   */
  private deferred: string[] = [];

  constructor(
    private readonly pg: PGliteSession,
    private readonly named: boolean,
    private readonly onWritten: (rows: number) => void,
    private readonly onRelease: () => void,
  ) {}

  query(sql: string, params: readonly unknown[] = []) {
    if (params.length === 0 && DEFERRABLE.test(sql)) {
      this.deferred.push(sql);
      return Promise.resolve(answeredAtOnce(sql));
    }
    const before = this.deferred.join(';\n');
    this.deferred = [];
    if (this.pg.ordered) return this.run(sql, params, before);
    const run = this.last.then(() => this.run(sql, params, before));
    this.last = run.catch(() => {});
    return run;
  }

  private async run(sql: string, params: readonly unknown[], before: string) {
    const values = params as unknown[];
    const item =
      params.length === 0
        ? ((await this.pg.exec(before ? `${before};\n${sql}` : sql)).at(-1) ?? { rows: [], affectedRows: 0 })
        : await this.statement(sql, values, before);
    const command = commandOf(sql);
    // rows of a top-level insert, update, delete or merge (a rolled-back one left dead versions too)
    if (command !== 'SELECT') this.onWritten(item.affectedRows ?? 0);
    return { command, rowCount: item.affectedRows ?? item.rows.length, rows: item.rows };
  }

  private async statement(sql: string, values: unknown[], before: string) {
    if (before && this.pg.after) return this.pg.after<Record<string, unknown>>(before, sql, values, this.named);
    if (before) await this.pg.exec(before);
    return this.named
      ? this.pg.named<Record<string, unknown>>(sql, values)
      : this.pg.query<Record<string, unknown>>(sql, values);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}
