/**
 * npm run bench:intake — orders created over HTTP per second, p50/p99, at 1, 8 and 32 concurrent
 * clients, orders of 3 lines, on PostgreSQL and on PGlite. Baseline in the same run: raw `pg`
 * writing the same rows (order, 3 lines, history, outbox event) in one transaction per order,
 * same concurrency. Client and server share this process and the machine's cores; Ordo uses its
 * default pool (16 connections). Each concurrency is run BENCH_REPEAT times (default 3) and the
 * median is reported, because a shared 2-core VM swings by ±15 % from minute to minute. CPU per
 * order is this process's (server and client) and, when PostgreSQL runs on this machine, its
 * backends' (read from /proc).
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { buildApp } from '../src/api/app.js';
import { compose } from '../src/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { fmt, memory, runConcurrent, scratchDatabase, type RunResult } from './lib.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1500);
const CONCURRENCY = [1, 8, 32];
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

/** CPU milliseconds used so far by PostgreSQL processes on this machine (0 where /proc shows none). */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 per second)
    } catch {
      /* the process ended */
    }
  }
  return ticks * 10;
}

interface Measured extends RunResult {
  nodeCpuMs: number;
  pgCpuMs: number;
}

/** Runs the same load REPEAT times and returns the median run by throughput, with CPU per order. */
async function measured(
  total: number,
  concurrency: number,
  op: (i: number, run: string) => Promise<void>,
  onPostgres = true,
): Promise<{ median: Measured; all: Measured[] }> {
  const all: Measured[] = [];
  for (let k = 0; k < Math.max(1, REPEAT); k++) {
    const run = randomUUID().slice(0, 8);
    const cpu0 = process.cpuUsage();
    const pg0 = postgresCpuMs();
    const r = await runConcurrent(total, concurrency, (i) => op(i, run));
    const cpu = process.cpuUsage(cpu0);
    all.push({
      ...r,
      nodeCpuMs: (cpu.user + cpu.system) / 1000 / total,
      pgCpuMs: onPostgres ? (postgresCpuMs() - pg0) / total : 0,
    });
  }
  const median = [...all].sort((a, b) => a.perSecond - b.perSecond)[all.length >> 1]!;
  return { median, all };
}

const line = (label: string, c: number, m: { median: Measured; all: Measured[] }, extra = '') => {
  const r = m.median;
  const runs = m.all.length > 1 ? `  [runs ${m.all.map((x) => fmt(x.perSecond, 0)).join(', ')}]` : '';
  const cpu = `cpu/order ${fmt(r.nodeCpuMs, 2)} ms node${r.pgCpuMs > 0 ? `, ${fmt(r.pgCpuMs, 2)} ms postgres` : ''}`;
  console.log(
    `${label} c=${String(c).padStart(2)}  ${fmt(r.perSecond, 0).padStart(5)} orders/s  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  errors ${r.errors}  ${cpu}${runs}${extra}`,
  );
};

