import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/app.js';
import { newId } from '../../src/shared/ids.js';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';

// One embedded database for the file: creating one costs seconds on a busy machine.
describe('orders summary report', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  test('given orders on two channels, it counts them per channel, state and day and sums totals exactly per currency', async () => {
    const today = new Date();
    const twoDaysAgo = new Date(today.getTime() - 2 * 86_400_000).toISOString();
    for (let i = 0; i < 3; i++) assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: `R-${i}` }))).status, 201);
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'R-old', placedAt: twoDaysAgo }))).status, 201);
    const rub = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'WB-1', channel: 'wildberries', currency: 'RUB', customer: { name: 'Анна Петрова' } }));
    assert.equal(rub.status, 201);
    // An order 40 days old is outside the default 30-day window.
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'R-ancient', placedAt: new Date(today.getTime() - 40 * 86_400_000).toISOString() }))).status, 201);

    const r = await t.call('GET', '/api/v1/reports/orders-summary');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const s = r.body;
    assert.equal(s.days, 30);
    assert.equal(s.total, 5);
    assert.deepEqual(s.byChannel, [{ channel: 'web', count: 4 }, { channel: 'wildberries', count: 1 }]);
    assert.deepEqual(s.byState, [{ state: 'accepted', count: 5 }]);
    assert.equal(s.perDay.length, 30);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    assert.deepEqual(s.perDay.at(-1), { day: day(today), count: 4, byChannel: { web: 3, wildberries: 1 } });
    assert.equal(s.perDay.at(-3).count, 1);
    // 4 × 257.49 PLN, exactly; 257.49 RUB.
    assert.deepEqual(s.revenue, [{ currency: 'PLN', count: 4, grandTotal: '1029.96' }, { currency: 'RUB', count: 1, grandTotal: '257.49' }]);
    assert.deepEqual(s.cycleTime, { endStates: ['completed', 'delivered', 'collected'], orders: 0, averageSeconds: null });

    const wide = await t.call('GET', '/api/v1/reports/orders-summary?days=60&channel=web');
    assert.equal(wide.body.total, 5);
    assert.deepEqual(wide.body.byChannel, [{ channel: 'web', count: 5 }]);
  });

  test('given an order that reached a delivered state, the cycle time averages placement to that entry', async () => {
    const placedAt = new Date(Date.now() - 3 * 3600_000);
    const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'CYCLE-1', placedAt: placedAt.toISOString() }));
    assert.equal(o.status, 201);
    await t.store.insertInto('order_history', {
      id: newId(), order_id: o.body.id, at: new Date(placedAt.getTime() + 7200_000), actor_type: 'process', actor_id: null,
      action: 'order.transitioned', from_state: 'shipped', to_state: 'delivered', changes: '{}', reason: '{}',
    }).execute();
    const r = await t.call('GET', '/api/v1/reports/orders-summary?days=1');
    assert.deepEqual(r.body.cycleTime, { endStates: ['completed', 'delivered', 'collected'], orders: 1, averageSeconds: 7200 });
  });

  test('given another tenant, its orders never appear in the report', async () => {
    const other = await testApp({ database: t.database });
    const r = await other.call('GET', '/api/v1/reports/orders-summary');
    assert.equal(r.body.total, 0);
    assert.deepEqual(r.body.byChannel, []);
    await other.close();
  });

  test('given no credentials or a bad window, it answers 401 and 400 problems', async () => {
    assert.equal((await t.call('GET', '/api/v1/reports/orders-summary', undefined, { authorization: '' })).status, 401);
    const bad = await t.call('GET', '/api/v1/reports/orders-summary?days=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
  });

  describe('console serving', () => {
    let app: Awaited<ReturnType<typeof buildApp>>;
    let empty: Awaited<ReturnType<typeof buildApp>>;
    before(async () => {
      const dist = mkdtempSync(join(tmpdir(), 'ordo-dist-'));
      mkdirSync(join(dist, 'assets'));
      writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Ordo console</title><div id="root"></div>');
      writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("ordo")');
      const deps = { db: t.database.db, dbKind: t.database.kind, clock: t.clock, ready: async () => true };
      app = await buildApp(deps, { console: { distDir: dist } });
      empty = await buildApp(deps, { console: { distDir: join(dist, 'missing') } });
    });
    after(async () => { await app.close(); await empty.close(); });

    test('given a built console, / and any client route answer index.html, assets are cached, API paths keep their 404', async () => {
      const root = await app.inject({ url: '/' });
      assert.equal(root.statusCode, 200);
      assert.match(root.body, /Ordo console/);
      assert.equal(root.headers['cache-control'], 'no-cache');
      const deep = await app.inject({ url: '/orders/0192f1c4-0000-7000-8000-000000000000?x=1' });
      assert.equal(deep.statusCode, 200);
      assert.match(deep.body, /Ordo console/);
      const asset = await app.inject({ url: '/assets/index-abc123.js' });
      assert.equal(asset.statusCode, 200);
      assert.match(String(asset.headers['cache-control']), /max-age=31536000.*immutable/);
      assert.equal((await app.inject({ url: '/assets/gone-123.js' })).statusCode, 404);
      const api = await app.inject({ url: '/api/v1/nothing-here', headers: { authorization: `Bearer ${t.apiKey}` } });
      assert.equal(api.statusCode, 404);
      assert.equal(JSON.parse(api.body).code, 'NOT_FOUND');
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
      const traversal = await app.inject({ url: '/..%2f..%2fpackage.json' });
      assert.doesNotMatch(traversal.body, /"name": "ordo"/);
    });

    test('given no build, / explains how to build the console', async () => {
      const r = await empty.inject({ url: '/' });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /npm run build:web/);
    });
  });
});
