import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { confirmRefunds, deliveredOrder, lineOf, seedReturns } from './helpers.js';
import '../../src/store/schema-inventory.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { setUpSeller } from '../support.js';

/**
 * Exchanges (issue 15): the replacement order goes through normal intake under its own process,
 * the returned units' value pays for it (a captured store-credit payment), and the difference is
 * collected on it or refunded by the return; an advance exchange ships before the return arrives.
 */
describe('exchanges: even, with a difference either way, in advance', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedReturns(t);
  });
  after(() => t.close());

  const receiveAndGrade = async (r: any) => {
    await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
      location: 'WAW-1',
      lines: r.lines.map((l: any) => ({ lineId: l.id, quantity: l.quantity })),
    });
    const g = await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
      units: r.lines.map((l: any) => ({ lineId: l.id, grade: 'resell', quantity: l.quantity })),
    });
    return g.return;
  };

  const paymentsOf = async (orderId: string) => ok(t, 'GET', `/api/v1/orders/${orderId}/payments`);

  test('Given a kettle (139.00 net of discount, 170.97 paid) exchanged for a dearer one at 200.00, Then the replacement is paid 170.97 by the return and 29.03 is outstanding on it; nothing is refunded', async () => {
    const o = await deliveredOrder(t);
    const kettle = lineOf(o, 'SKU-2');
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: kettle, quantity: 1 }],
        reason: 'size_fit',
        wish: 'exchange',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
        exchange: { lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '200.00' }] },
      },
      201,
    );
    assert.equal(r.value, '170.97');
    const after = await receiveAndGrade(r);
    assert.equal(after.state, 'closed', JSON.stringify(after.process));
    assert.ok(after.exchangeOrder, 'the replacement order is linked');
    const x = await ok(t, 'GET', `/api/v1/orders/${after.exchangeOrder.id}`);
    assert.equal(x.totals.grandTotal, '200.00');
    assert.equal(x.attributes.exchangeFor, r.id);
    const p = await paymentsOf(x.id);
    assert.deepEqual(
      p.payments.map((q: any) => [q.method, q.captured]),
      [['store_credit', '170.97']],
    );
    assert.equal(p.summary.outstanding, '29.03');
    assert.equal(after.refunded, '0.00');
    assert.equal((await paymentsOf(o.id)).summary.refunded, '0.00');
  });

  test('Given a kettle exchanged for a cheaper spoon (3.78), Then the spoon is paid by the return and the 167.19 difference is refunded on the original order', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 1 }],
        reason: 'not_as_described',
        wish: 'exchange',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
        exchange: { lines: [{ sku: 'SKU-3', quantity: 1 }] },
      },
      201,
    );
    const graded = await receiveAndGrade(r);
    assert.equal(graded.state, 'refunding', JSON.stringify(graded.process));
    const x = await paymentsOf(graded.exchangeOrder.id);
    assert.equal(x.summary.status, 'paid');
    assert.equal(x.payments[0].captured, '3.78', 'priced as one spoon cost on the original order');
    const ops = await confirmRefunds(t, o.id);
    assert.deepEqual(
      ops.map((op: any) => op.amount),
      ['167.19'],
    );
    const done = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(done.state, 'closed');
    assert.equal(done.refunded, '167.19');
  });

  test('Given an advance exchange of the same mug, Then after approval the replacement is created and holds stock at once, and the return closes with nothing to refund when the mug arrives', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-1'), quantity: 1 }],
        reason: 'defective',
        wish: 'exchange',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
        exchange: { lines: [{ sku: 'SKU-1', quantity: 1 }], advance: true },
      },
      201,
    );
    assert.equal(r.state, 'awaiting_approval', 'an advance exchange is approved by a person first');
    await ok(t, 'POST', `/api/v1/tasks/${r.openTasks[0].id}/complete`, { outcome: 'approve' });
    const waiting = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(waiting.state, 'awaiting_parcel', JSON.stringify(waiting.process));
    assert.ok(waiting.exchangeOrder, 'the replacement exists before the return arrives');
    const held = await t.store
      .selectFrom('stock_reservations')
      .select((eb) => eb.fn.sum<string>('quantity').as('q'))
      .where('order_id', '=', waiting.exchangeOrder.id)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    assert.equal(Number(held.q), 1, 'the replacement mug is reserved at once');
    assert.equal((await paymentsOf(waiting.exchangeOrder.id)).summary.status, 'paid');
    const closed = await receiveAndGrade(waiting);
    assert.equal(closed.state, 'closed', JSON.stringify(closed.process));
    assert.equal(closed.refunded, '0.00');
  });

  test('Given store credit asked for, Then the value goes to the customer’s store credit, not the card', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-3'), quantity: 5 }],
        reason: 'changed_mind',
        wish: 'store_credit',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      },
      201,
    );
    const done = await receiveAndGrade(r);
    assert.equal(done.state, 'closed', JSON.stringify(done.process));
    assert.equal(done.storeCredit, '18.90');
    const customer =
      (await ok(t, 'GET', `/api/v1/orders/${o.id}`)).customer?.id ??
      (await ok(t, 'GET', `/api/v1/orders/${o.id}`)).customerId;
    const credit = await ok(t, 'GET', `/api/v1/customers/${customer}/store-credit`);
    assert.ok(credit.entries.some((e: any) => e.returnId === r.id && e.amount === '18.90'));
    assert.equal((await paymentsOf(o.id)).summary.refunded, '0.00');
  });
});

