/**
 * Routing on real Brazilian marketplace geography: Olist orders (customer zip) and sellers
 * (seller zip), located through the dataset's zip-prefix geolocation table. The data is
 * CC BY-NC-SA: it is read from /work/shared at test time and never copied into the repo.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { buildStepModel, destinationOf } from './candidates.js';
import { shutdownExactSolver } from './exact.js';
import { compareScores, scoreOf, type Score } from './model.js';
import { parseRateCsv } from './rates.js';
import { solve, solveModel } from './solve.js';
import { compileStrategy } from './strategy.js';
import { haversineKm } from './geo.js';
import type { GeoPoint, RoutingLocation, RoutingOrder, RoutingProblem, StockLevels } from './types.js';

after(() => shutdownExactSolver());

const DIR =
  process.env.ORDO_OLIST_DIR ??
  fileURLToPath(new URL('../../../../shared/fixtures/external/datasets/olist-sample-3000/', import.meta.url));

type Row = Record<string, string>;
const read = (name: string): Row[] =>
  parse(readFileSync(`${DIR}/${name}`, 'utf8'), { columns: true, skip_empty_lines: true }) as Row[];

/** Correios-like bands, BRL (illustrative). */
const RATES_BRL = `carrier,service,zone,min_km,max_km,base,per_unit,transit_days
correios,pac,BR-1,0,300,15.00,1.00,3
correios,pac,BR-2,300,1000,22.00,1.50,5
correios,pac,BR-3,1000,2500,32.00,2.00,8
correios,pac,BR-4,2500,,45.00,3.00,12
correios,sedex,BR-1,0,300,25.00,1.50,1
correios,sedex,BR-2,300,1000,38.00,2.00,2
correios,sedex,BR-3,1000,2500,55.00,3.00,4
correios,sedex,BR-4,2500,,75.00,4.00,6
`;

