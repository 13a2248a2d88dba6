/**
 * Search and first pages at scale (issue 19 item 5, issue 18 item 8; docs/scale.md): p50/p95 of
 * the orders list's search for each kind of needle, of the console's first pages (default list,
 * state filters, needs-attention list) and of the navigation counts, against a database loaded by
 * `ordo generate` (default ordo_scale, tenant demo). Each kind runs through `listOrders` and over
 * the HTTP API (`GET /orders?q=` through fastify's inject: routing, auth, validation,
 * serialization). Besides wall times it prints PostgreSQL CPU per request (utime + stime of the
 * database's server processes, /proc) and the load average, since wall time on a shared machine
 * says little alone.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ordo_scale npm run bench:scale
 *   ROUNDS=20 (per kind), SCALE_HTTP=0 (skip the HTTP runs), REPORT_ROUNDS=5 (each dashboard report; 0: none)
 * SCALE_UPGRADE=plain,online instead runs migration 0039 again while orders come in (see `upgrade`).
 * SCALE_INTAKE=N instead posts N B2C orders (channel web: its process, reservation, an
 * Idempotency-Key; 1–3 lines over the generated SKUs, a generated customer) one at a time through
 * the API and prints Node and PostgreSQL CPU per order — run it against ordo_scale and against a
 * database with the same catalogue and no orders (`ordo generate --orders 0 --skus 250000`) for
 * the slowdown at scale.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { openDatabase } from '../src/store/db.js';
import { scope } from '../src/store/tenant-scope.js';
import { findTenantId } from '../src/app/identity/find-tenant.js';
import { listOrders } from '../src/app/orders/list-orders.js';
import { issueApiKey } from '../src/app/identity/issue-api-key.js';
import { buildApp } from '../src/api/app.js';
import { compose } from '../src/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { folderMigrations, migrateWith, type OrdoMigration } from '../src/store/migrate.js';
import { indexes as digitIndexes } from '../src/store/migrations/0039_digit_grams.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ordo_scale';
const rounds = Number(process.env.ROUNDS ?? 20);
const database = await openDatabase({ url, poolSize: 2 });
const db = database.db;
const tenantId = await findTenantId(db, process.env.TENANT ?? 'demo');
if (!tenantId) throw new Error('no tenant: run ordo seed-demo and ordo generate first');
const store = scope(db, tenantId);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** CPU ms used so far by the server processes of this database (PostgreSQL on this machine). */
async function postgresCpu(): Promise<number> {
  const pids = await sql<{ pid: number }>`
    select pid from pg_stat_activity where datname = current_database()`.execute(db);
  let ticks = 0;
  for (const { pid } of pids.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // not on this machine or gone: counts nothing
    }
  }
  return ticks * 10; // USER_HZ = 100
}

const sizes = await sql<{
  orders: string;
  lines: string;
  history: string;
  events: string;
  shipments: string;
  skus: string;
  size: string;
}>`
  select (select count(*) from orders where tenant_id = ${tenantId}) as orders,
    (select reltuples::bigint from pg_class where relname = 'order_lines') as lines,
    (select reltuples::bigint from pg_class where relname = 'order_history') as history,
    (select reltuples::bigint from pg_class where relname = 'events') as events,
    (select reltuples::bigint from pg_class where relname = 'shipments') as shipments,
    (select count(*) from products where tenant_id = ${tenantId}) as skus,
    pg_size_pretty(pg_database_size(current_database())) as size`.execute(db);
const size = sizes.rows[0]!;
console.log(
  `orders ${size.orders}, lines ~${size.lines}, history ~${size.history}, events ~${size.events}, shipments ~${size.shipments}, SKUs ${size.skus}, database ${size.size}; load ${load()}`,
);

const sample = await sql<{
  number: string;
  external_id: string;
  customer_email: string;
  customer_name: string;
  city: string;
  phone: string;
}>`
  select number, external_id, customer_email, customer_name, shipping_address->>'city' as city,
    shipping_address->>'phone' as phone
  from orders tablesample system (0.2) where tenant_id = ${tenantId} and number like 'G%' limit ${rounds}`.execute(db);
const tracking = await sql<{ tracking_number: string }>`
  select tracking_number from shipments tablesample system (1) where tenant_id = ${tenantId}
    and tracking_number is not null limit ${rounds}`.execute(db);
