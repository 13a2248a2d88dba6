/**
 * npm run bench:intake — orders created over HTTP per second, p50/p99, at 1, 8 and 32 concurrent
 * clients, orders of 3 lines, on PostgreSQL and on PGlite. Baseline in the same run: raw `pg`
 * writing the same rows (order, 3 lines, history) in one transaction per order, same concurrency.
 * Client and server share this process and the machine's cores. Ordo names its statements
 * (prepared once per connection); the baseline sends them unnamed, as a plain pg client does.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { buildApp } from '../src/api/app.js';
import { systemClock } from '../src/shared/clock.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { fmt, memory, runConcurrent, scratchDatabase, type RunResult } from './lib.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1500);
const CONCURRENCY = [1, 8, 32];

async function setup(database: Database) {
  await migrateToLatest(database.db);
  const t = await createTenant(database.db, { slug: `bench-${randomUUID().slice(0, 8)}`, name: 'Bench', admin: { email: `bench-${randomUUID()}@example.pl`, name: 'Bench', password: 'bench-password-1' } });
  const app = await buildApp({ db: database.db, dbKind: database.kind, clock: systemClock, ready: async () => true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, path: string, body?: unknown) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers: { authorization: `Bearer ${t.apiKey}`, ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
  const must = async (path: string, body: unknown) => { const r = await request('POST', path, body); if (r.status !== 201) throw new Error(`${path} ${r.status} ${r.body}`); };
  await must('/api/v1/channels', { code: 'web', name: 'Sklep', kind: 'web', settings: { reserveOnIntake: false } });
  for (let i = 1; i <= 3; i++) await must('/api/v1/products', { sku: `SKU-${i}`, name: `Produkt ${i} — Товар ${i}` });
  await must('/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
  return { app, agent, request, tenantId: t.tenantId };
}

const body = (i: number, run: string) => ({
  channel: 'web', externalId: `${run}-${i}`, customer: { code: 'C-1' }, currency: 'PLN',
  lines: [1, 2, 3].map((n) => ({ sku: `SKU-${n}`, quantity: n, unitPrice: '19.99', taxRate: '23' })),
  shippingAddress: { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', country: 'PL' }, delivery: { method: 'ship' },
});

async function httpRuns(label: string, database: Database) {
  const s = await setup(database);
  const out: Array<[number, RunResult]> = [];
  for (const c of CONCURRENCY) {
    const run = randomUUID().slice(0, 8);
    await runConcurrent(50, c, async (i) => { await s.request('POST', '/api/v1/orders', body(i, `warm${run}`)); });
    const r = await runConcurrent(ORDERS, c, async (i) => {
      const res = await s.request('POST', '/api/v1/orders', body(i, run));
      if (res.status !== 201) throw new Error(res.body);
    });
    out.push([c, r]);
    console.log(`${label} HTTP  c=${String(c).padStart(2)}  ${fmt(r.perSecond, 0).padStart(5)} orders/s  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  errors ${r.errors}  (${memory()})`);
  }
  s.agent.destroy();
  await s.app.close();
  return { out, tenantId: s.tenantId };
}

/** The same rows written by raw pg, one transaction per order: what the database alone costs. */
async function rawBaseline(url: string, tenantId: string) {
  const pool = new pg.Pool({ connectionString: url, max: 32 });
  pool.on('error', () => {}); // the scratch database is dropped with its connections at the end
  const c0 = await pool.connect();
  const ch = (await c0.query('select id from channels where tenant_id = $1', [tenantId])).rows[0].id;
  const products = (await c0.query('select id, sku from products where tenant_id = $1 order by sku', [tenantId])).rows;
  c0.release();
  const out: Array<[number, RunResult]> = [];
  for (const c of CONCURRENCY) {
    const run = randomUUID().slice(0, 8);
    const r = await runConcurrent(ORDERS, c, async (i) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const id = randomUUID();
        await client.query(`insert into orders (tenant_id, id, number, channel_id, external_id, order_type, currency, state, subtotal, discount_total, tax_total, shipping_total, grand_total, delivery_method, line_count, search_text, placed_at, shipping_address)
          values ($1,$2,'RAW-'||nextval('order_number_seq'),$3,$4,'sale','PLN','accepted',11994,0,2759,0,14753,'ship',3,$4,now(),$5)`, [tenantId, id, ch, `raw-${run}-${i}`, JSON.stringify({ city: 'Łódź' })]);
        await client.query(`insert into order_lines (tenant_id, order_id, id, line_no, product_id, sku, name, quantity, unit_price, discount, tax, net, total)
          values ($1,$2,$3,1,$6,'SKU-1','P',1,1999,0,460,1999,2459), ($1,$2,$4,2,$7,'SKU-2','P',2,1999,0,920,3998,4918), ($1,$2,$5,3,$8,'SKU-3','P',3,1999,0,1379,5997,7376)`,
        [tenantId, id, randomUUID(), randomUUID(), randomUUID(), products[0].id, products[1].id, products[2].id]);
        await client.query(`insert into order_history (tenant_id, id, order_id, at, actor_type, action) values ($1,$2,$3,now(),'system','order.accepted')`, [tenantId, randomUUID(), id]);
        await client.query('commit');
      } finally {
        client.release();
      }
    });
    out.push([c, r]);
    console.log(`raw pg     c=${String(c).padStart(2)}  ${fmt(r.perSecond, 0).padStart(5)} orders/s  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms`);
  }
  await pool.end();
  return out;
}

console.log(`Ordo intake benchmark: ${ORDERS} orders of 3 lines per run, Node ${process.version}`);
const scratch = await scratchDatabase();
try {
  const pgDb = await openDatabase({ url: scratch.url, poolSize: 32 });
  const { out: httpPg, tenantId } = await httpRuns('PostgreSQL', pgDb);
  await pgDb.close();
  const raw = await rawBaseline(scratch.url, tenantId);
  console.log('\nratio Ordo HTTP / raw pg transactions (PostgreSQL):');
  for (const [i, [c, r]] of httpPg.entries()) console.log(`  c=${c}: ${fmt(r.perSecond / raw[i]![1].perSecond, 2)}`);
} finally {
  await scratch.drop();
}
if (process.env.BENCH_PGLITE !== '0') {
  const lite = await openDatabase({ dataDir: 'memory://' });
  await httpRuns('PGlite    ', lite);
  await lite.close();
}
