import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { address, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, setRules, shipped } from '../process/process-support.js';
import { routeOrder } from '../../src/app/sourcing/route-order.js';
import { atomically } from '../../src/store/tenant-scope.js';
import { locationIds, stock } from './helpers.js';

describe('the process route action routes by strategy and moves reservations to the plan', () => {
  let t: TestApp;
  let loc: Record<string, string>;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    // Both locations hold everything; reservation at intake prefers KRK-S (the channel's feeding
    // list names it first), routing by distance prefers WAW-1 for an address in Łódź.
    const feeding = await t.call('PATCH', '/api/v1/channels/web', { settings: { locations: ['KRK-S', 'WAW-1'] } });
    assert.equal(feeding.status, 200, JSON.stringify(feeding.body));
    await stock(t, [
      ['SKU-1', 'WAW-1', 50],
      ['SKU-2', 'WAW-1', 50],
      ['SKU-3', 'WAW-1', 50],
      ['SKU-1', 'KRK-S', 20],
      ['SKU-2', 'KRK-S', 20],
      ['SKU-3', 'KRK-S', 20],
    ]);
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web'] }]);
    loc = await locationIds(t);
  });
  after(() => t.close());

  const held = async (orderId: string) =>
    (
      await t.store
        .selectFrom('stock_reservations')
        .select(['location_id', 'quantity'])
        .where('order_id', '=', orderId)
        .where('status', '=', 'active')
        .execute()
    ).reduce((m, r) => m.set(r.location_id, (m.get(r.location_id) ?? 0) + r.quantity), new Map<string, number>());

  let orderId = '';

  test('given a cash-on-delivery web order to Łódź, intake routes it by "nearest": trace in history, order.routed event, reservations at the planned location', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'ROUTE-1', paymentTerms: { kind: 'cash_on_delivery' } }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    orderId = r.body.id;
    assert.equal(r.body.state, 'fulfilling');

    const h = await t.call('GET', `/api/v1/orders/${orderId}/history`);
    const routed = h.body.items.filter((i: any) => i.action === 'order.routed');
    assert.equal(routed.length, 1);
    const entry = routed[0];
    assert.deepEqual(entry.reason.strategy, { key: 'nearest', version: 1 });
    assert.equal(entry.reason.stepId, 'one-parcel');
    assert.equal(entry.changes.attempt, 1);
    assert.deepEqual(
      entry.changes.allocations.map((a: any) => a.location),
      ['WAW-1', 'WAW-1', 'WAW-1'],
    );
    assert.equal(
      entry.reason.trace.plan.alternatives.find((a: any) => a.locationId === loc['KRK-S']).reason.code,
      'WORSE_COST',
    );
    assert.ok(
      h.body.items.some((i: any) => i.action === 'stock.moved'),
      'the move of the reservations is in history',
    );

    const ev = await t.store
      .selectFrom('events')
      .select(['payload'])
      .where('type', '=', 'order.routed')
      .where('subject', '=', orderId)
      .execute();
    assert.equal(ev.length, 1);
    const p = ev[0]!.payload as any;
    assert.equal(p.orderId, orderId);
    assert.deepEqual(
      p.allocations.map((a: any) => [a.sku, a.locationId, a.quantity]),
      [
        ['SKU-1', loc['WAW-1'], 2],
        ['SKU-2', loc['WAW-1'], 1],
        ['SKU-3', loc['WAW-1'], 5],
      ],
    );

    // The reservations agree with the plan: all 8 units held at WAW-1, none left at KRK-S.
    assert.deepEqual([...(await held(orderId))], [[loc['WAW-1'], 8]]);
    const krk = await t.store
      .selectFrom('stock_levels')
      .select((eb) => eb.fn.sum<string>('reserved').as('r'))
      .where('location_id', '=', loc['KRK-S']!)
      .executeTakeFirstOrThrow();
    assert.equal(Number(krk.r), 0);

    const routes = await t.call('GET', `/api/v1/orders/${orderId}/routes`);
    assert.equal(routes.status, 200);
    assert.deepEqual(
      routes.body.items.map((i: any) => [i.attempt, i.current, i.outcome, i.strategy.key]),
      [[1, true, 'routed', 'nearest']],
    );
  });

  test('given a routed order, re-routing excluding WAW-1 records a second attempt and moves the reservations to KRK-S', async () => {
    const r = await atomically(t.store, (tx) =>
      routeOrder(tx, { type: 'system', id: null, name: 'fulfilment' }, new Date(), orderId, {
        excludeLocationIds: [loc['WAW-1']!],
        reason: 'short pick at WAW-1 — брак на складе',
      }),
    );
    assert.equal(r.outcome, 'routed');
    assert.equal(r.attempt, 2);
    assert.deepEqual([...new Set(r.allocations.map((a) => a.location))], ['KRK-S']);
    assert.deepEqual([...(await held(orderId))], [[loc['KRK-S'], 8]]);

    const routes = await t.call('GET', `/api/v1/orders/${orderId}/routes`);
    assert.deepEqual(
      routes.body.items.map((i: any) => [i.attempt, i.current]),
      [
        [1, false],
        [2, true],
      ],
    );
    assert.deepEqual(routes.body.items[1].excludedLocationIds, [loc['WAW-1']]);
    const h = await t.call('GET', `/api/v1/orders/${orderId}/history`);
    const routed = h.body.items.filter((i: any) => i.action === 'order.routed');
    assert.equal(routed.length, 2);
    const second = routed.find((i: any) => i.changes.attempt === 2);
    assert.deepEqual(second.changes.excludedLocations, ['WAW-1']);
    assert.equal(second.reason.why, 'short pick at WAW-1 — брак на складе');
    assert.equal(
      second.reason.trace.plan.alternatives.find((a: any) => a.locationId === loc['WAW-1']).reason.code,
      'EXCLUDED',
    );

    // A third attempt keeps the earlier exclusion; excluding KRK-S too leaves nothing: unroutable, reservations untouched.
    const u = await atomically(t.store, (tx) =>
      routeOrder(tx, { type: 'system', id: null }, new Date(), orderId, { excludeLocationIds: [loc['KRK-S']!] }),
    );
    assert.equal(u.outcome, 'unroutable');
    assert.equal(u.attempt, 3);
    assert.deepEqual([...(await held(orderId))], [[loc['KRK-S'], 8]]);
    const h3 = await t.call('GET', `/api/v1/orders/${orderId}/history`);
    assert.ok(h3.body.items.some((i: any) => i.action === 'order.unroutable' && i.changes.attempt === 3));
  });

  test('given equal priorities and no feeding list, intake holds the units at the location nearest the address, so routing has nothing to move', async () => {
    const cleared = await t.call('PATCH', '/api/v1/channels/web', { settings: {} });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    const intakeHolds = async (externalId: string, city: string) => {
      const r = await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({ externalId, paymentTerms: { kind: 'cash_on_delivery' }, shippingAddress: { ...address, city } }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
      const reserved = h.body.items.find((i: any) => i.action === 'stock.reserved');
      assert.ok(reserved, JSON.stringify(h.body.items.map((i: any) => i.action)));
      assert.match(reserved.reason.rule, /then priority, then nearest/);
      return {
        id: r.body.id as string,
        at: reserved.changes.lines.flatMap((l: any) => l.allocations.map((a: any) => a.location)),
        moved: h.body.items.some((i: any) => i.action === 'stock.moved'),
      };
    };
    // Łódź is ~120 km from Warsaw and ~190 km from Kraków; by code KRK-S would come first
    const lodz = await intakeHolds('ROUTE-NEAR-1', 'Łódź');
    assert.deepEqual(lodz.at, ['WAW-1', 'WAW-1', 'WAW-1']);
    assert.equal(lodz.moved, false, 'routing found the holds where it planned them');
    assert.deepEqual([...(await held(lodz.id))], [[loc['WAW-1'], 8]]);
    // Gdańsk: WAW-1 is nearer than KRK-S as well; Kraków itself: KRK-S
    assert.deepEqual((await intakeHolds('ROUTE-NEAR-2', 'Gdańsk')).at, ['WAW-1', 'WAW-1', 'WAW-1']);
    assert.deepEqual((await intakeHolds('ROUTE-NEAR-3', 'Kraków')).at, ['KRK-S', 'KRK-S', 'KRK-S']);
  });

  test('given the channel names a strategy no location satisfies, the route action answers unroutable and the order becomes a stock exception', async () => {
    const st = await t.call('POST', '/api/v1/routing/strategies', {
      key: 'suppliers-only',
      name: 'Tylko dostawcy',
      steps: [{ id: 'dropship', filters: { locationTypes: ['supplier'] }, fallback: 'backorder' }],
    });
    assert.equal(st.status, 201, JSON.stringify(st.body));
    assert.equal((await t.call('POST', '/api/v1/routing/strategies/suppliers-only/versions/1/publish')).status, 200);
    const web = await t.call('GET', '/api/v1/channels/web');
    const patched = await t.call(
      'PATCH',
      `/api/v1/channels/${web.body.id}`,
      { settings: { routingStrategy: 'suppliers-only' } },
      { 'if-match': `"${web.body.version}"` },
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'ROUTE-2', paymentTerms: { kind: 'cash_on_delivery' } }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'stock_exception');
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    const u = h.body.items.find((i: any) => i.action === 'order.unroutable');
    assert.ok(u, 'the unroutable attempt is in history');
    // The process names "nearest"; the channel's setting is more specific and wins.
    assert.deepEqual(u.reason.strategy, { key: 'suppliers-only', version: 1 });
    assert.equal(u.reason.trace.chosenBy, 'channel');
    assert.equal(
      u.reason.trace.plan.alternatives.find((a: any) => a.locationId === loc['WAW-1']).reason.filter,
      'locationType',
    );
  });
  test('given every version of the default "nearest" retired, an order is still routed by the built-in default and the trace says so', async () => {
    const web = await t.call('GET', '/api/v1/channels/web');
    const cleared = await t.call(
      'PATCH',
      `/api/v1/channels/${web.body.id}`,
      { settings: {} },
      { 'if-match': `"${web.body.version}"` },
    );
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    const versions = await t.call('GET', '/api/v1/routing/strategies/nearest');
    for (const v of versions.body.items.filter((i: any) => i.status === 'published')) {
      assert.equal(
        (await t.call('POST', `/api/v1/routing/strategies/nearest/versions/${v.version}/retire`)).status,
        200,
      );
    }
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'ROUTE-BUILTIN', paymentTerms: { kind: 'cash_on_delivery' } }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'fulfilling');
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    const routed = h.body.items.find((i: any) => i.action === 'order.routed');
    assert.ok(routed, JSON.stringify(h.body.items.map((i: any) => i.action)));
    assert.deepEqual(routed.reason.strategy, { key: 'nearest', version: 0 });
    assert.match(routed.reason.trace.note, /built-in nearest/);
    assert.deepEqual(
      routed.changes.allocations.map((a: any) => a.location),
      ['WAW-1', 'WAW-1', 'WAW-1'],
    );
  });
});
