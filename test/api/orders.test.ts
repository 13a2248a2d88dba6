import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';

describe('order intake', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  test('given a valid order, it is accepted with exact totals, lines and a history entry', async () => {
    const r = await t.call('POST', '/api/v1/orders', orderBody({ externalId: '820982911946154508' }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const o = r.body;
    assert.match(o.number, /^ORD-\d{7}$/);
    assert.equal(o.externalId, '820982911946154508');
    assert.equal(o.state, 'accepted');
    assert.equal(o.lines.length, 3);
    // 2×19.99=39.98 tax 9.20; 149−10=139 tax 31.97; 5×3.50=17.50 tax 1.40; shipping 14.99 tax 3.45
    assert.deepEqual(o.totals, {
      subtotal: '206.48',
      discountTotal: '10.00',
      taxTotal: '46.02',
      shippingTotal: '14.99',
      grandTotal: '257.49',
    });
    assert.equal(o.customer.name, 'Grzegorz Brzęczyszczykiewicz');
    assert.equal(o.lines[1].name, 'Чайник электрический');
    assert.equal(r.headers.etag, '"1"');
    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    assert.equal(h.status, 200);
    assert.equal(h.body.items.length, 1);
    assert.equal(h.body.items[0].action, 'order.accepted');
    assert.equal(h.body.items[0].actor.type, 'api_key');
    assert.equal(h.body.items[0].changes.grandTotal, '257.49', 'history shows money as an exact decimal, like the API');
  });

  test('given the same channel and external id twice, the second is 409 DUPLICATE_ORDER with the existing id', async () => {
    const first = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'WB-777' }));
    assert.equal(first.status, 201);
    const second = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'WB-777' }));
    assert.equal(second.status, 409);
    assert.equal(second.body.code, 'DUPLICATE_ORDER');
    assert.equal(second.body.existingId, first.body.id);
    assert.equal(second.headers['content-type'], 'application/problem+json; charset=utf-8');
    // The same external id on another channel is a different order.
    const other = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'WB-777', channel: 'wildberries', currency: 'RUB' }),
    );
    assert.equal(other.status, 201);
  });

  test('given concurrent deliveries of one external order, exactly one is accepted', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.call('POST', '/api/v1/orders', orderBody({ externalId: 'RACE-1' }))),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    const list = await t.call('GET', '/api/v1/orders?q=race-1');
    assert.equal(list.body.items.length, 1);
  });

  test('given an Idempotency-Key, a replay returns the first response and a different body is 422', async () => {
    const headers = { 'idempotency-key': 'abc-123' };
    const a = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'IDEM-1' }), headers);
    const b = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'IDEM-1' }), headers);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.headers['idempotent-replayed'], 'true');
    assert.deepEqual(b.body, a.body);
    const c = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'IDEM-2' }), headers);
    assert.equal(c.status, 422);
    assert.equal(c.body.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  test('given concurrent requests with one Idempotency-Key, one order is made and every answer is its answer', async () => {
    const headers = { 'idempotency-key': 'idem-race-1' };
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.call('POST', '/api/v1/orders', orderBody({ externalId: 'IDEM-RACE-1' }), headers),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 201, 201, 201, 201, 201],
    );
    const ids = new Set(results.map((r) => r.body.id));
    assert.equal(ids.size, 1);
    assert.equal(results.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 5);
    const list = await t.call('GET', '/api/v1/orders?q=IDEM-RACE-1');
    assert.equal(list.body.items.length, 1);
  });

  test('given filters and a cursor, the list pages through newest first without gaps or repeats', async () => {
    for (let i = 0; i < 7; i++)
      await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({ externalId: `PAGE-${i}`, channel: 'wildberries', currency: 'RUB' }),
      );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: Array<{ externalId: string; channel: string }>; nextCursor: string | null } } =
        await t.call('GET', `/api/v1/orders?channel=wildberries&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      for (const o of r.body.items) {
        assert.equal(o.channel, 'wildberries');
        seen.push(o.externalId);
      }
      cursor = r.body.nextCursor;
    } while (cursor);
    const pages = seen.filter((x) => x.startsWith('PAGE-'));
    assert.deepEqual(pages, ['PAGE-6', 'PAGE-5', 'PAGE-4', 'PAGE-3', 'PAGE-2', 'PAGE-1', 'PAGE-0']);
    const byEmail = await t.call('GET', '/api/v1/orders?q=grzegorz@example.pl&limit=500');
    assert.ok(byEmail.body.items.length >= 7);
    const none = await t.call('GET', '/api/v1/orders?state=cancelled');
    assert.deepEqual(none.body.items, []);
  });

  test('given If-Match with a stale version, an edit is refused with 412 and nothing changes', async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody())).body;
    const ok = await t.call(
      'PATCH',
      `/api/v1/orders/${o.id}`,
      { notes: 'Proszę dzwonić przed dostawą' },
      { 'if-match': '"1"' },
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.version, 2);
    const stale = await t.call('PATCH', `/api/v1/orders/${o.id}`, { notes: 'Другая заметка' }, { 'if-match': '"1"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.code, 'VERSION_MISMATCH');
    const now = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.equal(now.body.notes, 'Proszę dzwonić przed dostawą');
    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    assert.deepEqual(
      h.body.items.map((x: { action: string }) => x.action),
      ['order.accepted', 'order.edited'],
    );
    assert.deepEqual(h.body.items[1].changes.notes, { from: null, to: 'Proszę dzwonić przed dostawą' });
  });

  test('given a batch with good, bad and duplicate orders, each item reports its own outcome', async () => {
    const r = await t.call('POST', '/api/v1/orders:batch', {
      orders: [
        orderBody({ externalId: 'B-1' }),
        orderBody({ externalId: 'B-2', lines: [{ sku: 'NOPE', quantity: 1, unitPrice: '1.00' }] }),
        orderBody({ externalId: 'B-1' }),
        { channel: 'web' },
        orderBody({ externalId: 'B-3' }),
      ],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.accepted, 2);
    assert.deepEqual(
      r.body.items.map((i: { status: number }) => i.status),
      [201, 422, 409, 400, 201],
    );
    assert.equal(r.body.items[1].problem.code, 'UNKNOWN_SKU');
    assert.equal(r.body.items[1].problem.errors[0].path, '/lines/0/sku');
  });

  test("given another tenant's key, the order is not found and cannot be edited", async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody())).body;
    const other = await testApp({ database: t.database });
    try {
      const get = await other.call('GET', `/api/v1/orders/${o.id}`);
      assert.equal(get.status, 404);
      const patch = await other.call('PATCH', `/api/v1/orders/${o.id}`, { notes: 'x' });
      assert.equal(patch.status, 404);
      const list = await other.call('GET', '/api/v1/orders');
      assert.deepEqual(list.body.items, []);
      // Reference data is per tenant too: the other tenant has no channel "web".
      const create = await other.call('POST', '/api/v1/orders', orderBody());
      assert.equal(create.body.code, 'UNKNOWN_CHANNEL');
    } finally {
      await other.close();
    }
  });
});
