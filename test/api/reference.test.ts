import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';

describe('reference data', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  test('a location is created, read by code, listed with filters and searched', async () => {
    const created = await t.call('POST', '/api/v1/locations', {
      code: 'SPB-1',
      name: 'Склад Санкт-Петербург',
      kind: 'warehouse',
      country: 'RU',
      latitude: 59.9343,
      longitude: 30.3351,
      capabilities: ['ships', 'b2b'],
      address: { line1: 'Невский проспект, 28', city: 'Санкт-Петербург', country: 'RU' },
      dailyCapacity: 500,
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.latitude, 59.9343);
    assert.equal(created.headers.etag, '"1"');
    const byCode = await t.call('GET', '/api/v1/locations/SPB-1');
    assert.equal(byCode.body.id, created.body.id);
    assert.equal(byCode.body.address.city, 'Санкт-Петербург');
    const ru = await t.call('GET', '/api/v1/locations?country=RU');
    assert.deepEqual(
      ru.body.items.map((l: { code: string }) => l.code),
      ['SPB-1'],
    );
    const search = await t.call('GET', `/api/v1/locations?q=${encodeURIComponent('санкт')}`);
    assert.equal(search.body.items.length, 1);
  });

  test('the catalogue is searched by a part of a SKU or of a name, in any case, and paged', async () => {
    for (const [sku, name] of [
      ['ZX-0001040', 'Самовар тульский'],
      ['ZX-0010400', 'Kubek z uchem, 0,3 l'],
      ['ZX-0104000', 'Łyżeczka do herbaty'],
    ])
      assert.equal((await t.call('POST', '/api/v1/products', { sku, name })).status, 201);
    const skus = async (q: string, extra = '') => {
      const r = await t.call('GET', `/api/v1/products?q=${encodeURIComponent(q)}${extra}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { skus: r.body.items.map((p: { sku: string }) => p.sku).sort(), next: r.body.nextCursor };
    };
    assert.deepEqual((await skus('0001040')).skus, ['ZX-0001040'], 'digits inside a SKU');
    assert.deepEqual((await skus('001040')).skus, ['ZX-0001040', 'ZX-0010400']);
    assert.deepEqual((await skus('zx-01')).skus, ['ZX-0104000']);
    assert.deepEqual((await skus('ТУЛЬСК')).skus, ['ZX-0001040'], 'Cyrillic, any case');
    assert.deepEqual((await skus('łyżecz')).skus, ['ZX-0104000'], 'Polish');
    assert.deepEqual((await skus('0,3 L')).skus, ['ZX-0010400'], 'a part of a name with a comma');
    assert.deepEqual((await skus('100%')).skus, [], 'a wildcard is a character');
    const first = await skus('zx-', '&limit=2');
    assert.equal(first.skus.length, 2);
    const rest = await skus('zx-', `&limit=2&cursor=${encodeURIComponent(first.next)}`);
    assert.deepEqual([...first.skus, ...rest.skus].sort(), ['ZX-0001040', 'ZX-0010400', 'ZX-0104000']);
  });

  test('a second record with the same code is 409 ALREADY_EXISTS', async () => {
    const r = await t.call('POST', '/api/v1/products', { sku: 'SKU-1', name: 'Inny kubek' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'ALREADY_EXISTS');
    assert.equal(r.body.errors[0].path, '/sku');
  });

  test('an update honours If-Match and is audited with old and new values', async () => {
    const p = (await t.call('GET', '/api/v1/products/SKU-3')).body;
    const ok = await t.call(
      'PATCH',
      '/api/v1/products/SKU-3',
      { name: 'Łyżka stołowa srebrna', weightG: 60 },
      { 'if-match': `"${p.version}"` },
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.body.version, p.version + 1);
    const stale = await t.call('PATCH', '/api/v1/products/SKU-3', { name: 'x' }, { 'if-match': `"${p.version}"` });
    assert.equal(stale.status, 412);
    const audit = await t.store
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_id', '=', p.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['created', 'updated'],
    );
    assert.deepEqual(audit[1]!.changes, {
      name: { from: 'Łyżka stołowa', to: 'Łyżka stołowa srebrna' },
      weightG: { from: 350, to: 60 },
    });
  });

  test('a product that orders refer to cannot be deleted; an unused one can', async () => {
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody())).status, 201);
    const used = await t.call('DELETE', '/api/v1/products/SKU-1');
    assert.equal(used.status, 409);
    assert.equal(used.body.code, 'IN_USE');
    await t.call('POST', '/api/v1/products', { sku: 'TMP-1', name: 'Tymczasowy' });
    assert.equal((await t.call('DELETE', '/api/v1/products/TMP-1')).status, 204);
    assert.equal((await t.call('GET', '/api/v1/products/TMP-1')).status, 404);
  });

  test('an inactive product or channel cannot take new orders', async () => {
    await t.call('PATCH', '/api/v1/products/SKU-2', { active: false });
    const r = await t.call('POST', '/api/v1/orders', orderBody());
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].path, '/lines/1/sku');
    await t.call('PATCH', '/api/v1/products/SKU-2', { active: true });
    await t.call('PATCH', '/api/v1/channels/web', { active: false });
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody())).body.code, 'CHANNEL_INACTIVE');
    await t.call('PATCH', '/api/v1/channels/web', { active: true });
  });

  test('a customer of a company, and a bad company reference', async () => {
    const co = await t.call('POST', '/api/v1/companies', {
      code: 'ACME',
      name: 'ООО «Ромашка»',
      taxId: '7701234567',
      terms: { creditLimit: '100000.00', currency: 'RUB', paymentTermsDays: 30 },
    });
    assert.equal(co.status, 201);
    assert.equal(co.body.terms.creditLimit, '100000.00');
    const cu = await t.call('POST', '/api/v1/customers', {
      code: 'B2B-1',
      name: 'Иван Петров',
      companyId: co.body.id,
      locale: 'ru',
    });
    assert.equal(cu.status, 201);
    const bad = await t.call('POST', '/api/v1/customers', {
      code: 'B2B-2',
      name: 'X',
      companyId: '01a20825-4ab4-779a-86e5-1ff84ec52002',
    });
    assert.equal(bad.status, 400);
    const o = await t.call('POST', '/api/v1/orders', orderBody({ customer: { code: 'B2B-1' } }));
    assert.equal(o.body.companyId, co.body.id);
  });

  test('the OpenAPI 3.1 document describes the routes and the problem shape', async () => {
    const r = await t.call('GET', '/api/v1/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    for (const p of [
      '/api/v1/orders',
      '/api/v1/orders/{id}',
      '/api/v1/orders:batch',
      '/api/v1/orders/{id}/history',
      '/api/v1/channels',
      '/api/v1/locations/{id}',
    ]) {
      assert.ok(r.body.paths[p], `missing ${p}`);
    }
    assert.ok(r.body.components.schemas.OrderCreateInput, Object.keys(r.body.components.schemas).join());
    assert.ok(r.body.components.schemas.Problem);
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
  });

  test('health, readiness and metrics for operators', async () => {
    assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200);
    assert.equal(JSON.parse((await t.app.inject({ url: '/readyz' })).body).status, 'ready');
    const m = await t.app.inject({ url: '/metrics' });
    assert.match(m.body, /ordo_http_request_duration_seconds_bucket/);
  });

  test('console login with the admin password sets a session that reads the API', async () => {
    const admin = await t.store.selectFrom('users').select('email').executeTakeFirstOrThrow();
    const wrong = await t.call(
      'POST',
      '/api/v1/auth/login',
      { email: admin.email, password: 'nope' },
      { authorization: '' },
    );
    assert.equal(wrong.status, 401);
    const ok = await t.call(
      'POST',
      '/api/v1/auth/login',
      { email: admin.email, password: 'correct horse battery staple' },
      { authorization: '' },
    );
    assert.equal(ok.status, 200);
    const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
    assert.match(String(ok.headers['set-cookie']), /HttpOnly/);
    const me = await t.call('GET', '/api/v1/me', undefined, { authorization: '', cookie });
    assert.equal(me.status, 200);
    assert.equal(me.body.actor.type, 'user');
    await t.call('POST', '/api/v1/auth/logout', undefined, { authorization: '', cookie });
    assert.equal((await t.call('GET', '/api/v1/me', undefined, { authorization: '', cookie })).status, 401);
  });
});
