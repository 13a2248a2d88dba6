/**
 * npm run bench:tracing — the cost of OpenTelemetry tracing on order intake (docs/observability.md).
 * The same orders (3 lines, in a unit of work: an Idempotency-Key each) are created through the
 * API with tracing off (nothing loaded), on with the in-memory exporter (every span kept, no
 * export cost), and on with the OTLP/HTTP exporter in batches to a local collector that accepts
 * and drops them (the production setting, serialisation included). Modes alternate, BENCH_REPEAT
 * times each (default 3), and the median is reported with its ratio to `off`. Requests go through
 * fastify's inject (no sockets), so the figure is the server's own cost. PostgreSQL when
 * BENCH_DATABASE_URL or a local server answers, else the embedded database (BENCH_PGLITE=1).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { openDatabase, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { buildApp } from '../src/api/app.js';
import { compose } from '../src/compose.js';
import { systemClock } from '../src/shared/clock.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { startTracing } from '../src/integrations/telemetry/tracing-sdk.js';
import { fmt, runConcurrent, scratchDatabase, type RunResult } from './lib.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 600);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
type Mode = 'off' | 'memory' | 'otlp';

async function main() {
  const pglite = process.env.BENCH_PGLITE === '1';
  const scratch = pglite ? null : await scratchDatabase();
  const database: Database = scratch
    ? await openDatabase({ url: scratch.url })
    : await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(database.db);
  const tenant = await createTenant(database.db, {
    slug: `bench-${randomUUID().slice(0, 8)}`,
    name: 'Bench',
    admin: { email: `bench-${randomUUID()}@example.pl`, name: 'Bench', password: 'bench-password-1' },
  });
  const deps = {
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    processes: compose({ clock: systemClock }).processes,
  };
  // built before any tracer exists: no hook, no span
  const plain = await buildApp(deps);
  const call = (app: typeof plain, path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: path,
      payload: body as object,
      headers: { authorization: `Bearer ${tenant.apiKey}`, ...headers },
    });
  const must = async (path: string, body: unknown) => {
    const r = await call(plain, path, body);
    if (r.statusCode !== 201) throw new Error(`${path} ${r.statusCode} ${r.body}`);
  };
  await must('/api/v1/channels', { code: 'web', name: 'Sklep', kind: 'web', settings: { reserveOnIntake: false } });
  for (let i = 1; i <= 3; i++) await must('/api/v1/products', { sku: `SKU-${i}`, name: `Produkt ${i} — Товар ${i}` });
  await must('/api/v1/customers', { code: 'C-1', name: 'Zażółć Gęślą', email: 'jazn@example.pl' });

  // a collector that takes OTLP/HTTP and drops it
  let exported = 0;
  const collector = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (exported += chunk.length));
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;

  const body = (i: number, run: string) => ({
    channel: 'web',
    externalId: `${run}-${i}`,
    customer: { code: 'C-1' },
    currency: 'PLN',
    lines: [1, 2, 3].map((n) => ({ sku: `SKU-${n}`, quantity: n, unitPrice: '19.99', taxRate: '23' })),
    shippingAddress: { name: 'Zażółć Gęślą', line1: 'ul. Jaźni 1', city: 'Łódź', country: 'PL' },
    delivery: { method: 'ship' },
  });
  const results: Record<Mode, Array<RunResult & { cpuMs: number; spans: number }>> = { off: [], memory: [], otlp: [] };
  for (let round = 0; round < REPEAT + 1; round++) {
    for (const mode of ['off', 'memory', 'otlp'] as const) {
      // a new exporter each time: shutting the SDK down stops the one it had
      const memory = new InMemorySpanExporter();
      const tracing =
        mode === 'off'
          ? null
          : await startTracing(mode === 'memory' ? 'off' : 'otlp', mode === 'memory' ? { exporter: memory } : {});
      const app = mode === 'off' ? plain : await buildApp(deps);
      const run = randomUUID().slice(0, 8);
      const cpu0 = process.cpuUsage();
      const measured = await runConcurrent(round === 0 ? 100 : ORDERS, CONCURRENCY, async (i) => {
        const r = await call(app, '/api/v1/orders', body(i, run), { 'idempotency-key': `${run}-${i}` });
        if (r.statusCode !== 201) throw new Error(r.body);
      });
      const cpu = process.cpuUsage(cpu0);
      const spans = memory.getFinishedSpans().length;
      await tracing?.shutdown();
      if (app !== plain) await app.close();
      if (round === 0) continue; // warm-up
      results[mode].push({
        ...measured,
        cpuMs: (cpu.user + cpu.system) / 1000 / measured.ops,
        spans: spans / measured.ops,
      });
    }
  }
  const median = (mode: Mode) =>
    [...results[mode]].sort((a, b) => a.perSecond - b.perSecond)[results[mode].length >> 1]!;
  const off = median('off');
  console.log(
    `tracing overhead on intake (${database.kind}, ${ORDERS} orders × ${REPEAT}, c=${CONCURRENCY}, unit-of-work path)`,
  );
  for (const mode of ['off', 'memory', 'otlp'] as const) {
    const m = median(mode);
    console.log(
      `  ${mode.padEnd(6)} ${fmt(m.perSecond, 0).padStart(5)} orders/s (${fmt(m.perSecond / off.perSecond, 2)}× off)  p50 ${fmt(m.p50)} ms  p99 ${fmt(m.p99)} ms  cpu/order ${fmt(m.cpuMs, 2)} ms (+${fmt(m.cpuMs - off.cpuMs, 2)})  errors ${m.errors}` +
        `  [runs ${results[mode].map((r) => fmt(r.perSecond, 0)).join(', ')}]${mode === 'memory' ? `  spans/order ${fmt(m.spans, 1)}` : ''}`,
    );
  }
  console.log(`  OTLP bytes received by the collector: ${exported}`);
  collector.closeAllConnections();
  collector.close();
  await plain.close();
  await database.close();
  await scratch?.drop();
}

await main();
process.exit(0);
