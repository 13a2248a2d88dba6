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
  sender: { name: 'Magazyn Łódź-Południe', company: 'Ordo Sp. z o.o.', lines: ['ul. Źródlana 7'], postalCode: '93-569', city: 'Łódź', country: 'PL' },
  recipient: { name: 'Щукин Юрий Эдуардович', company: 'ŁĄĆĘŃÓŚŹŻ Sp. j.', lines: ['ul. Świętokrzyska 12 m. 5'], postalCode: '00-916', city: 'Warszawa', country: 'PL', phone: '+48 600 700 800' },
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
  shipTo: { name: 'Щукин Юрий Эдуардович', lines: ['ул. Жуковского, д. 9'], postalCode: '190000', city: 'Санкт-Петербург', country: 'RU' },
  lines: Array.from({ length: lines }, (_, k) => ({ sku: `SKU-${k}`, name: k % 2 ? 'Чайник «Жёлтый»' : 'Łyżka stołowa', quantity: 1 + (k % 3) })),
});

interface Figures { name: string; perSec: number; cpuMs: number; p50: number; p99: number; rssMb: number; heapMb: number; bytes: number }

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

async function measure(name: string, count: number, op: (i: number) => Promise<Buffer | string> | Buffer | string): Promise<Figures> {
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
  return { name, perSec: (count * 1000) / total, cpuMs: (cpu.user + cpu.system) / 1000 / count, p50: quantile(times, 0.5), p99: quantile(times, 0.99), rssMb: mb(mem.rss), heapMb: mb(mem.heapUsed), bytes: Math.round(bytes / count) };
}

const results: Figures[] = [];
results.push(await measure('label, no barcodes (baseline)', N, (i) => renderShippingLabel(label(i), { withoutBarcodes: true })));
results.push(await measure('label with 3 barcodes', N, (i) => renderShippingLabel(label(i))));
results.push(await measure('3 barcodes alone (bwip-js encode)', N, (i) => {
  const d = label(i);
  return JSON.stringify([code128(d.trackingNumber), ssccBarcode(d.sscc), qrCode(d.trackingUrl)]);
}));
results.push(await measure('label as ZPL', N * 10, (i) => labelZpl(label(i))));
results.push(await measure('packing slip, 20 lines', Math.ceil(N / 3), (i) => renderPackingSlip(slip(i, 20))));
results.push(await measure('packing slip, 200 lines (5 pages)', Math.ceil(N / 15), (i) => renderPackingSlip(slip(i, 200))));

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`documents benchmark — Node ${process.version}, N=${N}`);
console.log(`${'document'.padEnd(36)}${pad('docs/s', 9)}${pad('CPU ms', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('bytes', 9)}${pad('RSS MB', 9)}${pad('heap MB', 9)}`);
for (const r of results) {
  console.log(`${r.name.padEnd(36)}${pad(r.perSec.toFixed(1), 9)}${pad(r.cpuMs.toFixed(2), 9)}${pad(r.p50.toFixed(2), 9)}${pad(r.p99.toFixed(2), 9)}${pad(r.bytes, 9)}${pad(r.rssMb, 9)}${pad(r.heapMb, 9)}`);
}
const [base, withCodes] = results;
console.log(`ratio: a label with barcodes takes ${(base!.perSec / withCodes!.perSec).toFixed(2)}× the wall time and ${(withCodes!.cpuMs / base!.cpuMs).toFixed(2)}× the CPU time of the same label without (baseline = 1.00)`);
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs (wall-time figures suffer when it exceeds the CPUs)`);
console.log(`peak RSS: ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
