import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { routeOrder } from '../../src/app/sourcing/route-order.js';
import { dayOf } from '../../src/app/sourcing/day-load.js';
import { atomically } from '../../src/store/tenant-scope.js';
import { locationIds, stock } from './helpers.js';

const actor = { type: 'system' as const, id: null, name: 'test' };

describe("a location's daily capacity is a counter claimed with the route (location_day_load)", () => {
  let t: TestApp;
  let loc: Record<string, string>;
  let serial = 0;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    // Both hold everything; for an address in Łódź the nearest is WAW-1, then KRK-S.
    await stock(t, [
      ['SKU-1', 'WAW-1', 1000],
      ['SKU-2', 'WAW-1', 1000],
      ['SKU-3', 'WAW-1', 1000],
      ['SKU-1', 'KRK-S', 1000],
      ['SKU-2', 'KRK-S', 1000],
      ['SKU-3', 'KRK-S', 1000],
    ]);
    loc = await locationIds(t);
  });
  after(() => t.close());

  const newOrder = async () => {
    const created = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: `CAP-${++serial}`, lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '10.00' }] }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };
  const route = (orderId: string, opts: { excludeLocationIds?: string[] } = {}) =>
    atomically(t.store, (tx) => routeOrder(tx, actor, new Date(), orderId, opts));
  const load = async (code: string) =>
    (
      await t.store
        .selectFrom('location_day_load')
        .select('orders')
        .where('location_id', '=', loc[code]!)
        .where('day', '=', dayOf(new Date()))
        .executeTakeFirst()
    )?.orders ?? null;
  const setCapacity = async (code: string, dailyCapacity: number | null) => {
    const changed = await t.call('PATCH', `/api/v1/locations/${code}`, { dailyCapacity });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
  };
  const routedFrom = (result: Awaited<ReturnType<typeof route>>) => [
    ...new Set(result.allocations.map((allocation) => allocation.location)),
  ];

  test('given no capacity, routes take no counter row; given a capacity set during the day, the first claim counts the routes already written', async () => {
    const first = await route(await newOrder());
    assert.deepEqual(routedFrom(first), ['WAW-1']);
    assert.equal(await load('WAW-1'), null);

    await setCapacity('WAW-1', 2);
    const second = await route(await newOrder());
    assert.deepEqual(routedFrom(second), ['WAW-1']);
    assert.equal(await load('WAW-1'), 2, 'the earlier route of the day and this one');

    const third = await route(await newOrder());
    assert.deepEqual(routedFrom(third), ['KRK-S'], 'WAW-1 is full: the next nearest takes the order');
    assert.equal(await load('WAW-1'), 2);
    assert.ok(
      third.plan?.alternatives.some((item) => item.locationId === loc['WAW-1'] && item.reason.code === 'OVER_CAPACITY'),
      JSON.stringify(third.plan?.alternatives),
    );
  });

  test('given a re-route away from a full location, its unit is given back and another order can take it', async () => {
    await setCapacity('WAW-1', 3);
    const orderId = await newOrder();
    assert.deepEqual(routedFrom(await route(orderId)), ['WAW-1']);
    assert.equal(await load('WAW-1'), 3);
    const moved = await route(orderId, { excludeLocationIds: [loc['WAW-1']!] });
    assert.deepEqual(routedFrom(moved), ['KRK-S']);
    assert.equal(await load('WAW-1'), 2, 'the superseded route gave its unit back');
    assert.deepEqual(routedFrom(await route(await newOrder())), ['WAW-1']);
    assert.equal(await load('WAW-1'), 3);
  });

  test('given a re-route that keeps the location, the order still takes one unit, not two', async () => {
    await setCapacity('WAW-1', 10);
    const before = (await load('WAW-1'))!;
    const orderId = await newOrder();
    await route(orderId);
    await route(orderId);
    assert.equal(await load('WAW-1'), before + 1);
  });

  test('given 12 orders routed at once with room for 4 more at WAW-1, exactly 4 go there and the counter stops at the capacity', async () => {
    const before = (await load('WAW-1'))!;
    await setCapacity('WAW-1', before + 4);
    const orders = [];
    for (let index = 0; index < 12; index++) orders.push(await newOrder());
    // Each in its own transaction on its own connection (PostgreSQL runs them concurrently).
    const results = await Promise.all(orders.map((orderId) => route(orderId)));
    const atWarsaw = results.filter((result) => routedFrom(result).includes('WAW-1')).length;
    assert.equal(atWarsaw, 4);
    assert.equal(results.filter((result) => routedFrom(result).includes('KRK-S')).length, 8);
    assert.equal(await load('WAW-1'), before + 4);
    const current = await t.store
      .selectFrom('order_routes')
      .select('order_id')
      .where('current', '=', true)
      .where((eb) => eb(eb.val(loc['WAW-1']!), '=', eb.fn.any('location_ids')))
      .execute();
    assert.equal(new Set(current.map((row) => row.order_id)).size, before + 4, 'the counter equals the current routes');
  });
});
