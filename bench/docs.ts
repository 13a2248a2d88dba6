import { transaction } from '../src/store/tenant-scope.js';
/**
 * Shipping-document throughput: labels with their three barcodes (Code128, GS1-128 SSCC, QR)
 * against a baseline of the same label without barcodes in the same run, plus packing slips,
 * the barcodes alone and ZPL. Prints per-document p50/p99 and memory.
 *
 *   npx tsx bench/docs.ts            (BENCH_N=… changes the label count, default 200)
 */
import { code128, qrCode, ssccBarcode } from '../src/integrations/documents/barcodes.js';
import { labelZpl, renderPackingSlip, renderShippingLabel, sscc } from '../src/integrations/documents/index.js';
import { availableParallelism, loadavg } from 'node:os';
import type { PackingSlipData, ShippingLabelData } from '../src/integrations/documents/index.js';

const N = Number(process.env.BENCH_N ?? 200);

const label = (i: number): ShippingLabelData => ({
  locale: 'pl',
  orderNumber: `ZAM/2026/${String(i).padStart(6, '0')}`,
  sender: {
    name: 'Magazyn Łódź-Południe',
    company: 'Ordo Sp. z o.o.',
    lines: ['ul. Źródlana 7'],
    postalCode: '93-569',
    city: 'Łódź',
    country: 'PL',
  },
  recipient: {
    name: 'Щукин Юрий Эдуардович',
    company: 'ŁĄĆĘŃÓŚŹŻ Sp. j.',
    lines: ['ul. Świętokrzyska 12 m. 5'],
    postalCode: '00-916',
    city: 'Warszawa',
    country: 'PL',
    phone: '+48 600 700 800',
  },
  carrier: { name: 'InPost', service: 'Kurier Standard' },
  trackingNumber: `6201234567890123${String(i).padStart(8, '0')}`,
  trackingUrl: `https://inpost.pl/sledzenie-przesylek?number=6201234567890123${String(i).padStart(8, '0')}`,
  sscc: sscc('5901234', i, 0),
  weightGrams: 2350 + i,
  package: { index: 1, count: 1 },
  createdAt: '2026-11-23T10:00:00Z',
});

const slip = (i: number, lines: number): PackingSlipData => ({
  locale: 'ru',
  orderNumber: `ZAM/2026/${String(i).padStart(6, '0')}`,
  orderDate: '2026-11-20',
  customer: { name: 'Щукин Юрий Эдуардович' },
  shipTo: {
    name: 'Щукин Юрий Эдуардович',
    lines: ['ул. Жуковского, д. 9'],
    postalCode: '190000',
    city: 'Санкт-Петербург',
    country: 'RU',
  },
  lines: Array.from({ length: lines }, (_, k) => ({
    sku: `SKU-${k}`,
    name: k % 2 ? 'Чайник «Жёлтый»' : 'Łyżka stołowa',
    quantity: 1 + (k % 3),
  })),
});

interface Figures {
  name: string;
  perSec: number;
  cpuMs: number;
  p50: number;
  p99: number;
  rssMb: number;
  heapMb: number;
  bytes: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

async function measure(
  name: string,
  count: number,
  op: (i: number) => Promise<Buffer | string> | Buffer | string,
): Promise<Figures> {
  for (let i = 0; i < Math.min(20, count); i++) await op(i); // warm-up: JIT, font parsing caches
  const times: number[] = [];
  let bytes = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const out = await op(i);
    times.push(performance.now() - t0);
    bytes += out.length;
  }
  const total = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const mem = process.memoryUsage();
  // CPU time per document holds steadier than wall time on a machine shared with other work.
  return {
    name,
    perSec: (count * 1000) / total,
    cpuMs: (cpu.user + cpu.system) / 1000 / count,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    rssMb: mb(mem.rss),
    heapMb: mb(mem.heapUsed),
    bytes: Math.round(bytes / count),
  };
}