describe('return labels and credit notes', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedReturns(t);
  });
  after(() => t.close());

  const runJobs = async () => new JobsRunner({ db: t.database.db, registry: t.services.jobs }).runDue();

  test('Given a label drop-off with InPost, Then the carrier issues a return shipment from the customer to the warehouse and the return waits for the parcel with its tracking number', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-1'), quantity: 1 }],
        reason: 'size_fit',
        wish: 'refund',
        dropOff: { kind: 'label', carrier: 'inpost' },
      },
      201,
    );
    assert.equal(r.state, 'issuing_label');
    assert.equal(r.label.status, 'requested');
    assert.ok((await runJobs()) >= 1);
    const after = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(after.state, 'awaiting_parcel', JSON.stringify(after.process));
    assert.equal(after.label.status, 'issued');
    assert.ok(after.label.carrierShipmentId, JSON.stringify(after.label));
    // The label itself, as the carrier renders it (InPost gives the tracking number with the label).
    const label = await t.call('GET', `/api/v1/returns/${r.id}/label`);
    assert.equal(label.status, 200);
    assert.equal(label.headers['content-type'], 'application/pdf');
    assert.equal(after.receivingLocation, 'WAW-1', 'the warehouse that shipped it receives it');
  });

  test('Given a carrier that issues no return labels here, Then the label fails with the reason and a person chooses a drop-off instead', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-3'), quantity: 1 }],
        reason: 'size_fit',
        wish: 'refund',
        dropOff: { kind: 'label', carrier: 'dhl-parcel-de' },
      },
      201,
    );
    await runJobs();
    const failed = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(failed.state, 'label_exception', JSON.stringify(failed.process));
    assert.match(failed.label.error, /not configured|does not issue/);
    const task = failed.openTasks[0];
    await ok(t, 'POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'drop_off', comment: 'Klient odda w sklepie' });
    assert.equal((await ok(t, 'GET', `/api/v1/returns/${r.id}`)).state, 'awaiting_parcel');
  });

  test('Given an invoiced company order, When units come back, Then a credit note corrects the invoice for them before the refund', async () => {
    await setUpSeller(t);
    const co = await ok(
      t,
      'POST',
      '/api/v1/companies',
      { code: 'FIRMA-R', name: 'Firma Zwrotna sp. z o.o.', taxId: '5252248481' },
      201,
    );
    await ok(
      t,
      'POST',
      '/api/v1/customers',
      { code: 'C-FIRMA', name: 'Jan Kowalski', email: 'jan@firma.pl', companyId: co.id },
      201,
    );
    const o = await deliveredOrder(t, { customer: { code: 'C-FIRMA' } });
    const invoices = await ok(t, 'GET', `/api/v1/orders/${o.id}/invoices`);
    assert.equal(
      invoices.items.filter((i: any) => i.kind === 'invoice').length,
      1,
      'the company buyer was invoiced on delivery',
    );
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-1'), quantity: 2 }],
        reason: 'defective',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      },
      201,
    );
    await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
      location: 'WAW-1',
      lines: [{ lineId: r.lines[0].id, quantity: 2 }],
    });
    const graded = await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
      units: [{ lineId: r.lines[0].id, grade: 'refurbish', quantity: 2 }],
    });
    assert.equal(graded.return.state, 'refunding', JSON.stringify(graded.return.process));
    assert.ok(graded.return.creditNoteId);
    const notes = (await ok(t, 'GET', `/api/v1/orders/${o.id}/invoices`)).items.filter(
      (i: any) => i.kind === 'credit_note',
    );
    assert.equal(notes.length, 1);
    assert.equal(notes[0].gross, '-49.18', 'both mugs: the whole invoice line (39.98 + 23 % VAT)');
    await confirmRefunds(t, o.id);
    assert.equal((await ok(t, 'GET', `/api/v1/returns/${r.id}`)).state, 'closed');
  });
});
