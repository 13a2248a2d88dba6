import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { issuePlatformKey } from '../../src/app/tenants/platform-keys.js';
import { measureTenantStorage } from '../../src/app/tenants/measure-storage.js';
import { firstIdAt } from '../../src/app/tenants/order-quota.js';
import { newId } from '../../src/shared/ids.js';

describe('per-tenant limits: 429 problem+json with Retry-After', () => {
  let t: TestApp;
  let platformKey: string;
  const limits = async (body: Record<string, number | null>) => {
    const r = await t.call('PATCH', `/api/v1/platform/tenants/${t.tenantId}/limits`, body, {
      authorization: `Bearer ${platformKey}`,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    platformKey = (await issuePlatformKey(t.database.db, 'ops')).secret;
  });
  after(() => t.close());

  test('the smallest UUIDv7 of a millisecond sorts before every id made in it and after every earlier one', () => {
    const now = Date.now();
    const id = newId();
    assert.ok(firstIdAt(now - 5) < id && id < firstIdAt(now + 5000));
  });

  test('requests per second: a token bucket per tenant; a new limit applies at once', async () => {
    const tenant = await limits({ requestsPerSecond: 1 });
    assert.equal(tenant.limits.requestsPerSecond, 1);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestApp['call']>> | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await t.call('GET', '/api/v1/channels');
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    assert.ok(limited, `a burst above 1 request/s is refused: ${statuses.join(',')}`);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.match(String(limited.headers['content-type']), /problem\+json/);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    await limits({ requestsPerSecond: 1000 });
    for (let i = 0; i < 5; i++) assert.equal((await t.call('GET', '/api/v1/channels')).status, 200);
    await limits({ requestsPerSecond: null });
  });

  test('orders per day: counted at intake; the next one waits until midnight UTC; raising the limit lets it in', async () => {
    await limits({ ordersPerDay: 2 });
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'D-1' }))).status, 201);
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'D-2' }))).status, 201);
    const third = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'D-3' }));
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.equal(third.body.code, 'ORDERS_PER_DAY_REACHED');
    const retryAfter = Number(third.headers['retry-after']);
    const toMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000);
    assert.ok(retryAfter >= 1 && retryAfter <= toMidnight + 1, `Retry-After ${retryAfter} ≤ ${toMidnight}`);
    // the batch gives the refusal per item
    const batch = await t.call('POST', '/api/v1/orders:batch', { orders: [orderBody({ externalId: 'D-4' })] });
    assert.ok(JSON.stringify(batch.body).includes('ORDERS_PER_DAY_REACHED'), JSON.stringify(batch.body));
    await limits({ ordersPerDay: 3 });
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'D-3' }))).status, 201);
    const usage = await t.call('GET', `/api/v1/platform/tenants/${t.tenantId}`, undefined, {
      authorization: `Bearer ${platformKey}`,
    });
    assert.equal(usage.body.usage.ordersToday, 3);
    await limits({ ordersPerDay: null });
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'D-5' }))).status, 201);
  });

  test('storage: measured by the job, intake refused above the limit, accepted again when raised', async () => {
    const used = await measureTenantStorage(t.database.db, t.tenantId, new Date());
    assert.ok(used > 1000, `the tenant's rows take ${used} bytes`);
    const tenant = await limits({ storageBytes: 1000 });
    assert.equal(tenant.usage.storageBytes, used);
    const refused = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'S-1' }));
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'STORAGE_LIMIT_REACHED');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    await limits({ storageBytes: used * 100 });
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'S-1' }))).status, 201);
  });
});
