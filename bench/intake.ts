/**
 * npm run bench:intake — the paths users take, each over real HTTP from this load process against
 * an Ordo server started as a child process (`ordo serve` of BENCH_SERVER_ROOT, default this
 * checkout, so an older checkout can be measured by the same load for a before/after table):
 * - `plain`: no process, no reservation, no key (intake's single-statement path);
 * - `b2c`: the shipped B2C process (processes/b2c-omnichannel.yaml) chosen by a selection rule,
 *   stock reserved at intake, an Idempotency-Key per request, orders of 1–3 lines over BENCH_SKUS
 *   (200) SKUs with stock at 3 warehouses;
 * - `hot`: the same, every order also holds one hot SKU (with enough stock);
 * - `lifecycle`: b2c intake, then payment_authorized, shipped, delivered as an integration posts
 *   them (POST /orders/{id}/events): one "order" is the four calls; on PostgreSQL the cell also
 *   says how often routing moved the holds intake took (each move a release and a reservation);
 * - `raw`: a raw `pg` client doing the order-shaped writes in one transaction (order, lines,
 *   guarded stock updates, an event) — the baseline, in the same run;
 * - `raw-shared` (not in the default list): raw's statements per order, each order in a savepoint,
 *   the orders that arrive while a transaction is in flight sharing the next one (as `raw-batch`
 *   groups them): what sharing the commit alone gives, an order that fails rolled back alone;
 * - `raw-batch` (not in the default list): the same writes, but the orders that arrive while a
 *   transaction is in flight wait and go together in the next one (at most BENCH_BATCH_MAX, 16; at
 *   most BENCH_BATCH_FLIGHTS, 2, transactions at once), each statement written for the whole batch:
 *   what group commit of concurrent intakes could give at best (item 2), in the same run as `raw`;
 * - `flash` and `flash-buckets` (not in the default list; `npm run bench:hot-sku:http`): a flash
 *   sale, every order one unit of one SKU stocked at WAW-1 only, on the b2c path (process,
 *   reservation at intake, Idempotency-Key): `flash` on the plain stock row, `flash-buckets` on a
 *   SKU split by `ordo stock-buckets` into BENCH_FLASH_BUCKETS (16) buckets. The table then adds
 *   the ratio flash-buckets / flash at each number of clients.
 * At each of BENCH_CLIENTS (1,16,64) clients for BENCH_SECONDS (10) each. Per cell: orders/s,
 * p50/p99, errors, the server's RSS, CPU per order of the server process and of the PostgreSQL
 * backends serving it (/proc utime+stime), and statements, round trips and transactions per order
 * counted by bench/pg-proxy.ts between the server and PostgreSQL. Ratio: orders/s against `raw`
 * at the same clients. BENCH_DB=pglite (npm run bench:intake:pglite): the b2c path on the embedded
 * database (no proxy, the database's CPU is the server's). BENCH_PROFILE=DIR: the server runs with
 * --cpu-prof and writes its profile into DIR when it stops. BENCH_NODE_FLAGS: more node options for
 * the server only (e.g. "--max-semi-space-size=2"); on PGlite the server runs as `npm start` runs it
 * (package.json's start script: its allocator tunables and V8 options, bench/npm-start.ts;
 * BENCH_NPM_START=off for a plain `node`). BENCH_IDLE_SECONDS=N: after the last cell, the server's
 * RSS and memory once it has been idle N s (the embedded database's "RSS after 1,000 orders" is
 * the b2c cell at 16 clients, 10 s, then 15 s idle). BENCH_SETUP_SQL: SQL run on the PostgreSQL
 * database after the set-up, before the cells (an experiment, e.g. an index dropped); on PGlite, on
 * its data folder before the server opens it.
 * BENCH_STATEMENT_TIMES=N: after each cell, the N statements that took the most time at the server
 * per order (timed by the proxy from the wire: PostgreSQL's wall time, lock and I/O waits included;
 * at one client close to its CPU), and the sum over all statements. BENCH_UNIX_SOCKETS=DIR: the
 * server and the baseline reach the proxy, and the proxy PostgreSQL (its socket folder DIR), over
 * Unix sockets instead of TCP. BENCH_SERVER_LOG=LEVEL: the server logs at LEVEL (e.g. info) to this
 * output instead of only its warnings to stderr (which background work ran, e.g. a solver warm-up).
 * BENCH_ANALYZE=off: the PostgreSQL database is not analyzed after each cell's warm-up (it is by
 * default: the plans of a database in use, not of one whose tables were empty a second ago).
 */
