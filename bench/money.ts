/**
 * npm run bench:money — money through the API over HTTP, on PGlite in memory by default and on
 * PostgreSQL when BENCH_DATABASE_URL (or DATABASE_URL) names a server (a scratch database is
 * created there and dropped at the end).
 *
 * - Payments against the local Stripe server, per order: the order created, a card payment
 *   created at Stripe (`POST /orders/{id}/payments`, carried out right after its commit), the
 *   buyer paying at Stripe and Stripe's signed notification received (the payment authorised),
 *   then `POST /payments/{id}/capture` (the capture call right after its commit). Reported: the
 *   authorisation path (order + payment + notification) per second and captures per second.
 *   Baseline: the Stripe adapter alone capturing intents authorised the same way, same clients.
 * - Invoices: `POST /orders/{id}/invoices`, then `GET /invoices/{id}/pdf` and `/ksef.xml`.
 *   Baseline: `renderInvoicePdf` + `buildKsefFa3` on the same document in this process.
 * - Contention: 8 clients issuing invoices for one seller (the numbering counter row serialises
 *   them); the numbers are then checked to be 1..N without a gap.
 *
 * Client and server share this process and the machine's cores. BENCH_CAPTURES, BENCH_INVOICES,
 * BENCH_CONTENTION set the counts, BENCH_REPEAT the runs per figure (the median is reported).
 */
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { buildApp } from '../src/api/app.js';
import { compose } from '../src/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { reviveDocument } from '../src/app/money/invoice-rows.js';
import { paymentProvidersFromConfig } from '../src/integrations/payments/index.js';
import { startStripeFake } from '../src/integrations/payments/testing/stripe-fake.js';
import { buildKsefFa3, renderInvoicePdf } from '../src/integrations/einvoice/index.js';
import { fmt, memory, runConcurrent, scratchDatabase, type RunResult } from './lib.js';

const CAPTURES = Number(process.env.BENCH_CAPTURES ?? 300);
const INVOICES = Number(process.env.BENCH_INVOICES ?? 120);
const CONTENDED = Number(process.env.BENCH_CONTENTION ?? 200);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const PAY_CLIENTS = [1, 4, 16];
const INVOICE_CLIENTS = [1, 4];
const SK = 'sk_test_bench';
const WHSEC = 'whsec_bench';
const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;

