/**
 * Routing benchmark: plans per second and p50/p99 latency of the heuristic and the exact
 * optimiser for orders of 1, 5 and 20 lines over 50, 500 and 2,000 locations, a batch of
 * 10,000 orders, the heuristic's optimality gap, and a naive "first location with stock"
 * router measured in the same run as the baseline.
 *
 * Run: npx tsx bench/routing.ts   (about 2 minutes on 2 cores)
 *      ROUTING_BENCH=exact npx tsx bench/routing.ts   (exact runs and the optimality gap only,
 *      same orders: the skipped runs still draw their random orders; about 20 s)
 */
import { buildStepModel, destinationOf } from '../src/domain/sourcing/candidates.js';
import { shutdownExactSolver, solveExact, warmUpExactSolver } from '../src/domain/sourcing/exact.js';
import { solveHeuristic } from '../src/domain/sourcing/heuristic.js';
import { reduceModel } from '../src/domain/sourcing/presolve.js';
import { compareScores, scoreOf } from '../src/domain/sourcing/model.js';
import { naiveFirstLocation } from '../src/domain/sourcing/naive.js';
import { parseRateCsv } from '../src/domain/sourcing/rates.js';
import { solve, solveModel } from '../src/domain/sourcing/solve.js';
import { compileStrategy, type CompiledStrategy } from '../src/domain/sourcing/strategy.js';
import { DEMO_RATES_PLN_CSV } from '../src/domain/sourcing/demo-network.js';
import { cpus, loadavg } from 'node:os';
import type { RoutingLocation, RoutingOrder, RoutingProblem, StockLevels } from '../src/domain/sourcing/types.js';

