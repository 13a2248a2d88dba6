import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody } from '../support.js';
import { stock } from '../process/process-support.js';
import {
  fulfilmentApp,
  fulfilmentsOf,
  inpostWebhook,
  ok,
  paidOrder,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from './helpers.js';

describe('the public "where is my order" API by token', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
  });
  after(() => t.close());

  const pub = (token: string) =>
    t.call('GET', `/api/v1/tracking/${encodeURIComponent(token)}`, undefined, { authorization: '' });

  test('Given an order shipped with InPost, When the customer opens the token link without logging in, Then the contract fields show the stage and carrier events and no personal data', async () => {
    const o = await paidOrder(t);
    const link = await ok(t, 'GET', `/api/v1/orders/${o.id}/tracking-link`);
    assert.match(link.token, /^[A-Za-z0-9_-]{32,}$/);
    assert.ok(Buffer.from(link.token, 'base64url').length >= 16, 'at least 128 bits');
    assert.equal(link.url, `/track/${link.token}`);
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${o.id}/tracking-link`)).token, link.token, 'stable');

    let v = await pub(link.token);
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.equal(v.body.stage, 'preparing');
    assert.equal(v.body.language, 'pl', "the customer's locale");
    assert.equal(v.body.deliveryMethod, 'ship');
    assert.equal(v.body.pickup, null);
    assert.deepEqual(v.body.lines, [
      { name: 'Kubek ceramiczny żółty', quantity: 2 },
      { name: 'Чайник электрический', quantity: 1 },
      { name: 'Łyżka stołowa', quantity: 5 },
    ]);

    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.trackingNumber, null, 'InPost assigns it after the create');
    const trackingNumber = '620400000000000000000001';
    await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook(sh.carrierShipmentId, 'out_for_delivery', trackingNumber, '2026-11-24T07:30:00Z'),
      { authorization: '' },
    );
    v = await pub(link.token);
    assert.equal(v.body.stage, 'shipped');
    assert.deepEqual(
      Object.keys(v.body).sort(),
      [
        'deliveryMethod',
        'language',
        'lines',
        'orderNumber',
        'pickup',
        'placedAt',
        'shipments',
        'stage',
        'state',
      ].sort(),
    );
    assert.equal(v.body.orderNumber, o.number);
    assert.equal(v.body.state, 'in_transit');
    const [s] = v.body.shipments;
    assert.deepEqual(Object.keys(s).sort(), ['carrier', 'events', 'status', 'trackingNumber', 'trackingUrl']);
    assert.equal(s.carrier, 'inpost');
    assert.equal(s.status, 'out_for_delivery');
    assert.equal(s.trackingUrl, `https://inpost.pl/sledzenie-przesylek?number=${trackingNumber}`);
    assert.equal(s.trackingNumber, trackingNumber);
    assert.deepEqual(
      s.events.map((e: any) => [e.time, e.status]),
      [['2026-11-24T07:30:00.000Z', 'out_for_delivery']],
    );
    assert.deepEqual(Object.keys(s.events[0]).sort(), ['description', 'location', 'status', 'time']);
    const text = JSON.stringify(v.body);
    for (const secret of ['Brzęczyszczykiewicz', 'Świętokrzyska', 'grzegorz@example.pl', '19.99', o.id])
      assert.ok(!text.includes(secret), `no ${secret}`);

    await t.call(
      'POST',
      '/api/v1/carriers/inpost/tracking',
      inpostWebhook(sh.carrierShipmentId, 'delivered', trackingNumber, '2026-11-24T11:00:00Z'),
      { authorization: '' },
    );
    assert.equal((await pub(link.token)).body.stage, 'delivered');
  });

  test('Given a wrong or malformed token, Then 404 without authentication, and the tracking link itself needs a key', async () => {
    for (const bad of ['not-a-token', 'A'.repeat(32), 'x'.repeat(99)]) {
      const r = await pub(bad);
      assert.equal(r.status, 404, bad);
    }
    const o = await paidOrder(t);
    const anon = await t.call('GET', `/api/v1/orders/${o.id}/tracking-link`, undefined, { authorization: '' });
    assert.equal(anon.status, 401);
    const missing = await t.call('GET', '/api/v1/orders/01900000-0000-7000-8000-000000000000/tracking-link');
    assert.equal(missing.status, 404);
  });

  test('Given customers without a language, When their orders ship to Russia or Poland, Then the page speaks the language their e-mails do (RU → ru, PL → pl, DE → en)', async () => {
    await ok(t, 'POST', '/api/v1/customers', { code: 'C-NOLANG', name: 'Борис Щукин', email: 'boris@example.ru' }, 201);
    // Routing ships within the destination's country: a Moscow warehouse serves Russia.
    await ok(
      t,
      'POST',
      '/api/v1/locations',
      {
        code: 'MOW-1',
        name: 'Склад Москва',
        kind: 'warehouse',
        country: 'RU',
        latitude: 55.7558,
        longitude: 37.6173,
        capabilities: ['ships'],
        address: {
          name: 'Склад Москва',
          line1: 'ул. Складочная 1',
          city: 'Москва',
          postalCode: '127018',
          country: 'RU',
          phone: '+74951234567',
        },
      },
      201,
    );
    await stock(t, [
      ['SKU-1', 'MOW-1', 10],
      ['SKU-2', 'MOW-1', 10],
      ['SKU-3', 'MOW-1', 10],
    ]);
    const moscow = {
      name: 'Борис Щукин',
      line1: 'ул. Тверская 7',
      city: 'Москва',
      postalCode: '125009',
      country: 'RU',
    };
    const ru = await paidOrder(t, {
      customer: { code: 'C-NOLANG' },
      shippingAddress: moscow,
      delivery: { method: 'ship', carrier: 'manual' },
    });
    assert.equal(ru.attributes?.language, undefined, 'no language attribute');
    const [fo] = await fulfilmentsOf(t, ru.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.carrier, 'manual');
    const ruView = (await pub((await ok(t, 'GET', `/api/v1/orders/${ru.id}/tracking-link`)).token)).body;
    assert.equal(ruView.stage, 'shipped');
    assert.equal(ruView.language, 'ru', 'shipping country RU → Russian, as in the e-mails');
    assert.equal(ruView.shipments[0].trackingNumber, sh.trackingNumber);

    const lodz = {
      name: 'Borys Szczukin',
      line1: 'ul. Piotrkowska 104',
      city: 'Łódź',
      postalCode: '90-001',
      country: 'PL',
    };
    const pl = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'TRACK-PL-NOLANG', customer: { code: 'C-NOLANG' }, shippingAddress: lodz }),
      201,
    );
    assert.equal(
      (await pub((await ok(t, 'GET', `/api/v1/orders/${pl.id}/tracking-link`)).token)).body.language,
      'pl',
      'shipping country PL → Polish',
    );

    const berlin = {
      name: 'Boris Schukin',
      line1: 'Unter den Linden 5',
      city: 'Berlin',
      postalCode: '10117',
      country: 'DE',
    };
    const de = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'TRACK-DE-NOLANG', customer: { code: 'C-NOLANG' }, shippingAddress: berlin }),
      201,
    );
    assert.equal(
      (await pub((await ok(t, 'GET', `/api/v1/orders/${de.id}/tracking-link`)).token)).body.language,
      'en',
      'no hint → English',
    );

    // The order's own language attribute comes before the customer's locale (the e-mails' order of choice).
    const chosen = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'TRACK-ATTR', attributes: { language: 'ru-RU' } }),
      201,
    );
    assert.equal(
      (await pub((await ok(t, 'GET', `/api/v1/orders/${chosen.id}/tracking-link`)).token)).body.language,
      'ru',
      "order attribute language over the Polish customer's locale",
    );
  });

  test('Given a click-and-collect order of a Russian customer, Then the page is in Russian and names the pickup point', async () => {
    await ok(
      t,
      'POST',
      '/api/v1/customers',
      { code: 'C-RU', name: 'Анна Ёлкина', email: 'anna@example.ru', locale: 'ru' },
      201,
    );
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'TRACK-RU',
        customer: { code: 'C-RU' },
        delivery: { method: 'pickup', pickupLocation: 'KRK-S' },
        shippingAddress: undefined,
      }),
      201,
    );
    const link = await ok(t, 'GET', `/api/v1/orders/${o.id}/tracking-link`);
    const v = (await pub(link.token)).body;
    assert.equal(v.language, 'ru');
    assert.equal(v.deliveryMethod, 'pickup');
    assert.equal(v.stage, 'placed');
    assert.equal(v.pickup.name, 'Sklep Kraków');
  });
});
