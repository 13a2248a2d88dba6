import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';

/** Every bad request answers 4xx problem+json with a stable code and the field at fault, and changes nothing. */
describe('bad input to order intake', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  const orderCount = async () => (await t.call('GET', '/api/v1/orders?limit=500')).body.items.length as number;
  const historyCount = async () =>
    Number(
      (
        await t.store
          .selectFrom('order_history')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function refused(
    body: unknown,
    status: number,
    code: string,
    paths: string[] = [],
    headers: Record<string, string> = {},
  ) {
    const before = await orderCount();
    const r = await t.call('POST', '/api/v1/orders', body, headers);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
    assert.equal(r.body.code, code);
    assert.equal(r.body.status, status);
    assert.ok(r.body.title && r.body.type);
    for (const p of paths)
      assert.ok(
        r.body.errors?.some((e: { path: string }) => e.path === p),
        `expected an error at ${p}, got ${JSON.stringify(r.body.errors)}`,
      );
    assert.equal(await orderCount(), before, 'nothing was created');
    return r.body;
  }

  test('malformed JSON', () => refused('{"channel": "web", lines: [', 400, 'MALFORMED_JSON'));
  test('an empty body', () => refused('', 400, 'MALFORMED_JSON'));

  test('wrong types are listed field by field', async () => {
    const p = await refused(
      orderBody({ currency: 12, lines: [{ sku: 'SKU-1', quantity: '2', unitPrice: 19.99 }] }),
      400,
      'VALIDATION_FAILED',
      ['/currency', '/lines/0/quantity', '/lines/0/unitPrice'],
    );
    assert.ok(p.errors.length >= 3);
  });

  test('zero, negative and fractional quantities', () =>
    refused(
      orderBody({
        lines: [
          { sku: 'SKU-1', quantity: 0, unitPrice: '1.00' },
          { sku: 'SKU-1', quantity: -3, unitPrice: '1.00' },
          { sku: 'SKU-1', quantity: 1.5, unitPrice: '1.00' },
        ],
      }),
      400,
      'VALIDATION_FAILED',
      ['/lines/0/quantity', '/lines/1/quantity', '/lines/2/quantity'],
    ));

  test('unknown SKU names each line at fault', () =>
    refused(
      orderBody({
        lines: [
          { sku: 'SKU-1', quantity: 1, unitPrice: '1.00' },
          { sku: 'GHOST-1', quantity: 1, unitPrice: '1.00' },
          { sku: 'GHOST-2', quantity: 1, unitPrice: '1.00' },
        ],
      }),
      422,
      'UNKNOWN_SKU',
      ['/lines/1/sku', '/lines/2/sku'],
    ));

  test('unknown channel', () => refused(orderBody({ channel: 'nosuch' }), 422, 'UNKNOWN_CHANNEL', ['/channel']));
  test('unknown customer', () =>
    refused(orderBody({ customer: { code: 'C-404' } }), 422, 'UNKNOWN_CUSTOMER', ['/customer/code']));
  test('unknown currency', () => refused(orderBody({ currency: 'XYZ' }), 400, 'VALIDATION_FAILED', ['/currency']));
  test('more decimals than the currency has', () =>
    refused(orderBody({ lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '1.001' }] }), 400, 'VALIDATION_FAILED', [
      '/lines/0/unitPrice',
    ]));
  test('an absurd amount', () =>
    refused(
      orderBody({ lines: [{ sku: 'SKU-1', quantity: 1000000, unitPrice: '999999999999.99' }] }),
      400,
      'VALIDATION_FAILED',
      ['/lines/0'],
    ));
  test('duplicate line ids', () =>
    refused(
      orderBody({
        lines: [
          { id: 'L1', sku: 'SKU-1', quantity: 1, unitPrice: '1.00' },
          { id: 'L1', sku: 'SKU-2', quantity: 1, unitPrice: '1.00' },
        ],
      }),
      400,
      'VALIDATION_FAILED',
      ['/lines/1/id'],
    ));
  test('unknown fields are refused, not ignored', () =>
    refused(orderBody({ totl: '12.00' }), 400, 'VALIDATION_FAILED'));
  test('ship without an address, pickup without a location', async () => {
    await refused(orderBody({ shippingAddress: undefined }), 400, 'VALIDATION_FAILED', ['/shippingAddress']);
    await refused(orderBody({ delivery: { method: 'pickup' } }), 400, 'VALIDATION_FAILED', [
      '/delivery/pickupLocation',
    ]);
    await refused(orderBody({ delivery: { method: 'pickup', pickupLocation: 'WAW-1' } }), 400, 'VALIDATION_FAILED', [
      '/delivery/pickupLocation',
    ]);
  });
  test('control characters (NUL) in text fields', () =>
    refused(orderBody({ notes: 'abc\u0000def' }), 400, 'VALIDATION_FAILED', ['/notes']));

  test('100,000 lines are refused before any work', async () => {
    const lines = Array.from({ length: 100_000 }, () => ({ sku: 'SKU-1', quantity: 1, unitPrice: '1.00' }));
    const r = await t.call('POST', '/api/v1/orders', orderBody({ lines }));
    assert.ok(r.status === 413 || r.status === 400, `got ${r.status}`);
    assert.ok(['PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED'].includes(r.body.code));
  });

  test('1,001 lines exceed the per-order limit with a clear message', () =>
    refused(
      orderBody({
        lines: Array.from({ length: 1001 }, (_, i) => ({ sku: 'SKU-1', quantity: 1, unitPrice: '1.00', id: `L${i}` })),
      }),
      400,
      'VALIDATION_FAILED',
      ['/lines'],
    ));

  test('a 10 MB body answers 413', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      JSON.stringify({ ...orderBody(), notes: 'x'.repeat(10 * 1024 * 1024) }),
    );
    assert.equal(r.status, 413);
    assert.equal(r.body.code, 'PAYLOAD_TOO_LARGE');
  });

  test('SQL and script in text fields are stored verbatim and harm nothing', async () => {
    const evil = "Robert'); DROP TABLE orders;-- <script>alert('x')</script>";
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ notes: evil, customer: { name: evil, email: 'x@example.pl' } }),
    );
    assert.equal(r.status, 201);
    const back = await t.call('GET', `/api/v1/orders/${r.body.id}`);
    assert.equal(back.body.notes, evil);
    assert.equal(back.body.customer.name, evil);
    const search = await t.call('GET', `/api/v1/orders?q=${encodeURIComponent("'); drop table")}`);
    assert.equal(search.status, 200);
    assert.equal(search.body.items.length, 1);
    const wildcard = await t.call('GET', '/api/v1/orders?q=%25');
    assert.equal(wildcard.body.items.length, 0, 'a % in the search text is a literal, not a wildcard');
  });

  test('without a key 401, with a bad key 401, with a viewer key writes are 403', async () => {
    const h0 = await historyCount();
    const none = await t.call('POST', '/api/v1/orders', orderBody(), { authorization: '' });
    assert.equal(none.status, 401);
    const bad = await t.call('POST', '/api/v1/orders', orderBody(), {
      authorization: 'Bearer ordo_deadbeef_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'UNAUTHENTICATED');
    const viewer = await t.call('POST', '/api/v1/api-keys', { name: 'read only', roles: ['viewer'] });
    assert.equal(viewer.status, 201);
    const forbidden = await t.call('POST', '/api/v1/orders', orderBody(), {
      authorization: `Bearer ${viewer.body.secret}`,
    });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.code, 'FORBIDDEN');
    const read = await t.call('GET', '/api/v1/orders', undefined, { authorization: `Bearer ${viewer.body.secret}` });
    assert.equal(read.status, 200);
    assert.equal(await historyCount(), h0);
  });

  test('bad path parameters and cursors are 4xx', async () => {
    assert.equal((await t.call('GET', '/api/v1/orders/not-a-uuid')).status, 400);
    assert.equal((await t.call('GET', '/api/v1/orders/01a20825-4ab4-779a-86e5-1ff84ec52002')).status, 404);
    const c = await t.call('GET', '/api/v1/orders?cursor=bm9wZQ');
    assert.equal(c.status, 400);
    assert.equal(c.body.errors[0].path, 'query:cursor');
    assert.equal((await t.call('GET', '/api/v1/orders?limit=100000')).status, 400);
    assert.equal((await t.call('GET', '/api/v1/nothing-here')).body.code, 'NOT_FOUND');
  });
});