const results: Figures[] = [];
results.push(
  await measure('label, no barcodes (baseline)', N, (i) => renderShippingLabel(label(i), { withoutBarcodes: true })),
);
results.push(await measure('label with 3 barcodes', N, (i) => renderShippingLabel(label(i))));
results.push(
  await measure('3 barcodes alone (bwip-js encode)', N, (i) => {
    const d = label(i);
    return JSON.stringify([code128(d.trackingNumber), ssccBarcode(d.sscc), qrCode(d.trackingUrl)]);
  }),
);
results.push(await measure('label as ZPL', N * 10, (i) => labelZpl(label(i))));
results.push(await measure('packing slip, 20 lines', Math.ceil(N / 3), (i) => renderPackingSlip(slip(i, 20))));
results.push(
  await measure('packing slip, 200 lines (5 pages)', Math.ceil(N / 15), (i) => renderPackingSlip(slip(i, 200))),
);

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`documents benchmark — Node ${process.version}, N=${N}`);
console.log(
  `${'document'.padEnd(36)}${pad('docs/s', 9)}${pad('CPU ms', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('bytes', 9)}${pad('RSS MB', 9)}${pad('heap MB', 9)}`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(36)}${pad(r.perSec.toFixed(1), 9)}${pad(r.cpuMs.toFixed(2), 9)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.bytes, 9)}${pad(r.rssMb, 9)}${pad(r.heapMb, 9)}`,
  );
}
const [base, withCodes] = results;
console.log(
  `ratio: a label with barcodes takes ${(base!.perSec / withCodes!.perSec).toFixed(2)}× the wall time and ${(withCodes!.cpuMs / base!.cpuMs).toFixed(2)}× the CPU time of the same label without (baseline = 1.00)`,
);
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${availableParallelism()} CPUs (wall-time figures suffer when it exceeds the CPUs)`,
);
console.log(`peak RSS: ${mb(process.resourceUsage().maxRSS * 1024)} MB`);