test('Given Olist orders and sellers, when every order is routed, then all ship and routing beats the historical seller choice', async (t) => {
  if (!existsSync(`${DIR}/manifest.json`)) {
    t.skip(`Olist sample not found at ${DIR} (set ORDO_OLIST_DIR); skipping the Olist routing scenario`);
    return;
  }
  // Zip prefix → mean coordinates of the geolocation rows.
  const sums = new Map<string, { lat: number; lon: number; n: number }>();
  for (const r of read('olist_geolocation_dataset.csv')) {
    const s = sums.get(r.geolocation_zip_code_prefix!) ?? { lat: 0, lon: 0, n: 0 };
    s.lat += Number(r.geolocation_lat);
    s.lon += Number(r.geolocation_lng);
    s.n++;
    sums.set(r.geolocation_zip_code_prefix!, s);
  }
  const zip = (z: string): GeoPoint | undefined => {
    const s = sums.get(z);
    return s ? { lat: s.lat / s.n, lon: s.lon / s.n } : undefined;
  };

  const locations: RoutingLocation[] = [];
  const sellerPos = new Map<string, GeoPoint>();
  for (const s of read('olist_sellers_dataset.csv')) {
    const p = zip(s.seller_zip_code_prefix!);
    if (!p) continue;
    sellerPos.set(s.seller_id!, p);
    locations.push({
      id: s.seller_id!,
      name: s.seller_city,
      type: 'warehouse',
      position: p,
      country: 'BR',
      region: s.seller_state!,
      capabilities: ['ships'],
      networks: ['olist'],
      open: true,
      priority: 0,
      handlingDays: 1,
    });
  }
  const category = new Map(
    read('olist_products_dataset.csv').map((p) => [p.product_id!, p.product_category_name || 'sem_categoria']),
  );
  const items = read('olist_order_items_dataset.csv').filter((i) => sellerPos.has(i.seller_id!));

  // Stock: each product at the sellers who sold it, and at the three busiest sellers of its
  // category, so the router has real choices to make.
  const sellersByCategory = new Map<string, Map<string, number>>();
  for (const i of items) {
    const c = category.get(i.product_id!) ?? 'sem_categoria';
    const m = sellersByCategory.get(c) ?? new Map<string, number>();
    m.set(i.seller_id!, (m.get(i.seller_id!) ?? 0) + 1);
    sellersByCategory.set(c, m);
  }
  const stock: StockLevels = {};
  const put = (loc: string, sku: string, q: number) => ((stock[loc] ??= {})[sku] = (stock[loc]?.[sku] ?? 0) + q);
  for (const i of items) {
    put(i.seller_id!, i.product_id!, 1);
    const top = [...(sellersByCategory.get(category.get(i.product_id!) ?? '') ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
    for (const [s] of top) if (s !== i.seller_id) put(s, i.product_id!, 1);
  }

  const customers = new Map(read('olist_customers_dataset.csv').map((c) => [c.customer_id!, c]));
  const byOrder = new Map<string, Row[]>();
  for (const i of items) byOrder.set(i.order_id!, [...(byOrder.get(i.order_id!) ?? []), i]);
  const orders: { order: RoutingOrder; sellers: Map<string, Map<string, number>> }[] = [];
  for (const o of read('olist_orders_dataset.csv')) {
    const its = byOrder.get(o.order_id!);
    const c = customers.get(o.customer_id!);
    const dest = c && zip(c.customer_zip_code_prefix!);
    if (!its || !dest || !c) continue;
    const qty = new Map<string, number>();
    const sellers = new Map<string, Map<string, number>>();
    for (const i of its) {
      qty.set(i.product_id!, (qty.get(i.product_id!) ?? 0) + 1);
      const m = sellers.get(i.seller_id!) ?? new Map<string, number>();
      m.set(i.product_id!, (m.get(i.product_id!) ?? 0) + 1);
      sellers.set(i.seller_id!, m);
    }
    orders.push({
      order: {
        id: o.order_id!,
        lines: [...qty].map(([sku, quantity], k) => ({ lineId: `l${k + 1}`, sku, quantity })),
        deliveryMethod: 'ship',
        destination: { ...dest, country: 'BR', region: c.customer_state! },
        channel: 'olist',
        customer: { segment: 'retail', id: c.customer_unique_id! },
      },
      sellers,
    });
  }
  assert.ok(orders.length > 2500, `only ${orders.length} orders could be located`);

  const rates = parseRateCsv(RATES_BRL, 'BRL');
  assert.ok(rates.ok);
  const strategy = compileStrategy({
    key: 'olist',
    version: 1,
    solver: 'heuristic',
    steps: [
      {
        id: 'best',
        objective: { shippingCost: 1, deliveryPromise: 150, distance: 0.2 },
        constraints: { maxShipments: 3 },
        fallback: 'backorder',
      },
    ],
  });
  assert.ok(strategy.ok && rates.ok);
  if (!strategy.ok || !rates.ok) return;

  let routedKm = 0;
  let historicalKm = 0;
  let routedScore = 0;
  let historicalScore = 0;
  let exactChecked = 0;
  // A third of the orders keeps the file within a few seconds on a shared 2-core machine.
  const routed = orders.slice(0, 1000);
  for (const { order, sellers } of routed) {
    const problem: RoutingProblem = {
      order,
      locations,
      stock,
      rates: rates.value,
      currency: 'BRL',
      now: new Date('2018-03-01T12:00:00Z'),
      strategy: strategy.value,
    };
    const plan = await solve(problem, { maxAlternatives: 5 });
    assert.equal(plan.status, 'complete', `order ${order.id}`);
    for (const line of plan.lines) {
      for (const a of line.allocations)
        assert.ok(a.quantity <= (stock[a.locationId]?.[line.sku] ?? 0), 'allocated only what is in stock');
    }
    routedKm += plan.shipments.reduce((n, s) => n + s.distanceKm, 0);
    for (const s of sellers.keys()) historicalKm += haversineKm(sellerPos.get(s)!, order.destination);

    // The historical choice, scored by the same model: routing must not be worse in total,
    // and the exact optimiser must not be worse on any order it checks.
    const leg = destinationOf(problem);
    assert.ok(typeof leg !== 'string');
    if (typeof leg === 'string') return;
    const sm = buildStepModel(problem, strategy.value.steps[0]!, leg);
    const x = sm.candidates.map((c) => order.lines.map((l) => sellers.get(c.location.id)?.get(l.sku) ?? 0));
    const hist: Score = scoreOf(sm.model, x);
    routedScore += plan.score.total;
    historicalScore += hist.cost;
    if (exactChecked < 12 && sellers.size <= 3 && sm.candidates.length > 1 && order.lines.length > 1) {
      const e = await solveModel(sm.model, { solver: 'exact', exactTimeLimitMs: 2000, autoExactMaxCells: 0 });
      assert.ok(compareScores(e.score, hist) <= 0, `exact worse than history on ${order.id}`);
      exactChecked++;
    }
  }
  t.diagnostic(
    `${routed.length} orders over ${locations.length} sellers: routed ${Math.round(routedKm)} km vs historical ${Math.round(historicalKm)} km; ` +
      `score ${Math.round(routedScore)} vs ${Math.round(historicalScore)}; exact checked on ${exactChecked} multi-line orders`,
  );
  assert.ok(routedKm < historicalKm);
  assert.ok(routedScore <= historicalScore);
  assert.ok(exactChecked >= 10);
});