import http from 'node:http';
import net from 'node:net';
import { spawn, spawnSync, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { fmt, percentile, scratchDatabase } from './lib.js';
import { startPgProxy, zeroCounts, type StatementTimes, type WireCounts } from './pg-proxy.js';
import { describeRuntime, npmStartRuntime, pgliteScript } from './npm-start.js';

const PATHS_ALL = [
  'plain',
  'b2c',
  'hot',
  'lifecycle',
  'raw',
  'raw-shared',
  'raw-batch',
  'flash',
  'flash-buckets',
] as const;
const PATHS_DEFAULT = ['plain', 'b2c', 'hot', 'lifecycle', 'raw'];
type PathName = (typeof PATHS_ALL)[number];
const FLASH_BUCKETS = Number(process.env.BENCH_FLASH_BUCKETS ?? 16);
const PGLITE = process.env.BENCH_DB === 'pglite';
const ANALYZE = process.env.BENCH_ANALYZE !== 'off';
const CLIENTS = (process.env.BENCH_CLIENTS ?? '1,16,64').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SKUS = Number(process.env.BENCH_SKUS ?? 200);
const PATHS = (process.env.BENCH_PATHS ?? (PGLITE ? 'b2c' : PATHS_DEFAULT.join(',')))
  .split(',')
  .map((p) => p.trim()) as PathName[];
const STATEMENT_TIMES = Number(process.env.BENCH_STATEMENT_TIMES ?? 0);
/** PostgreSQL's socket folder (e.g. /var/run/postgresql), or '' for TCP on 127.0.0.1. */
const UNIX_SOCKETS = process.env.BENCH_UNIX_SOCKETS ?? '';
const ROOT = resolve(process.env.BENCH_SERVER_ROOT ?? join(import.meta.dirname, '..'));
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 0);
const SERVER_LOG = process.env.BENCH_SERVER_LOG || undefined;
/** The embedded server runs as `npm start` runs it; on PostgreSQL, as `ordo serve` with plain node. */
const RUNTIME = PGLITE ? npmStartRuntime(ROOT) : { env: {}, nodeFlags: [] };
const WAREHOUSES = [
  ['WAW-1', 52.23, 21.01],
  ['KRK-1', 50.06, 19.94],
  ['POZ-1', 52.41, 16.93],
] as const;

const freePort = () =>
  new Promise<number>((done) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => done(port));
    });
  });

/** Clock ticks (100 a second) of utime + stime of a process; 0 when it is gone. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}
/** Where the server's memory is, from its /metrics: V8's heap in use, and memory outside it (for PGlite, its WASM memory). */
async function memoryParts(port: number): Promise<string> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const mb = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  // the embedded database's upkeep: a run of PGlite cells without a vacuum is a run going stale
  const vacuums = /^ordo_embedded_vacuums (\S+)/m.exec(text)?.[1];
  const vacuumSeconds = Number(/^ordo_embedded_vacuum_seconds (\S+)/m.exec(text)?.[1] ?? 0);
  return `heap used ${fmt(mb('nodejs_heap_size_used_bytes'), 0)} MB of ${fmt(mb('nodejs_heap_size_total_bytes'), 0)}, external ${fmt(mb('nodejs_external_memory_bytes'), 0)} MB${
    vacuums !== undefined && PGLITE ? `, vacuums ${vacuums} (${fmt(vacuumSeconds, 1)} s)` : ''
  }`;
}

const rssMb = (pid: number) => {
  const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
};

/**
 * An experiment's change to the embedded database's schema, made on its folder (migrated by the
 * tenants' creation) before the server opens it, by PGlite in a child process.
 */
function pgliteSetupSql(dataDir: string, text: string) {
  const script = pgliteScript('await db.exec(process.argv[2]);await db.close();');
  const done = spawnSync(process.execPath, ['--input-type=module', '-e', script, dataDir, text], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (done.status !== 0) throw new Error('BENCH_SETUP_SQL failed on the embedded database');
}

/** Runs the server's own CLI (tsx from the server root) and returns its output. */
function ordoCli(env: NodeJS.ProcessEnv, args: string[]) {
  return new Promise<string>((done, fail) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        error ? fail(new Error(`${args.join(' ')}: ${stderr || error.message}`)) : done(stdout),
    ),
  );
}

async function createTenant(env: NodeJS.ProcessEnv, slug: string) {
  const out = await ordoCli(env, [
    'tenant',
    'create',
    '--slug',
    slug,
    '--name',
    `Bench ${slug}`,
    '--admin-email',
    `${slug}@example.pl`,
    '--admin-name',
    'Bench',
    '--admin-password',
    'bench-password-1',
  ]);
  const key = /API key[^:]*:\s*(\S+)/.exec(out)?.[1];
  if (!key) throw new Error(`no API key in: ${out}`);
  return key;
}

async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // The server runs as users run it (`npm start`): the built dist/, not tsx's loader, whose
  // transpiled sources and maps would count in the server's CPU and RSS.
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-needed', '--quiet'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error(`the build of ${ROOT} failed`);
  const flags = [...RUNTIME.nodeFlags, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...profile, ...flags, 'dist/cli/main.js', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...RUNTIME.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: SERVER_LOG ?? 'warn',
    },
    stdio: ['ignore', SERVER_LOG ? 'inherit' : 'ignore', 'inherit'],
  });
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() - started > 120_000) throw new Error('the server did not answer in 2 minutes');
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`server ${ROOT} (pid ${child.pid}) answered in ${fmt((Date.now() - started) / 1000)} s`);
  return { child, port };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
