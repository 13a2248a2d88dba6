import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fulfilmentApp,
  fulfilmentsOf,
  history,
  inpostWebhook,
  ok,
  orderState,
  paidOrder,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from './helpers.js';

describe('the B2C ship path with the local InPost ShipX server', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
  });
  after(() => t.close());

  test('Given a paid web order, When picked, packed, shipped with InPost and the delivered webhook arrives, Then the order is delivered and everything is recorded', async () => {
    const o = await paidOrder(t);
    assert.equal(o.state, 'fulfilling');
    const [fo, ...more] = await fulfilmentsOf(t, o.id);
    assert.equal(more.length, 0, 'all stock is at one warehouse: one fulfilment order');
    assert.equal(fo.state, 'requested');
    assert.equal(fo.location, 'WAW-1');
    assert.deepEqual(
      fo.lines.map((l: any) => [l.sku, l.quantity]),
      [
        ['SKU-1', 2],
        ['SKU-2', 1],
        ['SKU-3', 5],
      ],
    );
    assert.deepEqual(
      fo.lines.map((l: any) => l.name),
      ['Kubek ceramiczny żółty', 'Чайник электрический', 'Łyżka stołowa'],
    );

    // The location was told through the outbox.
    const requested = await t.store
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('subject', '=', o.id)
      .where('type', '=', 'fulfilment.requested')
      .execute();
    assert.equal(requested.length, 1);
    assert.equal((requested[0]!.payload as any).fulfilmentId, fo.id);

    const packed = await pickAndPack(t, fo);
    assert.equal(packed.state, 'packed');
    assert.equal(packed.packages.length, 1);

    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.carrier, 'inpost');
    assert.ok(sh.carrierShipmentId);
    assert.ok(sh.handedOverAt);
    assert.deepEqual(sh.processEvent, { name: 'shipped', accepted: true });
    assert.equal(await orderState(t, o.id), 'in_transit');

    // What InPost received: the receiver and sender in Polish, intact, with our shipment id as reference.
    const posted = t.inpost.requests.filter((r) => r.method === 'POST' && r.body.includes(sh.id));
    assert.equal(posted.length, 1);
    const body = JSON.parse(posted[0]!.body);
    assert.equal(body.reference, sh.id);
    assert.equal(body.receiver.address.street, 'ul. Świętokrzyska');
    assert.equal(body.receiver.address.building_number, '12/4');
    assert.equal(body.receiver.address.city, 'Łódź');
    assert.equal(body.sender.address.street, 'ul. Żelazna');
    assert.equal(body.parcels[0].weight.amount, 1.25);

    // Stock left the building: reservations consumed, on hand down.
    const res = await ok(t, 'GET', `/api/v1/inventory/orders/${o.id}/reservations`);
    assert.equal(
      res.reservations.filter((r: any) => r.status === 'active').length,
      0,
      JSON.stringify(res.reservations),
    );
    assert.deepEqual(
      res.reservations
        .filter((r: any) => r.status === 'consumed')
        .map((r: any) => [r.sku, r.location, r.originalQuantity]),
      [
        ['SKU-1', 'WAW-1', 2],
        ['SKU-2', 'WAW-1', 1],
        ['SKU-3', 'WAW-1', 5],
      ],
    );
    const sku1 = await ok(t, 'GET', '/api/v1/inventory/availability/SKU-1');
    assert.equal(sku1.locations.find((l: any) => l.location === 'WAW-1').onHand, 18);

    // The label comes from the carrier.
    const label = await t.app.inject({
      method: 'GET',
      url: `/api/v1/shipments/${sh.id}/label?format=pdf`,
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    assert.equal(label.statusCode, 200);
    assert.equal(label.headers['content-type'], 'application/pdf');
    assert.equal(label.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const zpl = await t.app.inject({
      method: 'GET',
      url: `/api/v1/shipments/${sh.id}/label?format=zpl`,
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    assert.match(zpl.body, /^\^XA/);

    const tracking = (await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).trackingNumber;
    const hook = await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook(sh.carrierShipmentId, 'delivered', tracking, '2026-11-24T10:15:00Z'),
      { authorization: '' },
    );
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    assert.deepEqual(hook.body, { received: 1, applied: 1, duplicates: 0, unknownStatuses: 0, unknownShipments: 0 });
    assert.equal(await orderState(t, o.id), 'delivered');
    const after = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.equal(after.state, 'delivered');
    const shipment = await ok(t, 'GET', `/api/v1/shipments/${sh.id}`);
    assert.equal(shipment.status, 'delivered');
    assert.equal(shipment.deliveredAt, '2026-11-24T10:15:00.000Z');

    const actions = (await history(t, o.id)).map((h) => h.action);
    for (const a of [
      'fulfilment.requested',
      'fulfilment.accepted',
      'fulfilment.picking',
      'fulfilment.picked',
      'fulfilment.packed',
      'shipment.requested',
      'shipment.created',
      'fulfilment.shipped',
      'stock.shipped',
      'shipment.status',
      'fulfilment.delivered',
    ])
      assert.ok(actions.includes(a), a);
    const types = (await t.store.selectFrom('events').select('type').where('subject', '=', o.id).execute()).map(
      (e) => e.type,
    );
    for (const ty of [
      'fulfilment.accepted',
      'fulfilment.picked',
      'fulfilment.packed',
      'shipment.created',
      'shipment.shipped',
      'shipment.status_changed',
      'shipment.delivered',
    ]) {
      assert.ok(types.includes(ty as never), ty);
    }
  });

  test('Given a fulfilment order, When a step is skipped or repeated, Then 409 FULFILMENT_TRANSITION_NOT_ALLOWED and nothing changes', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    const pick = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
      lines: fo.lines.map((l: any) => ({ lineId: l.id, picked: l.quantity })),
    });
    assert.equal(pick.status, 409);
    assert.equal(pick.body.code, 'FULFILMENT_TRANSITION_NOT_ALLOWED');
    assert.deepEqual(pick.body.allowed, ['accepted', 'rejected', 'cancelled']);
    const ship = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(ship.status, 409);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/accept`);
    const again = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/accept`);
    assert.equal(again.status, 409);
    const cur = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.equal(cur.state, 'accepted');
    assert.equal(cur.version, 2);
    assert.equal(
      cur.lines.every((l: any) => l.picked === null),
      true,
    );
    const stale = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/start-picking`, undefined, {
      'if-match': '"1"',
    });
    assert.equal(stale.status, 412);
  });

  test('Given a pick, When a line is over-picked or missing, Then 400 with the field path and nothing recorded', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/accept`);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/start-picking`);
    const r = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
      lines: [{ lineId: fo.lines[0].id, picked: 99 }],
    });
    assert.equal(r.status, 400);
    assert.ok(r.body.errors.some((e: any) => e.path === '/lines/0/picked'));
    assert.ok(r.body.errors.some((e: any) => e.path === '/lines' && e.message.includes('SKU-2')));
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`)).state, 'picking');
  });
});
