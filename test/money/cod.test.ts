import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody } from '../support.js';
import { importRemittanceFile } from '../../src/app/money/cod-remittance.js';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  pickAndPack,
  seedShop,
  seedSplitStock,
  splitLines,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';

/**
 * Cash on delivery (issue 14, part 3): the amount to collect rides on the shipment, the cash is
 * recorded as captured on delivery, and the carrier's remittance report is matched to shipments;
 * a difference, a repeat or an unknown shipment becomes a finance task, never silence.
 */
describe('cash on delivery: captured on delivery, matched with the carrier remittance', () => {
  let t: FulfilmentTestApp;
  let seq = 0;

  /** A COD order shipped with the own fleet and delivered: the process records the cash. */
  const deliveredCodOrder = async () => {
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: `COD-${++seq}`,
        paymentTerms: { kind: 'cash_on_delivery' },
        delivery: { method: 'ship', carrier: 'manual' },
      }),
      201,
    );
    assert.equal(o.state, 'fulfilling', JSON.stringify(o.process));
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const shipment = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.ok(shipment.trackingNumber, JSON.stringify(shipment));
    const delivered = await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'delivered' });
    assert.equal(delivered.state, 'delivered', JSON.stringify(delivered.process));
    return { order: o, shipment, total: o.totals.grandTotal as string };
  };

  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
  });
  after(() => t.close());

  test('Given a COD order delivered, Then the cash is a captured COD payment and the order is paid', async () => {
    const { order, total } = await deliveredCodOrder();
    const p = await ok(t, 'GET', `/api/v1/orders/${order.id}/payments`);
    assert.equal(p.summary.status, 'paid');
    assert.equal(p.summary.paid, total);
    assert.deepEqual(
      p.payments.map((x: any) => [x.method, x.captured, x.remitted]),
      [['cod', total, '0.00']],
    );
  });

  test("Given the carrier's CSV report, When imported, Then each row is matched, differences and unknown shipments are tasks, and a report is imported once", async () => {
    const a = await deliveredCodOrder();
    const b = await deliveredCodOrder();
    const short = (Number(b.total.replace(',', '.')) - 10).toFixed(2).replace('.', ',');
    const csv = [
      'Numer przesyłki;Kwota pobrania;Odbiorca',
      `${a.shipment.trackingNumber};${a.total.replace('.', ',')};Grzegorz Brzęczyszczykiewicz`,
      `${b.shipment.trackingNumber};${short};Grzegorz Brzęczyszczykiewicz`,
      'NIEZNANY-123;15,00;Ktoś',
    ].join('\n');
    const r = await t.call('POST', '/api/v1/cod-remittances', {
      carrier: 'manual',
      reference: 'RAPORT/2026/12/01',
      currency: 'PLN',
      csv,
      fileName: 'raport-pobrań.csv',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.matched, r.body.difference, r.body.unknown_shipment], [1, 1, 1]);

    const report = await ok(t, 'GET', `/api/v1/cod-remittances/${r.body.id}`);
    assert.deepEqual(
      report.rows.map((x: any) => x.outcome),
      ['matched', 'difference', 'unknown_shipment'],
    );
    assert.equal(report.rows[1].expected, b.total);
    const pa = await ok(t, 'GET', `/api/v1/orders/${a.order.id}/payments`);
    assert.equal(pa.payments[0].remitted, a.total);

    // The short remittance is a finance task on its order, with what was paid and expected.
    const tasks = await ok(t, 'GET', '/api/v1/tasks?role=finance');
    const task = tasks.items.find((x: any) => x.orderId === b.order.id);
    assert.ok(task, JSON.stringify(tasks.items));
    assert.match(task.title, /COD remittance differs/);
    assert.ok(!tasks.items.some((x: any) => x.orderId === a.order.id), 'a matched row opens no task');
    // Completing it records the outcome; the delivered order's process is not disturbed.
    const done = await t.call('POST', `/api/v1/tasks/${task.id}/complete`, {
      outcome: 'claim_from_carrier',
      comment: 'Brakuje 10 zł',
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.order.state, 'delivered');

    const again = await t.call('POST', '/api/v1/cod-remittances', {
      carrier: 'manual',
      reference: 'RAPORT/2026/12/01',
      currency: 'PLN',
      csv,
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'ALREADY_EXISTS');

    // The same shipment in a later report is a duplicate: nothing more is counted as remitted.
    const dup = await t.call('POST', '/api/v1/cod-remittances', {
      carrier: 'manual',
      reference: 'RAPORT/2026/12/02',
      currency: 'PLN',
      rows: [{ trackingNumber: a.shipment.trackingNumber, amount: a.total }],
    });
    assert.equal(dup.status, 201, JSON.stringify(dup.body));
    assert.equal(dup.body.duplicate, 1);
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${a.order.id}/payments`)).payments[0].remitted, a.total);
  });

  test('Given a JSON report file (as `ordo import cod-remittance` reads it), Then it is matched row by row with progress', async () => {
    const a = await deliveredCodOrder();
    const progress: number[] = [];
    const result = await importRemittanceFile(
      t.store,
      { type: 'system', id: null, name: 'import raport.json' },
      new Date(),
      {
        text: JSON.stringify({
          rows: [
            { trackingNumber: a.shipment.trackingNumber, amount: a.total },
            { trackingNumber: 'СДЭК-404', amount: '10.00' },
          ],
        }),
        fileName: 'raport.json',
        carrier: 'manual',
        reference: 'JSON/1',
        currency: 'PLN',
      },
      (done) => progress.push(done),
    );
    assert.deepEqual([result.rows, result.matched, result.unknown_shipment], [2, 1, 1]);
    assert.deepEqual(progress, [1, 2]);
  });

  test('Given a COD order split over two parcels, Then each carrier request collects what its parcel carries, delivery on the first, and together the total', async () => {
    await seedSplitStock(t);
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: `COD-SPLIT-${++seq}`,
        lines: splitLines,
        paymentTerms: { kind: 'cash_on_delivery' },
        delivery: { method: 'ship', carrier: 'inpost' },
      }),
      201,
    );
    const fos = await fulfilmentsOf(t, o.id);
    assert.equal(fos.length, 2, JSON.stringify(o.process));
    const before = t.inpost.requests.length;
    for (const fo of fos) await pickAndPack(t, fo);
    for (const fo of fos) await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const cods = t.inpost.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path.includes('/shipments'))
      .map((r) => Math.round(Number(JSON.parse(r.body).cod.amount) * 100));
    assert.equal(cods.length, 2);
    const minor = (v: string) => Number(v.replace('.', ''));
    assert.equal(cods[0]! + cods[1]!, minor(o.totals.grandTotal), 'the parcels together collect the order total');
    const shipping = minor(o.totals.shippingTotal ?? '0.00');
    assert.ok(
      cods.some((c) => c > shipping),
      'the delivery charge rides on one parcel only',
    );
  });

  test('Given a report with bad rows, Then every bad row is named and nothing is imported', async () => {
    const r = await t.call('POST', '/api/v1/cod-remittances', {
      carrier: 'manual',
      reference: 'RAPORT/ZŁY',
      currency: 'PLN',
      rows: [
        { trackingNumber: 'X1', amount: '12.50' },
        { trackingNumber: '', amount: '1.00' },
        { trackingNumber: 'X3', amount: 'dwanaście' },
      ],
    });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'REMITTANCE_INVALID');
    assert.deepEqual(r.body.errors.map((e: any) => e.path).sort(), ['/rows/1/trackingNumber', '/rows/2/amount']);
    const retry = await t.call('POST', '/api/v1/cod-remittances', {
      carrier: 'manual',
      reference: 'RAPORT/ZŁY',
      currency: 'PLN',
      rows: [{ trackingNumber: 'X1', amount: '12.50' }],
    });
    assert.equal(retry.status, 201, 'the refused report left nothing behind: its reference is free');
  });
});