function client(port: number, apiKey: string) {
  const request = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((done, fail) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method,
          agent,
          headers: {
            authorization: `Bearer ${apiKey}`,
            ...extra,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', fail);
      if (data) req.write(data);
      req.end();
    });
  const must = async (method: string, path: string, body?: unknown, extra?: Record<string, string>) => {
    const res = await request(method, path, body, extra);
    if (res.status >= 300) throw new Error(`${method} ${path} ${res.status} ${res.body.slice(0, 400)}`);
    return JSON.parse(res.body || '{}');
  };
  return { request, must };
}
type Client = ReturnType<typeof client>;

const address = { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', country: 'PL' };
const skuOf = (n: number) => `SKU-${String(n).padStart(4, '0')}`;

async function setupPlain(api: Client) {
  await api.must('POST', '/api/v1/channels', {
    code: 'web',
    name: 'Sklep',
    kind: 'web',
    settings: { reserveOnIntake: false },
  });
  for (let n = 1; n <= 3; n++) await api.must('POST', '/api/v1/products', { sku: skuOf(n), name: `Produkt ${n}` });
  await api.must('POST', '/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
  // no selection rule: a tenant with rules never takes the single-statement path
  await api.must('PUT', '/api/v1/process-selection-rules', { rules: [] });
}

async function setupShop(api: Client) {
  await api.must('POST', '/api/v1/channels', {
    code: 'shop',
    name: 'Sklep B2C',
    kind: 'web',
    settings: { reserveOnIntake: true },
  });
  await api.must('POST', '/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
  for (const [code, latitude, longitude] of WAREHOUSES)
    await api.must('POST', '/api/v1/locations', {
      code,
      name: `Magazyn ${code}`,
      kind: 'warehouse',
      country: 'PL',
      latitude,
      longitude,
      capabilities: ['ships'],
    });
  // the flash sale's two SKUs: stocked at one warehouse only, as a sale's stock usually is
  for (const sku of ['FLASH-ROW', 'FLASH-BKT']) {
    await api.must('POST', '/api/v1/products', { sku, name: `Wyprzedaż ${sku} — Распродажа` });
    await api.must('POST', '/api/v1/inventory/stock:set', { sku, location: 'WAW-1', onHand: 10_000_000 });
  }
  const skus = [...Array.from({ length: SKUS }, (_, n) => skuOf(n + 1)), 'HOT-1'];
  const work = skus.flatMap((sku) => [
    () => api.must('POST', '/api/v1/products', { sku, name: `Produkt ${sku} — Товар` }),
    ...WAREHOUSES.map(
      ([location]) =>
        () =>
          api.must('POST', '/api/v1/inventory/stock:set', {
            sku,
            location,
            onHand: sku === 'HOT-1' ? 10_000_000 : 1_000_000,
          }),
    ),
  ]);
  // products first (stock needs them), then stock, 8 at a time
  const products = work.filter((_, k) => k % 4 === 0);
  const stock = work.filter((_, k) => k % 4 !== 0);
  for (const batch of [products, stock]) {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < batch.length) await batch[next++]!();
      }),
    );
  }
  const source = readFileSync(join(ROOT, 'processes', 'b2c-omnichannel.yaml'), 'utf8');
  const draft = await api.must('POST', '/api/v1/processes', { source });
  await api.must('POST', `/api/v1/processes/b2c-omnichannel/versions/${draft.version}/publish`);
  await api.must('PUT', '/api/v1/process-selection-rules', {
    rules: [{ process: 'b2c-omnichannel', channel: ['shop'] }],
  });
}

const plainBody = (id: string) => ({
  channel: 'web',
  externalId: id,
  customer: { code: 'C-1' },
  currency: 'PLN',
  lines: [1, 2, 3].map((n) => ({ sku: skuOf(n), quantity: n, unitPrice: '19.99', taxRate: '23' })),
  shippingAddress: address,
  delivery: { method: 'ship' },
});

/** 1–3 distinct SKUs of the SKUS, 1–2 units each; with the hot SKU first when `hot`. */
function shopLines(hot: boolean) {
  const count = 1 + Math.floor(Math.random() * 3);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(1 + Math.floor(Math.random() * SKUS));
  const lines = [...picked].map((n) => ({
    sku: skuOf(n),
    quantity: 1 + Math.floor(Math.random() * 2),
    unitPrice: '19.99',
    taxRate: '23',
  }));
  if (hot)
    lines.splice(Math.max(0, lines.length - 1), 1, { sku: 'HOT-1', quantity: 1, unitPrice: '9.99', taxRate: '23' });
  return lines;
}
const flashBody = (id: string, sku: string) => ({
  channel: 'shop',
  externalId: id,
  customer: { code: 'C-1' },
  currency: 'PLN',
  lines: [{ sku, quantity: 1, unitPrice: '49.99', taxRate: '23' }],
  shippingAddress: address,
  delivery: { method: 'ship' },
});
const shopBody = (id: string, hot: boolean) => ({
  channel: 'shop',
  externalId: id,
  customer: { code: 'C-1' },
  currency: 'PLN',
  lines: shopLines(hot),
  shippingAddress: address,
  delivery: { method: 'ship' },
});