// ── Shipments created per second against the local carrier servers ────────────────────────────
// Through the app use case (createShipment: the pending row committed, the carrier called over
// HTTP, the outcome recorded), the InPost ShipX fake in this process, PGlite in memory. Baseline:
// the same use case with the manual carrier (no HTTP), measured in the same run.
{
  const { randomBytes } = await import('node:crypto');
  const { openDatabase } = await import('../src/store/db.js');
  const { migrateToLatest } = await import('../src/store/migrate.js');
  const { buildApp } = await import('../src/api/app.js');
  const { createTenant } = await import('../src/app/identity/create-tenant.js');
  const { scope } = await import('../src/store/tenant-scope.js');
  const { systemClock } = await import('../src/shared/clock.js');
  const { createCarrierRegistry } = await import('../src/integrations/carriers/index.js');
  const { startInpostFake } = await import('../src/integrations/carriers/testing/inpost-fake.js');
  const { createFulfilmentOrders } = await import('../src/app/fulfilment/create-fulfilment-orders.js');
  const { acceptFulfilment } = await import('../src/app/fulfilment/accept-fulfilment.js');
  const { startPicking } = await import('../src/app/fulfilment/start-picking.js');
  const { recordPick } = await import('../src/app/fulfilment/record-pick.js');
  const { packFulfilment } = await import('../src/app/fulfilment/pack-fulfilment.js');
  const { createShipment } = await import('../src/app/fulfilment/create-shipment.js');
  const { runConcurrent } = await import('./lib.js');

  const SHIPMENTS = Number(process.env.BENCH_SHIPMENTS ?? 150);
  const database = await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(database.db);
  const inpost = await startInpostFake({ token: 'bench', organizationId: '1' });
  const carriers = createCarrierRegistry({
    inpost: { baseUrl: inpost.url, token: 'bench', organizationId: '1' },
    manual: {},
  });
  const { compose } = await import('../src/compose.js');
  const services = compose({ clock: systemClock, carriers });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    carriers,
    processes: services.processes,
  });
  const tenant = await createTenant(database.db, {
    slug: `b-${randomBytes(3).toString('hex')}`,
    name: 'Bench',
    admin: { email: 'b@example.pl', name: 'Łucja', password: 'correct horse battery staple' },
  });
  const call = async (url: string, payload: object) => {
    const r = await app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${tenant.apiKey}` } });
    if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    return JSON.parse(r.body) as { id: string };
  };
  await call('/api/v1/channels', { code: 'web', name: 'Sklep', kind: 'web', currency: 'PLN' });
  await call('/api/v1/products', { sku: 'B-1', name: 'Kubek żółty', weightG: 350 });
  await call('/api/v1/locations', {
    code: 'WAW',
    name: 'Magazyn',
    kind: 'warehouse',
    country: 'PL',
    capabilities: ['ships'],
    address: { line1: 'ul. Żelazna 51', city: 'Warszawa', postalCode: '00-841', country: 'PL' },
  });
  await call('/api/v1/inventory/stock::set'.replace('::', ':'), { sku: 'B-1', location: 'WAW', onHand: 1_000_000 });
  const s = scope(database.db, tenant.tenantId);
  const actor = { type: 'system' as const, id: null, name: 'bench' };
  const packed: string[] = [];
  for (let i = 0; i < SHIPMENTS * 2 + 10; i++) {
    const o = await call('/api/v1/orders', {
      channel: 'web',
      externalId: `B-${i}`,
      currency: 'PLN',
      lines: [{ sku: 'B-1', quantity: 1, unitPrice: '9.99', taxRate: '23' }],
      customer: { name: 'Щукин Юрий', email: 'u@example.ru' },
      shippingAddress: {
        name: 'Zofia Żak',
        line1: 'ul. Świętokrzyska 12',
        city: 'Łódź',
        postalCode: '90-001',
        country: 'PL',
      },
      delivery: { method: 'ship' },
    });
    const id = await transaction(s, async (tx) => {
      const now = new Date();
      const { requests } = await createFulfilmentOrders(tx, actor, now, o.id, { kind: 'ship' });
      const fo = requests[0]!.fulfilmentId;
      await acceptFulfilment(tx, actor, now, fo);
      await startPicking(tx, actor, now, fo);
      const line = await tx
        .selectFrom('fulfilment_lines')
        .select(['id', 'quantity'])
        .where('fulfilment_id', '=', fo)
        .executeTakeFirstOrThrow();
      await recordPick(services.processes, tx, actor, now, fo, { lines: [{ lineId: line.id, picked: line.quantity }] });
      await packFulfilment(tx, actor, now, fo, {
        packages: [{ weightG: 400, lengthMm: 200, widthMm: 150, heightMm: 100 }],
      });
      return fo;
    });
    packed.push(id);
  }
  let next = 0;
  const ship = (carrier: string) => async () => {
    const fo = packed[next++]!;
    const r = await createShipment(services.processes, s, carriers, actor, systemClock, {
      fulfilmentOrderIds: [fo],
      carrier,
    });
    if (r.status === 'failed' || r.status === 'pending')
      throw new Error(`shipment ${r.status}: ${JSON.stringify(r.error)}`);
  };
  for (let i = 0; i < 5; i++) await ship('manual')(); // warm-up
  const manual = await runConcurrent(Math.max(1, Math.floor(SHIPMENTS / 2)), 4, ship('manual'));
  const viaInpost = await runConcurrent(SHIPMENTS, 4, ship('inpost'));
  console.log(`shipments created per second (createShipment use case, PGlite in memory, concurrency 4):`);
  console.log(
    `  InPost ShipX fake over HTTP   ${viaInpost.perSecond.toFixed(1)}/s  p50 ${viaInpost.p50.toFixed(1)} ms  p99 ${viaInpost.p99.toFixed(1)} ms  errors ${viaInpost.errors}  (${inpost.requests.length} carrier requests)`,
  );
  console.log(
    `  manual carrier, no HTTP       ${manual.perSecond.toFixed(1)}/s  p50 ${manual.p50.toFixed(1)} ms  p99 ${manual.p99.toFixed(1)} ms  errors ${manual.errors}  (baseline = 1.00)`,
  );
  console.log(
    `ratio: InPost over HTTP runs at ${(viaInpost.perSecond / manual.perSecond).toFixed(2)}× the manual carrier's rate`,
  );
  await app.close();
  await inpost.close();
  await database.close();
}