/** CPU milliseconds used so far by PostgreSQL processes on this machine (as bench/intake.ts reads them). */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
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
    const pg0 = pgUrl ? postgresCpuMs() : 0;
    const r = await runConcurrent(total, concurrency, (i) => op(i, prepared));
    const cpu = process.cpuUsage(cpu0);
    all.push({
      ...r,
      nodeCpuMs: (cpu.user + cpu.system) / 1000 / total,
      pgCpuMs: pgUrl ? (postgresCpuMs() - pg0) / total : 0,
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
  const stripe = await startStripeFake({ secretKey: SK, webhookSecret: WHSEC });
  const payments = paymentProvidersFromConfig({ stripe: { baseUrl: stripe.url, secretKey: SK, webhookSecret: WHSEC } });
  const services = compose({ clock: systemClock, payments });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    processes: services.processes,
    payments: services.payments,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, path: string, body?: unknown) =>
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
  const must = async (method: string, path: string, body: unknown, ok = [200, 201]) => {
    const r = await request(method, path, body);
    if (!ok.includes(r.status)) throw new Error(`${method} ${path} ${r.status} ${r.body.toString().slice(0, 300)}`);
    return JSON.parse(r.body.toString()) as Record<string, unknown>;
  };
  await must('POST', '/channels', { code: 'web', name: 'Sklep', kind: 'web', settings: { reserveOnIntake: false } });
  for (let i = 1; i <= 3; i++) await must('POST', '/products', { sku: `SKU-${i}`, name: `Produkt ${i}` });
  await must('POST', '/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });
  const seller = (code: string, isDefault: boolean) =>
    must('PUT', `/sellers/${code}`, {
      name: `Ordo Bench ${code} sp. z o.o.`,
      taxId: '5265877635',
      address: { line1: 'ul. Prosta 1', city: 'Warszawa', postalCode: '00-001', country: 'PL' },
      country: 'PL',
      language: 'pl',
      bankAccount: 'PL61109010140000071219812874',
      isDefault,
    });
  await seller('BENCH', true);
  await seller('HOT', false);
  const run = randomUUID().slice(0, 8);
  let orderNo = 0;
  const newOrder = async () => {
    const o = await must('POST', '/orders', {
      channel: 'web',
      externalId: `${run}-${++orderNo}`,
      customer: { code: 'C-1' },
      currency: 'PLN',
      lines: [1, 2, 3].map((n) => ({ sku: `SKU-${n}`, quantity: n, unitPrice: '19.99', taxRate: '23' })),
      shippingAddress: {
        name: 'Zażółć Gęślą',
        line1: 'ul. Jaźni 1',
        city: 'Łódź',
        postalCode: '90-001',
        country: 'PL',
      },
      delivery: { method: 'ship' },
    });
    return String(o.id);
  };
  const orders = async (n: number) => {
    const ids: string[] = [];
    await runConcurrent(n, 8, async () => void ids.push(await newOrder()));
    if (ids.length !== n) throw new Error('orders were not all created');
    return ids;
  };
  const notifyUrl = `http://127.0.0.1:${port}/api/v1/payments/notifications/stripe`;
  /** An order with a card payment created at Stripe, paid by the buyer and authorised by Stripe's notification. */
  const authorised = async () => {
    const orderId = await newOrder();
    const added = await must('POST', `/orders/${orderId}/payments`, { method: 'card', provider: 'stripe' }, [201, 202]);
    const paymentId = String((added.payment as { id: string }).id);
    stripe.pay(paymentId);
    const status = await stripe.sendNotification(notifyUrl, 'payment', paymentId);
    if (status !== 200) throw new Error(`notification answered ${status}`);
    return paymentId;
  };
  const capture = async (paymentId: string) => {
    const r = await must('POST', `/payments/${paymentId}/capture`, {}, [200, 201]);
    const p = r.payment as { status: string; captured: string };
    if (p.status !== 'captured') throw new Error(`capture left the payment ${p.status}`);
  };
  const close = async () => {
    agent.destroy();
    await app.close();
    await stripe.close();
  };
  return { request, must, orders, authorised, capture, stripe, payments, close, tenantId: t.tenantId };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function paymentRuns(label: string, s: Setup) {
  const out: Array<{ c: number; auth: Measured; capture: Measured; adapter: Measured }> = [];
  const adapter = s.payments.get('stripe')!;
  await s.capture(await s.authorised()); // warm-up
  for (const c of PAY_CLIENTS) {
    const ids: string[] = [];
    const auth = await measured(
      CAPTURES,
      c,
      async () => void ids.splice(0),
      async () => void ids.push(await s.authorised()),
    );
    line(`${label} order+authorise`, 'orders', c, auth);
    let next = 0;
    const cap = await measured(
      Math.min(CAPTURES, ids.length),
      c,
      async () => {
        // A fresh set of authorised payments for every repeat after the first.
        if (next > 0) {
          ids.splice(0);
          await runConcurrent(CAPTURES, c, async () => void ids.push(await s.authorised()));
        }
        next++;
        return ids;
      },
      (i, list) => s.capture(list[i]!),
    );
    line(`${label} capture`, 'captures', c, cap, `  (${memory()})`);
    // Baseline: the adapter alone capturing intents authorised at the same fake.
    const base = await measured(
      CAPTURES,
      c,
      async () => {
        const refs = [];
        for (let i = 0; i < CAPTURES; i++) {
          const key = randomUUID();
          const created = await adapter.createPayment({
            key,
            orderNumber: `B-${i}`,
            amount: 16_791n,
            currency: 'PLN',
            description: `Order B-${i}`,
            capture: false,
            method: 'card',
          });
          if (!created.ok) throw new Error(created.error.message);
          s.stripe.pay(key);
          refs.push({ providerPaymentId: created.value.providerPaymentId, key, amount: 16_791n, currency: 'PLN' });
        }
        return refs;
      },
      async (i, refs) => {
        const r = await adapter.capture(refs[i]!, undefined, randomUUID());
        if (!r.ok || r.value.status !== 'captured') throw new Error('adapter capture failed');
      },
    );
    line('adapter.capture alone', 'captures', c, base);
    out.push({ c, auth: auth.median, capture: cap.median, adapter: base.median });
  }
  return out;
}

async function invoiceRuns(label: string, s: Setup, database: Database) {
  const out: Array<{ c: number; ordo: Measured; base: Measured }> = [];
  let sample: string | undefined;
  for (const c of INVOICE_CLIENTS) {
    const parts = { issue: 0, pdf: 0, xml: 0 };
    const ordo = await measured(
      INVOICES,
      c,
      () => s.orders(INVOICES),
      async (i, ids) => {
        const t0 = performance.now();
        const inv = await s.must('POST', `/orders/${ids[i]}/invoices`, { kind: 'invoice' }, [201]);
        const t1 = performance.now();
        const pdf = await s.request('GET', `/invoices/${String(inv.id)}/pdf`);
        const t2 = performance.now();
        const xml = await s.request('GET', `/invoices/${String(inv.id)}/ksef.xml`);
        const t3 = performance.now();
        if (pdf.status !== 200 || !pdf.body.subarray(0, 5).equals(Buffer.from('%PDF-'))) throw new Error('no PDF');
        if (xml.status !== 200 || !xml.body.includes('<Faktura')) throw new Error('no FA(3) XML');
        parts.issue += t1 - t0;
        parts.pdf += t2 - t1;
        parts.xml += t3 - t2;
        sample ??= String(inv.id);
      },
    );
    const n = INVOICES * Math.max(1, REPEAT);
    line(
      `${label} invoice+PDF+XML`,
      'invoices',
      c,
      ordo,
      `  mean issue ${fmt(parts.issue / n)} / pdf ${fmt(parts.pdf / n)} / xml ${fmt(parts.xml / n)} ms  (${memory()})`,
    );
    const row = await database.db
      .selectFrom('invoices')
      .select(['document', 'created_at'])
      .where('id', '=', sample!)
      .executeTakeFirstOrThrow();
    const doc = reviveDocument(row.document).document;
    const base = await measured(
      INVOICES,
      c,
      async () => doc,
      async (_i, d) => {
        const pdf = await renderInvoicePdf(d, { createdAt: row.created_at.toISOString() });
        const xml = buildKsefFa3(d, { generatedAt: row.created_at.toISOString() });
        if (pdf.length < 1000 || !xml.ok) throw new Error('baseline render failed');
      },
    );
    line('renderInvoicePdf+buildKsefFa3', 'invoices', c, base);
    out.push({ c, ordo: ordo.median, base: base.median });
  }
  return out;
}

/** 8 clients numbering invoices of one seller; then the numbers must be 1..N without a gap. */
async function contention(label: string, s: Setup, database: Database) {
  const m = await measured(
    CONTENDED,
    8,
    () => s.orders(CONTENDED),
    async (i, ids) =>
      void (await s.must('POST', `/orders/${ids[i]}/invoices`, { kind: 'invoice', seller: 'HOT' }, [201])),
  );
  line(`${label} invoices, one seller`, 'invoices', 8, m);
  const { rows } = await sql<{ seq: number }>`
    select seq from invoices where tenant_id = ${s.tenantId} and seller = 'HOT' order by seq`.execute(database.db);
  const seqs = rows.map((r) => Number(r.seq));
  const gapFree = seqs.every((q, i) => q === i + 1);
  console.log(
    `  numbers of seller HOT: ${seqs.length} invoices, ${seqs[0]}..${seqs.at(-1)}, ${gapFree ? 'gap-free and unique' : 'GAPS OR DUPLICATES'}`,
  );
  if (!gapFree || seqs.length !== CONTENDED * Math.max(1, REPEAT)) process.exitCode = 1;
  return m.median;
}

const scratch = pgUrl ? await scratchDatabase(pgUrl) : undefined;
const label = scratch ? 'PostgreSQL' : 'PGlite';
console.log(
  `Ordo money benchmark on ${label}: ${CAPTURES} payments, ${INVOICES} invoices, ${CONTENDED} contended invoices per run, median of ${REPEAT} run(s), Node ${process.version}`,
);
try {
  const database = scratch ? await openDatabase({ url: scratch.url }) : await openDatabase({ dataDir: 'memory://' });
  const s = await setup(database);
  try {
    const pay = await paymentRuns(label, s);
    const inv = await invoiceRuns(label, s, database);
    await contention(label, s, database);
    console.log(`\nratio Ordo / baseline (${label}):`);
    for (const r of pay)
      console.log(
        `  capture over HTTP / adapter.capture alone   c=${String(r.c).padStart(2)}: ${fmt(r.capture.perSecond / r.adapter.perSecond, 2)}`,
      );
    for (const r of inv)
      console.log(
        `  invoice + PDF + XML over HTTP / in-process  c=${String(r.c).padStart(2)}: ${fmt(r.ordo.perSecond / r.base.perSecond, 2)}`,
      );
  } finally {
    await s.close();
    await database.close();
  }
} finally {
  await scratch?.drop();
}
