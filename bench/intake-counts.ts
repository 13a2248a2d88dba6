/**
 * Statements per order on the B2C intake path, and what the in-process outbox worker spends.
 *
 * Starts the app in-process against a scratch PostgreSQL database with the worker running as
 * `ordo serve` runs it (LISTEN, no webhook subscribed), posts orders over HTTP and counts every
 * statement the `pg` driver sends (pg.Client's query is wrapped; pg_stat_statements is not loaded).
 * Each statement is charged to the request or to the worker by the async context that sent it
 * (the worker is started inside its own AsyncLocalStorage context, which its loops keep).
 *
 * Figures: statements per order for the request and for the worker (over the load and until the
 * outbox is drained), and worker statements per second while idle. The plain path (no process,
 * no reservation, no key) is counted beside it as the baseline of the same run.
 *
 * BENCH_ORDERS (default 300), BENCH_CLIENTS (default 4), BENCH_IDLE_S (default 10).
 */
import http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/store/db.js';
import { startWorker } from '../src/worker/worker.js';
import { fmt, memory, runConcurrent, scratchDatabase, benchTenantApp } from './lib.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 300);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_S ?? 10);
const SKUS = 50;

type Source = 'worker' | 'bench' | 'request';
const context = new AsyncLocalStorage<Source>();
const counts: Record<Source, number> = { worker: 0, bench: 0, request: 0 };
const texts = new Map<string, number>();
let keepTexts = false;

