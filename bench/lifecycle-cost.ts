/**
 * npm run bench:lifecycle-cost — what one order lifecycle costs in statements and round trips, per step.
 * Runs the app in-process against PostgreSQL and drives K orders through the B2C process the way an
 * integration does: intake → payment_authorized → shipped (which captures) → delivered (each an API
 * call). Every statement is counted at the driver (pg.Client.prototype.query is wrapped), so the counts
 * include what Kysely, the process engine, routing and fulfilment send; pg_stat_statements is not needed.
 * A round trip is a statement sent while no other was in flight on its connection (pipelined ones ride along).
 * BENCH_ORDERS (K, default 50), BENCH_CONCURRENCY (default 1: counts per step are exact at 1).
 * BENCH_TRACE=1 prints the statements of the last order's steps (first 160 characters each).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/db.js';
import { testApp, seedBasics, orderBody } from '../test/support.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { fmt, memory, runConcurrent, scratchDatabase } from './lib.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
// payment_captured is not sent: the process captures the authorisation itself when `shipped` arrives.
const STEPS = ['intake', 'payment_authorized', 'shipped', 'delivered'] as const;

/** Driver-level counters: every statement any pool client sends, and the round trips among them. */
const counter = { statements: 0, roundTrips: 0, commits: 0 };
const TRACE = process.env.BENCH_TRACE === '1';
let traced: string[] = [];
const inFlight = new WeakMap<object, number>();
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '');
  counter.statements++;
  if (TRACE) traced.push(text.replace(/\s+/g, ' ').slice(0, 160));
  if (/^\s*commit/i.test(text)) counter.commits++;
  const pending = inFlight.get(this) ?? 0;
  if (pending === 0) counter.roundTrips++;
  inFlight.set(this, pending + 1);
  const settle = () => inFlight.set(this, (inFlight.get(this) ?? 1) - 1);
  const result = (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  if (result && typeof (result as Promise<unknown>).then === 'function')
    (result as Promise<unknown>).then(settle, settle);
  else settle();
  return result;
} as typeof pg.Client.prototype.query;

const scratch = await scratchDatabase();
const database = await openDatabase({ url: scratch.url, poolSize: 16 });
await migrateToLatest(database.db);
const app = await testApp({ database });
try {
  await seedBasics(app);
  // A capped warehouse, as real ones are: routing claims a unit of its daily capacity per order.
  await app.call('PATCH', '/api/v1/locations/WAW-1', { dailyCapacity: 10_000_000 });
  for (const sku of ['SKU-1', 'SKU-2', 'SKU-3'])
    for (const location of ['WAW-1'])
      await app.call('POST', '/api/v1/inventory/stock:set', { sku, location, onHand: 1_000_000 });
  const source = readFileSync(join(import.meta.dirname, '..', 'processes', 'b2c-omnichannel.yaml'), 'utf8');
  const draft = await app.call('POST', '/api/v1/processes', { source });
  await app.call('POST', `/api/v1/processes/${draft.body.key}/versions/${draft.body.version}/publish`);
  await app.call('PUT', '/api/v1/process-selection-rules', {
    rules: [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }],
  });
  const ok = async (method: string, url: string, body?: unknown) => {
    const response = await app.call(method, url, body);
    if (response.status >= 300) throw new Error(`${url} ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const totals = Object.fromEntries(STEPS.map((step) => [step, { statements: 0, roundTrips: 0, commits: 0 }]));
  const measure = async <T>(step: (typeof STEPS)[number], work: () => Promise<T>): Promise<T> => {
    const before = { ...counter };
    traced = [];
    const value = await work();
    if (TRACE) lastTrace.set(step, traced);
    totals[step]!.statements += counter.statements - before.statements;
    totals[step]!.roundTrips += counter.roundTrips - before.roundTrips;
    totals[step]!.commits += counter.commits - before.commits;
    return value;
  };
  const lastTrace = new Map<string, string[]>();
  // Index scans on stock_levels (pg_stat_user_tables; the statistics reach it within a second or so).
  const stockScans = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { rows } = await sql<{
      scans: string;
    }>`select coalesce(idx_scan, 0)::text as scans from pg_stat_user_tables where relname = 'stock_levels'`.execute(
      database.db,
    );
    return Number(rows[0]?.scans ?? 0);
  };
  const scansBefore = await stockScans();
  const run = randomUUID().slice(0, 8);
  const endStates = new Map<string, number>();
  const life = await runConcurrent(ORDERS, CONCURRENCY, async (index) => {
    const order = await measure('intake', () =>
      ok('POST', '/api/v1/orders', orderBody({ externalId: `cost-${run}-${index}` })),
    );
    for (const name of STEPS.slice(1))
      await measure(name, () => ok('POST', `/api/v1/orders/${order.id}/events`, { name }));
    const state = (await ok('GET', `/api/v1/orders/${order.id}`)).state as string;
    endStates.set(state, (endStates.get(state) ?? 0) + 1);
  });
  for (const [step, texts] of lastTrace) console.log(`--- ${step}: ${texts.length}\n${texts.join('\n')}`);
  const scansPerOrder = ((await stockScans()) - scansBefore) / ORDERS;
  const load = readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(`lifecycle cost, ${ORDERS} orders at ${CONCURRENCY} client(s), load average ${load}`);
  console.log('step                  statements/order  round trips/order  commits/order');
  let sumStatements = 0;
  let sumTrips = 0;
  for (const step of STEPS) {
    const total = totals[step]!;
    sumStatements += total.statements;
    sumTrips += total.roundTrips;
    console.log(
      `${step.padEnd(22)}${fmt(total.statements / ORDERS).padStart(16)}${fmt(total.roundTrips / ORDERS).padStart(19)}${fmt(total.commits / ORDERS).padStart(15)}`,
    );
  }
  console.log(
    `${'lifecycle'.padEnd(22)}${fmt(sumStatements / ORDERS).padStart(16)}${fmt(sumTrips / ORDERS).padStart(19)}`,
  );
  console.log(
    `throughput ${fmt(life.perSecond, 1)} lifecycles/s   p50 ${fmt(life.p50)} ms   p99 ${fmt(life.p99)} ms   errors ${life.errors}`,
  );
  console.log(`stock_levels index scans per lifecycle: ${fmt(scansPerOrder)}`);
  console.log(`end states: ${[...endStates].map(([state, count]) => `${state} ${count}`).join(', ')}   (${memory()})`);
} finally {
  await app.close();
  await database.close();
  await scratch.drop();
}
