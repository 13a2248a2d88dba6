import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../support.js';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, lineOf, onHand, seedReturns } from './helpers.js';
import '../../src/store/schema-returns.js';

const DAY = 86_400_000;

/**
 * Bad input and eligibility (issue 15): each refusal is a problem with a stable code and the field
 * at fault, and nothing is kept; eligibility rules live in processes/returns.yaml and are named.
 */
describe('returns: bad input, eligibility rules, unexpected receipts, self-service, figures', () => {
  let t: FulfilmentTestApp;
  const clock = fixedClock('2026-11-02T09:00:00Z');
  before(async () => {
    t = await fulfilmentApp({ clock });
    await seedReturns(t);
  });
  after(() => t.close());

  const returnCount = async () =>
    Number(
      (
        await t.store
          .selectFrom('returns')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('Given bad requests, Then each is refused with its code and field, and no return is kept', async () => {
    const o = await deliveredOrder(t);
    const other = await deliveredOrder(t);
    const mug = lineOf(o, 'SKU-1');
    const before = await returnCount();
    const cases: Array<[unknown, number, string, string]> = [
      [
        { lines: [{ lineId: mug, quantity: 3 }], reason: 'size_fit', wish: 'refund' },
        422,
        'RETURN_EXCEEDS_DELIVERED',
        '/lines/0/quantity',
      ],
      [
        { lines: [{ lineId: lineOf(other, 'SKU-1'), quantity: 1 }], reason: 'size_fit', wish: 'refund' },
        422,
        'RETURN_LINE_NOT_ON_ORDER',
        '/lines/0/lineId',
      ],
      [
        { lines: [{ lineId: mug, quantity: 1 }], reason: 'no_such_reason', wish: 'refund' },
        422,
        'UNKNOWN_RETURN_REASON',
        '/reason',
      ],
      [
        { lines: [{ lineId: mug, quantity: 1 }], reason: 'size_fit', wish: 'exchange' },
        400,
        'VALIDATION_FAILED',
        '/exchange',
      ],
      [
        {
          lines: [{ lineId: mug, quantity: 1 }],
          reason: 'size_fit',
          wish: 'refund',
          dropOff: { kind: 'store', locationCode: 'NOPE' },
        },
        422,
        'UNKNOWN_LOCATION',
        '/dropOff/locationCode',
      ],
      [
        { lines: [{ lineId: mug, quantity: 0 }], reason: 'size_fit', wish: 'refund' },
        400,
        'VALIDATION_FAILED',
        '/lines/0/quantity',
      ],
    ];
    for (const [body, status, code, path] of cases) {
      const r = await t.call('POST', `/api/v1/orders/${o.id}/returns`, body);
      assert.equal(r.status, status, `${code}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, JSON.stringify(r.body));
      assert.ok(
        r.body.errors.some((e: any) => e.path === path),
        `${code} names ${path}: ${JSON.stringify(r.body.errors)}`,
      );
    }
    assert.equal(await returnCount(), before, 'nothing was kept');

    // A second return of the same units: the first holds both mugs, the second is refused.
    await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: mug, quantity: 2 }],
        reason: 'size_fit',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      },
      201,
    );
    const again = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
      lines: [{ lineId: mug, quantity: 1 }],
      reason: 'size_fit',
      wish: 'refund',
    });
    assert.equal(again.status, 422);
    assert.equal(again.body.code, 'RETURN_EXCEEDS_DELIVERED');
    assert.match(again.body.errors[0].message, /2 already on a return/);

    // A return order is not itself returned.
    const list = await ok(t, 'GET', `/api/v1/orders/${o.id}/returns`);
    const onReturn = await t.call('POST', `/api/v1/orders/${list.items[0].id}/returns`, {
      lines: [{ lineId: mug, quantity: 1 }],
      reason: 'size_fit',
      wish: 'refund',
    });
    assert.equal(onReturn.body.code, 'RETURN_NOT_ALLOWED');
  });

  test('Given an order delivered 15 days ago, When the customer changed their mind, Then the withdrawal-period rule refuses it by name; a defect is still accepted; after 31 days the return window refuses both', async () => {
    const o = await deliveredOrder(t);
    const spoon = lineOf(o, 'SKU-3');
    clock.advance(15 * DAY);
    try {
      const late = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
        lines: [{ lineId: spoon, quantity: 1 }],
        reason: 'changed_mind',
        wish: 'refund',
      });
      assert.equal(late.status, 422, JSON.stringify(late.body));
      assert.equal(late.body.code, 'RETURN_NOT_ELIGIBLE');
      assert.deepEqual(
        late.body.rules.map((r: any) => r.rule),
        ['withdrawal_period'],
      );
      assert.match(late.body.detail, /14 days/);
      const defect = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
        lines: [{ lineId: spoon, quantity: 1 }],
        reason: 'defective',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      });
      assert.equal(defect.status, 201, JSON.stringify(defect.body));
      clock.advance(16 * DAY);
      const tooLate = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
        lines: [{ lineId: spoon, quantity: 1 }],
        reason: 'changed_mind',
        wish: 'refund',
      });
      assert.deepEqual(tooLate.body.rules.map((r: any) => r.rule).sort(), ['return_window', 'withdrawal_period']);
    } finally {
      clock.set('2026-11-02T09:00:00Z');
    }
  });

  test('Given a marketplace order, When a return is asked through the API, Then the marketplace rule refuses it with the field at fault', async () => {
    const o = await deliveredOrder(t, { channel: 'wildberries', currency: 'RUB' });
    const r = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
      lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 1 }],
      reason: 'defective',
      wish: 'refund',
    });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.rules.map((x: any) => x.rule),
      ['marketplace_rules'],
    );
    assert.equal(r.body.errors[0].path, '/source');
    // The marketplace's own return, posted by its connector, is accepted.
    const fromChannel = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
      lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 1 }],
      reason: 'defective',
      wish: 'refund',
      source: 'channel',
      dropOff: { kind: 'store', locationCode: 'WAW-1' },
    });
    assert.equal(fromChannel.status, 201, JSON.stringify(fromChannel.body));
    assert.equal(fromChannel.body.source, 'channel');
  });

  test('Given a return above 1000.00, Then a person approves it first (a task for returns_desk); rejecting ends it and frees the units', async () => {
    const o = await deliveredOrder(t, { lines: [{ sku: 'SKU-2', quantity: 8, unitPrice: '149.00', taxRate: '23' }] });
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      { lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 8 }], reason: 'defective', wish: 'refund' },
      201,
    );
    assert.equal(r.state, 'awaiting_approval');
    assert.equal(r.openTasks[0].role, 'returns_desk');
    const done = await ok(t, 'POST', `/api/v1/tasks/${r.openTasks[0].id}/complete`, {
      outcome: 'reject',
      comment: 'Odrzucone — brak dowodu zakupu',
    });
    assert.ok(done);
    const after = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(after.state, 'rejected');
    // The rejected return no longer holds the units: a new request for them is accepted.
    const again = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
      lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 1 }],
      reason: 'defective',
      wish: 'refund',
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
  });

  test('Given a parcel nobody asked for, Then it is accepted and queued, and a person restocks it', async () => {
    const before = await onHand(t, 'SKU-1', 'WAW-1');
    const q = await ok(
      t,
      'POST',
      '/api/v1/return-receipts',
      { location: 'WAW-1', sku: 'SKU-1', quantity: 2, note: 'Paczka bez dokumentów' },
      201,
    );
    assert.equal(q.status, 'queued');
    const queue = await ok(t, 'GET', '/api/v1/return-receipts');
    assert.ok(queue.items.some((x: any) => x.id === q.id));
    assert.equal(await onHand(t, 'SKU-1', 'WAW-1'), before, 'not in stock until a person decides');
    await ok(t, 'POST', `/api/v1/return-receipts/${q.id}/resolve`, { action: 'restock' });
    assert.equal(await onHand(t, 'SKU-1', 'WAW-1'), before + 2);
    const twice = await t.call('POST', `/api/v1/return-receipts/${q.id}/resolve`, { action: 'restock' });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, 'RETURN_STATE_CONFLICT');
    assert.equal(await onHand(t, 'SKU-1', 'WAW-1'), before + 2, 'restocked once');
  });

  test('Given the public tracking link, When the customer opens the return page and asks for a return, Then it is created with source self_service; an unknown token is 404', async () => {
    const o = await deliveredOrder(t);
    const link = await ok(t, 'GET', `/api/v1/orders/${o.id}/tracking-link`);
    const token = String(link.url ?? link.path ?? link.token)
      .split('/')
      .pop()!;
    const page = await t.call('GET', `/api/v1/self-service/returns/${token}`, undefined, { authorization: '' });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.orderNumber, o.number);
    assert.deepEqual(
      page.body.lines.map((l: any) => [l.sku, l.returnable]),
      [
        ['SKU-1', 2],
        ['SKU-2', 1],
        ['SKU-3', 5],
      ],
    );
    assert.equal(page.body.reasons.find((r: any) => r.code === 'size_fit').labels.pl, 'Rozmiar lub krój');
    const made = await t.call(
      'POST',
      `/api/v1/self-service/returns/${token}`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-2'), quantity: 1 }],
        reason: 'defective',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'KRK-S' },
      },
      { authorization: '' },
    );
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const ret = (await ok(t, 'GET', `/api/v1/orders/${o.id}/returns`)).items[0];
    assert.equal(ret.source, 'self_service');
    const unknown = await t.call('GET', '/api/v1/self-service/returns/not-a-token', undefined, { authorization: '' });
    assert.equal(unknown.status, 404);
  });

  test('Given returns made, Then the figures give return rates by SKU, reason and channel and the restock share', async () => {
    const f = await ok(t, 'GET', '/api/v1/returns/figures');
    const sku1 = f.rate.bySku.find((r: any) => r.key === 'SKU-1');
    assert.ok(sku1.shipped > 0 && sku1.returned > 0, JSON.stringify(sku1));
    assert.equal(sku1.rate, Math.round((sku1.returned / sku1.shipped) * 10000) / 10000);
    assert.ok(f.byReason.some((r: any) => r.reason === 'defective'));
    assert.ok(f.rate.byChannel.some((r: any) => r.key === 'web' && r.returned > 0));
  });
});