async function setup(database: Database) {
  await migrateToLatest(database.db);
  const t = await createTenant(database.db, {
    slug: `bench-${randomUUID().slice(0, 8)}`,
    name: 'Bench',
    admin: { email: `bench-${randomUUID()}@example.pl`, name: 'Bench', password: 'bench-password-1' },
  });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    processes: compose({ clock: systemClock }).processes,
  });
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
            authorization: `Bearer ${t.apiKey}`,
            ...extra,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  const must = async (path: string, body: unknown) => {
    const r = await request('POST', path, body);
    if (r.status !== 201) throw new Error(`${path} ${r.status} ${r.body}`);
  };
  await must('/api/v1/channels', { code: 'web', name: 'Sklep', kind: 'web', settings: { reserveOnIntake: false } });
  for (let i = 1; i <= 3; i++) await must('/api/v1/products', { sku: `SKU-${i}`, name: `Produkt ${i} — Товар ${i}` });
  await must('/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
  // The B2C path: a channel that reserves at intake, stock at three warehouses, and the shipped
  // B2C process chosen for it by a selection rule.
  await must('/api/v1/channels', { code: 'shop', name: 'Sklep B2C', kind: 'web', settings: { reserveOnIntake: true } });
  for (const [code, lat, lon] of [
    ['WAW-1', 52.23, 21.01],
    ['KRK-1', 50.06, 19.94],
    ['POZ-1', 52.41, 16.93],
  ] as const) {
    await must('/api/v1/locations', {
      code,
      name: `Magazyn ${code}`,
      kind: 'warehouse',
      country: 'PL',
      latitude: lat,
      longitude: lon,
      capabilities: ['ships'],
    });
    for (let i = 1; i <= 3; i++) {
      const r = await request('POST', '/api/v1/inventory/stock:set', {
        sku: `SKU-${i}`,
        location: code,
        onHand: 1_000_000,
      });
      if (r.status >= 300) throw new Error(`stock ${r.status} ${r.body}`);
    }
  }
  const source = readFileSync(new URL('../processes/b2c-omnichannel.yaml', import.meta.url), 'utf8');
  const draft = await request('POST', '/api/v1/processes', { source });
  if (draft.status !== 201) throw new Error(`process ${draft.status} ${draft.body}`);
  const published = await request(
    'POST',
    `/api/v1/processes/b2c-omnichannel/versions/${JSON.parse(draft.body).version}/publish`,
  );
  if (published.status !== 200) throw new Error(`publish ${published.status} ${published.body}`);
  const rules = await request('PUT', '/api/v1/process-selection-rules', {
    rules: [{ process: 'b2c-omnichannel', channel: ['shop'] }],
  });
  if (rules.status !== 200) throw new Error(`rules ${rules.status} ${rules.body}`);
  return { app, agent, request, tenantId: t.tenantId };
}

