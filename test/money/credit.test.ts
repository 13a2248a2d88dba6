import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';

/**
 * Credit exposure (issue 14, part 4): a company's limit is checked against every open order's
 * unpaid amount, not the single order; a manual hold and an overdue invoice block as facts.
 * The issue's own case: a 20,000.00 limit and two open orders of 18,450.00 each.
 */
describe('credit: exposure, holds and overdue invoices decide the wholesale credit check', () => {
  let t: TestApp;
  let companyId: string;
  let seq = 0;

  const order = async (unitPrice = '18450.00') => {
    const r = await t.call('POST', '/api/v1/orders', {
      channel: 'b2b',
      customer: { code: 'HURT-1' },
      currency: 'PLN',
      lines: [{ sku: 'SKU-1', quantity: 1, unitPrice }],
      externalId: `CR-${++seq}`,
      paymentTerms: { kind: 'deferred', dueDays: 14 },
      delivery: { method: 'ship' },
      shippingAddress: {
        name: 'Hurtownia Żuraw',
        line1: 'ul. Świętokrzyska 12',
        city: 'Kraków',
        postalCode: '30-015',
        country: 'PL',
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const creditNote = async (orderId: string) => {
    const h = await t.call('GET', `/api/v1/orders/${orderId}/history`);
    return h.body.items.find((i: any) => i.action === 'process.action' && i.changes.action === 'check_credit');
  };

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await setUpSeller(t);
    await stock(t, [['SKU-1', 'WAW-1', 100]]);
    const ch = await t.call('POST', '/api/v1/channels', {
      code: 'b2b',
      name: 'Portal B2B',
      kind: 'b2b_portal',
      currency: 'PLN',
    });
    assert.equal(ch.status, 201, JSON.stringify(ch.body));
    const co = await t.call('POST', '/api/v1/companies', {
      code: 'ZURAW',
      name: 'Hurtownia Żuraw sp. z o.o.',
      taxId: '6770065406',
      terms: { creditLimit: '20000.00', currency: 'PLN', paymentTermsDays: 14 },
    });
    assert.equal(co.status, 201, JSON.stringify(co.body));
    companyId = co.body.id;
    const cu = await t.call('POST', '/api/v1/customers', {
      code: 'HURT-1',
      name: 'Hurtownia Żuraw',
      email: 'zakupy@zuraw.pl',
      companyId,
    });
    assert.equal(cu.status, 201, JSON.stringify(cu.body));
    await publish(t, shipped('wholesale'));
    await setRules(t, [{ process: 'wholesale', channel: ['b2b'] }]);
  });
  after(() => t.close());

  test('Given a 20,000.00 limit, When a second open order of 18,450.00 arrives, Then it waits for finance because the exposure is 36,900.00', async () => {
    const first = await order();
    assert.notEqual(first.state, 'awaiting_finance', 'the first order fits the limit');
    assert.match((await creditNote(first.id)).reason.note, /exposure 18 ?450[.,]00 .*≤ limit 20 ?000[.,]00/);
    const second = await order();
    assert.equal(second.state, 'awaiting_finance', JSON.stringify(second.process));
    assert.match((await creditNote(second.id)).reason.note, /exposure 36 ?900[.,]00 .*> limit 20 ?000[.,]00/);

    const credit = await t.call('GET', `/api/v1/companies/${companyId}/credit`);
    assert.equal(credit.status, 200, JSON.stringify(credit.body));
    assert.equal(credit.body.limit, '20000.00');
    assert.equal(credit.body.exposure, '36900.00');
    assert.equal(credit.body.available, '-16900.00');

    // Money paid on the first order frees its part of the limit; a cancelled order owes nothing.
    const paid = await t.call('POST', `/api/v1/orders/${first.id}/payments`, {
      method: 'transfer',
      status: 'captured',
    });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    assert.equal((await t.call('GET', `/api/v1/companies/${companyId}/credit`)).body.exposure, '18450.00');
    const rejected = await t.call('POST', `/api/v1/orders/${second.id}/events`, { name: 'reject' });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.equal((await t.call('GET', `/api/v1/companies/${companyId}/credit`)).body.exposure, '0.00');
  });

  test('Given a manual credit hold, Then the next order waits for finance with the hold as the reason, and after the release it passes; both are audited', async () => {
    const refused = await t.call('POST', `/api/v1/companies/${companyId}/credit-hold/release`, { reason: 'nic' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'CREDIT_HOLD_CONFLICT');
    const held = await t.call('POST', `/api/v1/companies/${companyId}/credit-hold`, { reason: 'Zaległa korekta' });
    assert.equal(held.status, 200, JSON.stringify(held.body));
    assert.equal(held.body.onHold, true);
    const o = await order('100.00');
    assert.equal(o.state, 'awaiting_finance');
    assert.match((await creditNote(o.id)).reason.note, /on credit hold/);
    const released = await t.call('POST', `/api/v1/companies/${companyId}/credit-hold/release`, {
      reason: 'Wyjaśnione',
    });
    assert.equal(released.status, 200, JSON.stringify(released.body));
    assert.equal(released.body.onHold, false);
    assert.deepEqual(
      released.body.holds.map((h: any) => [h.reason, h.releaseReason]),
      [['Zaległa korekta', 'Wyjaśnione']],
    );
    const next = await order('100.00');
    assert.notEqual(next.state, 'awaiting_finance', JSON.stringify(next.process));
    const events = await t.call('GET', '/api/v1/events?type=credit.hold_changed');
    assert.equal(events.status, 200, JSON.stringify(events.body));
    assert.deepEqual(
      events.body.items.map((e: any) => e.payload.onHold),
      [true, false],
    );
  });

  test('Given an unpaid invoice past its due date, Then the company is overdue and its next order waits for finance', async () => {
    const o = await order('50.00');
    const inv = await t.call('POST', `/api/v1/orders/${o.id}/invoices`, { kind: 'invoice', dueDays: 0 });
    assert.ok([200, 201].includes(inv.status), JSON.stringify(inv.body));
    // Due today is not overdue yet: the position counts invoices due before today.
    assert.equal((await t.call('GET', `/api/v1/companies/${companyId}/credit`)).body.overdueInvoices, 0);
    await t.database.db
      .updateTable('invoices')
      .set({ due_date: '2000-01-01' })
      .where('tenant_id', '=', t.tenantId)
      .where('order_id', '=', o.id)
      .execute();
    const credit = (await t.call('GET', `/api/v1/companies/${companyId}/credit`)).body;
    assert.equal(credit.overdueInvoices, 1);
    assert.equal(credit.overdueAmount, '50.00');
    const next = await order('10.00');
    assert.equal(next.state, 'awaiting_finance');
    assert.match((await creditNote(next.id)).reason.note, /1 overdue invoice/);
    // Paying the overdue invoice's order lifts the block.
    await t.call('POST', `/api/v1/orders/${o.id}/payments`, { method: 'transfer', status: 'captured' });
    assert.equal((await t.call('GET', `/api/v1/companies/${companyId}/credit`)).body.overdueInvoices, 0);
  });
});
