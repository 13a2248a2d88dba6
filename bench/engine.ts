// Pure process engine throughput on the shipped B2B example (issue 4).
//   npx tsx bench/engine.ts [orders]
// Prints transitions per second, p50/p99 per transition, memory, and the ratio to a
// plain object-lookup state machine walking the same states in the same run.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDefinitionOrThrow, prepareFacts, startProcess, transition } from '../src/process/index.js';
import type { ProcessEvent, ProcessSnapshot } from '../src/process/index.js';
import { Operations } from '../src/app/process/operation.js';
import { processOperations } from '../src/compose.js';

const ORDERS = Number(process.argv[2] ?? 20_000);
const source = readFileSync(fileURLToPath(new URL('../processes/b2b-approvals.yaml', import.meta.url)), 'utf8');
const t0 = performance.now();
const def = loadDefinitionOrThrow(source, { registry: new Operations(processOperations()).actions });
const loadMs = performance.now() - t0;

// Discount above 15 % and total above credit: two sequential approvals, then the happy path.
const facts = prepareFacts({
  order: {
    id: 'o',
    number: 'ZAM/1',
    type: 'sale',
    currency: 'PLN',
    total: 1_500_000,
    maxDiscountPct: 20,
    paymentTerms: 'deferred',
  },
  lines: [{ sku: 'ŁOŻYSKO-6204', quantity: 40, unitPrice: 37_500 }],
  customer: { id: 'c', segment: 'b2b', availableCredit: 1_000_000, allowsPartialShipments: true },
  channel: { code: 'b2b-portal', kind: 'b2b_portal' },
  validation: { ok: true, errors: [] },
});
const now = new Date('2026-03-02T08:00:00Z');
const script = (s: ProcessSnapshot): ProcessEvent | null => {
  switch (s.state) {
    case 'awaiting_approval':
      return { name: 'approve', taskId: s.tasks[0]!.id, actor: { id: 'u' } };
    case 'reserving':
      return { name: 'reserved' };
    case 'routing':
      return { name: 'routed' };
    case 'fulfilling':
      return { name: 'shipped' };
    case 'in_transit':
      return { name: 'delivered' };
    default:
      return null;
  }
};

function engineWalk(samples: number[] | null): number {
  let n = 0;
  let t = performance.now();
  let snap = startProcess(def, facts, now).snapshot;
  n += 1;
  if (samples) {
    const e = performance.now();
    samples.push(e - t);
    t = e;
  }
  for (let ev = script(snap); ev; ev = script(snap)) {
    const r = transition(def, snap, ev, facts, now);
    if (!r.ok) throw new Error(`walk refused ${ev.name} in ${snap.state}`);
    snap = r.value.snapshot;
    n += 1;
    if (samples) {
      const e = performance.now();
      samples.push(e - t);
      t = e;
    }
  }
  if (snap.state !== 'completed') throw new Error(`walk ended in ${snap.state}`);
  return n;
}

// The baseline: the same walk as a table of next states, no conditions, no effects.
const table: Record<string, Record<string, string>> = {
  received: { '': 'awaiting_approval' },
  awaiting_approval: { approve1: 'awaiting_approval', approve: 'reserving' },
  reserving: { reserved: 'routing' },
  routing: { routed: 'fulfilling' },
  fulfilling: { shipped: 'in_transit' },
  in_transit: { delivered: 'completed' },
};
const baselineEvents = ['', 'approve1', 'approve', 'reserved', 'routed', 'shipped', 'delivered'];
function baselineWalk(): number {
  let state = 'received';
  const history: { from: string; to: string; event: string }[] = [];
  for (const e of baselineEvents) {
    const to = table[state]![e]!;
    history.push({ from: state, to, event: e });
    state = to;
  }
  if (state !== 'completed') throw new Error('baseline walk broken');
  return history.length;
}

function timeIt(fn: () => number, orders: number): { ms: number; transitions: number } {
  const start = performance.now();
  let transitions = 0;
  for (let i = 0; i < orders; i++) transitions += fn();
  return { ms: performance.now() - start, transitions };
}

// Warm up both, then measure.
timeIt(() => engineWalk(null), 2_000);
timeIt(baselineWalk, 200_000);
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const engine = timeIt(() => engineWalk(null), ORDERS);
const heapAfter = process.memoryUsage().heapUsed;
const base = timeIt(baselineWalk, ORDERS * 20);
const samples: number[] = [];
for (let i = 0; i < Math.min(ORDERS, 5_000); i++) engineWalk(samples);
samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;

const engineRate = engine.transitions / (engine.ms / 1000);
const baseRate = base.transitions / (base.ms / 1000);
const mem = process.memoryUsage();
console.log(
  `process engine bench (b2b-approvals, ${engine.transitions / ORDERS} transitions per order lifecycle, one core)`,
);
console.log(`  definition load+validate+compile: ${loadMs.toFixed(1)} ms`);
console.log(
  `  engine:   ${ORDERS} lifecycles, ${engine.transitions} transitions in ${engine.ms.toFixed(0)} ms → ${Math.round(engineRate).toLocaleString('en')} transitions/s (${Math.round(ORDERS / (engine.ms / 1000)).toLocaleString('en')} lifecycles/s)`,
);
console.log(
  `  per transition: p50 ${(q(0.5) * 1000).toFixed(1)} µs, p99 ${(q(0.99) * 1000).toFixed(1)} µs (${samples.length} samples)`,
);
console.log(`  baseline: object-lookup state machine, ${Math.round(baseRate).toLocaleString('en')} transitions/s`);
console.log(
  `  ratio: engine is ${(baseRate / engineRate).toFixed(1)}× slower per transition than the bare table (conditions, decision table, approvals, trace, effects)`,
);
console.log(
  `  memory: rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, heap growth during the engine run ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB (garbage, not retained)`,
);
console.log(`  target ≥ 10,000 transitions/s: ${engineRate >= 10_000 ? 'met' : 'NOT met'}`);