interface Cell {
  path: PathName;
  clients: number;
  orders: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
  rssMb: number;
  nodeCpuMs: number;
  pgCpuMs: number;
  wire: WireCounts;
  /** WAL written during the cell per order (PostgreSQL; the whole server's, so the machine must be quiet otherwise). */
  walKb: number;
  load: string;
}

/** One order of a path; throws on an answer that is not the path's. */
type Op = (id: string) => Promise<void>;

function pathOps(plain: Client, shop: Client, pool: () => pg.Pool): Record<PathName, Op> {
  const intake = async (api: Client, body: unknown, id: string, expectState?: string) => {
    const res = await api.request('POST', '/api/v1/orders', body, { 'idempotency-key': id });
    if (res.status !== 201) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
    const order = JSON.parse(res.body) as { id: string; state?: string; reservation?: { status?: string } };
    if (expectState && (order.state !== expectState || order.reservation?.status !== 'reserved'))
      throw new Error(`the order did not take the B2C path: ${res.body.slice(0, 300)}`);
    return order.id;
  };
  return {
    plain: async (id) => {
      const res = await plain.request('POST', '/api/v1/orders', plainBody(id));
      if (res.status !== 201) throw new Error(`${res.status} ${res.body.slice(0, 300)}`);
    },
    b2c: async (id) => void (await intake(shop, shopBody(id, false), id, 'awaiting_payment')),
    hot: async (id) => void (await intake(shop, shopBody(id, true), id, 'awaiting_payment')),
    lifecycle: async (id) => {
      const orderId = await intake(shop, shopBody(id, false), id, 'awaiting_payment');
      for (const name of ['payment_authorized', 'shipped', 'delivered']) {
        const res = await shop.request('POST', `/api/v1/orders/${orderId}/events`, { name });
        if (res.status >= 300) throw new Error(`${name}: ${res.status} ${res.body.slice(0, 300)}`);
      }
    },
    raw: async (id) => rawOrder(pool(), id),
    'raw-shared': (id) => (batchers['raw-shared'] ??= new RawBatcher(pool(), rawShared)).add(id),
    'raw-batch': (id) => (batchers['raw-batch'] ??= new RawBatcher(pool(), rawBatch)).add(id),
    flash: async (id) => void (await intake(shop, flashBody(id, 'FLASH-ROW'), id, 'awaiting_payment')),
    'flash-buckets': async (id) => void (await intake(shop, flashBody(id, 'FLASH-BKT'), id, 'awaiting_payment')),
  };
}

let rawContext: { tenantId: string; channelId: string; products: Map<string, string>; locations: string[] } | null =
  null;

/** fn's statements in one transaction on a connection of the pool, rolled back if it throws. */
async function inTransaction(pool: pg.Pool, fn: (conn: pg.PoolClient) => Promise<void>) {
  const conn = await pool.connect();
  try {
    await conn.query('begin');
    await fn(conn);
    await conn.query('commit');
  } catch (error) {
    await conn.query('rollback').catch(() => {});
    throw error;
  } finally {
    conn.release();
  }
}

/** The order-shaped transaction by hand: order, lines, guarded stock updates, an event. */
async function rawOrder(pool: pg.Pool, externalId: string) {
  await inTransaction(pool, (conn) => rawOrderWrites(conn, externalId));
}

/** rawOrder's statements, on a connection already in a transaction. */
async function rawOrderWrites(conn: pg.PoolClient, externalId: string) {
  const ctx = rawContext!;
  const lines = shopLines(false);
  const orderId = randomUUID();
  await conn.query(
    `insert into orders (tenant_id, id, number, channel_id, external_id, order_type, currency, state, subtotal, discount_total, tax_total, shipping_total, grand_total, delivery_method, line_count, search_text, placed_at, shipping_address)
     values ($1,$2,'RAW-'||nextval('order_number_seq'),$3,$4,'sale','PLN','awaiting_payment',3998,0,920,0,4918,'ship',$5,$4,now(),$6)`,
    [ctx.tenantId, orderId, ctx.channelId, externalId, lines.length, JSON.stringify(address)],
  );
  const values: unknown[] = [ctx.tenantId, orderId];
  const rows = lines.map((line, k) => {
    values.push(randomUUID(), k + 1, ctx.products.get(line.sku), line.sku, line.quantity);
    const at = values.length - 4;
    return `($1,$2,$${at},$${at + 1},$${at + 2},$${at + 3},'P',$${at + 4},1999,0,460,1999,2459)`;
  });
  await conn.query(
    `insert into order_lines (tenant_id, order_id, id, line_no, product_id, sku, name, quantity, unit_price, discount, tax, net, total) values ${rows.join(',')}`,
    values,
  );
  const location = ctx.locations[Math.floor(Math.random() * ctx.locations.length)];
  // rows locked in one order (by product id), as Ordo locks them: no deadlock between two orders
  const byProduct = [...lines].sort((a, b) => ctx.products.get(a.sku)!.localeCompare(ctx.products.get(b.sku)!));
  for (const line of byProduct) {
    const updated = await conn.query(
      `update stock_levels set reserved = reserved + $4, updated_at = now()
       where tenant_id = $1 and product_id = $2 and location_id = $3 and on_hand - reserved - safety >= $4`,
      [ctx.tenantId, ctx.products.get(line.sku), location, line.quantity],
    );
    if (updated.rowCount !== 1) throw new Error(`no stock for ${line.sku}`);
  }
  await conn.query(
    `insert into events (tenant_id, id, type, subject, time, schema_version, payload) values ($1,$2,'order.accepted',$3,now(),1,$4)`,
    [ctx.tenantId, randomUUID(), orderId, JSON.stringify({ id: orderId, channel: 'shop', currency: 'PLN' })],
  );
}

