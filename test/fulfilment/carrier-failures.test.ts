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

describe('carrier failures never lose a shipment; cancelled shipments get no label; tracking webhooks are idempotent', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp({ timeoutMs: 2_000 });
    await seedShop(t);
  });
  after(() => t.close());

  async function packedOrder() {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    return { o, fo };
  }
  const isCreate = (r: { method: string }) => r.method === 'POST';

  test('Given InPost refuses the shipment (400 with its messages), When shipping, Then the shipment is kept as failed, the order hears shipment_failed, and a retry books it', async () => {
    const { o, fo } = await packedOrder();
    t.inpost.failNext('reject', 1, isCreate);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.status, 'failed');
    assert.equal(sh.error.code, 'CARRIER_REJECTED');
    assert.equal(sh.error.retryable, false);
    assert.ok(
      sh.error.carrierMessages.some((m: string) => m.includes('too_small')),
      JSON.stringify(sh.error),
    );
    assert.equal(sh.carrierShipmentId, null);
    assert.equal(sh.handedOverAt, null);
    const kept = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.equal(kept.state, 'packed');
    assert.equal(kept.shipmentId, sh.id);
    assert.equal(
      await orderState(t, o.id),
      'shipping_exception',
      'the shipped B2C process takes shipment_failed to its carrier exception',
    );
    const h = await history(t, o.id);
    assert.ok(h.some((x) => x.action === 'shipment.failed' && x.changes.error.code === 'CARRIER_REJECTED'));
    const queue = await ok(t, 'GET', '/api/v1/exceptions');
    assert.ok(JSON.stringify(queue).includes(o.id), 'the order waits in the exceptions queue');
    const failed = await t.store
      .selectFrom('events')
      .select('payload')
      .where('subject', '=', o.id)
      .where('type', '=', 'shipment.failed')
      .execute();
    assert.equal((failed[0]?.payload as any).code, 'CARRIER_REJECTED');

    const label = await t.call('GET', `/api/v1/shipments/${sh.id}/label`);
    assert.equal(label.status, 409);
    assert.equal(label.body.code, 'SHIPMENT_STATE_CONFLICT');
    const retried = await ok(t, 'POST', `/api/v1/shipments/${sh.id}/retry`);
    assert.equal(retried.status, 'created');
    assert.equal(retried.attempts, 2);
    assert.equal(retried.error, null);
    const handed = await ok(t, 'POST', `/api/v1/shipments/${sh.id}/hand-over`);
    assert.deepEqual(handed.processEvent, { name: 'shipped', accepted: true });
    assert.equal(await orderState(t, o.id), 'in_transit');
  });

  test('Given InPost does not answer in time, When shipping, Then CARRIER_TIMEOUT is recorded as retryable and the retry books exactly one shipment', async () => {
    const { fo } = await packedOrder();
    const before = t.inpost.shipmentCount();
    t.inpost.failNext('hang', 1, isCreate);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.status, 'failed');
    assert.equal(sh.error.code, 'CARRIER_TIMEOUT');
    assert.equal(sh.error.retryable, true);
    const retried = await ok(t, 'POST', `/api/v1/shipments/${sh.id}/retry`);
    assert.equal(retried.status, 'created');
    assert.equal(t.inpost.shipmentCount(), before + 1);
  });

  test('Given InPost made the shipment but the response was lost, When retried, Then the first shipment is found by our reference and no second label is bought', async () => {
    const { fo } = await packedOrder();
    const before = t.inpost.shipmentCount();
    t.inpost.failNext('drop-after-processing', 1, isCreate);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.status, 'failed');
    assert.equal(t.inpost.shipmentCount(), before + 1, 'the carrier did create it');
    const retried = await ok(t, 'POST', `/api/v1/shipments/${sh.id}/retry`);
    assert.equal(retried.status, 'created');
    assert.equal(t.inpost.shipmentCount(), before + 1, 'still one');
    const rows = await t.store.selectFrom('shipments').select('id').where('order_id', '=', sh.orderId).execute();
    assert.equal(rows.length, 1);
  });

  test('Given InPost answers garbage, When shipping, Then CARRIER_BAD_RESPONSE is recorded (malformed JSON is not a crash)', async () => {
    const { fo } = await packedOrder();
    t.inpost.failNext('malformed', 1, isCreate);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.status, 'failed');
    assert.equal(sh.error.code, 'CARRIER_BAD_RESPONSE');
  });

  test('Given a booked shipment that is cancelled, When its label is asked for, Then 409 SHIPMENT_CANCELLED, and the fulfilment order can be shipped anew', async () => {
    const { fo } = await packedOrder();
    const sh = await ok(t, 'POST', '/api/v1/shipments', { fulfilmentOrderIds: [fo.id] }, 201);
    assert.equal(sh.status, 'created');
    const cancelled = await ok(t, 'POST', `/api/v1/shipments/${sh.id}/cancel`);
    assert.equal(cancelled.status, 'cancelled');
    assert.ok(
      t.inpost.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/shipments/${sh.carrierShipmentId}`),
      'cancelled at InPost',
    );
    const calls = t.inpost.requests.length;
    for (const format of ['pdf', 'zpl']) {
      const label = await t.call('GET', `/api/v1/shipments/${sh.id}/label?format=${format}`);
      assert.equal(label.status, 409);
      assert.equal(label.body.code, 'SHIPMENT_CANCELLED');
    }
    assert.equal(t.inpost.requests.length, calls, 'refused without asking the carrier');
    const hand = await t.call('POST', `/api/v1/shipments/${sh.id}/hand-over`);
    assert.equal(hand.body.code, 'SHIPMENT_CANCELLED');
    const back = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.deepEqual([back.state, back.shipmentId], ['packed', null]);
    const again = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.ok(again.handedOverAt);
    assert.notEqual(again.id, sh.id);
    const late = await t.call('POST', `/api/v1/shipments/${again.id}/cancel`);
    assert.equal(late.status, 409);
    assert.equal(late.body.code, 'SHIPMENT_STATE_CONFLICT');
  });

  test('Given a tracking webhook delivered twice, and one with a status InPost never published, Then the duplicate is ignored and the unknown one is flagged, not fatal', async () => {
    const { o, fo } = await packedOrder();
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const body = inpostWebhook(sh.carrierShipmentId, 'out_for_delivery', sh.trackingNumber, '2026-11-24T08:00:00Z');
    const first = await t.call('POST', '/api/v1/carriers/inpost/tracking', body, { authorization: '' });
    assert.deepEqual(first.body, { received: 1, applied: 1, duplicates: 0, unknownStatuses: 0, unknownShipments: 0 });
    const count = async () => (await history(t, o.id)).filter((h) => h.action === 'shipment.status').length;
    const before = await count();
    const second = await t.call('POST', '/api/v1/carriers/inpost/tracking', body, { authorization: '' });
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, { received: 1, applied: 0, duplicates: 1, unknownStatuses: 0, unknownShipments: 0 });
    assert.equal(await count(), before);

    const odd = await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook(sh.carrierShipmentId, 'teleported_to_mars', null, '2026-11-24T09:00:00Z'),
      { authorization: '' },
    );
    assert.equal(odd.status, 200);
    assert.equal(odd.body.unknownStatuses, 1);
    assert.equal((await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).status, 'out_for_delivery');
    assert.ok(
      (await history(t, o.id)).some(
        (h) => h.action === 'shipment.unknown_status' && h.changes.carrierStatuses[0] === 'teleported_to_mars',
      ),
    );

    const stranger = await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook('999', 'delivered', null, '2026-11-24T09:00:00Z'),
      { authorization: '' },
    );
    assert.equal(stranger.body.unknownShipments, 1);
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/carriers/inpost/tracking',
      headers: { 'content-type': 'application/json' },
      payload: '{"half":',
    });
    assert.equal(broken.statusCode, 400);
    const unknownCarrier = await t.call('POST', '/api/v1/carriers/pony-express/tracking', body, { authorization: '' });
    assert.equal(unknownCarrier.status, 422);
  });

  test('Given a shipment out for delivery, When InPost reports a failed attempt (avizo), Then the order hears delivery_failed and goes to its exception path', async () => {
    const { o, fo } = await packedOrder();
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const r = await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook(sh.carrierShipmentId, 'avizo', sh.trackingNumber, '2026-11-24T12:00:00Z'),
      { authorization: '' },
    );
    assert.equal(r.status, 200);
    assert.equal((await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).status, 'failed_delivery');
    assert.equal(await orderState(t, o.id), 'returning');
    const types = (await t.store.selectFrom('events').select('type').where('subject', '=', o.id).execute()).map(
      (e) => e.type,
    );
    assert.ok(types.includes('shipment.delivery_failed'));
  });
});
