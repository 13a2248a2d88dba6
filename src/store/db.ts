import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGlitePool } from './pglite-pool.js';
import { tuneClient } from './pipeline.js';
import { trackPool } from './pool-stats.js';
import type { DB } from './schema.js';

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** A database handle or an open transaction: use cases accept either. */
export type Conn = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** A short description for logs (never the password). */
  describe: string;
  close(): Promise<void>;
}

// Both back ends return the same JS types: int8 and numeric as strings (exact; the app
// converts money to bigint), date as 'YYYY-MM-DD', timestamptz as Date, json parsed.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const keepText = (v: string) => v;
pg.types.setTypeParser(INT8, keepText);
pg.types.setTypeParser(NUMERIC, keepText);
pg.types.setTypeParser(DATE, keepText);

export interface OpenOptions {
  /** postgres://… to use PostgreSQL; otherwise the embedded database. */
  url?: string | undefined;
  /** Folder of the embedded database; 'memory://' for a throw-away one. Default ./data */
  dataDir?: string | undefined;
  poolSize?: number | undefined;
  /** PostgreSQL: pg pipeline mode (ORDO_PIPELINE); default on. */
  pipeline?: boolean | undefined;
  /** PostgreSQL: name (prepare) each parameterised statement text (ORDO_PREPARE); default on. */
  prepare?: boolean | undefined;
}

export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  if (opts.url)
    return openPostgres(opts.url, opts.poolSize ?? 16, { pipeline: opts.pipeline ?? true, name: opts.prepare ?? true });
  return openPGlite(opts.dataDir ?? './data');
}

function openPostgres(url: string, max: number, tuning: { pipeline: boolean; name: boolean }): Database {
  const { pipeline } = tuning;
  const pool = new pg.Pool({ connectionString: url, max, pipeline });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => tuneClient(client, tuning));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  trackPool(db, pool, max); // pool gauges and waits on /metrics
  const newURL = new URL(url);
  return {
    db,
    kind: 'postgres',
    describe: `PostgreSQL ${newURL.hostname}:${newURL.port || 5432}${newURL.pathname}`,
    close: () => db.destroy(),
  };
}

async function openPGlite(dataDir: string): Promise<Database> {
  const memory = dataDir.startsWith('memory://');
  let unlock = () => {};
  if (!memory) {
    mkdirSync(dataDir, { recursive: true });
    unlock = takeLock(resolve(dataDir));
  }
  try {
    const pgl = await PGlite.create(memory ? undefined : dataDir, {
      extensions: { pg_trgm },
      parsers: { [INT8]: keepText, [NUMERIC]: keepText, [DATE]: keepText },
    });
    const pool = new PGlitePool(pgl);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
    trackPool(db, pool, 1);
    return {
      db,
      kind: 'pglite',
      describe: memory ? 'embedded PGlite (in memory)' : `embedded PGlite ${resolve(dataDir)}`,
      async close() {
        await db.destroy();
        await pgl.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/**
 * PGlite neither locks its folder nor tolerates two writers: a second process would corrupt it.
 * The lockfile holds the owner's pid; a lock left by a dead process is taken over.
 */
function takeLock(dir: string): () => void {
  const path = join(dir, 'ordo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let held = true;
      const release = () => {
        if (held) {
          held = false;
          rmSync(path, { force: true });
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && isAlive(pid)) {
        throw new Error(`the embedded database in ${dir} is in use by process ${pid}; stop it or use DATABASE_URL`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
