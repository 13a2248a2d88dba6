/** Small helpers shared by the benchmarks: timing, percentiles, memory, a fixed-concurrency runner. */
import { randomUUID } from 'node:crypto';
import { createScratchDatabase } from '../src/store/scratch-database.js';
import type { Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { compose } from '../src/compose.js';
import { buildApp } from '../src/api/app.js';
import { systemClock } from '../src/shared/clock.js';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface RunResult {
  ops: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Runs `op` from `concurrency` workers until `total` operations are done; latencies in ms. */
export async function runConcurrent(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = performance.now();
        try {
          await op(i);
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: total,
    seconds,
    perSecond: total / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

export const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
export const memory = () => {
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}`;
};
export const fmt = (n: number, d = 1) => n.toFixed(d);

/** A throw-away PostgreSQL database for a benchmark (BENCH_DATABASE_URL names the server). */
export function scratchDatabase(base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test') {
  return createScratchDatabase(base, 'ordo_bench');
}

/**
 * A migrated database with a fresh tenant and the API built on it as `ordo serve` wires it
 * (processes and payments from the composition root): what most benchmarks start from.
 */
export async function benchTenantApp(database: Database) {
  await migrateToLatest(database.db);
  const tenant = await createTenant(database.db, {
    slug: `bench-${randomUUID().slice(0, 8)}`,
    name: 'Bench',
    admin: { email: `bench-${randomUUID()}@example.pl`, name: 'Bench', password: 'bench-password-1' },
  });
  const services = compose({ clock: systemClock });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    processes: services.processes,
    payments: services.payments,
  });
  return { tenant, services, app };
}
