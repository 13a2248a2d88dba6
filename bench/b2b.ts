/**
 * npm run bench:b2b — B2B intake over HTTP (issue 17), on PGlite in memory by default and on
 * PostgreSQL when BENCH_DATABASE_URL (or DATABASE_URL) names a server (a scratch database is
 * created there and dropped at the end).
 *
 * Setup, not timed: 1,000 products with stock at a warehouse; three price lists — a tax-inclusive
 * base list (every SKU), a wholesale customer-group list with a quantity break on every SKU, and a
 * company contract list on 200 SKUs; a company with a 1,000.00 minimum order and a customer of it;
 * a B2B portal channel that reserves at intake.
 *
 * Timed, each the same 100-line order (lines spread over the catalogue) sent by one or four
 * clients with an Idempotency-Key:
 * - **unpriced intake** (the baseline): every line brings its price — the lists are read for the
 *   floors, nothing is priced;
 * - **priced intake**: no line brings a price — Ordo prices each from the contract, group or base
 *   list (breaks, net conversion of the gross base list) and checks the minimum order.
 * - **EDI ORDERS** per second (bench/b2b-edi.ts: a 20-line ORDERS interchange per request against
 *   JSON intake of the same order), in the same run.
 * Reported: orders/s, lines/s, p50/p99, Node CPU per order, memory, and priced / unpriced.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../src/store/db.js';
import { fmt, memory, runConcurrent, scratchDatabase, type RunResult, benchTenantApp } from './lib.js';
import { runEdiBench } from './b2b-edi.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 150);
const LINES = 100;
const PRODUCTS = 1000;
const CLIENTS = [1, 4];
const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;

export interface BenchServer {
  port: number;
  apiKey: string;
  must(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any>;
  close(): Promise<void>;
}

/** The API on an ephemeral port with a fresh tenant, and a keep-alive JSON client for it. */
export async function startServer(database: Database): Promise<BenchServer> {
  const { tenant: t, app } = await benchTenantApp(database);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const must = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<any>((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1${path}`,
          method,
          agent,
          headers: {
            authorization: `Bearer ${t.apiKey}`,
            ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if ((res.statusCode ?? 0) >= 300)
              reject(new Error(`${method} ${path} ${res.statusCode} ${text.slice(0, 300)}`));
            else resolve(text ? JSON.parse(text) : null);
          });
        },
      );
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  return {
    port,
    apiKey: t.apiKey,
    must,
    async close() {
      agent.destroy();
      await app.close();
    },
  };
}

const sku = (index: number) => `B2B-${String(index).padStart(5, '0')}`;

async function seed(server: BenchServer) {
  const { must } = server;
  await must('POST', '/channels', {
    code: 'portal',
    name: 'Portal B2B',
    kind: 'b2b_portal',
    currency: 'PLN',
    settings: { reserveOnIntake: true },
  });
  await must('POST', '/locations', {
    code: 'WAW-1',
    name: 'Magazyn Warszawa',
    kind: 'warehouse',
    country: 'PL',
    capabilities: ['ships', 'b2b'],
  });
  const ids = Array.from({ length: PRODUCTS }, (_, index) => index);
  await runConcurrent(PRODUCTS, 8, (index) =>
    must('POST', '/products', { sku: sku(index), name: `Towar hurtowy ${index} — товар` }),
  );
  await must('POST', '/inventory/stock:sync', {
    syncId: 'bench-b2b',
    rows: ids.map((index) => ({ sku: sku(index), location: 'WAW-1', onHand: 100_000_000 })),
  });
  const price = (index: number, base: number) => (base + (index % 97) / 100).toFixed(2);
  await must('POST', '/price-lists', {
    code: 'BASE',
    name: 'Cennik podstawowy (brutto)',
    currency: 'PLN',
    pricesIncludeTax: true,
    scope: 'base',
    entries: ids.map((index) => ({ sku: sku(index), unitPrice: price(index, 24.6), taxRate: '23' })),
  });
  await must('POST', '/price-lists', {
    code: 'HURT',
    name: 'Hurt',
    currency: 'PLN',
    scope: 'customer_group',
    scopeRef: 'wholesale',
    entries: ids.flatMap((index) => [
      { sku: sku(index), unitPrice: price(index, 18) },
      { sku: sku(index), minQuantity: 50, unitPrice: price(index, 16.5), floorPrice: '10.00' },
    ]),
  });
  await must('POST', '/price-lists', {
    code: 'KONTRAKT',
    name: 'Umowa ramowa',
    currency: 'PLN',
    scope: 'company',
    scopeRef: 'ACME',
    entries: ids.slice(0, 200).map((index) => ({ sku: sku(index), unitPrice: price(index, 15), floorPrice: '10.00' })),
  });
  const company = await must('POST', '/companies', {
    code: 'ACME',
    name: 'Hurtownia Żółw sp. z o.o.',
    segment: 'wholesale',
    terms: { priceList: 'KONTRAKT', minOrderAmount: '1000.00', currency: 'PLN' },
  });
  await must('POST', '/customers', {
    code: 'B-1',
    name: 'Анна Кузнецова',
    companyId: company.id,
    segment: 'wholesale',
  });
}

/** A 100-line order over the catalogue (order `n` starts at a different SKU), with or without prices. */
function order(n: number, withPrices: boolean) {
  return {
    channel: 'portal',
    externalId: `${withPrices ? 'P' : 'U'}-${n}-${randomUUID()}`,
    customer: { code: 'B-1' },
    currency: 'PLN',
    lines: Array.from({ length: LINES }, (_, index) => {
      const at = (n * 37 + index * 10) % PRODUCTS;
      return {
        sku: sku(at),
        quantity: 1 + (index % 60),
        taxRate: '23',
        ...(withPrices ? { unitPrice: '19.99' } : {}),
      };
    }),
    shippingAddress: {
      name: 'Hurtownia Żółw',
      line1: 'ul. Świętokrzyska 12',
      city: 'Łódź',
      postalCode: '90-001',
      country: 'PL',
    },
    delivery: { method: 'ship' },
    paymentTerms: { kind: 'deferred', dueDays: 30 },
  };
}

interface Figure extends RunResult {
  cpuMs: number;
}

async function timed(total: number, clients: number, op: (n: number) => Promise<void>): Promise<Figure> {
  const cpu0 = process.cpuUsage();
  const result = await runConcurrent(total, clients, op);
  const cpu = process.cpuUsage(cpu0);
  return { ...result, cpuMs: (cpu.user + cpu.system) / 1000 / total };
}

const report = (label: string, clients: number, figure: Figure, perOrder = LINES) =>
  console.log(
    `${label.padEnd(22)} c=${clients}  ${fmt(figure.perSecond, 1).padStart(6)} orders/s  ${fmt(figure.perSecond * perOrder, 0).padStart(6)} lines/s  p50 ${fmt(figure.p50)} ms  p99 ${fmt(figure.p99)} ms  errors ${figure.errors}  node cpu/order ${fmt(figure.cpuMs, 1)} ms`,
  );

const scratch = pgUrl ? await scratchDatabase(pgUrl) : undefined;
const label = scratch ? 'PostgreSQL' : 'PGlite';
console.log(
  `Ordo B2B benchmark on ${label}: ${ORDERS} orders of ${LINES} lines per run, ${PRODUCTS} SKUs, 3 price lists, Node ${process.version}`,
);
try {
  const database = scratch ? await openDatabase({ url: scratch.url }) : await openDatabase({ dataDir: 'memory://' });
  const server = await startServer(database);
  try {
    await seed(server);
    // warm-up: both paths once, so the first timed run does not pay for compilation
    for (const withPrices of [true, false])
      await server.must('POST', '/orders', order(0, withPrices), { 'idempotency-key': randomUUID() });
    const ratios: string[] = [];
    for (const clients of CLIENTS) {
      const post = (withPrices: boolean) => (n: number) =>
        server.must('POST', '/orders', order(n, withPrices), { 'idempotency-key': randomUUID() });
      const unpriced = await timed(ORDERS, clients, post(true));
      report('unpriced intake', clients, unpriced);
      const priced = await timed(ORDERS, clients, post(false));
      report('priced intake', clients, priced);
      ratios.push(`c=${clients}: ${fmt(priced.perSecond / unpriced.perSecond, 2)}`);
    }
    console.log(`ratio priced / unpriced intake: ${ratios.join(', ')}`);
    console.log(`memory: ${memory()}`);
  } finally {
    await server.close();
    await database.close();
  }
} finally {
  await scratch?.drop();
}
// EDI ORDERS per second in the same run, on its own scratch database of the same kind
await runEdiBench({ orders: ORDERS, databaseUrl: pgUrl });