// Deterministic pseudo-random numbers (mulberry32) so runs are comparable.
let seed = 20261123;
function rand(): number {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(rand() * n);

const SKUS = Array.from({ length: 400 }, (_, i) => `SKU-${String(i).padStart(4, '0')}`);
// Poland's bounding box: every leg falls in the demo PLN rate bands.
const point = () => ({ lat: 49.2 + rand() * 5.4, lon: 14.3 + rand() * 9.7 });

function network(n: number): { locations: RoutingLocation[]; stock: StockLevels } {
  const locations: RoutingLocation[] = [];
  const stock: StockLevels = {};
  for (let i = 0; i < n; i++) {
    const store = i % 5 !== 0;
    const id = `${store ? 'sklep' : 'magazyn'}-${i}`;
    locations.push({
      id,
      type: store ? 'store' : 'warehouse',
      position: point(),
      country: 'PL',
      capabilities: store ? ['ships', 'pickup'] : ['ships', 'b2b'],
      networks: ['web'],
      open: rand() > 0.03,
      dailyCapacity: store ? 60 : 5000,
      usedToday: int(store ? 70 : 10),
      priority: store ? 2 : 1,
      handlingDays: store ? 1 : 0,
    });
    const levels: Record<string, number> = {};
    // Warehouses carry most of the range; stores a thin slice.
    for (const sku of SKUS) if (rand() < (store ? 0.08 : 0.6)) levels[sku] = 1 + int(store ? 4 : 40);
    stock[id] = levels;
  }
  return { locations, stock };
}

function order(lines: number, k: number): RoutingOrder {
  const skus = new Set<string>();
  while (skus.size < lines) skus.add(SKUS[int(SKUS.length)]!);
  return {
    id: `zam-${k}`,
    lines: [...skus].map((sku, i) => ({ lineId: `l${i + 1}`, sku, quantity: 1 + int(3) })),
    deliveryMethod: 'ship',
    destination: { ...point(), country: 'PL' },
    channel: 'web',
    customer: { segment: 'retail', id: 'Małgorzata Wiśniewska' },
  };
}

const ratesR = parseRateCsv(DEMO_RATES_PLN_CSV, 'PLN');
const stratR = compileStrategy({
  key: 'bench',
  version: 1,
  steps: [
    {
      id: 'best',
      filters: { channelNetwork: true },
      objective: { shippingCost: 1, deliveryPromise: 300, shipments: 200, locationPriority: 50 },
      constraints: { maxShipments: 3 },
      fallback: 'backorder',
    },
  ],
});
if (!ratesR.ok || !stratR.ok) throw new Error('bench setup is invalid');
const rates = ratesR.value;
const strategy: CompiledStrategy = stratR.value;
const NOW = new Date('2026-11-23T09:00:00Z');
const problemOf = (net: ReturnType<typeof network>, o: RoutingOrder): RoutingProblem => ({
  order: o,
  locations: net.locations,
  stock: net.stock,
  rates,
  currency: 'PLN',
  now: NOW,
  strategy,
});

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const f = (n: number, d = 2) => n.toFixed(d);
const rows: string[][] = [];
const mb = (b: number) => `${Math.round(b / 1048576)} MB`;

/** Wall-clock and CPU time per plan: on a shared machine CPU time is the steadier figure. */
async function measure<T>(label: string, problems: T[], run: (p: T) => Promise<unknown> | unknown) {
  const wall: number[] = [];
  const cpu: number[] = [];
  const t0 = performance.now();
  for (const p of problems) {
    const t = performance.now();
    const c = process.cpuUsage();
    await run(p);
    cpu.push(process.cpuUsage(c).user / 1000);
    wall.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  const r = {
    label,
    n: problems.length,
    perSec: (problems.length / total) * 1000,
    p50: pct(wall, 50),
    p99: pct(wall, 99),
  };
  rows.push([label, String(r.n), f(r.perSec, 0), f(r.p50), f(r.p99), f(pct(cpu, 50)), f(pct(cpu, 99))]);
  return r;
}

const exactOnly = process.env.ROUTING_BENCH === 'exact';
const started = performance.now();
console.log(`routing bench — node ${process.version}, ${new Date().toISOString()}`);
await warmUpExactSolver();
const nets = new Map([50, 500, 2000].map((n) => [n, network(n)]));
const ratios: string[] = [];
let exactTimeouts = 0;

for (const locs of [50, 500, 2000]) {
  const net = nets.get(locs)!;
  for (const lines of [1, 5, 20]) {
    const n = locs === 2000 ? 60 : locs === 500 ? 200 : 300;
    const problems = Array.from({ length: n }, (_, k) => problemOf(net, order(lines, k)));
    if (exactOnly) continue;
    // Warm the JIT on a few orders first so p99 measures routing, not compilation.
    for (const p of problems.slice(0, 20)) await solve(p, { solver: 'heuristic' });
    const h = await measure(`heuristic ${lines}×${locs}`, problems, (p) =>
      solve(p, { solver: 'heuristic', maxAlternatives: 20 }),
    );
    const b = await measure(`naive     ${lines}×${locs}`, problems, (p) => naiveFirstLocation(p));
    // Quality against the baseline: the naive plan scored by the same model. Units it takes
    // from locations the step filters out (closed, over capacity, no rate) count as unfilled.
    let naiveCost = 0;
    let heurCost = 0;
    let naiveUnfilled = 0;
    let heurUnfilled = 0;
    for (const p of problems.slice(0, 40)) {
      const leg = destinationOf(p);
      if (typeof leg === 'string') continue;
      const sm = buildStepModel(p, strategy.steps[0]!, leg);
      const naive = naiveFirstLocation(p);
      const x = sm.candidates.map((c) =>
        naive.map((l) => l.allocations.find((a) => a.locationId === c.location.id)?.quantity ?? 0),
      );
      const ns = scoreOf(sm.model, x);
      const hs = await solveModel(sm.model, { solver: 'heuristic', exactTimeLimitMs: 0, autoExactMaxCells: 0 });
      naiveCost += ns.cost;
      heurCost += hs.score.cost;
      naiveUnfilled += ns.unfilled;
      heurUnfilled += hs.score.unfilled;
    }
    ratios.push(
      `${lines}×${locs}: naive ${f(b.perSec / h.perSec, 0)}× more plans/s; heuristic's weighted cost ${f((heurCost / naiveCost) * 100, 0)} % of naive's; ` +
        `units left unfilled on 40 orders: heuristic ${heurUnfilled}, naive ${naiveUnfilled}`,
    );
  }
}

// Exact optimiser where it is sensible: small networks, time-boxed at 200 ms.
const provedByBound: string[] = [];
for (const [lines, locs, n] of [
  [1, 50, 30],
  [5, 50, 40],
  [10, 50, 60],
  [20, 50, 20],
  [5, 500, 15],
] as const) {
  const net = nets.get(locs)!;
  const problems = Array.from({ length: n }, (_, k) => problemOf(net, order(lines, 10_000 + k)));
  await measure(`exact     ${lines}×${locs}`, problems, async (p) => {
    const plan = await solve(p, { solver: 'exact', exactTimeLimitMs: 200, maxAlternatives: 20 });
    if (plan.solver !== 'exact') exactTimeouts++;
  });
  // How many of those the presolve proved optimal without HiGHS, and the HiGHS path alone
  // (same orders, model reduced, the proof switched off, heuristic plan as MIP start).
  const models = problems.map(
    (p) =>
      buildStepModel(p, strategy.steps[0]!, destinationOf(p) as Exclude<ReturnType<typeof destinationOf>, string>)
        .model,
  );
  const proved = models.filter((m) => reduceModel(m, solveHeuristic(m)).optimum !== null).length;
  provedByBound.push(`${lines}×${locs}: ${proved}/${models.length}`);
  if (lines === 10) {
    await measure(`exact     ${lines}×${locs} HiGHS path`, models, (m) =>
      solveExact(m, 200, solveHeuristic(m).x, { prove: false }),
    );
  }
}
// Optimality gap of the heuristic against the exact optimum (5 lines × 50 locations).
let same = 0;
let compared = 0;
let gapSum = 0;
let gapMax = 0;
const net50 = nets.get(50)!;
for (let k = 0; k < 100; k++) {
  const p = problemOf(net50, order(5, 20_000 + k));
  const leg = destinationOf(p);
  if (typeof leg === 'string') continue;
  const sm = buildStepModel(p, strategy.steps[0]!, leg);
  const h = await solveModel(sm.model, { solver: 'heuristic', exactTimeLimitMs: 0, autoExactMaxCells: 0 });
  const e = await solveModel(sm.model, { solver: 'exact', exactTimeLimitMs: 2000, autoExactMaxCells: 0 });
  if (!e.optimal) continue;
  compared++;
  if (compareScores(h.score, e.score) === 0) same++;
  else if (h.score.unfilled === e.score.unfilled) {
    const g = (h.score.cost - e.score.cost) / e.score.cost;
    gapSum += g;
    gapMax = Math.max(gapMax, g);
  }
}

// Batch: 10,000 orders of 5 lines over 500 locations with the heuristic.
const net500 = nets.get(500)!;
const batch = exactOnly ? [] : Array.from({ length: 10_000 }, (_, k) => problemOf(net500, order(5, 30_000 + k)));
const heapBefore = process.memoryUsage().heapUsed;
const tb = performance.now();
let complete = 0;
for (const p of batch)
  if ((await solve(p, { solver: 'heuristic', maxAlternatives: 10 })).status === 'complete') complete++;
const batchMs = performance.now() - tb;
const tn = performance.now();
for (const p of batch) naiveFirstLocation(p);
const naiveBatchMs = performance.now() - tn;
await shutdownExactSolver();

console.log(
  '\n| run (lines×locations) | plans | plans/s | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\nexact runs that fell back to the heuristic (timeout/error): ${exactTimeouts}`);
console.log(`exact plans proved optimal by the presolve's bound, without HiGHS: ${provedByBound.join(', ')}`);
if (!exactOnly)
  console.log(`\nbaseline ratios (naive "first location with stock" in the same run):\n  ${ratios.join('\n  ')}`);
console.log(
  `\noptimality gap, 5×50: heuristic optimal on ${same}/${compared} orders; ` +
    `mean gap ${f(compared ? (gapSum / compared) * 100 : 0)} %, worst ${f(gapMax * 100, 1)} % (cost, same fill)`,
);
if (!exactOnly)
  console.log(
    `\nbatch 10,000 orders 5×500 heuristic: ${f(batchMs / 1000)} s, ${f((10_000 / batchMs) * 1000, 0)} plans/s, ${complete} complete; ` +
      `naive ${f(naiveBatchMs / 1000)} s (${f(batchMs / naiveBatchMs, 1)}× the heuristic's speed); ` +
      `heap +${mb(process.memoryUsage().heapUsed - heapBefore)}, rss ${mb(process.memoryUsage().rss)}`,
  );
const target = (label: string) => rows.find((r) => r[0] === label);
console.log(
  `\ntargets: heuristic p99 at 20×500 = ${target('heuristic 20×500')?.[4]} ms (target < 5); ` +
    `exact p99 at 10×50 = ${target('exact     10×50')?.[4]} ms (target < 50); CPU p99 ${target('heuristic 20×500')?.[6]} / ${target('exact     10×50')?.[6]} ms; ` +
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
);
console.log(`total bench time ${f((performance.now() - started) / 1000, 1)} s`);
