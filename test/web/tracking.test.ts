import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, type TestApp } from '../support.js';
import { browserSkip, type ConsoleRig, NAV_TIMING, type NavTiming, startConsole } from './browser.js';
import { createCarrierRegistry } from '../../src/integrations/carriers/index.js';
import { fulfilmentsOf, ok, pickAndPack } from '../fulfilment/helpers.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';

/**
 * The customer's public tracking page: no login, in the customer's language, switchable.
 * Skipped (saying why) while the server has no tracking API.
 */
describe('customer tracking page in a browser', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let call: TestApp['call'];
  let apiMissing: string | null = null;
  let link: { path: string; language: string; number: string };

  before(async () => {
    // The own fleet (manual carrier) books shipments in-process; drivers report through its webhook.
    rig = await startConsole({ carriers: createCarrierRegistry({ manual: {} }) });
    call = rig.call;
    const spec = await call('GET', '/api/v1/openapi.json');
    const paths = Object.keys(spec.body?.paths ?? {});
    if (!paths.some((p) => /\/tracking\/\{token\}$/.test(p))) {
      apiMissing = 'the server has no GET /api/v1/tracking/{token} yet';
      return;
    }
    await seedBasics({ call } as TestApp);
    const order = await call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'TRACK-1', notes: 'Proszę dzwonić — звонить заранее' }),
    );
    assert.equal(order.status, 201, JSON.stringify(order.body).slice(0, 300));
    const l = await call('GET', `/api/v1/orders/${order.body.id}/tracking-link`);
    assert.equal(l.status, 200, JSON.stringify(l.body));
    // Read the link loosely: a path, an absolute URL or only the token.
    const raw = String(l.body.url ?? l.body.path ?? l.body.token);
    const path = raw.includes('/track/') ? raw.slice(raw.indexOf('/track/')) : `/track/${raw}`;
    const api = await call('GET', `/api/v1/tracking/${path.split('/').pop()}`, undefined, { authorization: '' });
    assert.equal(api.status, 200, JSON.stringify(api.body));
    link = { path, language: api.body.language, number: order.body.number };
  });
  after(async () => {
    await rig?.close();
  });

  test("given a tracking link, the page shows the order and its progress without login, in the customer's language, and switches to Polish and Russian", async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    const page = await rig.newPage('en-GB');
    await page.goto(`${rig.base}${link.path}`);
    await page.getByTestId('track-status').waitFor();
    const { dcl, now } = (await page.evaluate(NAV_TIMING)) as NavTiming;
    console.log(`# figure: tracking page DOMContentLoaded ${dcl} ms, drawn ${now} ms after navigation start`);
    assert.equal(
      await page.evaluate('document.documentElement.lang'),
      link.language,
      'the page opens in the language the API gives',
    );
    // No console shell and no login form on the public page.
    assert.equal(await page.getByLabel('Password').count(), 0);
    assert.equal(await page.getByRole('navigation').count(), 0);

    await page.getByRole('button', { name: 'Polski' }).click();
    await page.getByRole('heading', { name: `Zamówienie ${link.number}` }).waitFor();
    const progress = page.getByRole('list', { name: 'Postęp zamówienia' });
    assert.equal(await progress.getByRole('listitem').count(), 5);
    assert.equal(await progress.locator('[aria-current="step"]').count(), 1);
    await page.getByRole('heading', { name: 'Produkty' }).waitFor();
    await page.getByText('Kubek ceramiczny żółty').waitFor();
    await rig.shot('tracking-pl', page);

    await page.getByRole('button', { name: 'Русский' }).click();
    await page.getByRole('heading', { name: `Заказ ${link.number}` }).waitFor();
    await page.getByRole('list', { name: 'Ход выполнения заказа' }).waitFor();
    await page.getByText('Чайник электрический').waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'ru');
    await rig.shot('tracking-ru', page);
    await page.context().close();
  });

  test('given an unknown token, the page says the order was not found', async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    rig.expectedErrors.push(/status of 404/);
    const page = await rig.newPage('pl-PL');
    await page.goto(`${rig.base}/track/nie-ma-takiego-tokenu`);
    await page.getByRole('heading', { name: 'Nie znaleziono zamówienia' }).waitFor();
    await page.context().close();
  });

  test('given an order shipped by the own fleet to Moscow with driver events, the page shows the carrier, tracking number and events in Russian', async (t) => {
    if (apiMissing) return t.skip(apiMissing);
    const app = { call } as TestApp;
    // A Wildberries order of a customer without a language, shipped from a Moscow warehouse to Moscow.
    await ok(
      app,
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
    await stock(app, [
      ['SKU-1', 'MOW-1', 10],
      ['SKU-2', 'MOW-1', 10],
      ['SKU-3', 'MOW-1', 10],
    ]);
    await publish(app, shipped('b2c-omnichannel'));
    await setRules(app, [{ process: 'b2c-omnichannel', channel: 'wildberries' }]);
    await ok(app, 'POST', '/api/v1/customers', { code: 'C-MSK', name: 'Анна Ёлкина', email: 'anna@example.ru' }, 201);
    const order = await ok(
      app,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'WB-TRACK-1',
        channel: 'wildberries',
        currency: 'RUB',
        customer: { code: 'C-MSK' },
        shippingAddress: {
          name: 'Анна Ёлкина',
          line1: 'ул. Тверская 7',
          city: 'Москва',
          postalCode: '125009',
          country: 'RU',
        },
        delivery: { method: 'ship', carrier: 'manual' },
      }),
      201,
    );
    await ok(app, 'POST', `/api/v1/orders/${order.id}/events`, { name: 'payment_authorized' });
    const [fo] = await fulfilmentsOf(app, order.id);
    assert.ok(fo, 'the order was routed to the Moscow warehouse');
    await pickAndPack(app, fo);
    const sh = await ok(app, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.carrier, 'manual');
    assert.ok(sh.trackingNumber);
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    for (const [status, minutesAgo, note] of [
      ['in_transit', 90, 'Передано курьеру на складе'],
      ['out_for_delivery', 30, 'Курьер везёт заказ — ул. Тверская'],
    ] as const) {
      const hook = await call(
        'POST',
        '/api/v1/carriers/manual/tracking',
        { shipmentId: sh.carrierShipmentId, status, occurredAt: at(minutesAgo), note },
        { authorization: '' },
      );
      assert.equal(hook.status, 200, JSON.stringify(hook.body));
      assert.equal(hook.body.applied, 1, JSON.stringify(hook.body));
    }
    const l = await ok(app, 'GET', `/api/v1/orders/${order.id}/tracking-link`);
    const api = await call('GET', `/api/v1/tracking/${l.token}`, undefined, { authorization: '' });
    assert.equal(api.body.language, 'ru', 'shipped to Russia: Russian, like the e-mails');
    assert.equal(api.body.stage, 'shipped');

    // An English browser: the page still opens in the order's language.
    const page = await rig.newPage('en-GB');
    await page.goto(`${rig.base}${l.url}`);
    await page.getByRole('heading', { name: `Заказ ${order.number}` }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'ru');
    assert.equal(await page.getByTestId('track-status').textContent(), 'Ваш заказ в пути.');
    const progress = page.getByRole('list', { name: 'Ход выполнения заказа' });
    assert.equal(await progress.locator('[aria-current="step"]').textContent(), '4Отправлен');
    const shipment = page.getByRole('region', { name: /^Отправление · / });
    await shipment.waitFor();
    // The carrier and the status in words, not codes (`manual`, `out_for_delivery`).
    assert.equal(await shipment.getByRole('heading').textContent(), 'Отправление · наш курьер');
    const shipmentText = (await shipment.textContent()) ?? '';
    assert.ok(shipmentText.includes(`Трек-номер: ${sh.trackingNumber} · передано курьеру для доставки`), shipmentText);
    assert.ok(!/manual|out_for_delivery|in_transit/.test(shipmentText), shipmentText);
    const events = shipment.getByRole('listitem');
    assert.equal(await events.count(), 2);
    assert.match((await events.nth(0).textContent()) ?? '', /Курьер везёт заказ — ул\. Тверская/, 'newest first');
    assert.match((await events.nth(1).textContent()) ?? '', /Передано курьеру на складе/);
    await page.getByText('Чайник электрический').waitFor();
    await rig.shot('tracking-shipped-ru', page);
    await page.context().close();

    // The order desk sees the same fulfilment and shipment on the order's page in the console.
    const desk = await rig.newPage('en-GB');
    await rig.login(desk, rig.email);
    await desk.goto(`${rig.base}/orders/${order.id}`);
    const work = desk.getByTestId('fulfilment');
    await work.waitFor();
    assert.match((await work.textContent()) ?? '', /MOW-1/);
    const parcels = desk.getByTestId('shipments');
    await parcels.waitFor();
    assert.ok(
      ((await parcels.textContent()) ?? '').includes(sh.trackingNumber),
      'the tracking number is on the order page',
    );
    await rig.shot('order-fulfilment', desk);
    await desk.context().close();
  });

  test('given the whole session, the browser logged no console errors', (t) => {
    if (apiMissing) return t.skip(apiMissing);
    assert.deepEqual(rig.consoleErrors, []);
  });
});
