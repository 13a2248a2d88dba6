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

/** An order with no fulfilment order yet (no pick list), shipped to Łódź. */
const plainOrderBody = () => ({
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
});

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
    const created = await ok(t, 'POST', '/api/v1/orders', plainOrderBody(), 201);
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
  test('several orders print as ONE PDF, each order on its own pages counting its own; one not printable refuses the whole, naming it', async () => {
    const first = await paidOrder(t);
    const second = await paidOrder(t);
    const printMany = async (body: unknown) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/orders:print',
        headers: { authorization: `Bearer ${t.apiKey}` },
        payload: body as object,
      });
      return { status: res.statusCode, type: String(res.headers['content-type']), raw: res.rawPayload };
    };
    for (const [document, caption] of [
      ['packing-slip', 'List pakunkowy'],
      ['pick-list', 'Lista kompletacyjna'],
    ] as const) {
      const printed = await printMany({ orders: [first.id, second.id], document, locale: 'pl' });
      assert.equal(printed.status, 200, printed.raw.toString('utf8').slice(0, 300));
      assert.match(printed.type, /^application\/pdf/);
      const { pages } = await readPdf(printed.raw);
      assert.equal(pages.length, 2, `${document}: one page per order`);
      assert.ok(pages[0]!.includes(first.number) && !pages[0]!.includes(second.number), pages[0]);
      assert.ok(pages[1]!.includes(second.number), pages[1]);
      for (const page of pages) {
        assert.ok(page.includes('Strona 1 z 1'), `${document}: each order counts its own pages: ${page}`);
        assert.ok(page.includes(caption), page);
      }
    }
    const unprintable = await ok(t, 'POST', '/api/v1/orders', plainOrderBody(), 201);
    const refused = await printMany({ orders: [first.id, unprintable.id], document: 'pick-list' });
    assert.equal(refused.status, 409);
    const problem = problemOf(refused.raw);
    assert.equal(problem.code, 'NOTHING_TO_PRINT');
    assert.ok(problem.detail.includes(unprintable.number), problem.detail);
    const twice = await printMany({ orders: [first.id, first.id], document: 'packing-slip' });
    assert.equal(twice.status, 400);
    const labels = await printMany({ orders: [first.id], document: 'label' });
    assert.equal(labels.status, 400, "labels are the carriers' PDFs, printed one by one");
  });
});
