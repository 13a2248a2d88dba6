import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { publish, setRules, shipped } from '../process/process-support.js';

/**
 * An order whose channel reserves later and to which no process applies is stored by a single
 * statement outside any transaction (app/orders/create-order.ts). It must leave exactly what the
 * transactional path leaves: the order, its lines, its history and its outbox event, or nothing.
 */
describe('intake without a transaction: one statement, all or nothing', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    const r = await t.call('POST', '/api/v1/channels', {
      code: 'edi',
      name: 'EDI — Łódź / ЭДО',
      kind: 'edi',
      currency: 'PLN',
      settings: { reserveOnIntake: false },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });
  after(() => t.close());

  const body = (externalId: string) => orderBody({ channel: 'edi', externalId });
  const count = async (table: 'orders' | 'order_lines' | 'order_history' | 'events') =>
    Number(
      (
        await t.store
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('given such an order, it is stored with its lines, its history and its order.accepted event, and reads back as answered', async () => {
    const r = await t.call('POST', '/api/v1/orders', body('EDI-1'));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'accepted');
    assert.equal(r.body.reservation.status, 'skipped');
    const got = await t.call('GET', `/api/v1/orders/${r.body.id}`);
    assert.equal(got.status, 200);
    for (const k of ['number', 'totals', 'lines', 'shippingAddress', 'customer', 'version'] as const)
      assert.deepEqual(got.body[k], r.body[k], k);
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    assert.deepEqual(
      h.body.items.map((i: { action: string }) => i.action),
      ['order.accepted'],
      'a tenant without processes gets no process note',
    );
    const ev = await t.call('GET', `/api/v1/events?subject=${r.body.id}`);
    assert.deepEqual(
      ev.body.items.map((e: { type: string }) => e.type),
      ['order.accepted'],
    );
    assert.equal(ev.body.items[0].payload.grandTotal, r.body.totals.grandTotal);
  });

  test('given the same channel and external id again, or twenty times at once, exactly one order exists and nothing else is written', async () => {
    const first = await t.call('POST', '/api/v1/orders', body('EDI-DUP'));
    assert.equal(first.status, 201);
    const before = await Promise.all((['orders', 'order_lines', 'order_history', 'events'] as const).map(count));
    const again = await t.call('POST', '/api/v1/orders', body('EDI-DUP'));
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'DUPLICATE_ORDER');
    assert.equal(again.body.existingId, first.body.id);
    assert.deepEqual(
      await Promise.all((['orders', 'order_lines', 'order_history', 'events'] as const).map(count)),
      before,
    );

    const racing = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/api/v1/orders', body('EDI-RACE'))),
    );
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, ...Array(19).fill(409)]);
    const winner = racing.find((r) => r.status === 201)!.body.id;
    assert.ok(racing.filter((r) => r.status === 409).every((r) => r.body.existingId === winner));
    const after = await Promise.all((['orders', 'order_lines', 'order_history', 'events'] as const).map(count));
    assert.deepEqual(after, [before[0]! + 1, before[1]! + 3, before[2]! + 1, before[3]! + 1]);
  });

  test('given a tenant that uses processes but none for this channel, the order also gets the note saying why, as on the transactional path', async () => {
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, []);
    const r = await t.call('POST', '/api/v1/orders', body('EDI-NOTE'));
    assert.equal(r.status, 201);
    assert.equal(r.body.process.key, null);
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    assert.deepEqual(
      h.body.items.map((i: { action: string }) => i.action),
      ['order.accepted', 'process.not_selected'],
    );
    assert.match(h.body.items[1].reason.note, /channel edi names no process/);
  });
});