const BATCH_MAX = Number(process.env.BENCH_BATCH_MAX ?? 16);
const BATCH_FLIGHTS = Number(process.env.BENCH_BATCH_FLIGHTS ?? 2);
type BatchWrites = (pool: pg.Pool, externalIds: string[]) => Promise<Array<unknown | null>>;
const batchers: Partial<Record<'raw-shared' | 'raw-batch', RawBatcher>> = {};

/**
 * Group commit by hand: an order waits while BATCH_FLIGHTS transactions are in flight, and the
 * orders waiting then go together, written by `writes` (which answers each order's error or null).
 */
class RawBatcher {
  private waiting: Array<{ id: string; done: (error?: unknown) => void }> = [];
  private flying = 0;
  /** Orders per transaction, for the printed average. */
  readonly sizes: number[] = [];
  constructor(
    private readonly pool: pg.Pool,
    private readonly writes: BatchWrites,
  ) {}
  add(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, done: (error) => (error ? reject(error) : resolve()) });
      this.fly();
    });
  }
  private fly() {
    while (this.flying < BATCH_FLIGHTS && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, BATCH_MAX);
      this.flying++;
      this.sizes.push(batch.length);
      this.writes(
        this.pool,
        batch.map((b) => b.id),
      )
        .then(
          (errors) => batch.forEach((b, k) => b.done(errors[k] ?? undefined)),
          (error) => batch.forEach((b) => b.done(error)),
        )
        .finally(() => {
          this.flying--;
          this.fly();
        });
    }
  }
}

/**
 * Several orders in one transaction, each by rawOrder's own statements inside a savepoint: an
 * order that fails is rolled back alone and the others commit (sharing the commit, not the
 * statements).
 */
async function rawShared(pool: pg.Pool, externalIds: string[]) {
  const errors: Array<unknown | null> = [];
  await inTransaction(pool, async (conn) => {
    for (const externalId of externalIds) {
      await conn.query('savepoint o');
      try {
        await rawOrderWrites(conn, externalId);
        await conn.query('release savepoint o');
        errors.push(null);
      } catch (error) {
        await conn.query('rollback to savepoint o');
        errors.push(error);
      }
    }
  });
  return errors;
}

/** rawOrder's writes for several orders, each statement once for all of them (all or nothing). */
async function rawBatch(pool: pg.Pool, externalIds: string[]) {
  const ctx = rawContext!;
  const orders = externalIds.map((externalId) => ({
    externalId,
    id: randomUUID(),
    lines: shopLines(false),
    location: ctx.locations[Math.floor(Math.random() * ctx.locations.length)]!,
  }));
  await inTransaction(pool, async (conn) => {
    await conn.query(
      `insert into orders (tenant_id, id, number, channel_id, external_id, order_type, currency, state, subtotal, discount_total, tax_total, shipping_total, grand_total, delivery_method, line_count, search_text, placed_at, shipping_address)
       select $1, o.id, 'RAW-'||nextval('order_number_seq'), $2, o.ext, 'sale', 'PLN', 'awaiting_payment', 3998, 0, 920, 0, 4918, 'ship', o.n, o.ext, now(), $3
       from unnest($4::uuid[], $5::text[], $6::int[]) as o(id, ext, n)`,
      [
        ctx.tenantId,
        ctx.channelId,
        JSON.stringify(address),
        orders.map((o) => o.id),
        orders.map((o) => o.externalId),
        orders.map((o) => o.lines.length),
      ],
    );
    const lines = orders.flatMap((o) => o.lines.map((line, k) => ({ order: o, line, no: k + 1 })));
    await conn.query(
      `insert into order_lines (tenant_id, order_id, id, line_no, product_id, sku, name, quantity, unit_price, discount, tax, net, total)
       select $1, l.order_id, l.id, l.no, l.product_id, l.sku, 'P', l.quantity, 1999, 0, 460, 1999, 2459
       from unnest($2::uuid[], $3::uuid[], $4::int[], $5::uuid[], $6::text[], $7::int[]) as l(order_id, id, no, product_id, sku, quantity)`,
      [
        ctx.tenantId,
        lines.map((l) => l.order.id),
        lines.map(() => randomUUID()),
        lines.map((l) => l.no),
        lines.map((l) => ctx.products.get(l.line.sku)),
        lines.map((l) => l.line.sku),
        lines.map((l) => l.line.quantity),
      ],
    );
    const take = new Map<string, number>();
    for (const { order, line } of lines) {
      const key = `${ctx.products.get(line.sku)}|${order.location}`;
      take.set(key, (take.get(key) ?? 0) + line.quantity);
    }
    // the rows locked in one order (product, location) before the guarded update: batches never deadlock
    const rows = [...take]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, quantity]) => [...key.split('|'), quantity]);
    const stockArgs = [ctx.tenantId, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])];
    await conn.query(
      `select 1 from stock_levels s join unnest($2::uuid[], $3::uuid[], $4::int[]) as v(product_id, location_id, q)
         on s.product_id = v.product_id and s.location_id = v.location_id
       where s.tenant_id = $1 order by s.product_id, s.location_id for update of s`,
      stockArgs,
    );
    const updated = await conn.query(
      `update stock_levels s set reserved = s.reserved + v.q, updated_at = now()
       from unnest($2::uuid[], $3::uuid[], $4::int[]) as v(product_id, location_id, q)
       where s.tenant_id = $1 and s.product_id = v.product_id and s.location_id = v.location_id
         and s.on_hand - s.reserved - s.safety >= v.q`,
      stockArgs,
    );
    if (updated.rowCount !== rows.length) throw new Error('no stock for a line of the batch');
    await conn.query(
      `insert into events (tenant_id, id, type, subject, time, schema_version, payload)
       select $1, e.id, 'order.accepted', e.subject, now(), 1, e.payload from unnest($2::uuid[], $3::text[], $4::jsonb[]) as e(id, subject, payload)`,
      [
        ctx.tenantId,
        orders.map(() => randomUUID()),
        orders.map((o) => o.id),
        orders.map((o) => JSON.stringify({ id: o.id, channel: 'shop', currency: 'PLN' })),
      ],
    );
  });
  return orders.map(() => null);
}

