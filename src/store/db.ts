import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGlitePool, UPKEEP, type Upkeep } from './pglite-pool.js';
import { PreparedStatements } from './pglite-prepared.mjs';
import { EMBEDDED, PGliteThread, startParamsOf, takeEarlyOpen, type PGliteSession } from './pglite-thread.js';
import { takeLock } from './data-dir-lock.js';
import { pgliteWasmModule } from './pglite-wasm.js';
import { tuneClient } from './pipeline.js';
import { trackPool } from './pool-stats.js';
import type { DB } from './schema.js';
import { describePostgresUrl, parsePostgresUrl, type HostPort, type PostgresUrl } from '../shared/postgres-url.js';
import { FailoverPool, ReplicaPool, SESSION_OPTIONS, type FailoverPoolOptions } from './failover-pool.js';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** A database handle or an open transaction: use cases accept either. */
export type Conn = Db | Tx;

export interface Database {
  db: Db;
  /**
   * For read-only queries that may lag a little (lists, search, reports): the read replica of
   * ORDO_DATABASE_READ_URL while it answers, else the primary; `db` itself when none is configured.
   */
  readDb: Db;
  kind: 'postgres' | 'pglite';
  /** A short description for logs (never the password). */
  describe: string;
  /** The embedded database only: all of it as one tar file (PGlite's `dumpDataDir`). */
  dumpDataDir?: () => Promise<Blob>;
  close(): Promise<void>;
}

// Both back ends return the same JS types: int8 and numeric as strings (exact; the app
// converts money to bigint), date as 'YYYY-MM-DD', timestamptz as Date, json parsed.
// (EMBEDDED.textTypes: int8, numeric, date — PGlite is given the same list)
const keepText = (v: string) => v;
for (const oid of EMBEDDED.textTypes) pg.types.setTypeParser(oid, keepText);

export interface OpenOptions {
  /**
   * postgres://… to use PostgreSQL; otherwise the embedded database. Several hosts
   * (postgres://h1:p1,h2:p2/db, as HA tools print it) mean: use whichever is the read-write primary.
   */
  url?: string | undefined;
  /** PostgreSQL: a read replica (one host or several) for lists, search and reports (ORDO_DATABASE_READ_URL). */
  readUrl?: string | undefined;
  /** Folder of the embedded database; 'memory://' for a throw-away one. Default ./data */
  dataDir?: string | undefined;
  /**
   * Embedded, in memory only: start from this dump (`dumpDataDir`) instead of an empty cluster —
   * the tests' migrated template, which opens in a third of the time of a fresh one.
   */
  loadDataDir?: Blob | undefined;
  /**
   * Embedded: run PGlite on its own thread (src/store/pglite-thread.ts). Default: for a data
   * folder yes (what `npm start` serves), for a memory database no (the tests' many small ones).
   */
  thread?: boolean | undefined;
  poolSize?: number | undefined;
  /** PGlite in memory: vacuum as rows are written, as a data folder always does (pglite-pool.ts, UPKEEP), or as given. */
  upkeep?: boolean | Upkeep | undefined;
  /** PostgreSQL: pg pipeline mode (ORDO_PIPELINE); default on. */
  pipeline?: boolean | undefined;
  /** Name (prepare) each parameterised statement text (ORDO_PREPARE), on PostgreSQL and PGlite; default on. */
  prepare?: boolean | undefined;
  /** Multi-host PostgreSQL: how long a connect waits for a primary during a failover (ORDO_FAILOVER_WAIT_MS). */
  failoverWaitMs?: number | undefined;
  /** Told when a multi-host pool moves to another server, or the replica is found down (log lines). */
  onFailover?: ((message: string) => void) | undefined;
}

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts);
  const dataDir = opts.dataDir ?? './data';
  return openPGlite(
    dataDir,
    opts.loadDataDir,
    opts.thread ?? !dataDir.startsWith('memory://'),
    opts.prepare ?? true,
    opts.upkeep ?? false,
  );
}

