import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fulfilmentApp,
  fulfilmentsOf,
  inpostWebhook,
  ok,
  paidOrder,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';

/**
 * {{carrier}} and {{trackingNumber}} come from the order's latest shipment that is not cancelled
 * (booked through Ordo at a real local carrier), else from the order's own attributes.
 */
describe("e-mail variables carrier and trackingNumber from Ordo's shipments", () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
  });
  after(() => t.close());

  const preview = async (orderId: string, language?: string) =>
    ok(t, 'POST', '/api/v1/notification-templates/order_shipped/preview', {
      orderId,
      ...(language ? { language } : {}),
    });

  test("given an order shipped with the own fleet, the order_shipped e-mail the process queued names the carrier and the shipment's tracking number, in Polish and Russian", async () => {
    const o = await paidOrder(t, { delivery: { method: 'ship', carrier: 'manual' } });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.carrier, 'manual');
    assert.match(sh.trackingNumber, /^OWN-[0-9A-F]{12}$/);
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${o.id}`)).state, 'in_transit');

    // The shipped B2C process queued order_shipped at in_transit; the stored text is what will be sent.
    const items = (await ok(t, 'GET', `/api/v1/notifications?orderId=${o.id}`)).items as any[];
    const queued = items.find((n) => n.template === 'order_shipped');
    assert.ok(queued, JSON.stringify(items));
    assert.equal(queued.language, 'pl');
    const stored = await ok(t, 'GET', `/api/v1/notifications/${queued.id}`);
    assert.ok(stored.text.includes('Twoje zamówienie zostało wysłane przez manual.'), stored.text);
    assert.ok(stored.text.includes(`Numer przesyłki: ${sh.trackingNumber}`), stored.text);
    assert.ok(stored.html.includes(sh.trackingNumber), stored.html);

    const ru = await preview(o.id, 'ru');
    assert.ok(ru.text.includes('Ваш заказ отправлен службой manual.'), ru.text);
    assert.ok(ru.text.includes(`Трек-номер: ${sh.trackingNumber}`), ru.text);
  });

  test('given an InPost shipment whose number arrives with tracking, the number appears once the carrier sent it', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.carrier, 'inpost');
    assert.equal(sh.trackingNumber, null, 'InPost assigns it after the create');
    let p = await preview(o.id);
    assert.ok(p.text.includes('wysłane przez inpost.'), p.text);
    assert.ok(!p.text.includes('Numer przesyłki'), p.text);

    const number = '620400000000000000000077';
    await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook(sh.carrierShipmentId, 'in_transit', number, '2026-11-24T08:00:00Z'),
      { authorization: '' },
    );
    p = await preview(o.id);
    assert.ok(p.text.includes(`Numer przesyłki: ${number}`), p.text);
  });

  test("given a cancelled shipment, it is ignored: the order's delivery carrier and attributes apply", async () => {
    const o = await paidOrder(t, { attributes: { trackingNumber: 'ZEW-ŁÓDŹ-0001' } });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const booked = await ok(t, 'POST', '/api/v1/shipments', { fulfilmentOrderIds: [fo.id], carrier: 'manual' }, 201);
    assert.equal(booked.status, 'label_ready');
    let p = await preview(o.id);
    assert.ok(p.text.includes(`przez manual.\nNumer przesyłki: ${booked.trackingNumber}`), p.text);

    const cancelled = await ok(t, 'POST', `/api/v1/shipments/${booked.id}/cancel`);
    assert.equal(cancelled.status, 'cancelled');
    p = await preview(o.id);
    assert.ok(p.text.includes('przez inpost.\nNumer przesyłki: ZEW-ŁÓDŹ-0001'), p.text);
    assert.ok(!p.text.includes(booked.trackingNumber), p.text);
  });

  test('given an order without shipments or delivery carrier, the sentence leaves carrier and number out', async () => {
    const o = await paidOrder(t, { delivery: { method: 'ship' } });
    const p = await preview(o.id, 'en');
    assert.ok(p.text.includes('your order has been shipped.\n'), p.text);
    assert.ok(!p.text.includes('Tracking number'), p.text);
  });
});
