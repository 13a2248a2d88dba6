/**
 * npm run bench:returns — returns through the API over HTTP, request to refund, on PGlite in
 * memory by default and on PostgreSQL when BENCH_DATABASE_URL (or DATABASE_URL) names a server (a
 * scratch database is created there and dropped at the end).
 *
 * - Setup, not timed: delivered orders, each as a shop makes one (the shipped B2C process and the
 *   shipped returns process published): the order created, a bank transfer recorded as captured
 *   (no provider: a refund waits for finance to confirm it), its fulfilment orders accepted,
 *   picked, packed and shipped with the manual carrier, then the `delivered` event.
 * - Baseline, timed: intake — `POST /orders` of the same order with an Idempotency-Key, same
 *   server, same clients.
 * - Returns, timed, per delivered order: `POST /orders/{id}/returns` (every unit, dropped off at a
 *   store) → `POST /returns/{id}/receipts` (all of it, at the store) → `POST /returns/{id}/inspections`
 *   (every unit graded resell: the process restocks at the store and asks for the refund) →
 *   `GET /orders/{id}/payments` to find the pending refund → `POST /payment-operations/{id}/confirm`
 *   (finance paid it back). Every return must end `closed` (checked after the run, not timed;
 *   the amount refunded is compared with what the order took and a shortfall printed). Reported:
 *   returns per second end to end, p50/p99 per step (and Node CPU per step with one client), CPU
 *   per return, memory, and returns/s over intake orders/s.
 *
 * Client and server share this process and the machine's cores. BENCH_RETURNS sets the count per
 * run (intake runs the same count), BENCH_REPEAT the runs per figure (the median is reported).
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { buildApp } from '../src/api/app.js';
import { compose } from '../src/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { createCarrierRegistry } from '../src/integrations/carriers/index.js';
import { fmt, memory, percentile, runConcurrent, scratchDatabase, type RunResult } from './lib.js';

const RETURNS = Number(process.env.BENCH_RETURNS ?? 150);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const CLIENTS = [1, 4];
const STEPS = ['request', 'receipt', 'inspection', 'find refund', 'confirm'] as const;
type Step = (typeof STEPS)[number];
const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;

/** CPU ticks used so far by each PostgreSQL process on this machine (as bench/intake.ts reads them). */
function postgresTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, Number(f[11]) + Number(f[12]));
    } catch {
      /* the process ended */
    }
  }
  return out;
}

/**
 * PostgreSQL CPU milliseconds since `before`, summed per process still running: a backend that
 * ends during the run (the pool closing an idle connection) takes its whole past with it, which
 * made a plain difference of totals come out negative.
 */
function postgresCpuMsSince(before: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, now] of postgresTicks()) ticks += now - (before.get(pid) ?? 0);
  return ticks * 10;
}

interface Measured extends RunResult {
  nodeCpuMs: number;
  pgCpuMs: number;
}

/** Runs `prepare` (untimed) then `op` REPEAT times; the median run by throughput, with CPU per op. */
async function measured<T>(
  total: number,
  concurrency: number,
  prepare: () => Promise<T>,
  op: (i: number, prepared: T) => Promise<void>,
): Promise<{ median: Measured; all: Measured[] }> {
  const all: Measured[] = [];
  for (let k = 0; k < Math.max(1, REPEAT); k++) {
    const prepared = await prepare();
    const cpu0 = process.cpuUsage();
    const pg0 = pgUrl ? postgresTicks() : new Map<string, number>();
    const r = await runConcurrent(total, concurrency, (i) => op(i, prepared));
    const cpu = process.cpuUsage(cpu0);
    all.push({
      ...r,
      nodeCpuMs: (cpu.user + cpu.system) / 1000 / total,
      pgCpuMs: pgUrl ? postgresCpuMsSince(pg0) / total : 0,
    });
  }
  return { median: [...all].sort((a, b) => a.perSecond - b.perSecond)[all.length >> 1]!, all };
}

