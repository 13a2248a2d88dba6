/** What /metrics reports of a database handle's connection pool (docs/observability.md). */
export interface PoolStats {
  /** Connections open, idle, and callers queued for one. */
  total: number;
  idle: number;
  waiting: number;
  max: number;
  /** Since start: connections handed out, how many of them had to queue, and the seconds spent queued. */
  acquired: number;
  queued: number;
  waitSeconds: number;
  /** The embedded database's upkeep (pglite-pool.ts): vacuums since start and their seconds. */
  vacuums?: number;
  vacuumSeconds?: number;
}

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  connect(...args: unknown[]): unknown;
  vacuums?: number;
  vacuumSeconds?: number;
}

/** Keyed by the database handle (Kysely instance) the pool serves. */
const pools = new WeakMap<object, () => PoolStats>();

/**
 * Watches a pool (pg's, or the embedded database's single session): its gauges are read when
 * scraped, and each connect() that found no idle connection is counted with the time it waited.
 * The promise form only (Kysely's); pg's callback form passes through unmeasured.
 */
export function trackPool(db: object, pool: PoolLike, max: number): void {
  const counts = { acquired: 0, queued: 0, waitSeconds: 0 };
  const connect = pool.connect.bind(pool);
  pool.connect = (...args: unknown[]) => {
    if (args.length > 0) return connect(...args);
    const queued = pool.idleCount === 0 && pool.totalCount >= max;
    const started = queued ? performance.now() : 0;
    const client = connect() as Promise<unknown>;
    counts.acquired++;
    if (!queued) return client;
    counts.queued++;
    return client.finally(() => {
      counts.waitSeconds += (performance.now() - started) / 1000;
    });
  };
  pools.set(db, () => ({
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max,
    ...counts,
    ...(pool.vacuums === undefined ? {} : { vacuums: pool.vacuums, vacuumSeconds: pool.vacuumSeconds ?? 0 }),
  }));
}

/** The pool's figures, or null for a handle opened without tracking. */
export function poolStats(db: object): PoolStats | null {
  return pools.get(db)?.() ?? null;
}
