import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  CITIES,
  DEMO_RATES_PLN_CSV,
  DEMO_RATES_RUB_CSV,
  demoLocations,
  demoStock,
  demoStrategy,
} from './demo-network.js';
import { shutdownExactSolver } from './exact.js';
import { parseRateCsv, type RateTable } from './rates.js';
import { reroute } from './reroute.js';
import { solve } from './solve.js';
import { compileStrategy } from './strategy.js';
import { decisionTrace } from './trace.js';
import type { RoutingOrder, RoutingProblem } from './types.js';

after(() => shutdownExactSolver());

function rates(csv: string, currency: string): RateTable {
  const r = parseRateCsv(csv, currency);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.value;
}
const strategy = (() => {
  const s = compileStrategy(demoStrategy());
  assert.ok(s.ok);
  return s.value;
})();
const NOW = new Date('2026-11-23T09:00:00Z');

function problem(order: RoutingOrder, over: Partial<RoutingProblem> = {}): RoutingProblem {
  const ru = order.destination.country === 'RU';
  return {
    order,
    locations: demoLocations(),
    stock: demoStock(),
    rates: rates(ru ? DEMO_RATES_RUB_CSV : DEMO_RATES_PLN_CSV, ru ? 'RUB' : 'PLN'),
    currency: ru ? 'RUB' : 'PLN',
    now: NOW,
    strategy,
    ...over,
  };
}

const toLodz = (lines: RoutingOrder['lines'], extra: Partial<RoutingOrder> = {}): RoutingOrder => ({
  id: 'zam-1',
  lines,
  deliveryMethod: 'ship',
  destination: { lat: CITIES.lodz.lat, lon: CITIES.lodz.lon, country: 'PL', region: 'łódzkie' },
  channel: 'allegro',
  customer: { segment: 'retail', id: 'Zofia Łukasiewicz' },
  ...extra,
});

describe('demo network: Polish and Russian cities', () => {
  test('Given a small web order to Łódź, when routed, then one parcel ships from the cheapest warehouse with the stock', async () => {
    const plan = await solve(
      problem(
        toLodz([
          { lineId: 'l1', sku: 'KUBEK-01', quantity: 2 },
          { lineId: 'l2', sku: 'CZAJNIK-02', quantity: 1 },
        ]),
      ),
    );
    assert.equal(plan.status, 'complete');
    assert.equal(plan.stepId, 'one-parcel');
    assert.equal(plan.shipmentCount, 1);
    // Both warehouses are in the 100–300 km band of Łódź; InPost next day (14.99 + 3 × 0.50) beats
    // Poczta's cheaper 3-day parcel once a day is worth 3 PLN; stores lose on their extra handling day.
    assert.ok(['wh-warszawa', 'wh-poznan'].includes(plan.shipments[0]!.locationId));
    assert.equal(plan.shipments[0]!.carrier, 'inpost');
    assert.equal(plan.cost.total, 1649n);
    assert.equal(plan.promisedDate, '2026-11-24');
    const losers = new Map(plan.alternatives.map((a) => [a.locationId, a.reason.code]));
    assert.equal(losers.get('st-krakow'), 'WORSE_COST');
    assert.equal(losers.get('wh-moskva'), 'FILTERED');
    assert.equal(losers.get('pp-lodz'), 'FILTERED');
    const nsk = plan.alternatives.find((a) => a.locationId === 'wh-novosibirsk')!.reason;
    assert.ok(nsk.code === 'FILTERED' && nsk.filter === 'country');
  });

  test('Given an order no single location can fill, when routed, then the split step applies within 3 shipments', async () => {
    const plan = await solve(problem(toLodz([{ lineId: 'l1', sku: 'LAMPA-03', quantity: 15 }])));
    assert.equal(plan.status, 'complete');
    assert.equal(plan.stepId, 'split');
    assert.deepEqual(
      plan.stepsTried.map((s) => [s.stepId, s.outcome]),
      [
        ['click-and-collect', 'condition_false'],
        ['wholesale', 'condition_false'],
        ['one-parcel', 'partial'],
        ['split', 'complete'],
      ],
    );
    assert.ok(plan.shipmentCount >= 2 && plan.shipmentCount <= 3);
    assert.equal(
      plan.lines[0]!.allocations.reduce((n, a) => n + a.quantity, 0),
      15,
    );
    assert.equal(
      plan.cost.total,
      plan.shipments.reduce((n, s) => n + s.cost, 0n),
    );
  });

  test('Given more than the network holds, when routed, then the rest is a backorder and the trace says why', async () => {
    const plan = await solve(problem(toLodz([{ lineId: 'l1', sku: 'LAMPA-03', quantity: 30 }])));
    assert.equal(plan.status, 'backorder');
    assert.deepEqual(plan.unfilled, [{ lineId: 'l1', sku: 'LAMPA-03', quantity: 30 - 12 - 4 - 1 }]);
    const trace = decisionTrace(plan);
    assert.match(trace.summary, /demo-omnichannel v1 step split: backorder/);
    assert.equal(typeof trace.plan.cost.total, 'string');
    assert.doesNotThrow(() => JSON.stringify(trace));
  });

  test('Given a B2B order, when routed, then only warehouses ship and every allocation is at least a batch of 6', async () => {
    const plan = await solve(
      problem(
        toLodz([{ lineId: 'l1', sku: 'KUBEK-01', quantity: 130 }], {
          customer: { segment: 'b2b', id: 'ООО «Ромашка»' },
        }),
      ),
    );
    assert.equal(plan.stepId, 'wholesale');
    assert.equal(plan.status, 'complete');
    for (const a of plan.lines[0]!.allocations) {
      assert.ok(a.locationId.startsWith('wh-'));
      assert.ok(a.quantity >= 6);
    }
  });

  test('Given a Moscow order of a samovar, when routed in roubles, then Moscow ships it next day-ish and Novosibirsk loses on cost', async () => {
    const order: RoutingOrder = {
      lines: [{ lineId: 'l1', sku: 'SAMOVAR-04', quantity: 2 }],
      deliveryMethod: 'ship',
      destination: { lat: CITIES.moskva.lat + 0.05, lon: CITIES.moskva.lon + 0.1, country: 'RU' },
      channel: 'ozon',
      customer: { segment: 'retail', id: 'Анна Петровна Смирнова' },
    };
    const plan = await solve(problem(order));
    assert.equal(plan.shipments[0]!.locationId, 'wh-moskva');
    assert.equal(plan.cost.currency, 'RUB');
    assert.equal(plan.cost.total, 29000n + 2n * 2000n);
    const nsk = plan.alternatives.find((a) => a.locationId === 'wh-novosibirsk');
    assert.equal(nsk?.reason.code, 'WORSE_COST');
  });
});

