/**
 * EDI ORDERS per second — run alone with `tsx bench/b2b-edi.ts`, or from `npm run bench:b2b`
 * through `runEdiBench()`. Over HTTP on a scratch database: PGlite in memory by default, a
 * throw-away PostgreSQL database when BENCH_DATABASE_URL names a server.
 *
 * - Setup, not timed: 20 products with a GTIN, a customer, an EDIFACT partner (its buyer GLN →
 *   the customer, the buyer's address for delivery).
 * - Baseline, timed: `POST /orders` of the same 20-line order as JSON (the plain intake).
 * - EDI, timed: `POST /edi/messages` of a 20-line EANCOM ORDERS interchange (UNA, UNB, LIN with
 *   the GTIN, QTY, PRI, TAX per line): tokenize, check, map GLNs and GTINs, the normal intake,
 *   the ingestion log rows and the CONTRL, one request each, each with its own control reference.
 *
 * Reported: orders/s, p50/p99 latency, memory, and EDI orders/s over JSON intake orders/s.
 * BENCH_EDI_ORDERS sets the count per run (default 300).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../src/store/db.js';
import { fmt, memory, runConcurrent, scratchDatabase, type RunResult, benchTenantApp } from './lib.js';

const LINES = 20;
const CLIENTS = [1, 4];

export interface EdiBenchResult {
  backend: string;
  clients: number;
  intake: RunResult;
  edi: RunResult;
  ratio: number;
}

const gtinOf = (n: number) => {
  const body = `590000000${String(n).padStart(3, '0')}`;
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
};

/** A 20-line EANCOM ORDERS interchange with its own control reference and order number. */
export function ordersInterchange(ref: number, orderNumber: string): string {
  const lines = Array.from({ length: LINES }, (_, i) => [
    `LIN+${i + 1}++${gtinOf(i + 1)}:SRV'`,
    `IMD+F++:::Towar ${i + 1} zażółć'`,
    `QTY+21:${(i % 5) + 1}'`,
    `PRI+AAA:${10 + i}.50'`,
    `TAX+7+VAT+++:::23+S'`,
  ]).flat();
  const body = [
    `BGM+220+${orderNumber}+9'`,
    `DTM+137:20261203:102'`,
    `NAD+BY+5900000000001::9'`,
    `NAD+SU+5900000000002::9'`,
    `CUX+2:PLN:9'`,
    ...lines,
    `UNS+S'`,
    `CNT+2:${LINES}'`,
  ];
  return [
    "UNA:+.? '",
    `UNB+UNOC:3+BENCHBUYER:14+ORDO:14+261203:1200+${ref}'`,
    `UNH+1+ORDERS:D:96A:UN:EAN008'`,
    ...body,
    `UNT+${body.length + 2}+1'`,
    `UNZ+1+${ref}'`,
  ].join('\n');
}

async function setup(database: Database) {
  const { tenant: t, app } = await benchTenantApp(database);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, path: string, body: string | undefined, type = 'application/json') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1${path}`,
          method,
          agent,
          headers: {
            authorization: `Bearer ${t.apiKey}`,
            ...(body ? { 'content-type': type, 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  const must = async (method: string, path: string, body?: unknown, ok = [200, 201], type?: string) => {
    const r = await request(method, path, typeof body === 'string' ? body : JSON.stringify(body), type);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} ${r.status} ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as any;
  };
  await must('POST', '/channels', { code: 'web', name: 'Sklep', kind: 'web', currency: 'PLN' });
  for (let i = 1; i <= LINES; i++)
    await must('POST', '/products', { sku: `EDI-${i}`, name: `Towar ${i}`, attributes: { gtin: gtinOf(i) } });
  await must('POST', '/customers', { code: 'B-1', name: 'Hurtownia Łódź', email: 'zakupy@example.pl' });
  const address = {
    name: 'Hurtownia Łódź',
    line1: 'ul. Piotrkowska 1',
    city: 'Łódź',
    postalCode: '90-001',
    country: 'PL',
  };
  await must('POST', '/edi/partners', {
    channel: 'edi-bench',
    syntax: 'edifact',
    settings: {
      name: 'Bench buyer',
      ourGln: '5900000000002',
      buyers: [{ gln: '5900000000001', customer: 'B-1', address }],
      interchange: { partnerId: 'BENCHBUYER', ourId: 'ORDO' },
      send: { orderResponse: false, despatchAdvice: false, invoice: false },
    },
  });
  const run = randomUUID().slice(0, 8);
  let n = 0;
  const intake = async () => {
    const o = await must('POST', '/orders', {
      channel: 'web',
      externalId: `${run}-${++n}`,
      customer: { code: 'B-1' },
      currency: 'PLN',
      lines: Array.from({ length: LINES }, (_, i) => ({
        sku: `EDI-${i + 1}`,
        quantity: (i % 5) + 1,
        unitPrice: `${10 + i}.50`,
        taxRate: '23',
      })),
      shippingAddress: address,
      delivery: { method: 'ship' },
    });
    if (!o.id) throw new Error('no order');
  };
  let ref = 0;
  const edi = async () => {
    ref++;
    const r = await must(
      'POST',
      '/edi/messages',
      ordersInterchange(ref, `${run}-E${ref}`),
      [200],
      'application/EDIFACT',
    );
    if (r.status !== 'accepted') throw new Error(`interchange ${ref}: ${r.status}`);
  };
  const close = async () => {
    agent.destroy();
    await app.close();
  };
  return { intake, edi, close };
}

/** Runs the EDI benchmark and prints its lines; returns the figures for the caller's summary. */
export async function runEdiBench(
  opts: { orders?: number; databaseUrl?: string | undefined } = {},
): Promise<EdiBenchResult[]> {
  const orders = opts.orders ?? Number(process.env.BENCH_EDI_ORDERS ?? 300);
  const pgUrl = opts.databaseUrl ?? process.env.BENCH_DATABASE_URL;
  const scratch = pgUrl ? await scratchDatabase(pgUrl) : undefined;
  const backend = scratch ? 'PostgreSQL' : 'PGlite';
  console.log(`EDI ORDERS (${LINES} lines) over HTTP on ${backend}: ${orders} per run, Node ${process.version}`);
  const out: EdiBenchResult[] = [];
  try {
    const database = scratch ? await openDatabase({ url: scratch.url }) : await openDatabase({ dataDir: 'memory://' });
    const s = await setup(database);
    try {
      await s.intake();
      await s.edi();
      for (const clients of CLIENTS) {
        const intake = await runConcurrent(orders, clients, () => s.intake());
        const edi = await runConcurrent(orders, clients, () => s.edi());
        for (const [label, r] of [
          ['JSON intake (POST /orders)', intake],
          ['EDI ORDERS (POST /edi/messages)', edi],
        ] as const)
          console.log(
            `  ${label.padEnd(32)} c=${clients}  ${fmt(r.perSecond, 0).padStart(5)} orders/s  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  errors ${r.errors}  (${memory()})`,
          );
        const ratio = edi.perSecond / intake.perSecond;
        console.log(`  ratio EDI / JSON intake c=${clients}: ${fmt(ratio, 2)}`);
        if (intake.errors || edi.errors) process.exitCode = 1;
        out.push({ backend, clients, intake, edi, ratio });
      }
    } finally {
      await s.close();
      await database.close();
    }
  } finally {
    await scratch?.drop();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await runEdiBench();