// Every statement the driver sends, whoever sends it (the app's pool, the worker, LISTEN).
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  const source = context.getStore() ?? 'request';
  counts[source]++;
  if (keepTexts && source !== 'bench') {
    const first = args[0] as string | { text?: string };
    const text = (typeof first === 'string' ? first : (first?.text ?? '?')).replace(/\s+/g, ' ').slice(0, 90);
    const key = `${source}: ${text}`;
    texts.set(key, (texts.get(key) ?? 0) + 1);
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const snapshot = () => ({ ...counts });
const since = (before: Record<Source, number>) => ({
  worker: counts.worker - before.worker,
  request: counts.request - before.request,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

async function setup(database: Database) {
  const { tenant, services, app } = await benchTenantApp(database);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          agent,
          headers: {
            authorization: `Bearer ${tenant.apiKey}`,
            ...extra,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  const must = async (path: string, body: unknown) => {
    const answer = await request('POST', path, body);
    if (answer.status >= 300) throw new Error(`${path} ${answer.status} ${answer.body}`);
  };
  await must('/api/v1/channels', { code: 'web', name: 'Sklep', kind: 'web', settings: { reserveOnIntake: false } });
  await must('/api/v1/channels', { code: 'shop', name: 'Sklep B2C', kind: 'web', settings: { reserveOnIntake: true } });
  await must('/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
  for (let sku = 1; sku <= SKUS; sku++) await must('/api/v1/products', { sku: `SKU-${sku}`, name: `Produkt ${sku}` });
  for (const code of ['WAW-1', 'KRK-1', 'POZ-1']) {
    await must('/api/v1/locations', {
      code,
      name: `Magazyn ${code}`,
      kind: 'warehouse',
      country: 'PL',
      capabilities: ['ships'],
    });
    for (let sku = 1; sku <= SKUS; sku++)
      await must('/api/v1/inventory/stock:set', { sku: `SKU-${sku}`, location: code, onHand: 1_000_000 });
  }
  const source = readFileSync(new URL('../processes/b2c-omnichannel.yaml', import.meta.url), 'utf8');
  const draft = await request('POST', '/api/v1/processes', { source });
  if (draft.status !== 201) throw new Error(`process ${draft.status} ${draft.body}`);
  const version = (JSON.parse(draft.body) as { version: number }).version;
  const published = await request('POST', `/api/v1/processes/b2c-omnichannel/versions/${version}/publish`);
  if (published.status !== 200) throw new Error(`publish ${published.status} ${published.body}`);
  const rules = await request('PUT', '/api/v1/process-selection-rules', {
    rules: [{ process: 'b2c-omnichannel', channel: ['shop'] }],
  });
  if (rules.status !== 200) throw new Error(`rules ${rules.status} ${rules.body}`);
  return { app, agent, request, jobs: services.jobs };
}

const body = (index: number, run: string, channel: string) => ({
  channel,
  externalId: `${run}-${index}`,
  customer: { code: 'C-1' },
  currency: 'PLN',
  lines: Array.from({ length: 1 + (index % 3) }, (_, line) => ({
    sku: `SKU-${1 + ((index * 7 + line * 13) % SKUS)}`,
    quantity: 1 + line,
    unitPrice: '19.99',
    taxRate: '23',
  })),
  shippingAddress: { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', country: 'PL' },
  delivery: { method: 'ship' },
});

/** Waits (counted as the bench's own) until the worker has nothing left: events fanned out, no open delivery, no due job. */
async function drained(database: Database) {
  await context.run('bench', async () => {
    for (let tries = 0; tries < 600; tries++) {
      const { rows } = await sql<{ open: string }>`select
        (select count(*) from events where not fanned_out) + (select count(*) from event_deliveries where status in ('pending', 'delivering'))
        + (select count(*) from jobs where status = 'scheduled' and run_at <= now()) as open`.execute(database.db);
      if (Number(rows[0]!.open) === 0) return;
      await sleep(100);
    }
    throw new Error('the outbox did not drain in a minute');
  });
}

const scratch = await scratchDatabase();
try {
  const database = await openDatabase({ url: scratch.url });
  const setupDone = await setup(database);
  const worker = await context.run('worker', () =>
    startWorker({ db: database.db, jobs: setupDone.jobs, listenUrl: scratch.url, scheduleRetention: true }),
  );
  await drained(database);
  await sleep(1_000);

  console.log(`Ordo intake statement counts: ${ORDERS} orders per path, ${CLIENTS} clients, Node ${process.version}`);
  console.log(`load average before: ${load()}`);

  // Idle: the worker alone.
  let before = snapshot();
  await sleep(IDLE_SECONDS * 1000);
  const idle = since(before).worker / IDLE_SECONDS;
  console.log(`idle worker: ${fmt(idle, 1)} statements/s over ${IDLE_SECONDS} s`);

  const run = randomUUID().slice(0, 8);
  const results: Record<string, { request: number; worker: number; perSecond: number; p99: number }> = {};
  for (const path of ['plain', 'b2c'] as const) {
    keepTexts = process.env.BENCH_TEXTS === '1' && path === 'b2c';
    before = snapshot();
    const measured = await runConcurrent(ORDERS, CLIENTS, async (index) => {
      const answer = await setupDone.request(
        'POST',
        '/api/v1/orders',
        body(index, `${run}-${path}`, path === 'b2c' ? 'shop' : 'web'),
        path === 'b2c' ? { 'idempotency-key': `${run}-${index}` } : {},
      );
      if (answer.status !== 201) throw new Error(`${answer.status} ${answer.body.slice(0, 300)}`);
      if (path === 'b2c') {
        const order = JSON.parse(answer.body) as { state?: string; reservation?: { status?: string } };
        if (order.state !== 'awaiting_payment' || order.reservation?.status !== 'reserved')
          throw new Error(`the B2C order did not take its path: ${answer.body.slice(0, 300)}`);
      }
    });
    if (measured.errors > 0) throw new Error(`${measured.errors} of the ${path} orders failed`);
    await drained(database);
    keepTexts = false;
    const spent = since(before);
    results[path] = {
      request: spent.request / ORDERS,
      worker: spent.worker / ORDERS,
      perSecond: measured.perSecond,
      p99: measured.p99,
    };
    console.log(
      `${path.padEnd(5)}  request ${fmt(spent.request / ORDERS, 1)} statements/order  worker ${fmt(spent.worker / ORDERS, 1)} statements/order  ` +
        `(${fmt(measured.perSecond, 0)} orders/s, p50 ${fmt(measured.p50)} ms, p99 ${fmt(measured.p99)} ms)`,
    );
  }
  const ratio = results.b2c!.request / results.plain!.request;
  console.log(`b2c / plain request statements: ${fmt(ratio, 2)}x`);
  if (texts.size > 0) {
    console.log('b2c statements by text (per order):');
    for (const [text, count] of [...texts].sort((a, b) => b[1] - a[1]).slice(0, 40))
      console.log(`  ${fmt(count / ORDERS, 2).padStart(6)}  ${text}`);
  }
  console.log(`load average after: ${load()}; ${memory()}`);
  await worker.stop();
  await setupDone.app.close();
  setupDone.agent.destroy();
  await database.close();
} finally {
  await scratch.drop();
}