const line = (label: string, unit: string, c: number, m: { median: Measured; all: Measured[] }, extra = '') => {
  const r = m.median;
  const runs = m.all.length > 1 ? `  [runs ${m.all.map((x) => fmt(x.perSecond, 0)).join(', ')}]` : '';
  const cpu = `cpu/op ${fmt(r.nodeCpuMs, 2)} ms node${r.pgCpuMs > 0 ? `, ${fmt(r.pgCpuMs, 2)} ms postgres` : ''}`;
  console.log(
    `${label.padEnd(26)} c=${String(c).padStart(2)}  ${fmt(r.perSecond, 0).padStart(5)} ${unit}/s  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  errors ${r.errors}  ${cpu}${runs}${extra}`,
  );
};

async function setup(database: Database) {
  await migrateToLatest(database.db);
  const t = await createTenant(database.db, {
    slug: `bench-${randomUUID().slice(0, 8)}`,
    name: 'Bench',
    admin: { email: `bench-${randomUUID()}@example.pl`, name: 'Bench', password: 'bench-password-1' },
  });
  const carriers = createCarrierRegistry({ manual: {} });
  const services = compose({ clock: systemClock, carriers });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    carriers,
    processes: services.processes,
    payments: services.payments,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1${path}`,
          method,
          agent,
          headers: {
            authorization: `Bearer ${t.apiKey}`,
            ...headers,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  /** The JSON answer of a request that must answer one of `ok`. */
  const must = async (
    method: string,
    path: string,
    body?: unknown,
    ok = [200, 201],
    headers?: Record<string, string>,
  ) => {
    const r = await request(method, path, body, headers);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} ${r.status} ${r.body.toString().slice(0, 300)}`);
    return JSON.parse(r.body.toString()) as any;
  };

  // The shop: a web channel, three products, a customer, a warehouse that ships and a store that
  // takes returns; the shipped B2C and returns processes published.
  await must('POST', '/channels', { code: 'web', name: 'Sklep internetowy', kind: 'web', currency: 'PLN' });
  for (const [sku, name] of [
    ['SKU-1', 'Kubek ceramiczny żółty'],
    ['SKU-2', 'Чайник электрический'],
    ['SKU-3', 'Łyżka stołowa'],
  ])
    await must('POST', '/products', { sku, name, weightG: 350 });
  await must('POST', '/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl', locale: 'pl' });
  await must('POST', '/locations', {
    code: 'WAW-1',
    name: 'Magazyn Warszawa',
    kind: 'warehouse',
    country: 'PL',
    latitude: 52.2297,
    longitude: 21.0122,
    capabilities: ['ships'],
    address: {
      name: 'Magazyn Warszawa',
      line1: 'ul. Żelazna 51',
      city: 'Warszawa',
      postalCode: '00-841',
      country: 'PL',
    },
  });
  await must('POST', '/locations', {
    code: 'KRK-S',
    name: 'Sklep Kraków',
    kind: 'store',
    country: 'PL',
    latitude: 50.0647,
    longitude: 19.945,
    capabilities: ['pickup'],
  });
  for (const sku of ['SKU-1', 'SKU-2', 'SKU-3'])
    await must('POST', '/inventory/stock:set', { sku, location: 'WAW-1', onHand: 10_000_000 });
  for (const key of ['b2c-omnichannel', 'returns']) {
    const source = readFileSync(join(import.meta.dirname, '..', 'processes', `${key}.yaml`), 'utf8');
    const d = await must('POST', '/processes', { source }, [201]);
    await must('POST', `/processes/${d.key}/versions/${d.version}/publish`);
  }
  await must('PUT', '/process-selection-rules', { rules: [{ process: 'b2c-omnichannel', channel: ['web'] }] });

  const run = randomUUID().slice(0, 8);
  let orderNo = 0;
  /** The B2C order of both phases: three lines, delivery, shipped by the manual carrier. */
  const orderBody = () => ({
    channel: 'web',
    externalId: `${run}-${++orderNo}`,
    customer: { code: 'C-1' },
    currency: 'PLN',
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPrice: '19.99', taxRate: '23' },
      { sku: 'SKU-2', quantity: 1, unitPrice: '149.00', taxRate: '23', discount: '10.00' },
      { sku: 'SKU-3', quantity: 5, unitPrice: '3.50', taxRate: '8' },
    ],
    shipping: { amount: '14.99', taxRate: '23' },
    shippingAddress: { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', postalCode: '90-001', country: 'PL' },
    delivery: { method: 'ship', carrier: 'manual' },
  });
  const intake = async () => {
    const o = await must('POST', '/orders', orderBody(), [201], { 'idempotency-key': randomUUID() });
    if (!o.id) throw new Error('no order id');
  };
  interface Delivered {
    id: string;
    lines: Array<{ id: string; quantity: number }>;
  }
  /** An order paid by bank transfer, picked, packed, shipped and delivered (as test/returns/helpers.ts makes one). */
  const delivered = async (): Promise<Delivered> => {
    const o = await must('POST', '/orders', orderBody(), [201], { 'idempotency-key': randomUUID() });
    await must('POST', `/orders/${o.id}/payments`, { method: 'transfer', status: 'captured' }, [201]);
    const fos = (await must('GET', `/fulfilment-orders?orderId=${o.id}`)).items;
    if (fos.length === 0) throw new Error(`no fulfilment for ${o.number}: ${o.state}`);
    for (const fo of fos) {
      await must('POST', `/fulfilment-orders/${fo.id}/accept`);
      await must('POST', `/fulfilment-orders/${fo.id}/start-picking`);
      await must('POST', `/fulfilment-orders/${fo.id}/pick`, {
        lines: fo.lines.map((l: { id: string; quantity: number }) => ({ lineId: l.id, picked: l.quantity })),
      });
      await must('POST', `/fulfilment-orders/${fo.id}/pack`, {
        packages: [{ weightG: 1250, lengthMm: 300, widthMm: 200, heightMm: 100 }],
      });
      await must('POST', `/fulfilment-orders/${fo.id}/ship`, {});
    }
    const d = await must('POST', `/orders/${o.id}/events`, { name: 'delivered' });
    if (d.state !== 'delivered') throw new Error(`order ${o.number} is ${d.state}, not delivered`);
    return { id: d.id, lines: d.lines };
  };
  const deliveredOrders = async (n: number) => {
    const out: Delivered[] = [];
    await runConcurrent(n, 4, async () => void out.push(await delivered()));
    if (out.length !== n) throw new Error('orders were not all delivered');
    return out;
  };
  /** The whole return of one delivered order; the milliseconds of each step added to `steps`. */
  const returnOf = async (o: Delivered, steps: Record<Step, number[]>, cpu?: Record<Step, number>) => {
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    const lap = (step: Step) => {
      const t1 = performance.now();
      steps[step].push(t1 - t0);
      t0 = t1;
      if (cpu) {
        const c1 = process.cpuUsage();
        cpu[step] += (c1.user + c1.system - c0.user - c0.system) / 1000;
        c0 = c1;
      }
    };
    const r = await must(
      'POST',
      `/orders/${o.id}/returns`,
      {
        lines: o.lines.map((l) => ({ lineId: l.id, quantity: l.quantity })),
        reason: 'not_as_described',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'KRK-S' },
      },
      [201],
    );
    if (r.state !== 'awaiting_parcel') throw new Error(`return ${r.number} is ${r.state}`);
    lap('request');
    const lines = r.lines as Array<{ id: string; quantity: number }>;
    const got = await must('POST', `/returns/${r.id}/receipts`, {
      location: 'KRK-S',
      lines: lines.map((l) => ({ lineId: l.id, quantity: l.quantity })),
    });
    if (!got.complete) throw new Error(`receipt of ${r.number} is not complete`);
    lap('receipt');
    const graded = await must('POST', `/returns/${r.id}/inspections`, {
      units: lines.map((l) => ({ lineId: l.id, grade: 'resell', quantity: l.quantity })),
    });
    if (graded.return.state !== 'refunding')
      throw new Error(`return ${r.number} is ${graded.return.state} after inspection`);
    lap('inspection');
    const pay = await must('GET', `/orders/${o.id}/payments`);
    const ops = (pay.payments as Array<{ operations: Array<{ id: string; kind: string; status: string }> }>)
      .flatMap((p) => p.operations)
      .filter((x) => x.kind === 'refund' && x.status === 'pending');
    if (ops.length !== 1) throw new Error(`${ops.length} pending refunds for ${r.number}`);
    lap('find refund');
    await must('POST', `/payment-operations/${ops[0]!.id}/confirm`, { succeeded: true });
    lap('confirm');
  };
  const close = async () => {
    agent.destroy();
    await app.close();
  };
  return { must, intake, delivered, deliveredOrders, returnOf, close, tenantId: t.tenantId };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function runs(label: string, s: Setup, database: Database) {
  const out: Array<{ c: number; intake: Measured; returns: Measured }> = [];
  // Warm-up: one intake, one return end to end.
  await s.intake();
  await s.returnOf(
    await s.delivered(),
    Object.fromEntries(STEPS.map((k) => [k, []])) as unknown as Record<Step, number[]>,
  );
  for (const c of CLIENTS) {
    const intake = await measured(
      RETURNS,
      c,
      async () => undefined,
      () => s.intake(),
    );
    line(`${label} intake (baseline)`, 'orders', c, intake);
    const steps = Object.fromEntries(STEPS.map((k) => [k, [] as number[]])) as Record<Step, number[]>;
    // With one client, the Node CPU between two steps is that step's (client and server share the process).
    const cpu = Object.fromEntries(STEPS.map((k) => [k, 0])) as Record<Step, number>;
    const orderIds: string[] = [];
    const returns = await measured(
      RETURNS,
      c,
      async () => {
        const t0 = performance.now();
        const list = await s.deliveredOrders(RETURNS);
        console.log(`  (setup, not timed: ${RETURNS} delivered orders in ${fmt((performance.now() - t0) / 1000)} s)`);
        orderIds.push(...list.map((o) => o.id));
        return list;
      },
      (i, list) => s.returnOf(list[i]!, steps, c === 1 ? cpu : undefined),
    );
    line(`${label} return→refund`, 'returns', c, returns, `  (${memory()})`);
    const perStep = STEPS.map((k) => {
      const sorted = steps[k].sort((a, b) => a - b);
      return `${k} ${fmt(percentile(sorted, 50))} / ${fmt(percentile(sorted, 99))}`;
    });
    console.log(`  per step p50 / p99 ms: ${perStep.join(' · ')}`);
    if (c === 1) {
      const n = RETURNS * Math.max(1, REPEAT);
      console.log(`  per step Node CPU, mean ms: ${STEPS.map((k) => `${k} ${fmt(cpu[k] / n)}`).join(' · ')}`);
    }
    // Every return closed, and refunded what its order took (every unit came back).
    const { rows } = await sql<{ state: string; n: string; refunded: string; paid: string }>`
      select ro.state, count(*) as n, sum(r.refunded) as refunded, sum(o.grand_total) as paid
      from returns r
      join orders ro on ro.tenant_id = r.tenant_id and ro.id = r.id
      join orders o on o.tenant_id = r.tenant_id and o.id = r.order_id
      where r.tenant_id = ${s.tenantId} and r.order_id in (${sql.join(orderIds)})
      group by ro.state`.execute(database.db);
    const closed = rows.find((r) => r.state === 'closed');
    const allClosed = rows.length === 1 && Number(closed?.n) === orderIds.length;
    // A full return refunds what was paid; a shortfall is printed (it is the application's to fix), not failed on.
    const short = closed ? (Number(closed.paid) - Number(closed.refunded)) / Number(closed.n) : 0;
    console.log(
      `  end states: ${rows.map((r) => `${r.state} ${r.n} (refunded ${r.refunded} of ${r.paid} paid, minor units)`).join(', ')}${allClosed ? '' : '  NOT ALL CLOSED'}${short !== 0 ? `  — refunds short of the amount paid by ${short} minor units per return` : ''}`,
    );
    if (!allClosed) process.exitCode = 1;
    out.push({ c, intake: intake.median, returns: returns.median });
  }
  return out;
}

const scratch = pgUrl ? await scratchDatabase(pgUrl) : undefined;
const label = scratch ? 'PostgreSQL' : 'PGlite';
console.log(
  `Ordo returns benchmark on ${label}: ${RETURNS} returns and ${RETURNS} intake orders per run, median of ${REPEAT} run(s), Node ${process.version}`,
);
try {
  const database = scratch ? await openDatabase({ url: scratch.url }) : await openDatabase({ dataDir: 'memory://' });
  const s = await setup(database);
  try {
    const out = await runs(label, s, database);
    console.log(`\nratio returns / intake orders (${label}):`);
    for (const r of out)
      console.log(
        `  return → refund (5 requests) / intake (1 request)  c=${String(r.c).padStart(2)}: ${fmt(r.returns.perSecond / r.intake.perSecond, 2)}`,
      );
  } finally {
    await s.close();
    await database.close();
  }
} finally {
  await scratch?.drop();
}
