import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readPdf } from '../../src/integrations/documents/test-fixtures.js';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  paidOrder,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from './helpers.js';

describe('printing from the console: packing slip, pick list and label of an order', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
  });
  after(() => t.close());

  const print = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.apiKey}` } });
    return { status: res.statusCode, type: String(res.headers['content-type']), raw: res.rawPayload };
  };
  const problemOf = (raw: Buffer) => JSON.parse(raw.toString('utf8')) as { code: string; detail: string };

  test('a paid order prints its packing slip and pick list with its number; the label waits for a booked shipment', async () => {
    const order = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, order.id);
    assert.ok(fo, 'the paid order has a fulfilment order');

    for (const kind of ['packing-slip', 'pick-list']) {
      const printed = await print(`/api/v1/orders/${order.id}/documents/${kind}?locale=pl`);
      assert.equal(printed.status, 200, `${kind}: ${printed.raw.toString('utf8').slice(0, 300)}`);
      assert.match(printed.type, /^application\/pdf/);
      assert.equal(printed.raw.subarray(0, 4).toString('latin1'), '%PDF');
      const { text } = await readPdf(printed.raw);
      assert.ok(text.includes(order.number), `${kind} names order ${order.number}`);
      assert.ok(text.includes('SKU-2'), `${kind} lists the order's SKUs`);
    }
    // the fulfilment page prints the same for its own fulfilment order
    const slip = await print(`/api/v1/orders/${order.id}/documents/packing-slip?fulfilmentOrderId=${fo.id}&locale=ru`);
    assert.equal(slip.status, 200);
    assert.ok((await readPdf(slip.raw)).text.includes('Чайник электрический'));

    const noLabel = await print(`/api/v1/orders/${order.id}/documents/label`);
    assert.equal(noLabel.status, 409);
    assert.equal(problemOf(noLabel.raw).code, 'NOTHING_TO_PRINT');

    await pickAndPack(t, fo);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const label = await print(`/api/v1/orders/${order.id}/documents/label`);
    assert.equal(label.status, 200, label.raw.toString('utf8').slice(0, 300));
    assert.equal(label.raw.subarray(0, 4).toString('latin1'), '%PDF');
  });

  test('an order with no fulfilment order has no pick list (NOTHING_TO_PRINT); an unknown order is 404', async () => {
    const created = await ok(
      t,
      'POST',
      '/api/v1/orders',
      {
        channel: 'web',
        customer: { code: 'C-1' },
        currency: 'PLN',
        lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '19.99', taxRate: '23' }],
        shippingAddress: {
          name: 'Grzegorz Brzęczyszczykiewicz',
          line1: 'ul. Świętokrzyska 12/4',
          city: 'Łódź',
          postalCode: '90-001',
          country: 'PL',
        },
        delivery: { method: 'ship' },
      },
      201,
    );
    const pick = await print(`/api/v1/orders/${created.id}/documents/pick-list`);
    assert.equal(pick.status, 409);
    assert.equal(problemOf(pick.raw).code, 'NOTHING_TO_PRINT');
    // the packing slip falls back to the order's own lines
    const slip = await print(`/api/v1/orders/${created.id}/documents/packing-slip`);
    assert.equal(slip.status, 200);
    assert.ok((await readPdf(slip.raw)).text.includes(created.number));
    const missing = await print(`/api/v1/orders/01900000-0000-7000-8000-000000000000/documents/packing-slip`);
    assert.equal(missing.status, 404);
  });
});
