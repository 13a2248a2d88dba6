import type { PGliteSession } from './pglite-thread.js';

/**
 * PGlite runs PostgreSQL in single-user mode: no autovacuum. Without it a named statement keeps
 * the plan it got when its tables were small (nothing tells PostgreSQL they grew), and dead row
 * versions are never reclaimed: a B2C order on a data folder took twice as long after 7,500
 * orders as after the first few hundred. So the pool runs `vacuum` itself, between two sessions'
 * use, once the rows written since the last one reach `share` of the rows the database holds
 * (at least `minRows`), as autovacuum's scale factor would: vacuum reclaims dead versions and
 * records each table's size, which makes PostgreSQL plan again the statements that read it. The
 * rows written are PostgreSQL's own counters, read at most every `checkMs` while the session is
 * used (a top-level write's affected rows start a vacuum at once when they alone reach the share).
 */
export interface Upkeep {
  minRows: number;
  share: number;
  /** How often (ms, at most, while the session is used) the rows written are read from PostgreSQL's own counters. */
  checkMs: number;
}
export const UPKEEP: Upkeep = { minRows: 2_000, share: 0.2, checkMs: 1_000 };

/** The rows the database's own tables hold, as the last vacuum counted them. */
const LIVE_ROWS = `select coalesce(sum(greatest(reltuples, 0)), 0)::int8 as rows from pg_class
  where relkind = 'r' and relnamespace = 'public'::regnamespace`;

/**
 * The rows inserted, updated and deleted in the database's own tables since it opened, by
 * PostgreSQL's counters: they see the writes of data-modifying CTEs, which a statement's affected
 * rows do not (Ordo's closing statements write an order's history, process row and state as CTEs
 * of the events' insert). PGlite publishes the counters only when asked to flush them.
 */
const FLUSH_COUNTERS = 'select pg_stat_force_next_flush()';
const ROWS_CHANGED = `select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::int8 as rows
  from pg_stat_user_tables where schemaname = 'public'`;

/**
 * A minimal pg.Pool look-alike over one PGlite instance, so Kysely's PostgresDialect runs
 * unchanged. PGlite has a single session: connect()…release() is serialised, which makes a
 * Kysely transaction own the session until it commits or rolls back. (kysely-pglite does not
 * do this: concurrent transactions shared one session — see the architecture brief.)
 */
export class PGlitePool {
  private queue: Array<() => void> = [];
  private busy = false;

  /** Rows of top-level writes since the last vacuum (a cheap lower bound, known at once). */
  private written = 0;
  private liveRows = 0;
  /** Vacuums the upkeep ran since start and the seconds they took (/metrics: ordo_embedded_vacuums). */
  vacuums = 0;
  vacuumSeconds = 0;
  /**
   * PostgreSQL's count of rows changed, as read at the last vacuum (null until the first check: a
   * folder's counters may carry on from before it was opened), and when it was last read.
   */
  private changedAtVacuum: number | null = null;
  private checkedAt = Date.now();

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
    if (this.written >= this.threshold(upkeep)) void this.vacuum().finally(() => this.handOver());
    else if (Date.now() - this.checkedAt >= upkeep.checkMs) void this.check(upkeep).finally(() => this.handOver());
    else this.handOver();
  }

  private threshold(upkeep: Upkeep): number {
    return Math.max(upkeep.minRows, upkeep.share * this.liveRows);
  }

  /** Vacuums once PostgreSQL's counters say enough rows changed since the last vacuum. */
  private async check(upkeep: Upkeep): Promise<void> {
    try {
      const changed = await this.rowsChanged();
      if (this.changedAtVacuum === null) this.changedAtVacuum = changed;
      else if (changed - this.changedAtVacuum >= this.threshold(upkeep)) await this.vacuum();
    } catch {
      // the next check tries again
    }
  }

  private async rowsChanged(): Promise<number> {
    this.checkedAt = Date.now();
    await this.pg.exec(FLUSH_COUNTERS);
    const [counted] = await this.pg.exec(ROWS_CHANGED);
    return Number(counted?.rows[0]?.rows ?? 0);
  }

  private handOver(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.busy = false;
  }

  private async vacuum(): Promise<void> {
    this.written = 0;
    try {
      const started = performance.now();
      await this.pg.exec('vacuum');
      this.vacuums++;
      this.vacuumSeconds += (performance.now() - started) / 1000;
      const [counted] = await this.pg.exec(LIVE_ROWS);
      this.liveRows = Number(counted?.rows[0]?.rows ?? 0);
      this.changedAtVacuum = await this.rowsChanged();
    } catch {
      // the next threshold tries again; a session that cannot vacuum fails its own callers
    }
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
  /** Statements handed over together (store/pipeline.ts sentTogether) run one after another, in order. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pg: PGliteSession,
    private readonly named: boolean,
    private readonly onWritten: (rows: number) => void,
    private readonly onRelease: () => void,
  ) {}

  query(sql: string, params: readonly unknown[] = []) {
    const run = this.last.then(() => this.run(sql, params));
    this.last = run.catch(() => {});
    return run;
  }

  private async run(sql: string, params: readonly unknown[]) {
    const values = params as unknown[];
    const item =
      params.length === 0
        ? ((await this.pg.exec(sql)).at(-1) ?? { rows: [], affectedRows: 0 })
        : this.named
          ? await this.pg.named<Record<string, unknown>>(sql, values)
          : await this.pg.query<Record<string, unknown>>(sql, values);
    const command = commandOf(sql);
    // rows of a top-level insert, update, delete or merge (a rolled-back one left dead versions too)
    if (command !== 'SELECT') this.onWritten(item.affectedRows ?? 0);
    return { command, rowCount: item.affectedRows ?? item.rows.length, rows: item.rows };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}