const plainBody = (i: number, run: string) => ({
  channel: 'web',
  externalId: `${run}-${i}`,
  customer: { code: 'C-1' },
  currency: 'PLN',
  lines: [1, 2, 3].map((n) => ({ sku: `SKU-${n}`, quantity: n, unitPrice: '19.99', taxRate: '23' })),
  shippingAddress: { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', country: 'PL' },
  delivery: { method: 'ship' },
});

/** A shop's order: 1–3 lines, reserved at intake and taken by the B2C process. */
const b2cBody = (i: number, run: string) => ({
  ...plainBody(i, run),
  channel: 'shop',
  lines: [1, 2, 3]
    .slice(0, 1 + (i % 3))
    .map((n) => ({ sku: `SKU-${n}`, quantity: n, unitPrice: '19.99', taxRate: '23' })),
});

/**
 * The paths measured:
 * - `one-statement` and `unit-of-work`: intake's two paths (app/orders/create-order.ts,
 *   intakePath) on the same plain order — the second forced by an Idempotency-Key, which runs the
 *   order in the key's unit of work (the same rows plus the key's row);
 * - `b2c`: the path a shop's order takes — a channel that reserves at intake (stock at three
 *   warehouses), the shipped B2C process started (validate, then waiting for the payment with
 *   `action.requested` in the outbox) and an Idempotency-Key.
 */
const PATHS = ['one-statement', 'unit-of-work', 'b2c'] as const;

async function httpRuns(label: string, database: Database) {
  const s = await setup(database);
  const out: Array<[(typeof PATHS)[number], number, RunResult]> = [];
  for (const path of PATHS) {
    const headers = (i: number, run: string): Record<string, string> =>
      path === 'one-statement' ? {} : { 'idempotency-key': `${run}-${i}` };
    const body = path === 'b2c' ? b2cBody : plainBody;
    for (const c of CONCURRENCY) {
      const warm = randomUUID().slice(0, 8);
      await runConcurrent(50, c, async (i) => {
        const res = await s.request('POST', '/api/v1/orders', body(i, `warm${warm}`), headers(i, `warm${warm}`));
        // The B2C path must really run: the process started and waits for the payment, stock held.
        const order = JSON.parse(res.body) as { state?: string; reservation?: { status?: string } };
        if (path === 'b2c' && (order.state !== 'awaiting_payment' || order.reservation?.status !== 'reserved')) {
          throw new Error(`the B2C order did not take its path: ${res.body.slice(0, 300)}`);
        }
      });
      const m = await measured(
        ORDERS,
        c,
        async (i, run) => {
          const res = await s.request('POST', '/api/v1/orders', body(i, run), headers(i, run));
          if (res.status !== 201) throw new Error(res.body);
        },
        database.kind === 'postgres',
      );
      out.push([path, c, m.median]);
      line(`${label} ${path.padEnd(13)}`, c, m, `  (${memory()})`);
    }
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
    const m = await measured(ORDERS, c, async (i, run) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const id = randomUUID();
        await client.query(
          `insert into orders (tenant_id, id, number, channel_id, external_id, order_type, currency, state, subtotal, discount_total, tax_total, shipping_total, grand_total, delivery_method, line_count, search_text, placed_at, shipping_address)
          values ($1,$2,'RAW-'||nextval('order_number_seq'),$3,$4,'sale','PLN','accepted',11994,0,2759,0,14753,'ship',3,$4,now(),$5)`,
          [tenantId, id, ch, `raw-${run}-${i}`, JSON.stringify({ city: 'Łódź' })],
        );
        await client.query(
          `insert into order_lines (tenant_id, order_id, id, line_no, product_id, sku, name, quantity, unit_price, discount, tax, net, total)
          values ($1,$2,$3,1,$6,'SKU-1','P',1,1999,0,460,1999,2459), ($1,$2,$4,2,$7,'SKU-2','P',2,1999,0,920,3998,4918), ($1,$2,$5,3,$8,'SKU-3','P',3,1999,0,1379,5997,7376)`,
          [tenantId, id, randomUUID(), randomUUID(), randomUUID(), products[0].id, products[1].id, products[2].id],
        );
        await client.query(
          `insert into order_history (tenant_id, id, order_id, at, actor_type, action) values ($1,$2,$3,now(),'system','order.accepted')`,
          [tenantId, randomUUID(), id],
        );
        await client.query(
          `insert into events (tenant_id, id, type, subject, time, schema_version, payload) values ($1,$2,'order.accepted',$3,now(),1,$4)`,
          [tenantId, randomUUID(), id, JSON.stringify({ id, channel: 'web', grandTotal: '147.53', currency: 'PLN' })],
        );
        await client.query('commit');
      } finally {
        client.release();
      }
    });
    out.push([c, m.median]);
    line('raw pg         ', c, m);
  }
  await pool.end();
  return out;
}

console.log(
  `Ordo intake benchmark: ${ORDERS} orders of 3 lines per run, median of ${REPEAT} runs, Node ${process.version}`,
);
const scratch = await scratchDatabase();
try {
  const pgDb = await openDatabase({ url: scratch.url });
  const { out: httpPg, tenantId } = await httpRuns('PostgreSQL', pgDb);
  await pgDb.close();
  const raw = await rawBaseline(scratch.url, tenantId);
  // The baseline writes a plain order's rows; the B2C path also holds stock and starts a process.
  console.log('\nratio Ordo HTTP / raw pg transactions (PostgreSQL), per path and clients:');
  for (const [path, c, r] of httpPg) {
    const base = raw.find(([rc]) => rc === c)![1];
    console.log(`  ${path.padEnd(13)} c=${String(c).padStart(2)}: ${fmt(r.perSecond / base.perSecond, 2)}`);
  }
} finally {
  await scratch.drop();
}
if (process.env.BENCH_PGLITE !== '0') {
  const lite = await openDatabase({ dataDir: 'memory://' });
  await httpRuns('PGlite    ', lite);
  await lite.close();
}
