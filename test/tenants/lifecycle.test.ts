import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { issuePlatformKey, revokePlatformKey } from '../../src/app/tenants/platform-keys.js';
import { tenantTables } from '../../src/app/tenants/tenant-tables.js';

/** Rows of a tenant in every table with a tenant_id column, by table (non-empty ones only). */
async function rowsOf(t: TestApp, tenantId: string) {
  const out: Record<string, number> = {};
  for (const table of await tenantTables(t.database.db)) {
    const { rows } = await sql<{ count: number }>`select count(*)::int as count from ${sql.table(table.name)}
      where tenant_id = ${tenantId}`.execute(t.database.db);
    if (rows[0]!.count > 0) out[table.name] = rows[0]!.count;
  }
  return out;
}

describe('tenants as a product: the life cycle over HTTP', () => {
  let t: TestApp;
  let platformKey: string;
  let otherOrderId: string;
  const platform = (method: string, url: string, body?: unknown) =>
    t.call(method, url, body, { authorization: `Bearer ${platformKey}` });

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    platformKey = (await issuePlatformKey(t.database.db, 'ops Łucja')).secret;
    const other = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'OTHER-1' }));
    assert.equal(other.status, 201, JSON.stringify(other.body));
    otherOrderId = other.body.id;
  });
  after(() => t.close());

  test('platform routes take only a platform key; a platform key is no key on tenant routes', async () => {
    const anonymous = await t.call('GET', '/api/v1/platform/tenants', undefined, { authorization: '' });
    assert.equal(anonymous.status, 401);
    const tenantAdmin = await t.call('GET', '/api/v1/platform/tenants');
    assert.equal(tenantAdmin.status, 403);
    assert.equal(tenantAdmin.body.code, 'PLATFORM_ONLY');
    const create = await t.call('POST', '/api/v1/platform/tenants', {
      slug: 'sneaky',
      name: 'x',
      admin: { email: 'a@example.pl', name: 'A' },
    });
    assert.equal(create.status, 403);
    const invalid = await t.call('POST', '/api/v1/platform/tenants', { slug: 'Zła' });
    assert.equal(invalid.status, 403, 'refused before its body is validated');
    const onTenantRoute = await platform('GET', '/api/v1/orders');
    assert.equal(onTenantRoute.status, 401);
    const list = await platform('GET', '/api/v1/platform/tenants');
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((x: { id: string }) => x.id === t.tenantId));
    // an unknown tenant is 404 to a platform key, whatever the operation
    const nobody = '0195e0c0-0000-7000-8000-00000000dead';
    assert.equal((await platform('GET', `/api/v1/platform/tenants/${nobody}`)).status, 404);
    assert.equal((await platform('POST', `/api/v1/platform/tenants/${nobody}:suspend`, { reason: 'x' })).status, 404);
    assert.equal((await platform('POST', `/api/v1/platform/tenants/${nobody}:erase`)).status, 404);
    assert.equal((await platform('GET', `/api/v1/platform/tenants/${nobody}/export`)).status, 404);
    assert.equal((await platform('PATCH', `/api/v1/platform/tenants/${nobody}/limits`, {})).status, 404);
    // a revoked platform key is refused
    const spare = await issuePlatformKey(t.database.db, 'spare');
    await revokePlatformKey(t.database.db, spare.id, new Date());
    const revoked = await t.call('GET', '/api/v1/platform/tenants', undefined, {
      authorization: `Bearer ${spare.secret}`,
    });
    assert.equal(revoked.status, 401);
  });

  test('create → admin key works → export → suspend → 403 → resume → delete → erased, the other tenant untouched', async () => {
    const bad = await platform('POST', '/api/v1/platform/tenants', { slug: 'Zła Nazwa', name: '', admin: {} });
    assert.equal(bad.status, 400);
    const created = await platform('POST', '/api/v1/platform/tenants', {
      slug: 'hurtownia-lodz',
      name: 'Hurtownia Łódź',
      admin: { email: 'szef@hurtownia.example.pl', name: 'Szef Łódzki' },
      limits: { ordersPerDay: 1000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(created.body.apiKey, /^ordo_/);
    assert.ok(created.body.admin.password.length >= 20, 'a generated first password is shown once');
    assert.equal(created.body.tenant.status, 'active');
    assert.equal(created.body.tenant.limits.ordersPerDay, 1000);
    const id: string = created.body.tenant.id;
    const again = await platform('POST', '/api/v1/platform/tenants', {
      slug: 'hurtownia-lodz',
      name: 'x',
      admin: { email: 'x@example.pl', name: 'X' },
    });
    assert.equal(again.status, 409);

    const key = created.body.apiKey as string;
    const asNew: TestApp = {
      ...t,
      call: (method, url, body, headers = {}) =>
        t.call(method, url, body, { authorization: `Bearer ${key}`, ...headers }),
    };
    await seedBasics(asNew);
    const connection = await asNew.call('POST', '/api/v1/channel-connections', {
      channel: 'web',
      kind: 'woocommerce',
      baseUrl: 'https://sklep.example.pl',
      credentials: { consumerKey: 'ck_1234567890', consumerSecret: 'cs_1234567890', webhookSecret: 'secret-123' },
    });
    assert.equal(connection.status, 201, JSON.stringify(connection.body));
    const webhook = () =>
      t.app.inject({
        method: 'POST',
        url: connection.body.webhookPath,
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
    const order = await asNew.call('POST', '/api/v1/orders', orderBody({ externalId: 'NEW-1' }));
    assert.equal(order.status, 201, JSON.stringify(order.body));
    const login = await t.call(
      'POST',
      '/api/v1/auth/login',
      { email: 'szef@hurtownia.example.pl', password: created.body.admin.password },
      { authorization: '' },
    );
    assert.equal(login.status, 200, 'the first admin logs in with the generated password');

    const got = await platform('GET', `/api/v1/platform/tenants/${id}`);
    assert.equal(got.body.usage.ordersToday, 1);

    // export: the tenant's order, its rows only, none of the other tenant's
    const exported = await t.app.inject({
      method: 'GET',
      url: `/api/v1/platform/tenants/${id}/export`,
      headers: { authorization: `Bearer ${platformKey}` },
    });
    assert.equal(exported.statusCode, 200);
    assert.equal(exported.headers['content-type'], 'application/gzip');
    const lines = gunzipSync(exported.rawPayload)
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(lines[0].kind, 'ordo-tenant-export');
    assert.equal(lines.at(-1).kind, 'end');
    const rows = lines.slice(1, -1) as { table: string; row: Record<string, unknown> }[];
    assert.ok(rows.every((line) => line.row.tenant_id === id));
    const orders = rows.filter((line) => line.table === 'orders').map((line) => line.row.id);
    assert.deepEqual(orders, [order.body.id]);
    assert.ok(!JSON.stringify(rows).includes(otherOrderId));
    assert.equal(lines.at(-1).counts.orders, 1);
    assert.ok(rows.some((line) => line.table === 'order_lines' && line.row.order_id === order.body.id));
    assert.ok(rows.some((line) => line.table === 'products' && line.row.name === 'Чайник электрический'));

    // suspend
    const noReason = await platform('POST', `/api/v1/platform/tenants/${id}:suspend`, {});
    assert.equal(noReason.status, 400);
    const suspended = await platform('POST', `/api/v1/platform/tenants/${id}:suspend`, { reason: 'unpaid invoice' });
    assert.equal(suspended.status, 200);
    assert.equal(suspended.body.status, 'suspended');
    assert.equal(suspended.body.statusChangedBy, 'platform:ops Łucja');
    const refused = await asNew.call('GET', '/api/v1/orders');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'TENANT_SUSPENDED');
    assert.match(refused.body.detail, /unpaid invoice/);
    const session = await t.call('GET', '/api/v1/orders', undefined, {
      authorization: '',
      cookie: `ordo_session=${(login.headers['set-cookie'] as string).split(';')[0]!.split('=')[1]}`,
    });
    assert.equal(session.status, 403, 'a console session of a suspended tenant is refused too');
    const suspendedLogin = await t.call(
      'POST',
      '/api/v1/auth/login',
      { email: 'szef@hurtownia.example.pl', password: created.body.admin.password },
      { authorization: '' },
    );
    assert.equal(suspendedLogin.status, 403, 'nor can its users sign in');
    assert.equal(suspendedLogin.body.code, 'TENANT_SUSPENDED');
    assert.equal(suspendedLogin.headers['set-cookie'], undefined, 'no session is made');
    assert.equal((await t.call('GET', '/api/v1/orders')).status, 200, 'the other tenant works');
    const refusedWebhook = await webhook();
    assert.equal(refusedWebhook.statusCode, 403, 'its channel webhooks are refused');
    assert.equal(JSON.parse(refusedWebhook.body).code, 'TENANT_SUSPENDED');

    const resumed = await platform('POST', `/api/v1/platform/tenants/${id}:resume`);
    assert.equal(resumed.body.status, 'active');
    assert.equal((await asNew.call('GET', '/api/v1/orders')).status, 200);

    // delete: the slug confirms; then its data is erased and a tombstone kept
    const unconfirmed = await platform('DELETE', `/api/v1/platform/tenants/${id}`, {
      reason: 'contract ended',
      confirm: 'other-slug',
    });
    assert.equal(unconfirmed.status, 400);
    const early = await platform('POST', `/api/v1/platform/tenants/${id}:erase`);
    assert.equal(early.status, 409, 'an active tenant is not erased');
    const deleted = await platform('DELETE', `/api/v1/platform/tenants/${id}`, {
      reason: 'contract ended',
      confirm: 'hurtownia-lodz',
    });
    assert.equal(deleted.status, 202);
    assert.equal(deleted.body.status, 'deleted');
    const gone = await asNew.call('GET', '/api/v1/orders');
    assert.equal(gone.status, 403);
    assert.equal(gone.body.code, 'TENANT_DELETED');
    const before = await rowsOf(t, id);
    assert.ok(Object.keys(before).length >= 8, `the tenant had rows in many tables: ${JSON.stringify(before)}`);
    const otherBefore = await rowsOf(t, t.tenantId);

    const erased = await platform('POST', `/api/v1/platform/tenants/${id}:erase`);
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.equal(erased.body.erased, true);
    assert.deepEqual(await rowsOf(t, id), {}, 'nothing of the tenant is left in any tenant table');
    assert.deepEqual(await rowsOf(t, t.tenantId), otherBefore, 'the other tenant is untouched');
    assert.equal((await platform('GET', `/api/v1/platform/tenants/${id}`)).status, 404);
    const tombstones = await platform('GET', '/api/v1/platform/tombstones');
    const tomb = tombstones.body.items.find((x: { id: string }) => x.id === id);
    assert.deepEqual(
      { slug: tomb.slug, deletedBy: tomb.deletedBy, reason: tomb.reason },
      { slug: 'hurtownia-lodz', deletedBy: 'platform:ops Łucja', reason: 'contract ended' },
    );
    const reuse = await platform('POST', '/api/v1/platform/tenants', {
      slug: 'hurtownia-lodz',
      name: 'x',
      admin: { email: 'x2@example.pl', name: 'X' },
    });
    assert.equal(reuse.status, 409, 'the slug of a tombstone is not given again');
    assert.equal((await asNew.call('GET', '/api/v1/orders')).status, 401, 'its keys are gone');
  });
});
