/**
 * npm run bench:lifecycle — complete order lifecycles per second through the API on PostgreSQL:
 * the shipped B2C process, intake → payment_authorized → shipped → delivered (reserve, route and
 * fulfilment request run inside those transactions), then the return-window timer fires.
 * Baseline in the same run: intake alone (one API call per order) on the same database.
 * Requests go through Fastify's inject (in-process, no sockets), so this measures Ordo + PostgreSQL.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase } from '../src/store/db.js';
import { testApp, seedBasics, orderBody } from '../test/support.js';
import { fireDueTimers } from '../src/app/process/fire-due-timers.js';
import { compose } from '../src/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { fmt, memory, runConcurrent, scratchDatabase } from './lib.js';
import { migrateToLatest } from '../src/store/migrate.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const scratch = await scratchDatabase();
const database = await openDatabase({ url: scratch.url, poolSize: 32 });
await migrateToLatest(database.db);
const t = await testApp({ database });
try {
  await seedBasics(t);
  for (const sku of ['SKU-1', 'SKU-2', 'SKU-3'])
    await t.call('POST', '/api/v1/inventory/stock:set', { sku, location: 'WAW-1', onHand: 1_000_000 });
  const source = readFileSync(join(import.meta.dirname, '..', 'processes', 'b2c-omnichannel.yaml'), 'utf8');
  const draft = await t.call('POST', '/api/v1/processes', { source });
  await t.call('POST', `/api/v1/processes/${draft.body.key}/versions/${draft.body.version}/publish`);
  await t.call('PUT', '/api/v1/process-selection-rules', {
    rules: [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }],
  });

  const ok = async (method: string, url: string, body?: unknown) => {
    const r = await t.call(method, url, body);
    if (r.status >= 300) throw new Error(`${url} ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const run = randomUUID().slice(0, 8);
  const intake = await runConcurrent(ORDERS, CONCURRENCY, async (i) => {
    await ok('POST', '/api/v1/orders', orderBody({ externalId: `base-${run}-${i}` }));
  });
  console.log(
    `baseline intake only   ${fmt(intake.perSecond, 0)} orders/s   p50 ${fmt(intake.p50)} ms   p99 ${fmt(intake.p99)} ms   errors ${intake.errors}`,
  );

  const ids: string[] = [];
  const life = await runConcurrent(ORDERS, CONCURRENCY, async (i) => {
    const o = await ok('POST', '/api/v1/orders', orderBody({ externalId: `life-${run}-${i}` }));
    for (const name of ['payment_authorized', 'shipped', 'delivered'])
      await ok('POST', `/api/v1/orders/${o.id}/events`, { name });
    ids.push(o.id);
  });
  const t0 = performance.now();
  let fired = 0;
  for (;;) {
    const r = await fireDueTimers(
      compose({ clock: systemClock }).operations,
      database.db,
      new Date(Date.now() + 20 * 86_400_000),
      { limit: 500 },
    );
    fired += r.fired;
    if (r.fired === 0) break;
  }
  const timerMs = performance.now() - t0;
  const states = await database.db
    .selectFrom('orders')
    .select('state')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('id', 'in', ids)
    .groupBy('state')
    .execute();
  console.log(
    `lifecycle (4 API calls) ${fmt(life.perSecond, 0)} lifecycles/s   p50 ${fmt(life.p50)} ms   p99 ${fmt(life.p99)} ms   errors ${life.errors}`,
  );
  console.log(`return-window timers   ${fired} fired in ${fmt(timerMs, 0)} ms (${fmt(fired / (timerMs / 1000), 0)}/s)`);
  console.log(`end states: ${states.map((s) => `${s.state} ${s.n}`).join(', ')}`);
  console.log(`ratio lifecycles / intake-only orders: ${fmt(life.perSecond / intake.perSecond, 2)}   (${memory()})`);
} finally {
  await t.close();
  await database.close();
  await scratch.drop();
}
