import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';

const folder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * A migration module: `up` and `down`, and `online = true` when it runs outside any transaction
 * so it can build indexes with CREATE INDEX CONCURRENTLY (writes go on while they build). An
 * online migration's statements must be safe to run again: one that fails half way is run again
 * from its start (online-index.ts `buildIndexOnline` drops a build that failed and starts it over).
 */
export type OrdoMigration = Migration & { online?: boolean };

/** Migrations are the files in ./migrations, applied in name order; the same set on both back ends. */
function migrationFiles(): string[] {
  return readdirSync(folder)
    .filter((name) => /^\d{4}_.+\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
}

/** The migrations in ./migrations by name. */
export async function folderMigrations(): Promise<Record<string, OrdoMigration>> {
  const out: Record<string, OrdoMigration> = {};
  for (const item of migrationFiles()) {
    out[item.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(join(folder, item)).href)) as OrdoMigration;
  }
  return out;
}

/**
 * True when the database already has exactly the migrations in ./migrations, by one cheap
 * read of Kysely's bookkeeping table; then start-up skips importing every migration module
 * and taking the migration lock (most of an existing data folder's start time on PGlite).
 */
export async function isAtLatest(db: Kysely<any>): Promise<boolean> {
  const applied = await appliedMigrations(db);
  const names = migrationFiles().map((item) => item.replace(/\.(ts|js)$/, ''));
  return applied.length === names.length && applied.every((name, index) => name === names[index]);
}

async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  const present = await sql<{ found: string | null }>`select to_regclass('kysely_migration')::text as found`.execute(
    db,
  );
  if (!present.rows[0]?.found) return [];
  return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map(
    (row) => row.name,
  );
}

/** Ordo's own lock over the whole upgrade (Kysely's is taken per run): any value but Kysely's. */
const UPGRADE_LOCK = 7_302_196_451_848_371_112n;

/**
 * Waits for the upgrade lock between short tries, not in `pg_advisory_lock`: a statement waiting
 * there holds a snapshot, and CREATE INDEX CONCURRENTLY on the node that has the lock waits for
 * every older snapshot — the two would deadlock (PostgreSQL then fails one node's start).
 */