function openPostgres(url: string, opts: OpenOptions): Database {
  const tuning = { pipeline: opts.pipeline ?? true, name: opts.prepare ?? true };
  const tune = (client: pg.PoolClient) => tuneClient(client, tuning);
  const primary = openPool(url, {
    want: 'read-write',
    max: opts.poolSize ?? 16,
    pipeline: tuning.pipeline,
    tune,
    waitMs: opts.failoverWaitMs ?? 5_000,
    onSwitch: (to, from) =>
      opts.onFailover?.(`database primary ${from ? `moved from ${hostLabel(from)} to ` : 'is '}${hostLabel(to)}`),
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: primary as pg.Pool }) });
  // pool gauges and waits on /metrics (a multi-host pool reports none yet)
  if (primary instanceof pg.Pool) trackPool(db, primary, opts.poolSize ?? 16);
  let readDb = db;
  if (opts.readUrl) {
    const parsed = parsePostgresUrl(opts.readUrl);
    const replica = new FailoverPool({
      url: parsed,
      want: parsed.targetSessionAttrs ?? 'any',
      max: Math.max(2, Math.ceil((opts.poolSize ?? 16) / 2)),
      pipeline: tuning.pipeline,
      tune,
      waitMs: 0,
      onSwitch: (to) => opts.onFailover?.(`database read replica is ${hostLabel(to)}`),
    });
    const reads = new ReplicaPool(replica, primary, 5_000, (error) =>
      opts.onFailover?.(`database read replica unavailable, reading from the primary: ${(error as Error).message}`),
    );
    readDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: reads as unknown as pg.Pool }) });
  }
  return {
    db,
    readDb,
    kind: 'postgres',
    describe: describePostgresUrl(url) + (opts.readUrl ? ` (reads: ${describePostgresUrl(opts.readUrl)})` : ''),
    async close() {
      if (readDb !== db) await readDb.destroy();
      await db.destroy();
    },
  };
}

const hostLabel = (target: HostPort) => `${target.host}:${target.port}`;

/**
 * One host: a plain pg.Pool, as before. Several: a FailoverPool that keeps to the read-write one.
 */
function openPool(
  url: string,
  opts: Omit<FailoverPoolOptions, 'url' | 'want'> & { want: 'read-write' },
): pg.Pool | FailoverPool {
  let parsed: PostgresUrl | null = null;
  try {
    parsed = parsePostgresUrl(url);
  } catch {
    // a form this parser does not split (pg reads it as one host)
  }
  if (parsed && parsed.hosts.length > 1) return new FailoverPool({ ...opts, url: parsed });
  const pool = new pg.Pool({ connectionString: url, max: opts.max, pipeline: opts.pipeline, options: SESSION_OPTIONS });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    // Nor may a checked-out one's: its query fails, the request answers 503 (src/api/problem.ts).
    client.on('error', () => {});
    opts.tune?.(client);
  });
  return pool;
}

async function openPGlite(
  dataDir: string,
  loadDataDir: Blob | undefined,
  thread: boolean,
  prepare: boolean,
  upkeep: boolean | Upkeep,
): Promise<Database> {
  const memory = dataDir.startsWith('memory://');
  const taken = memory ? null : takeEarlyOpen(dataDir);
  let unlock = taken?.unlock ?? (() => {});
  try {
    if (!memory && !taken) {
      mkdirSync(dataDir, { recursive: true });
      unlock = takeLock(resolve(dataDir));
    }
    const session: PGliteSession = taken
      ? await taken.opened
      : thread
        ? await PGliteThread.open({
            dataDir: memory ? undefined : dataDir,
            loadDataDir: memory ? loadDataDir : undefined,
            wasmModule: await pgliteWasmModule(),
          })
        : inThisThread(
            await PGlite.create(memory ? undefined : dataDir, {
              ...pgliteOptions(),
              startParams: [...PGlite.defaultStartParams, ...startParamsOf(memory)],
              pgliteWasmModule: await pgliteWasmModule(),
              ...(memory && loadDataDir ? { loadDataDir } : {}),
            }),
          );
    // a data folder lives long and grows: vacuum as autovacuum would (a test's memory database does not)
    const pool = new PGlitePool(
      session,
      prepare,
      memory && !upkeep ? null : typeof upkeep === 'object' ? upkeep : UPKEEP,
    );
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
    trackPool(db, pool, 1);
    return {
      db,
      readDb: db,
      kind: 'pglite',
      describe: memory ? 'embedded PGlite (in memory)' : `embedded PGlite ${resolve(dataDir)}`,
      dumpDataDir: () => session.dumpDataDir('none'),
      async close() {
        await db.destroy();
        await session.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** A PGlite of this thread as a session: its own query, and named statements beside it. */
function inThisThread(pglite: PGlite): PGliteSession {
  const prepared = new PreparedStatements(pglite);
  return Object.assign(pglite, { named: prepared.query.bind(prepared) as PGliteSession['named'] });
}

/** PGlite as Ordo opens it (the extensions its migrations need), for backup and restore. */
export function pgliteOptions() {
  return {
    extensions: { pg_trgm },
    parsers: Object.fromEntries(EMBEDDED.textTypes.map((oid) => [oid, keepText])),
  };
}