describe('click-and-collect', () => {
  const pickup = (over: Partial<RoutingOrder> = {}): RoutingOrder =>
    toLodz([{ lineId: 'l1', sku: 'KUBEK-01', quantity: 2 }], {
      deliveryMethod: 'pickup',
      pickupLocationId: 'st-krakow',
      ...over,
    });

  test('Given the store has the goods, when collected there, then it is served from its own shelf at no transfer cost', async () => {
    const plan = await solve(problem(pickup()));
    assert.equal(plan.stepId, 'click-and-collect');
    assert.deepEqual(
      plan.shipments.map((s) => [s.locationId, s.kind]),
      [['st-krakow', 'pickup_local']],
    );
    assert.equal(plan.cost.total, 0n);
    assert.equal(plan.promisedDate, '2026-11-24');
  });

  test('Given the store lacks the goods, when collected there, then a warehouse transfers them and it takes longer', async () => {
    const plan = await solve(problem(pickup({ lines: [{ lineId: 'l1', sku: 'LAMPA-03', quantity: 3 }] })));
    assert.equal(plan.status, 'complete');
    const kinds = plan.shipments.map((s) => s.kind);
    assert.ok(kinds.includes('transfer'));
    assert.ok(plan.cost.transfer > 0n);
    assert.ok(plan.promisedDate! > '2026-11-24');
  });

  test('Given the pickup store is at its daily capacity, when collected there, then routing raises an exception', async () => {
    const locations = demoLocations().map((l) => (l.id === 'st-krakow' ? { ...l, usedToday: 80 } : l));
    const plan = await solve(problem(pickup(), { locations }));
    assert.equal(plan.status, 'exception');
    assert.equal(plan.exceptionReason, 'PICKUP_LOCATION_UNAVAILABLE');
  });
});

describe('re-routing', () => {
  test('Given a warehouse rejects its part, when re-routed, then the remainder goes elsewhere and the attempt is recorded', async () => {
    const p = problem(
      toLodz([
        { lineId: 'l1', sku: 'KUBEK-01', quantity: 5 },
        { lineId: 'l2', sku: 'CZAJNIK-02', quantity: 2 },
      ]),
    );
    const first = await solve(p);
    const loser = first.shipments[0]!.locationId;
    const { plan, attempt } = await reroute(p, first, { kind: 'rejected', locationId: loser, reason: 'brak towaru' });
    assert.equal(plan.status, 'complete');
    assert.ok(plan.lines.every((l) => l.allocations.every((a) => a.locationId !== loser)));
    assert.ok(plan.excludedLocationIds.includes(loser));
    assert.equal(attempt.attempt, 1);
    assert.deepEqual(
      attempt.remainder.map((r) => r.quantity),
      [5, 2],
    );
    assert.equal(attempt.trace.plan.alternatives.find((a) => a.locationId === loser)?.reason.code, 'EXCLUDED');
  });

  test('Given a short pick, when re-routed, then picked units stay and only the shortfall moves', async () => {
    const p = problem(toLodz([{ lineId: 'l1', sku: 'KUBEK-01', quantity: 5 }]));
    const first = await solve(p);
    const at = first.shipments[0]!.locationId;
    const { plan, attempt } = await reroute(p, first, {
      kind: 'short_pick',
      locationId: at,
      picked: [{ lineId: 'l1', quantity: 3 }],
    });
    assert.deepEqual(attempt.remainder, [{ lineId: 'l1', sku: 'KUBEK-01', quantity: 2 }]);
    const allocs = plan.lines[0]!.allocations;
    assert.deepEqual(
      allocs.find((a) => a.locationId === at),
      { locationId: at, quantity: 3 },
    );
    assert.equal(
      allocs.reduce((n, a) => n + a.quantity, 0),
      5,
    );
    assert.equal(plan.shipmentCount, 2);
  });
});
