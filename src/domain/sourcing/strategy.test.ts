import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { demoStrategy } from './demo-network.js';
import { compileStrategy, conditionContext, stepApplies, type RoutingStrategyInput } from './strategy.js';
import type { RoutingOrder } from './types.js';

const base = (steps: RoutingStrategyInput['steps']): RoutingStrategyInput => ({ key: 'test', version: 3, steps });

function errorsOf(input: unknown) {
  const r = compileStrategy(input);
  assert.equal(r.ok, false, 'expected the strategy to be rejected');
  return r.ok ? [] : r.error;
}

const order: RoutingOrder = {
  id: 'zam-7',
  lines: [
    { lineId: 'l1', sku: 'KUBEK-01', quantity: 3 },
    { lineId: 'l2', sku: 'LAMPA-03', quantity: 2 },
  ],
  deliveryMethod: 'ship',
  destination: { lat: 52.23, lon: 21.01, country: 'PL', region: 'mazowieckie' },
  channel: 'allegro',
  customer: { segment: 'b2b', id: 'Spółka Żółw sp. z o.o.' },
  attributes: { priorytet: 'wysoki', wartość: 1250 },
};

describe('routing strategies as data', () => {
  test('Given the demo strategy, when compiled, then defaults are filled and conditions are compiled', () => {
    const r = compileStrategy(demoStrategy());
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.value.steps.length, 4);
    assert.equal(r.value.exactTimeLimitMs, 200);
    const wholesale = r.value.steps[1]!;
    assert.equal(wholesale.objective.shippingCost, 1);
    assert.equal(wholesale.objective.distance, 0);
    assert.equal(wholesale.constraints.shipComplete, false);
    assert.equal(typeof wholesale.condition, 'function');
    assert.equal(r.value.steps[2]!.condition, null);
  });

  test('Given conditions on order, channel, customer and delivery, when evaluated, then each reads the right fact', () => {
    const r = compileStrategy(
      base([
        { id: 'a', when: 'customer.segment == "b2b" && channel == "allegro" && delivery == "ship"', fallback: 'next' },
        {
          id: 'b',
          when: 'order.totalQuantity >= 5 && order.lineCount == 2 && "LAMPA-03" in order.skus',
          fallback: 'next',
        },
        { id: 'c', when: 'order.attributes.priorytet == "wysoki" && order.country == "PL"', fallback: 'next' },
        { id: 'd', when: 'order.totalQuantity > 5.0', fallback: 'backorder' },
      ]),
    );
    assert.ok(r.ok);
    if (!r.ok) return;
    const ctx = conditionContext(order);
    assert.deepEqual(
      r.value.steps.map((s) => stepApplies(s, ctx).applies),
      [true, true, true, false],
    );
  });

  test('Given a condition reading a missing attribute, when evaluated, then the step does not apply and the error is reported', () => {
    const r = compileStrategy(base([{ id: 'a', when: 'order.attributes.brak == "x"', fallback: 'backorder' }]));
    assert.ok(r.ok);
    if (!r.ok) return;
    const res = stepApplies(r.value.steps[0]!, conditionContext(order));
    assert.equal(res.applies, false);
    assert.match(res.error ?? '', /brak/);
  });

  test('Given broken conditions, when compiled, then each error names its step path', () => {
    const errors = errorsOf(
      base([
        { id: 'syntax', when: 'order.lineCount >', fallback: 'next' },
        { id: 'unknown', when: 'warehouse.name == "x"', fallback: 'next' },
        { id: 'notbool', when: '"tekst"', fallback: 'next' },
        { id: 'ok', fallback: 'exception' },
      ]),
    );
    const paths = errors.map((e) => e.path);
    assert.deepEqual(paths, ['/steps/0/when', '/steps/1/when', '/steps/2/when']);
    assert.match(errors[0]!.message, /not valid CEL/);
    assert.match(errors[2]!.message, /boolean/);
  });

  test('Given a condition beyond the size limit, when compiled, then it is refused', () => {
    const huge = Array.from({ length: 300 }, (_, i) => `order.lineCount == ${i}`).join(' || ');
    const errors = errorsOf(base([{ id: 'big', when: huge, fallback: 'backorder' }]));
    assert.equal(errors[0]!.path, '/steps/0/when');
  });

  test('Given structural mistakes, when compiled, then duplicates, a dangling "next" and conflicting constraints are named', () => {
    const errors = errorsOf(
      base([
        { id: 'a', fallback: 'next' },
        { id: 'a', constraints: { keepLinesWhole: true, minBatch: { default: 5 } }, fallback: 'next' },
      ]),
    );
    assert.deepEqual(errors.map((e) => e.path).sort(), [
      '/steps/1/constraints/minBatch',
      '/steps/1/fallback',
      '/steps/1/id',
    ]);
    assert.match(errors.find((e) => e.path === '/steps/1/fallback')!.message, /last step/);
  });

  test('Given schema violations, when compiled, then zod reports them with JSON paths', () => {
    const errors = errorsOf({
      key: 'Zły klucz',
      version: 0,
      steps: [
        { id: 's', objective: { distance: -1 }, filters: { countries: ['Polska'], colour: 'red' }, fallback: 'never' },
      ],
    });
    const paths = errors.map((e) => e.path);
    for (const p of [
      '/key',
      '/version',
      '/steps/0/objective/distance',
      '/steps/0/filters/countries/0',
      '/steps/0/fallback',
    ]) {
      assert.ok(paths.includes(p), `${p} missing from ${paths.join(', ')}`);
    }
    assert.ok(errors.some((e) => e.path === '/steps/0/filters' && /colour/.test(e.message)));
  });
});
