import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { createCarrierRegistry } from '../../src/integrations/carriers/index.js';
import { signedHeaders } from '../../src/integrations/webhooks/signature.js';

/** The classes of hostile input issue 20 found answering 500, each answered 4xx problem+json now. */
describe('hostile input is a 4xx', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp({ carriers: createCarrierRegistry({ manual: {} }) });
    await seedBasics(t);
  });
  after(() => t.close());

  const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const raw = (method: string, url: string, payload?: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: method as 'POST',
      url,
      headers: {
        authorization: `Bearer ${t.apiKey}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(payload === undefined ? {} : { payload }),
    });
  function problem(res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number) {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
    const body = JSON.parse(res.body);
    assert.equal(body.status, status);
    assert.equal(typeof body.code, 'string');
    return body;
  }

  test('a body nested 5,000 deep is a 400 wherever it is sent, even inside a free-form field', async () => {
    for (const url of [
      '/api/v1/orders',
      '/api/v1/customers',
      '/api/v1/channels',
      '/api/v1/products',
      '/api/v1/routing/plan',
      '/api/v1/inventory/stock:sync',
    ]) {
      const p = problem(await raw('POST', url, deep(5000)), 400);
      assert.equal(p.code, 'VALIDATION_FAILED');
      assert.equal(p.errors[0].code, 'too_deep');
    }
    const inside = JSON.stringify(orderBody({ attributes: { x: '§' } })).replace('"§"', deep(5000));
    problem(await raw('POST', '/api/v1/orders', inside, { 'idempotency-key': 'deep-1' }), 400);
  });

  test('NUL and lone surrogates are refused in bodies, free-form JSON, paths and queries, naming the place', async () => {
    const nul = problem(
      await raw('POST', '/api/v1/orders', JSON.stringify(orderBody({ attributes: { a: 'x\u0000' } }))),
      400,
    );
    assert.equal(nul.errors[0].path, '/attributes/a');
    const lone = problem(
      await raw('POST', '/api/v1/orders', JSON.stringify(orderBody({ attributes: { gift: ['\ud800'] } }))),
      400,
    );
    assert.equal(lone.errors[0].path, '/attributes/gift/0');
    const key = problem(
      await raw('POST', '/api/v1/customers', '{"code":"C-9","name":"x","attributes":{"\\ud800":1}}'),
      400,
    );
    assert.equal(key.errors[0].path, '/attributes/\ud800');
    // escaped as JSON (\u0000) or sent raw, the same
    problem(await raw('POST', '/api/v1/products', '{"sku":"S-9","name":"a\\u0000b"}'), 400);
    assert.equal(problem(await raw('GET', '/api/v1/products/%00'), 400).errors[0].path, 'params:id');
    assert.equal(problem(await raw('GET', '/api/v1/orders?q=%00'), 400).errors[0].path, 'query:q');
    problem(await raw('GET', '/api/v1/events?subject=a%00'), 400);
    // the public tracking page, without any key
    problem(await raw('GET', '/api/v1/tracking/%00', undefined, { authorization: '' }), 400);
  });

  test('query filters are validated before SQL', async () => {
    problem(await raw('GET', '/api/v1/products?active=maybe'), 400);
    problem(await raw('GET', '/api/v1/customers?companyId=x'), 400);
    problem(await raw('GET', '/api/v1/tasks?cursor=0'), 400);
    problem(await raw('GET', '/api/v1/locations?kind=castle'), 400);
    const active = await raw('GET', '/api/v1/products?active=true');
    assert.equal(active.statusCode, 200);
    assert.equal(active.json().items.length, 3);
  });

  test('integers past int4 are refused where the column is int4', async () => {
    const location = (await t.call('GET', '/api/v1/locations/WAW-1')).body;
    const cap = problem(
      await raw('PATCH', `/api/v1/locations/${location.id}`, JSON.stringify({ dailyCapacity: 2_147_483_648 })),
      400,
    );
    assert.equal(cap.errors[0].path, '/dailyCapacity');
    problem(
      await raw(
        'POST',
        '/api/v1/inventory/stock:set',
        JSON.stringify({ sku: 'SKU-1', location: 'WAW-1', onHand: 5, expectedVersion: 2_147_483_648 }),
      ),
      400,
    );
    problem(await raw('GET', '/api/v1/processes/b2c/versions/2147483648'), 400);
    problem(await raw('POST', '/api/v1/routing/strategies/default/versions/99999999999/publish'), 400);
    problem(await raw('GET', '/api/v1/reports/process-heatmap?key=b2c&version=2147483648'), 400);
  });

  test('framework errors are problem+json with a stable code', async () => {
    assert.equal(problem(await raw('GET', '/api/v1/orders/%E0%A4%A'), 400).code, 'BAD_URL');
    assert.equal(problem(await raw('GET', `/api/v1/orders/${'x'.repeat(300)}`), 414).code, 'URI_TOO_LONG');
    assert.equal(
      problem(await raw('POST', '/api/v1/orders', 'hello', { 'content-type': 'text/plain' }), 415).code,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal(problem(await raw('POST', '/api/v1/orders', '{"a":'), 400).code, 'MALFORMED_JSON');
  });

  test('unauthenticated requests are refused before they are validated; the scheme name is case-insensitive', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer ordo_nope' }]) {
      assert.equal(problem(await raw('POST', '/api/v1/orders', deep(5000), headers), 401).code, 'UNAUTHENTICATED');
      assert.equal(
        problem(await raw('GET', '/api/v1/products?active=maybe', undefined, headers), 401).code,
        'UNAUTHENTICATED',
      );
      problem(await raw('GET', '/api/v1/orders/not-a-uuid', undefined, headers), 401);
    }
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const r = await raw('GET', '/api/v1/me', undefined, { authorization: `${scheme} ${t.apiKey}` });
      assert.equal(r.statusCode, 200, `${scheme}: ${r.body}`);
    }
    // public routes stay public
    assert.equal((await raw('GET', '/api/v1/events/catalogue', undefined, { authorization: '' })).statusCode, 200);
    const login = await raw(
      'POST',
      '/api/v1/auth/login',
      JSON.stringify({ email: 'nobody@example.pl', password: 'x' }),
      {
        authorization: '',
      },
    );
    assert.equal(problem(login, 401).detail, 'wrong email or password');
  });

  test('a carrier webhook with no body and no key is a 4xx', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/carriers/manual/tracking' });
    assert.ok(none.statusCode >= 400 && none.statusCode < 500, none.body);
    problem(none, none.statusCode);
    for (const payload of [
      'null',
      '[]',
      '"x"',
      '{"shipmentId":"a\\u0000","status":"delivered","occurredAt":"2026-01-01T00:00:00Z"}',
    ]) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/carriers/manual/tracking',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      problem(r, 400);
    }
  });

  test('a signed partner event holding what cannot be stored is a 400, not a 500', async () => {
    const source = (await t.call('POST', '/api/v1/inbound-sources', { code: 'wms-1', name: 'WMS' })).body;
    for (const [i, body] of [
      '{"type":"x.y","data":{"n":"\\u0000"}}',
      '{"type":"x.y","data":"\\udc00"}',
      deep(5000),
    ].entries()) {
      const r = await t.app.inject({
        method: 'POST',
        url: source.path,
        payload: body,
        headers: {
          'content-type': 'application/json',
          ...signedHeaders([source.secret], `evt-${i}`, Math.floor(Date.now() / 1000), body),
        },
      });
      problem(r, 400);
    }
  });

  test('orders:batch gives each order its own outcome whatever it holds', async () => {
    const good = orderBody({ externalId: 'BATCH-GOOD' });
    const surrogate = orderBody({ externalId: 'BATCH-BAD', attributes: { note: '\ud800' } });
    const body = `{"orders":[${JSON.stringify(good)},${JSON.stringify(surrogate)},${JSON.stringify(orderBody({ attributes: { a: 'NUL\u0000' } }))},${JSON.stringify(orderBody()).replace('"lines"', `"attributes":{"d":${deep(5000)}},"lines"`)}]}`;
    const r = await raw('POST', '/api/v1/orders:batch', body);
    assert.equal(r.statusCode, 200, r.body);
    const out = r.json();
    assert.equal(out.accepted, 1);
    assert.deepEqual(
      out.items.map((i: { status: number }) => i.status),
      [201, 400, 400, 400],
    );
    assert.equal(out.items[1].problem.errors[0].path, '/attributes/note');
    const stored = await t.call('GET', `/api/v1/orders/${out.items[0].id}`);
    assert.equal(stored.body.externalId, 'BATCH-GOOD');
  });

  test('availability and ATP of an unknown SKU are both 404', async () => {
    assert.equal(problem(await raw('GET', '/api/v1/inventory/availability/NO-SUCH'), 404).code, 'NOT_FOUND');
    assert.equal(problem(await raw('GET', '/api/v1/inventory/atp/NO-SUCH'), 404).code, 'NOT_FOUND');
    assert.equal((await raw('GET', '/api/v1/inventory/atp/SKU-1')).statusCode, 200);
  });

  test('sub-resources of an order that does not exist are 404; of one that does, 200', async () => {
    const ghost = '0195e0c0-0000-7000-8000-00000000dead';
    const order = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'SUB-1' }))).body;
    for (const path of ['reservations', 'routes', 'shipments'].map((p) =>
      p === 'reservations' ? `/api/v1/inventory/orders/{id}/reservations` : `/api/v1/orders/{id}/${p}`,
    )) {
      problem(await raw('GET', path.replace('{id}', ghost)), 404);
      assert.equal((await raw('GET', path.replace('{id}', order.id))).statusCode, 200, path);
    }
    problem(await raw('POST', `/api/v1/inventory/orders/${ghost}/release`, '{}'), 404);
    problem(await raw('GET', `/api/v1/webhooks/subscriptions/${ghost}/deliveries`), 404);
    problem(await raw('GET', `/api/v1/webhooks/deliveries/${ghost}/attempts`), 404);
  });
});
