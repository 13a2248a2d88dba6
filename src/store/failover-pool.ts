import pg from 'pg';
import { parsePostgresUrl, type HostPort, type PostgresUrl, type SessionAttrs } from '../shared/postgres-url.js';
import { DatabaseUnavailableError, isPrimaryLost } from './failover.js';

/*
 * Connection pools over a multi-host DATABASE_URL (the form pg_auto_failover and Patroni give:
 * postgres://h1:p1,h2:p2/db?target_session_attrs=read-write). node-postgres takes one host, so the
 * pool asks each host what it is (pg_is_in_recovery(), transaction_read_only), keeps a pg.Pool on
 * the one that fits, and asks again when a connection to it fails or is refused a write. See
 * docs/failover.md for what a client sees meanwhile.
 */

/**
 * Every connection's settings (a `options=` in DATABASE_URL takes their place). JIT off: Ordo's
 * queries are short, and at 10M orders the planner's inflated estimate of an exact e-mail or
 * tracking lookup (50,000 rows for one) pushed the exact-match search over `jit_above_cost`, so
 * each search compiled ~15 ms of machine code to read one row (bench/RESULTS.md, 10M orders).
 */
export const SESSION_OPTIONS = '-c jit=off';

/** What Kysely's PostgresDialect needs from a pool. */
export interface PoolLike {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

export interface FailoverPoolOptions {
  url: PostgresUrl;
  /** Which server to keep: 'read-write' for the main pool (always), the URL's own for a read pool. */
  want: SessionAttrs;
  max: number;
  pipeline: boolean;
  /** Applied to each new connection (statement naming and pipelining, pipeline.ts). */
  tune?: (client: pg.PoolClient) => void;
  /** How long connect() keeps looking for a fitting server before giving up (ORDO_FAILOVER_WAIT_MS). */
  waitMs: number;
  /** Connect and answer time allowed to one host when asking what it is. */
  probeTimeoutMs?: number;
  /** Told when the pool moves to another server (for a log line). */
  onSwitch?: (to: HostPort, from: HostPort | null) => void;
}

interface Probe {
  target: HostPort;
  recovery: boolean;
  readOnly: boolean;
}

interface Entry {
  target: HostPort;
  pool: pg.Pool;
  /** A connection to it failed: ask the hosts again before the next checkout. */
  suspect: boolean;
}

const PROBE_SQL = "select pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as read_only";
const RETRY_MS = 200;

const writable = (probe: Probe) => !probe.recovery && !probe.readOnly;

/** Whether a server in this state serves a pool that wants `want` (for a connection it already has). */
function fits(want: SessionAttrs, probe: Probe): boolean {
  switch (want) {
    case 'read-write':
    case 'primary':
      return writable(probe);
    case 'read-only':
      return probe.readOnly;
    case 'standby':
      return probe.recovery;
    case 'any':
    case 'prefer-standby':
      return true;
  }
}

/** The host to use among those that answered (in the URL's order), as libpq chooses. */
function choose(want: SessionAttrs, probes: readonly Probe[]): Probe | undefined {
  if (want === 'prefer-standby') return probes.find((p) => p.recovery) ?? probes[0];
  return probes.find((p) => fits(want, p));
}

const same = (a: HostPort, b: HostPort) => a.host === b.host && a.port === b.port;
const label = (target: HostPort) => `${target.host}:${target.port}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(url: PostgresUrl, target: HostPort, timeoutMs: number): Promise<Probe> {
  const client = new pg.Client({
    connectionString: url.forHost(target),
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ recovery: boolean; read_only: string }>(PROBE_SQL);
    return { target, recovery: rows[0]!.recovery, readOnly: rows[0]!.read_only === 'on' };
  } finally {
    client.end().catch(() => {});
  }
}

/**
 * A pool that follows the server in the wanted role across the URL's hosts. Each new connection is
 * checked (a promoted standby that pg_auto_failover still keeps read-only is refused), and any
 * error that means the server is gone or demoted (failover.ts) makes the next checkout ask the
 * hosts again; in-flight work on the old server fails and is retried by its caller.
 */
export class FailoverPool implements PoolLike {
  private current: Entry | null = null;
  private finding: Promise<Entry> | null = null;
  private readonly retiring = new Set<Promise<void>>();
  private ended = false;

  constructor(private readonly opts: FailoverPoolOptions) {}

  /** The server in use now, if one has been found. */
  get target(): HostPort | null {
    return this.current?.target ?? null;
  }

  async connect(): Promise<pg.PoolClient> {
    const deadline = Date.now() + this.opts.waitMs;
    for (;;) {
      let entry: Entry | null = null;
      try {
        entry = await this.find();
        return await entry.pool.connect();
      } catch (error) {
        if (this.ended || !isPrimaryLost(error)) throw error;
        if (entry) this.suspect(entry);
        if (Date.now() + RETRY_MS > deadline)
          throw error instanceof DatabaseUnavailableError
            ? error
            : new DatabaseUnavailableError(`the database server is unreachable: ${(error as Error).message}`, {
                cause: error,
              });
        await sleep(RETRY_MS);
      }
    }
  }

  async end(): Promise<void> {
    this.ended = true;
    const current = this.current;
    this.current = null;
    if (current) this.retire(current);
    await Promise.all([...this.retiring]);
  }

  private find(): Promise<Entry> {
    const current = this.current;
    if (current && !current.suspect) return Promise.resolve(current);
    this.finding ??= this.discover().finally(() => {
      this.finding = null;
    });
    return this.finding;
  }

  private async discover(): Promise<Entry> {
    const { url, want } = this.opts;
    const timeoutMs = this.opts.probeTimeoutMs ?? 2_000;
    const answers = await Promise.allSettled(url.hosts.map((target) => probe(url, target, timeoutMs)));
    const probes = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
    const chosen = choose(want, probes);
    if (!chosen) {
      const states = url.hosts.map((target, index) => {
        const answer = answers[index]!;
        if (answer.status === 'rejected') return `${label(target)} ${(answer.reason as Error).message}`;
        return `${label(target)} ${answer.value.recovery ? 'standby' : answer.value.readOnly ? 'read-only' : 'primary'}`;
      });
      throw new DatabaseUnavailableError(`no ${want} server among ${states.join('; ')}`);
    }
    if (this.ended) throw new Error('the pool has been closed');
    const current = this.current;
    if (current && same(current.target, chosen.target)) {
      current.suspect = false;
      return current;
    }
    const entry = this.open(chosen.target);
    this.current = entry;
    if (current) this.retire(current);
    this.opts.onSwitch?.(chosen.target, current?.target ?? null);
    return entry;
  }

  private open(target: HostPort): Entry {
    const { url, want, max, pipeline, tune } = this.opts;
    const timeoutMs = this.opts.probeTimeoutMs ?? 2_000;
    // Each new connection says what its server is before it is used: between two discoveries the
    // server may have been demoted, or still be fenced read-only after its promotion.
    const onConnect = async (client: pg.ClientBase) => {
      const { rows } = await client.query<{ recovery: boolean; read_only: string }>({
        text: PROBE_SQL,
        query_timeout: timeoutMs,
      } as pg.QueryConfig);
      const state = { target, recovery: rows[0]!.recovery, readOnly: rows[0]!.read_only === 'on' };
      if (!fits(want, state))
        throw new DatabaseUnavailableError(`${label(target)} is no longer ${want === 'primary' ? 'read-write' : want}`);
    };
    const pool = new pg.Pool({
      connectionString: url.forHost(target),
      max,
      pipeline,
      options: SESSION_OPTIONS,
      onConnect: onConnect as unknown as (client: pg.ClientBase) => void,
    });
    const entry: Entry = { target, pool, suspect: false };
    const lost = () => this.suspect(entry);
    // An idle connection's error (its server died) must not crash the process.
    pool.on('error', lost);
    pool.on('connect', (client) => {
      // A checked-out connection emits 'error' too when its server dies: without a listener
      // that is an uncaught exception.
      client.on('error', lost);
      tune?.(client);
      watchErrors(client, (error) => {
        if (isPrimaryLost(error)) lost();
      });
    });
    return entry;
  }

  private suspect(entry: Entry): void {
    entry.suspect = true;
  }

  private retire(entry: Entry): void {
    // Waits for checked-out connections to come back (their queries fail on a dead server).
    const ending = entry.pool.end().catch(() => {});
    this.retiring.add(ending);
    void ending.then(() => this.retiring.delete(ending));
  }
}

/** Calls onError for every failed query of this client, without changing what the caller gets. */
function watchErrors(client: pg.PoolClient, onError: (error: unknown) => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) result.then(undefined, onError);
    return result;
  };
}

/**
 * The read pool: a replica (ORDO_DATABASE_READ_URL) while it answers, else the primary's pool, so
 * lists and reports keep working when the replica is down. After a failed connect the replica is
 * left alone for `downMs` before it is tried again.
 */
export class ReplicaPool implements PoolLike {
  private downUntil = 0;

  constructor(
    private readonly replica: PoolLike,
    private readonly primary: PoolLike,
    private readonly downMs = 5_000,
    private readonly onDown?: (error: unknown) => void,
  ) {}

  async connect(): Promise<pg.PoolClient> {
    if (Date.now() >= this.downUntil) {
      try {
        return await this.replica.connect();
      } catch (error) {
        if (!isPrimaryLost(error)) throw error;
        this.downUntil = Date.now() + this.downMs;
        this.onDown?.(error);
      }
    }
    return this.primary.connect();
  }

  /** Ends the replica's pool only: the primary's belongs to the main database handle. */
  end(): Promise<void> {
    return this.replica.end();
  }
}

/**
 * A single-host URL of the server a dedicated connection (LISTEN) should use now: for a
 * multi-host URL the current read-write host, asked the same way as the pool does; a single-host
 * URL is returned as it is.
 */
export async function primaryUrl(url: string, timeoutMs = 2_000): Promise<string> {
  let parsed: PostgresUrl;
  try {
    parsed = parsePostgresUrl(url);
  } catch {
    return url; // a form this parser does not split: pg reads it as one host
  }
  if (parsed.hosts.length < 2) return url;
  const answers = await Promise.allSettled(parsed.hosts.map((target) => probe(parsed, target, timeoutMs)));
  const probes = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
  const chosen = choose('read-write', probes);
  if (!chosen) throw new DatabaseUnavailableError(`no read-write server among ${parsed.hosts.map(label).join(', ')}`);
  return parsed.forHost(chosen.target);
}