const sku = await sql<{
  sku: string;
}>`select sku from products tablesample system (5) where tenant_id = ${tenantId} and sku like 'GSKU-%' limit ${rounds}`.execute(
  db,
);
const kinds: Record<string, string[]> = {
  number: sample.rows.map((row) => row.number),
  'external id': sample.rows.map((row) => row.external_id),
  'e-mail': sample.rows.map((row) => row.customer_email),
  phone: sample.rows.map((row) => row.phone),
  tracking: tracking.rows.map((row) => row.tracking_number),
  SKU: sku.rows.map((row) => row.sku),
  'SKU digits': sku.rows.map((row) => row.sku.replace(/^GSKU-/, '')),
  surname: sample.rows.map((row) => row.customer_name.split(' ')[1]!),
  'full name': sample.rows.map((row) => row.customer_name),
  city: sample.rows.map((row) => row.city),
};

interface Figure {
  kind: string;
  path: string;
  p50: number;
  p95: number;
  pgCpu: number;
  note: string;
}
const figures: Figure[] = [];
const percentile = (times: number[], share: number) =>
  times[Math.min(times.length - 1, Math.floor(share * times.length))]!;

async function measure(kind: string, path: string, runs: (() => Promise<string>)[]) {
  const times: number[] = [];
  const notes = new Map<string, number>();
  const cpuBefore = await postgresCpu();
  for (const run of runs) {
    const started = performance.now();
    const note = await run();
    times.push(performance.now() - started);
    notes.set(note, (notes.get(note) ?? 0) + 1);
  }
  const pgCpu = ((await postgresCpu()) - cpuBefore) / runs.length;
  times.sort((left, right) => left - right);
  const note = [...notes].map(([text, count]) => (notes.size > 1 ? `${text} ×${count}` : text)).join(', ');
  const figure = { kind, path, p50: percentile(times, 0.5), p95: percentile(times, 0.95), pgCpu, note };
  figures.push(figure);
  console.log(
    `${kind.padEnd(22)} ${path.padEnd(5)} p50 ${figure.p50.toFixed(1).padStart(7)} ms  p95 ${figure.p95.toFixed(1).padStart(7)} ms  PG CPU ${pgCpu.toFixed(1).padStart(6)} ms/req  (${runs.length}; ${note})`,
  );
}

const totalNote = (total: number | null | undefined, exact: boolean | null | undefined) =>
  total === null || total === undefined
    ? 'no total'
    : exact === false
      ? `total ≥${total}`
      : total <= 1
        ? `total ${total}`
        : total <= 50
          ? 'total 2–50'
          : 'total >50 (exact)';

if (process.env.SCALE_UPGRADE) {
  for (const kind of process.env.SCALE_UPGRADE.split(',')) await upgrade(kind as 'plain' | 'online');
  await database.close();
  process.exit(0);
}

if (process.env.SCALE_INTAKE) {
  await intake(Number(process.env.SCALE_INTAKE));
  await database.close();
  process.exit(0);
}

/** SCALE_ONLY=reports: only the dashboard's reports and the drill-downs (the lists their figures open). */
const reportsOnly = process.env.SCALE_ONLY === 'reports';

// Warm the caches once (each kind's first needle), then measure.
if (!reportsOnly)
  for (const needles of Object.values(kinds))
    await listOrders(store, { q: needles[0]!, limit: 50 } as Parameters<typeof listOrders>[1]);
if (!reportsOnly)
  for (const [kind, needles] of Object.entries(kinds))
    await measure(
      kind,
      'list',
      needles.map((needle) => async () => {
        const page = await listOrders(store, { q: needle, limit: 50 } as Parameters<typeof listOrders>[1]);
        if (!page.items.length) return 'NO MATCH';
        return totalNote(page.total, (page as { totalExact?: boolean | null }).totalExact);
      }),
    );

/** The API over the scale database, with an admin key for the bench. */
async function benchApp() {
  const services = compose({ clock: systemClock });
  const app = await buildApp({
    db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    processes: services.processes,
    payments: services.payments,
  });
  const key = await issueApiKey(
    store,
    { type: 'system', id: 'bench-scale' },
    { name: 'bench:scale', roles: ['admin'] },
  );
  return { app, key };
}

