import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { fireDueTimers } from '../../src/app/process/fire-due-timers.js';
import { publish, send, setRules, shipped, stock } from './process-support.js';

const DAY = 86_400_000;

/** A process that asks an integration for a fraud score it declares itself, and waits for it. */
const SCORED = `key: scored
start: scoring
external:
  score_fraud:
    description: the fraud service scores the order
    succeeded: fraud_scored
states:
  scoring:
    enter:
      - action: score_fraud
        args: { provider: riskified }
        timeout: P1D
    on:
      fraud_scored: accepted
      score_fraud_failed: review
  review:
    on:
      accept: accepted
  accepted:
    terminal: true
`;

const events = async (t: TestApp, orderId: string, type: string) => {
  const r = await t.call('GET', `/api/v1/events?type=${type}&limit=100`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.filter((e: any) => e.subject === orderId);
};

describe('external actions: requested through the outbox, awaited by their state', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 50],
      ['SKU-2', 'WAW-1', 50],
      ['SKU-3', 'WAW-1', 50],
    ]);
  });
  after(() => t.close());

  test("Given the wired operations, When listed, Then each says how it runs, its results and its arguments' schema", async () => {
    const r = await t.call('GET', '/api/v1/processes/operations');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const by = new Map(r.body.items.map((i: any) => [i.code, i]));
    const reserve: any = by.get('reserve');
    assert.equal(reserve.runs, 'local');
    assert.deepEqual(reserve.resultEvents, ['reserved', 'shortage']);
    assert.equal(reserve.args.properties.allowPartial.type, 'boolean');
    const sync: any = by.get('sync_erp');
    assert.equal(sync.runs, 'external');
    assert.deepEqual(sync.results, { succeeded: 'erp_synced', failed: 'erp_sync_failed' });
    const invoice: any = by.get('issue_invoice');
    assert.equal(invoice.runs, 'local', 'Ordo issues invoices itself');
    assert.deepEqual(invoice.resultEvents, ['invoice_issued', 'invoice_failed']);
    assert.equal((by.get('set_attribute') as any).runs, 'engine');
    assert.ok(!by.has('score_fraud'), "a definition's own external actions are not operations of the tenant");
  });

  test('Given an action nothing carries out, When the definition is saved, Then 422 names the action and its line and nothing is stored', async () => {
    const source = SCORED.replace(/external:[\s\S]*?succeeded: fraud_scored\n/, '');
    const r = await t.call('POST', '/api/v1/processes', { source });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'PROCESS_DEFINITION_INVALID');
    const p = r.body.problems.find((x: any) => x.code === 'ACTION_NOT_IMPLEMENTED');
    assert.ok(p, JSON.stringify(r.body.problems));
    assert.equal(p.path, '/states/scoring/enter/0/action');
    assert.equal(p.line, 6);
    assert.match(p.message, /score_fraud/);
    assert.equal((await t.call('GET', '/api/v1/processes/scored/versions')).status, 404);
  });

  test('Given an external action whose state moves on by itself or ignores the failure, Then publishing is refused with the reason', async () => {
    const leaves = SCORED.replace(
      '    on:\n      fraud_scored: accepted\n      score_fraud_failed: review',
      '    always:\n      - { to: accepted }',
    );
    const r = await t.call('POST', '/api/v1/processes', { source: leaves });
    assert.equal(r.status, 422);
    const codes = r.body.problems.map((x: any) => x.code);
    assert.ok(codes.includes('EXTERNAL_ACTION_NOT_AWAITED'), JSON.stringify(r.body.problems));
    assert.ok(codes.includes('EXTERNAL_RESULT_NOT_HANDLED'));
    const conditional = SCORED.replace('        timeout: P1D', '        timeout: P1D\n        when: "order.total > 0"');
    const c = await t.call('POST', '/api/v1/processes:validate', { source: conditional });
    assert.equal(c.body.valid, false);
    assert.equal(c.body.problems[0].code, 'EXTERNAL_ACTION_NOT_AWAITED');
    assert.equal(c.body.problems[0].path, '/states/scoring/enter/0/when');
    const shadow = SCORED.replace('  score_fraud:', '  reserve:\n    description: x\n  score_fraud:');
    const s = await t.call('POST', '/api/v1/processes:validate', { source: shadow });
    assert.deepEqual(
      s.body.problems.map((x: any) => x.code),
      ['EXTERNAL_ACTION_CONFLICT'],
    );
  });

  test('Given a declared external action, When an order enters its state, Then action.requested goes out and the order waits until the result is posted', async () => {
    await publish(t, SCORED);
    await setRules(t, [{ process: 'scored', channel: ['web'] }]);
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'EXT-1' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const o = created.body;
    assert.equal(o.state, 'scoring', 'the order waits for the result');
    assert.deepEqual(o.allowedEvents.sort(), ['fraud_scored', 'score_fraud_failed']);

    const [req, ...more] = await events(t, o.id, 'action.requested');
    assert.equal(more.length, 0);
    const p = req.payload;
    assert.equal(p.action, 'score_fraud');
    assert.deepEqual(p.args, { provider: 'riskified' });
    assert.equal(p.state, 'scoring');
    assert.deepEqual(p.process, { key: 'scored', version: 1 });
    assert.deepEqual(p.results, { succeeded: 'fraud_scored', failed: 'score_fraud_failed' });
    assert.ok(Date.parse(p.waitUntil) > Date.now() + DAY - 60_000, 'the timeout is announced');
    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    const asked = h.body.items.find((i: any) => i.action === 'process.action_requested');
    assert.equal(asked.changes.requestId, p.requestId);

    // A result that is not one of the action's is refused; the real one moves the order on.
    assert.equal((await t.call('POST', `/api/v1/orders/${o.id}/events`, { name: 'accept' })).status, 409);
    const v = await send(t, o.id, 'fraud_scored', { data: { requestId: p.requestId, score: 0.02 } });
    assert.equal(v.state, 'accepted');
  });

  test('Given no result in time, When the timeout passes, Then the failure path is taken', async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'EXT-2' }))).body;
    assert.equal(o.state, 'scoring');
    const early = await fireDueTimers(t.services.operations, t.database.db, new Date(Date.now() + DAY / 2));
    assert.equal(early.fired, 0);
    const fired = await fireDueTimers(t.services.operations, t.database.db, new Date(Date.now() + DAY + 60_000));
    assert.equal(fired.fired, 1);
    const after = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.equal(after.body.state, 'review');
  });

  test('Given the shipped B2B process, When an order reaches invoicing, Then it waits for the invoice and the ERP before it ships', async () => {
    await publish(t, shipped('b2b-approvals'));
    await setRules(t, [{ process: 'b2b-approvals', channel: ['web'] }]);
    const created = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'B2B-EXT-1', paymentTerms: { kind: 'deferred', dueDays: 30 } }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let o = created.body;
    // The customer has no credit line: the approvals come first (each open task approved).
    for (let i = 0; o.state === 'awaiting_approval' && i < 5; i++) {
      for (const task of o.openTasks) {
        const done = await t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve' });
        assert.equal(done.status, 200, JSON.stringify(done.body));
      }
      o = (await t.call('GET', `/api/v1/orders/${o.id}`)).body;
    }
    // No seller is set up: the invoice cannot be issued, and finance gets the exception.
    assert.equal(o.state, 'invoice_exception', JSON.stringify(o.process));
    // Nothing ships before the invoice exists.
    assert.equal((await t.call('GET', `/api/v1/fulfilment-orders?orderId=${o.id}`)).body.items?.length ?? 0, 0);
    const seller = await t.call('PUT', '/api/v1/sellers/main', {
      name: 'Hurtownia Łódź sp. z o.o.',
      taxId: '5260250274',
      address: { line1: 'ul. Piotrkowska 1', city: 'Łódź', postalCode: '90-001', country: 'PL' },
      country: 'PL',
      isDefault: true,
    });
    assert.equal(seller.status, 200, JSON.stringify(seller.body));
    o = await send(t, o.id, 'retry');
    assert.equal(o.state, 'syncing_invoice', 'the invoice was issued and the ERP is asked for it');
    const invoices = await t.call('GET', `/api/v1/orders/${o.id}/invoices`);
    assert.equal(invoices.body.items.length, 1);
    assert.match(invoices.body.items[0].number, /^FV\/\d{4}\/000001$/);
    assert.equal(invoices.body.items[0].gross, o.totals.grandTotal);
    const issued = await events(t, o.id, 'invoice.issued');
    assert.equal(issued.length, 1);
    const requests = await events(t, o.id, 'action.requested');
    assert.deepEqual(requests.map((e: any) => e.payload.action).sort(), ['sync_erp']);
    const firstSync = requests.find((e: any) => e.payload.action === 'sync_erp').payload.requestId;
    o = await send(t, o.id, 'erp_sync_failed', { data: { requestId: firstSync } });
    assert.equal(o.state, 'invoice_sync_exception');
    o = await send(t, o.id, 'retry');
    assert.equal(o.state, 'syncing_invoice');
    // A late answer to the first request does not settle the second one.
    const stale = await t.call('POST', `/api/v1/orders/${o.id}/events`, {
      name: 'erp_synced',
      data: { requestId: firstSync },
    });
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.match(stale.body.detail, /earlier request/);
    assert.equal((await t.call('GET', `/api/v1/orders/${o.id}`)).body.state, 'syncing_invoice');
    const second = (await events(t, o.id, 'action.requested'))
      .filter((e: any) => e.payload.action === 'sync_erp')
      .map((e: any) => e.payload.requestId);
    assert.equal(second.length, 2);
    const fresh = second.find((id: string) => id !== firstSync);
    assert.ok(fresh, 'the retry asked again with a new request id');
    o = await send(t, o.id, 'erp_synced', { data: { requestId: fresh } });
    assert.equal(o.state, 'fulfilling');
  });

  test('Given the shipped B2C process and cash on delivery, When the parcel is delivered, Then the order waits for the capture before it counts as delivered', async () => {
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web'] }]);
    const created = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'COD-1', paymentTerms: { kind: 'cash_on_delivery' } }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let o = created.body;
    assert.equal(o.state, 'fulfilling', JSON.stringify(o.process));
    o = await send(t, o.id, 'shipped');
    o = await send(t, o.id, 'delivered');
    // The carrier collected the cash: recorded as captured at once, matched later with its remittance.
    const payments = await t.call('GET', `/api/v1/orders/${o.id}/payments`);
    assert.equal(payments.body.summary.status, 'paid');
    assert.equal(payments.body.payments[0].method, 'cod');
    assert.equal(payments.body.payments[0].captured, o.totals.grandTotal);
    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    const states = h.body.items.filter((i: any) => i.toState && i.toState !== i.fromState).map((i: any) => i.toState);
    assert.ok(states.includes('collecting_payment'), 'the order passed through collecting_payment');
    assert.equal(o.state, 'delivered');
  });
});