async function takeUpgradeLock(conn: Kysely<any>): Promise<void> {
  for (;;) {
    const taken = await sql<{ ok: boolean }>`select pg_try_advisory_lock(${sql.lit(UPGRADE_LOCK)}) as ok`.execute(conn);
    if (taken.rows[0]?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Where an online migration is: an index build (PostgreSQL's pg_stat_progress_create_index), or a
 * fill of existing rows in batches (`index` null, e.g. 0040's facts of the orders already there).
 */
export interface BuildProgress {
  migration: string;
  index: string | null;
  /** PostgreSQL's words, e.g. "waiting for writers before build", "building index: scanning table"; a fill's own. */
  phase: string;
  /** Blocks of a table scan, else tuples loaded or checked (0 of 0 while it waits); a fill's rows done. */
  done: number;
  total: number;
}

export interface MigrateOptions {
  /**
   * Told every second where an online migration's index build is, and after each batch of a fill.
   * Only on PostgreSQL with a pool of two or more: it reads on another connection while the
   * migration's one builds.
   */
  onProgress?: (progress: BuildProgress) => void;
}

/**
 * Where the running online migration's fill reports, set by migrateWith while it runs one. Kept on
 * globalThis, not in this module: the CLI's bundle (scripts/build.mjs) holds its own copy of this
 * module, while the migrations it loads from dist/ import dist's.
 */
const FILL_REPORT = Symbol.for('ordo.migrate.fillReport');
type FillReport = (progress: Omit<BuildProgress, 'migration' | 'index'>) => void;
const fillHolder = globalThis as { [FILL_REPORT]?: FillReport | null };

/** Called by an online migration after each batch of its fill: where it is, for the logs and the CLI's bar. */
export function reportFill(phase: string, done: number, total: number): void {
  fillHolder[FILL_REPORT]?.({ phase, done, total });
}

/**
 * migrateToLatest for a server or worker start: where an online migration is goes to the log, at
 * each index or phase change and every 10 s (PostgreSQL).
 */
export function migrateLogging(
  database: { db: Kysely<any>; kind: string },
  log: { info: (progress: BuildProgress, message: string) => void },
): Promise<string[]> {
  return migrateToLatest(
    database.db,
    database.kind === 'postgres'
      ? { onProgress: everyChangeOr(10_000, (progress) => log.info(progress, 'upgrading the database')) }
      : {},
  );
}

export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<string[]> {
  if (await isAtLatest(db)) return [];
  return migrateWith(db, await folderMigrations(), options);
}

/**
 * Applies the pending migrations of `migrations` in name order: a run of ordinary ones in one
 * transaction (Kysely's Migrator, as before), each online one alone outside any. The runs happen
 * under Ordo's lock on one connection, so nodes started together wait for the first, then find
 * nothing to do; the pending list is read under it, so no node ever asks the Migrator for a
 * target another node has passed (which the Migrator would take as a step down).
 */
export async function migrateWith(
  db: Kysely<any>,
  migrations: Record<string, OrdoMigration>,
  options: MigrateOptions = {},
): Promise<string[]> {
  const provider = { getMigrations: async () => migrations };
  return db.connection().execute(async (conn) => {
    await takeUpgradeLock(conn);
    try {
      const pid = options.onProgress
        ? (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn)).rows[0]!.pid
        : null;
      const applied = new Set(await appliedMigrations(conn));
      const pending = Object.keys(migrations)
        .sort()
        .filter((name) => !applied.has(name));
      const done: string[] = [];
      for (let start = 0; start < pending.length;) {
        const online = migrations[pending[start]!]!.online === true;
        let end = start;
        while (!online && end + 1 < pending.length && migrations[pending[end + 1]!]!.online !== true) end += 1;
        const migrator = new Migrator({ db: conn, provider, disableTransactions: online });
        const watch =
          online && pid !== null && options.onProgress ? watchBuilds(db, pid, pending[end]!, options.onProgress) : null;
        const report = options.onProgress;
        fillHolder[FILL_REPORT] =
          online && report ? (progress) => report({ migration: pending[end]!, index: null, ...progress }) : null;
        const { error, results } = await migrator.migrateTo(pending[end]!).finally(() => {
          watch?.stop();
          fillHolder[FILL_REPORT] = null;
        });
        if (error) {
          const failed = results?.find((r) => r.status === 'Error');
          throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`, {
            cause: error,
          });
        }
        done.push(...(results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName));
        start = end + 1;
      }
      return done;
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(UPGRADE_LOCK)})`.execute(conn);
    }
  });
}

/** Reads, every second on another connection, where backend `pid`'s index build is, and tells `report`. */
function watchBuilds(db: Kysely<any>, pid: number, migration: string, report: (progress: BuildProgress) => void) {
  let stopped = false;
  const read = async () => {
    const rows = await sql<{
      index: string | null;
      phase: string;
      blocks_done: string;
      blocks_total: string;
      tuples_done: string;
      tuples_total: string;
    }>`select c.relname as index, p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total
        from pg_stat_progress_create_index p left join pg_class c on c.oid = p.index_relid
        where p.pid = ${pid}`.execute(db);
    const row = rows.rows[0];
    if (!row || stopped) return;
    const blocks = Number(row.blocks_total) > 0;
    report({
      migration,
      index: row.index,
      phase: row.phase,
      done: Number(blocks ? row.blocks_done : row.tuples_done),
      total: Number(blocks ? row.blocks_total : row.tuples_total),
    });
  };
  const timer = setInterval(() => void read().catch(() => undefined), 1_000);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** An onProgress that passes a report on when the index or phase changes, else every `everyMs` (for logs). */
export function everyChangeOr(everyMs: number, report: (progress: BuildProgress) => void) {
  let last = { key: '', at: 0 };
  return (progress: BuildProgress) => {
    const key = `${progress.index} ${progress.phase}`;
    const now = Date.now();
    if (key === last.key && now - last.at < everyMs) return;
    last = { key, at: now };
    report(progress);
  };
}
