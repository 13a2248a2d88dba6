import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGlitePool } from './pglite-pool.js';
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
  if (opts.url) return openPostgres(opts.url, opts.poolSize ?? 16, { pipeline: opts.pipeline ?? true, name: opts.prepare ?? true });
  return openPGlite(opts.dataDir ?? './data');
}

function openPostgres(url: string, max: number, tuning: { pipeline: boolean; name: boolean }): Database {
  const { pipeline } = tuning;
  const pool = new pg.Pool({ connectionString: url, max, pipeline });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => tuneClient(client, tuning));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const u = new URL(url);
  return {
    db,
    kind: 'postgres',
    describe: `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`,
    close: () => db.destroy(),
  };
}

/**
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it on each call. The same
 * few hundred statement texts make up nearly all traffic: naming each parameterised text once
 * (per process) lets every connection prepare it on first use and reuse the plan after.
 * Distinct texts are capped; beyond the cap (e.g. inserts of many different row counts)
 * statements go unnamed as before.
 */
const statementNames = new Map<string, string>();
const MAX_PREPARED = 2_000;
const DEFERRABLE = /^(begin|savepoint \w+|release savepoint \w+)$/;

type Query = (text: unknown, values?: unknown, ...rest: unknown[]) => Promise<unknown>;

/**
 * Per connection: names statements (above) and, with pg's pipeline mode, saves round trips and
 * socket writes, which dominate a short transaction's cost on a busy machine.
 * - `begin`, `savepoint x` and `release savepoint x` are answered at once and sent together with
 *   the next statement; that statement's result waits for theirs, so if one of them failed the
 *   caller still gets the error.
 * - Everything written to the socket in one tick goes out in one write (cork until the next
 *   tick), so the unit of work's last statement and its `commit` share a write and a round trip.
 * Statements still run one after another on the server, in the order they were issued.
 */
function tuneClient(client: pg.PoolClient, opts: { name: boolean; pipeline: boolean }): void {
  const query = client.query.bind(client) as Query;
  const stream = (client as unknown as { connection: { stream: { cork(): void; uncork(): void } } }).connection.stream;
  let corked = false;
  let deferred: Promise<unknown>[] = [];
  const send: Query = (text, values, ...rest) => {
    if (opts.pipeline && !corked) {
      corked = true;
      stream.cork();
      process.nextTick(() => { corked = false; stream.uncork(); });
    }
    if (!opts.name || typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || rest.length) return query(text, values, ...rest);
    let name = statementNames.get(text);
    if (!name && statementNames.size < MAX_PREPARED) statementNames.set(text, name = `ordo_${statementNames.size}`);
    return name ? query({ name, text, values }) : query(text, values);
  };
  (client as unknown as { query: Query }).query = (text, values, ...rest) => {
    if (opts.pipeline && typeof text === 'string' && rest.length === 0 && DEFERRABLE.test(text)) {
      const sent = send(text, values);
      sent.catch(() => {}); // reported through the statement that follows it
      deferred.push(sent);
      return Promise.resolve({ command: text.split(' ')[0]!.toUpperCase(), rowCount: null, rows: [], fields: [] });
    }
    const result = send(text, values, ...rest);
    const before = deferred;
    deferred = [];
    if (before.length === 0 || !(result instanceof Promise)) return result;
    return Promise.all(before).then(() => result, (e: unknown) => { result.catch(() => {}); throw e; });
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
  } catch (e) {
    unlock();
    throw e;
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
        if (held) { held = false; rmSync(path, { force: true }); }
      };
      process.once('exit', release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
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
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