/** Posts B2C orders (channel web: its process, reservation, an Idempotency-Key) into the big tenant through the API. */
async function intakePoster() {
  const { app, key } = await benchApp();
  const skus = (
    await sql<{
      sku: string;
    }>`select sku from products tablesample system (2) where tenant_id = ${tenantId} and sku like 'GSKU-%' limit 600`.execute(
      db,
    )
  ).rows.map((row) => row.sku);
  const customers = (
    await sql<{
      code: string;
    }>`select code from customers where tenant_id = ${tenantId} and code like 'GC%' order by code limit 300`.execute(db)
  ).rows.map((row) => row.code);
  const run = `${Date.now().toString(36)}`;
  const post = async (index: number) => {
    const lines = Array.from({ length: 1 + (Math.abs(index) % 3) }, (_, line) => ({
      sku: skus[Math.abs(index * 7 + line * 13) % skus.length]!,
      quantity: 1,
      unitPrice: '49.99',
      taxRate: '23',
    }));
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { authorization: `Bearer ${key.secret}`, 'idempotency-key': `scale-${run}-${index}` },
      payload: {
        channel: 'web',
        externalId: `SCALE-${run}-${index}`,
        customer: { code: customers[Math.abs(index) % customers.length] ?? 'C-1' },
        currency: 'PLN',
        lines,
        shipping: { amount: '14.99', taxRate: '23' },
        shippingAddress: {
          name: 'Łucja Wiśniewska',
          line1: 'ul. Długa 1',
          city: 'Gdańsk',
          postalCode: '80-001',
          country: 'PL',
          phone: '+48600100200',
        },
        delivery: { method: 'ship' },
      },
    });
    if (response.statusCode !== 201) throw new Error(`intake: ${response.statusCode} ${response.body.slice(0, 300)}`);
    return JSON.parse(response.body) as { state: string };
  };
  const close = async () => {
    await app.close();
    await sql`delete from api_keys where tenant_id = ${tenantId} and name = 'bench:scale'`.execute(db);
  };
  return { post, close };
}

async function intake(count: number) {
  const { post, close } = await intakePoster();
  for (let index = 0; index < 20; index++) await post(-1 - index); // warm up
  const states = new Map<string, number>();
  const times: number[] = [];
  const pgBefore = await postgresCpu();
  const nodeBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const begun = performance.now();
    const order = await post(index);
    times.push(performance.now() - begun);
    states.set(order.state, (states.get(order.state) ?? 0) + 1);
  }
  const seconds = (performance.now() - started) / 1000;
  const node = process.cpuUsage(nodeBefore);
  const pg = (await postgresCpu()) - pgBefore;
  times.sort((left, right) => left - right);
  console.log(
    `intake: ${count} B2C orders in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)}/s at one client), p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms; Node CPU ${((node.user + node.system) / 1000 / count).toFixed(2)} ms/order, PostgreSQL CPU ${(pg / count).toFixed(2)} ms/order; states ${[...states].map(([state, n]) => `${state} ${n}`).join(', ')}; load ${load()}`,
  );
  await close();
}

/**
 * An upgrade while orders come in (SCALE_UPGRADE=plain,online): migration 0039's four indexes are
 * dropped and the migration made pending again, 4 clients post B2C orders, and after 3 s the
 * upgrade runs — `plain` as 0039 was written before it went online (CREATE INDEX in one
 * transaction), `online` as it is (CREATE INDEX CONCURRENTLY, outside any transaction). Prints how
 * long the upgrade took, how many orders were accepted meanwhile, and the intake's p50 / p99 / max
 * before and during it.
 */
async function upgrade(kind: 'plain' | 'online') {
  const migrations = await folderMigrations();
  const name = '0039_digit_grams';
  const online = migrations[name]!;
  const asWritten: OrdoMigration = {
    async up(conn) {
      for (const [index, definition] of digitIndexes)
        await sql.raw(`create index if not exists ${index} ${definition}`).execute(conn);
      await sql`drop index if exists orders_phone_search`.execute(conn);
    },
  };
  for (const [index] of digitIndexes) await sql.raw(`drop index if exists ${index}`).execute(db);
  await sql`delete from kysely_migration where name = ${name}`.execute(db);
  const { post, close } = await intakePoster();
  for (let index = 0; index < 20; index++) await post(-1 - index); // warm up
  const samples: { at: number; ms: number }[] = [];
  let stop = false;
  let next = 0;
  const client = async () => {
    while (!stop) {
      const index = next++;
      const begun = performance.now();
      await post(index);
      samples.push({ at: begun, ms: performance.now() - begun });
    }
  };
  const clients = Array.from({ length: 4 }, client);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const from = performance.now();
  const applied = await migrateWith(db, { ...migrations, [name]: kind === 'online' ? online : asWritten });
  const to = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  stop = true;
  await Promise.all(clients);
  await close();
  const figures = (rows: typeof samples) => {
    const times = rows.map((row) => row.ms).sort((left, right) => left - right);
    return `${rows.length} orders, p50 ${percentile(times, 0.5).toFixed(1)} ms, p99 ${percentile(times, 0.99).toFixed(1)} ms, max ${(times.at(-1) ?? 0).toFixed(0)} ms`;
  };
  const during = samples.filter((row) => row.at + row.ms > from && row.at < to);
  console.log(
    `upgrade ${kind}: ${applied.join(', ')} in ${((to - from) / 1000).toFixed(1)} s; before: ${figures(samples.filter((row) => row.at + row.ms <= from))}; during: ${figures(during)}; load ${load()}`,
  );
}

