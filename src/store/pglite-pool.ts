import type { PGliteSession } from './pglite-thread.js';

/**
 * A minimal pg.Pool look-alike over one PGlite instance, so Kysely's PostgresDialect runs
 * unchanged. PGlite has a single session: connect()…release() is serialised, which makes a
 * Kysely transaction own the session until it commits or rolls back. (kysely-pglite does not
 * do this: concurrent transactions shared one session — see the architecture brief.)
 */
export class PGlitePool {
  private queue: Array<() => void> = [];
  private busy = false;

  /** @param named run parameterised statements as named ones (ORDO_PREPARE; pglite-prepared.mjs) */
  constructor(
    readonly pg: PGliteSession,
    private readonly named = true,
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
    return new PGliteClient(this.pg, this.named, () => this.release());
  }

  private release(): void {
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

  constructor(
    private readonly pg: PGliteSession,
    private readonly named: boolean,
    private readonly onRelease: () => void,
  ) {}

  async query(sql: string, params: readonly unknown[] = []) {
    const values = params as unknown[];
    const item =
      params.length === 0
        ? ((await this.pg.exec(sql)).at(-1) ?? { rows: [], affectedRows: 0 })
        : this.named
          ? await this.pg.named<Record<string, unknown>>(sql, values)
          : await this.pg.query<Record<string, unknown>>(sql, values);
    return { command: commandOf(sql), rowCount: item.affectedRows ?? item.rows.length, rows: item.rows };
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }
}