/** `clients` workers run `op` until `seconds` have passed. */
async function timed(clients: number, seconds: number, op: Op) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const run = randomUUID().slice(0, 8);
  let next = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const id = `${run}-${next++}`;
        const t0 = performance.now();
        try {
          await op(id);
          latencies.push(performance.now() - t0);
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    orders: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    firstError,
  };
}

/** The statements that took the most server time per order in a cell (BENCH_STATEMENT_TIMES). */
function printStatementTimes(before: StatementTimes, after: StatementTimes, orders: number) {
  const rows = [...after].map(([text, t]) => {
    const was = before.get(text) ?? { calls: 0, ms: 0 };
    return { text, calls: (t.calls - was.calls) / Math.max(1, orders), ms: (t.ms - was.ms) / Math.max(1, orders) };
  });
  const total = rows.reduce((sum, row) => sum + row.ms, 0);
  console.log(
    `  server time per order ${fmt(total, 2)} ms over ${fmt(
      rows.reduce((n, r) => n + r.calls, 0),
      1,
    )} statements; the most:`,
  );
  for (const row of rows.sort((a, b) => b.ms - a.ms).slice(0, STATEMENT_TIMES))
    console.log(
      `  ${fmt(row.ms, 3).padStart(7)} ms  ${fmt(row.calls, 2).padStart(5)}×  ${fmt(row.ms / Math.max(row.calls, 1e-9), 3).padStart(7)} ms each  ${row.text}`,
    );
}

/** How many times routing has moved an order's holds so far (PostgreSQL; read past the proxy, so not counted). */
async function holdsMoved(url: string | undefined): Promise<number> {
  if (!url) return 0;
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  try {
    return Number(
      (await reader.query(`select count(*) as n from order_history where action = 'stock.moved'`)).rows[0].n,
    );
  } finally {
    await reader.end();
  }
}

/**
 * Where PostgreSQL's WAL is now, in bytes: the difference over a cell is what the cell wrote —
 * a measure of the writes that does not drift with the machine's speed as CPU time does.
 */