if (process.env.SCALE_HTTP !== '0') {
  const { app, key } = await benchApp();
  const call = async (path: string) => {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${key.secret}` },
    });
    if (response.statusCode !== 200) throw new Error(`${path}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    return JSON.parse(response.body) as {
      items?: unknown[];
      total?: number | null;
      totalExact?: boolean | null;
    } & Record<string, unknown>;
  };
  if (!reportsOnly)
    for (const [kind, needles] of Object.entries(kinds))
      await measure(
        kind,
        'http',
        needles.map((needle) => async () => {
          const body = await call(`/orders?q=${encodeURIComponent(needle)}&limit=50`);
          return body.items?.length ? totalNote(body.total, body.totalExact) : 'NO MATCH';
        }),
      );
  // A common needle narrowed by a filter: the page walks, and the count walks too (up to the probe).
  if (!reportsOnly)
    for (const state of ['delivered', 'in_transit'])
      await measure(
        `surname, state=${state}`,
        'http',
        kinds.surname!.map((needle) => async () => {
          const body = await call(`/orders?q=${encodeURIComponent(needle)}&state=${state}&limit=50`);
          return body.items?.length ? totalNote(body.total, body.totalExact) : 'NO MATCH';
        }),
      );
  const repeat = (path: string, note: (body: Awaited<ReturnType<typeof call>>) => string) =>
    Array.from({ length: rounds }, () => async () => note(await call(path)));
  const listNote = (body: Awaited<ReturnType<typeof call>>) =>
    `${body.items?.length} rows, ${totalNote(body.total, body.totalExact)}`;
  await call('/orders?limit=50');
  if (!reportsOnly) {
    await measure('first page', 'http', repeat('/orders?limit=50', listNote));
    for (const state of ['in_transit', 'fulfilling', 'delivered', 'stock_exception'])
      await measure(`state=${state}`, 'http', repeat(`/orders?limit=50&state=${state}`, listNote));
  }
  // The figures' drill-downs: lists filtered by a KPI (read from the orders' facts) or a location.
  for (const filter of ['kpi=late&slaHours=48', 'kpi=oversold', 'kpi=returned', 'kpi=completed', 'location=WH-WAW'])
    await measure(filter, 'http', repeat(`/orders?limit=50&${filter}`, listNote));
  await measure('kpi=attention', 'http', repeat('/orders?limit=50&kpi=attention', listNote));
  await measure(
    '/console/counts',
    'http',
    repeat('/console/counts', (body) => `attention ${body.attention}, exceptions ${body.exceptions}`),
  );
  // the dashboard's reports over its default 30 days (the generator spaces orders 3 s apart, so
  // that is ~860,000 orders from 1M up)
  const reportRounds = Number(process.env.REPORT_ROUNDS ?? 5);
  const reports = [
    '/reports/orders-summary?days=30',
    '/reports/kpis',
    '/reports/operations?days=30&staleHours=48',
    `/reports/revenue?from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}&to=${new Date().toISOString()}`,
  ];
  // REPORT_ROUNDS=0: the drill-down lists alone
  for (const path of reportRounds > 0 ? reports : [])
    await measure(
      path.split('?')[0]!,
      'http',
      Array.from({ length: reportRounds }, () => async () => {
        await call(path);
        return 'ok';
      }),
    );
  await app.close();
  await sql`delete from api_keys where tenant_id = ${tenantId} and name = 'bench:scale'`.execute(db);
}

console.log(
  `\n| kind | path | p50 ms | p95 ms | PG CPU ms/request | answer |\n| --- | --- | ---: | ---: | ---: | --- |`,
);
for (const figure of figures)
  console.log(
    `| ${figure.kind} | ${figure.path} | ${figure.p50.toFixed(1)} | ${figure.p95.toFixed(1)} | ${figure.pgCpu.toFixed(1)} | ${figure.note} |`,
  );
console.log(`load ${load()}`);
await database.close();