async function walPosition(url: string | undefined): Promise<number> {
  if (!url) return NaN;
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  try {
    return Number((await reader.query(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') as b`)).rows[0].b);
  } finally {
    await reader.end();
  }
}

/**
 * On PostgreSQL the scratch database's statistics are brought up to date after each cell's warm-up
 * (BENCH_ANALYZE=off: not), as autovacuum keeps them on a database in use. A fresh database's
 * tables grow from empty within the first cells, and a named statement keeps the generic plan it
 * got while they were tiny (sequential scans of a few pages, e.g. of every order to read one)
 * until its tables are next analyzed: autovacuum's first visit can come a minute later, after the
 * cells it would have changed (bench/RESULTS.md, nineteenth session).
 */
async function analyzeScratch(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await pool.query('analyze').finally(() => pool.end());
}

/** The database URL through the proxy: its local port, or its Unix socket's folder. */
function throughProxy(url: URL, proxy: { port: number; unixDir?: string }): string {
  if (proxy.unixDir) {
    url.host = 'localhost';
    url.searchParams.set('host', proxy.unixDir);
  } else url.host = `127.0.0.1:${proxy.port}`;
  return url.toString();
}

async function main() {
  const runId = randomUUID().slice(0, 6);
  const dataDir = mkdtempSync(join(tmpdir(), 'ordo-bench-')); // the embedded database, or only secrets.key
  const scratch = PGLITE ? null : await scratchDatabase();
  let server: ChildProcess | null = null;
  let proxy: Awaited<ReturnType<typeof startPgProxy>> | null = null;
  let rawPool: pg.Pool | null = null;
  try {
    const baseEnv: NodeJS.ProcessEnv = PGLITE
      ? { DATABASE_URL: '', ORDO_DATA_DIR: dataDir }
      : { DATABASE_URL: scratch!.url, ORDO_DATA_DIR: dataDir };
    const plainKey = PATHS.includes('plain') ? await createTenant(baseEnv, `plain-${runId}`) : '';
    const shopKey = await createTenant(baseEnv, `shop-${runId}`);
    let serverEnv = baseEnv;
    if (process.env.BENCH_SETUP_SQL && PGLITE) pgliteSetupSql(dataDir, process.env.BENCH_SETUP_SQL);
    if (!PGLITE) {
      const url = new URL(scratch!.url);
      proxy = await startPgProxy(
        UNIX_SOCKETS
          ? { path: join(UNIX_SOCKETS, '.s.PGSQL.5432') }
          : { host: url.hostname, port: Number(url.port || 5432) },
        STATEMENT_TIMES > 0,
        UNIX_SOCKETS ? dataDir : undefined,
      );
      serverEnv = { ...baseEnv, DATABASE_URL: throughProxy(url, proxy) };
    }
    const started = await startServer(serverEnv);
    server = started.child;
    const serverPid = server.pid!;
    const plain = client(started.port, plainKey);
    const shop = client(started.port, shopKey);
    if (plainKey) await setupPlain(plain);
    await setupShop(shop);
    if (process.env.BENCH_SETUP_SQL && scratch) {
      // an experiment's change to the schema (e.g. an index dropped), applied after the set-up
      const setupPool = new pg.Pool({ connectionString: scratch.url, max: 1 });
      await setupPool.query(process.env.BENCH_SETUP_SQL).finally(() => setupPool.end());
    }
    if (PATHS.includes('flash-buckets'))
      console.log(
        (
          await ordoCli(baseEnv, [
            'stock-buckets',
            'FLASH-BKT',
            'WAW-1',
            String(FLASH_BUCKETS),
            '--tenant',
            `shop-${runId}`,
          ])
        ).trim(),
      );
    if (PATHS.some((path) => path.startsWith('raw')) && scratch) {
      rawPool = new pg.Pool({
        connectionString: throughProxy(new URL(scratch.url), proxy!),
        max: Math.max(...CLIENTS),
      });
      rawPool.on('error', () => {});
      const tenant = (await rawPool.query('select id from tenants where slug = $1', [`shop-${runId}`])).rows[0].id;
      const channelId = (
        await rawPool.query(`select id from channels where tenant_id = $1 and code = 'shop'`, [tenant])
      ).rows[0].id;
      const products = new Map<string, string>(
        (await rawPool.query('select sku, id from products where tenant_id = $1', [tenant])).rows.map((r) => [
          r.sku,
          r.id,
        ]),
      );
      const locations = (
        await rawPool.query(`select id from locations where tenant_id = $1 and code like '%-1'`, [tenant])
      ).rows.map((r) => r.id as string);
      rawContext = { tenantId: tenant, channelId, products, locations };
    }
    const ops = pathOps(plain, shop, () => rawPool!);
    // A backend's CPU is read while it lives: a pool may close a connection mid-cell, and a
    // process gone from /proc keeps the figure last seen (new backends count from 0: their start is
    // part of the cost).
    const lastTicks = new Map<number, number>();
    const sampleBackends = () => {
      for (const pid of proxy?.backendPids ?? []) {
        const ticks = cpuTicks(pid);
        if (ticks > 0) lastTicks.set(pid, ticks);
      }
    };
    const sampler = setInterval(sampleBackends, 200);
    sampler.unref();
    const pgCpu = () => {
      sampleBackends();
      let ticks = 0;
      for (const value of lastTicks.values()) ticks += value;
      return ticks;
    };

    console.log(
      `Ordo intake paths: ${PGLITE ? `PGlite (embedded; server as npm start runs it: ${describeRuntime(RUNTIME)})` : 'PostgreSQL'}, ${SECONDS} s per cell, clients ${CLIENTS.join(', ')}, ${SKUS} SKUs, Node ${process.version}`,
    );
    const cells: Cell[] = [];
    for (const path of PATHS) {
      for (const clients of CLIENTS) {
        const op = ops[path];
        // warm-up: the same path for a second (plans, pools, JIT), not counted
        const warm = await timed(clients, Math.min(2, Math.max(1, SECONDS / 5)), op);
        if (warm.orders === 0) throw new Error(`${path}: no order succeeded in the warm-up: ${warm.firstError}`);
        if (ANALYZE && scratch) await analyzeScratch(scratch.url);
        const wire0 = proxy?.snapshot() ?? zeroCounts();
        const times0 = proxy?.snapshotTimes();
        const node0 = cpuTicks(serverPid);
        const pg0 = pgCpu();
        const moved0 = path === 'lifecycle' ? await holdsMoved(scratch?.url) : 0;
        const wal0 = await walPosition(scratch?.url);
        for (const each of Object.values(batchers)) each.sizes.splice(0); // the warm-up's
        const result = await timed(clients, SECONDS, op);
        const moved = path === 'lifecycle' ? (await holdsMoved(scratch?.url)) - moved0 : 0;
        const wal = (await walPosition(scratch?.url)) - wal0;
        const wire1 = proxy?.snapshot() ?? zeroCounts();
        const perOrder = (n: number) => n / Math.max(1, result.orders);
        const cell: Cell = {
          path,
          clients,
          ...result,
          rssMb: rssMb(serverPid),
          nodeCpuMs: path.startsWith('raw') ? NaN : perOrder((cpuTicks(serverPid) - node0) * 10),
          pgCpuMs: proxy ? perOrder((pgCpu() - pg0) * 10) : NaN,
          wire: {
            statements: perOrder(wire1.statements - wire0.statements),
            control: perOrder(wire1.control - wire0.control),
            roundTrips: perOrder(wire1.roundTrips - wire0.roundTrips),
            transactions: perOrder(wire1.transactions - wire0.transactions),
            connections: wire1.connections - wire0.connections,
          },
          walKb: perOrder(wal / 1024),
          load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
        };
        cells.push(cell);
        console.log(
          `${path.padEnd(9)} c=${String(clients).padStart(2)}  ${fmt(cell.perSecond, 0).padStart(5)}/s  p50 ${fmt(cell.p50)} p99 ${fmt(cell.p99)} ms  errors ${cell.errors}${cell.firstError ? ` (${cell.firstError.slice(0, 120)})` : ''}  load ${cell.load}  RSS ${fmt(cell.rssMb, 0)} MB: ${await memoryParts(started.port)}`,
        );
        const batcher = batchers[path as keyof typeof batchers];
        if (batcher) {
          const sizes = batcher.sizes.splice(0);
          console.log(
            `  orders per transaction: ${fmt(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length), 1)}`,
          );
        }
        if (path === 'lifecycle' && scratch)
          // routing that moves the holds intake took costs a release and a reservation per order
          console.log(`  holds moved by routing: ${fmt(moved / Math.max(1, result.orders), 2)} per lifecycle`);
        if (proxy && times0) printStatementTimes(times0, proxy.snapshotTimes(), result.orders);
      }
    }
    if (IDLE_SECONDS > 0) {
      await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
      console.log(
        `after ${IDLE_SECONDS} s idle: RSS ${fmt(rssMb(serverPid), 0)} MB: ${await memoryParts(started.port)}`,
      );
    }
    const raw = (clients: number) => cells.find((c) => c.path === 'raw' && c.clients === clients);
    const num = (n: number, d = 1) => (Number.isFinite(n) ? fmt(n, d) : '—');
    console.log(
      '\n| path | clients | orders/s | p50 ms | p99 ms | errors | server RSS MB | Node CPU ms/order | PG CPU ms/order | statements/order | round trips/order | transactions/order | vs raw | WAL KB/order |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cells) {
      const base = raw(c.clients);
      console.log(
        `| ${c.path} | ${c.clients} | ${fmt(c.perSecond, 0)} | ${num(c.p50)} | ${num(c.p99)} | ${c.errors} | ${fmt(c.rssMb, 0)} | ${num(c.nodeCpuMs, 2)} | ${num(c.pgCpuMs, 2)} | ${proxy ? `${fmt(c.wire.statements, 1)} (+${fmt(c.wire.control, 1)})` : '—'} | ${proxy ? fmt(c.wire.roundTrips, 1) : '—'} | ${proxy ? fmt(c.wire.transactions, 1) : '—'} | ${base ? fmt(c.perSecond / base.perSecond, 2) : '—'} | ${num(c.walKb, 2)} |`,
      );
    }
    const flashAt = (path: PathName, clients: number) => cells.find((c) => c.path === path && c.clients === clients);
    for (const clients of CLIENTS) {
      const row = flashAt('flash', clients);
      const bucketed = flashAt('flash-buckets', clients);
      if (row && bucketed)
        console.log(
          `flash sale, ${clients} client(s): buckets ${fmt(bucketed.perSecond, 0)}/s vs one row ${fmt(row.perSecond, 0)}/s = ${fmt(bucketed.perSecond / row.perSecond, 2)}x (load ${bucketed.load})`,
        );
    }
    console.log(
      '\nstatements exclude BEGIN/COMMIT/ROLLBACK/SAVEPOINT (the "+n"); counts and CPU include the server\'s in-process worker (outbox, timers) during the cell.',
    );
  } finally {
    await rawPool?.end().catch(() => {});
    agent.destroy();
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server!.once('exit', r));
    }
    await proxy?.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
