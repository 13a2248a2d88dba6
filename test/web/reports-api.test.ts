import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/app.js';
import { newId } from '../../src/shared/ids.js';
import { fixedClock, orderBody, seedBasics, testApp, type TestApp } from '../support.js';

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
    for (let i = 0; i < 3; i++)
      assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: `R-${i}` }))).status, 201);
    assert.equal(
      (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'R-old', placedAt: twoDaysAgo }))).status,
      201,
    );
    const rub = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'WB-1', channel: 'wildberries', currency: 'RUB', customer: { name: 'Анна Петрова' } }),
    );
    assert.equal(rub.status, 201);
    // An order 40 days old is outside the default 30-day window.
    assert.equal(
      (
        await t.call(
          'POST',
          '/api/v1/orders',
          orderBody({ externalId: 'R-ancient', placedAt: new Date(today.getTime() - 40 * 86_400_000).toISOString() }),
        )
      ).status,
      201,
    );

    const r = await t.call('GET', '/api/v1/reports/orders-summary');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const s = r.body;
    assert.equal(s.days, 30);
    assert.equal(s.total, 5);
    assert.deepEqual(s.byChannel, [
      { channel: 'web', count: 4 },
      { channel: 'wildberries', count: 1 },
    ]);
    assert.deepEqual(s.byState, [{ state: 'accepted', count: 5 }]);
    assert.equal(s.perDay.length, 30);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    assert.deepEqual(s.perDay.at(-1), { day: day(today), count: 4, byChannel: { web: 3, wildberries: 1 } });
    assert.equal(s.perDay.at(-3).count, 1);
    // 4 × 257.49 PLN, exactly; 257.49 RUB.
    assert.deepEqual(s.revenue, [
      { currency: 'PLN', count: 4, grandTotal: '1029.96' },
      { currency: 'RUB', count: 1, grandTotal: '257.49' },
    ]);
    assert.deepEqual(s.cycleTime, {
      endStates: ['completed', 'delivered', 'collected'],
      orders: 0,
      averageSeconds: null,
    });

    const wide = await t.call('GET', '/api/v1/reports/orders-summary?days=60&channel=web');
    assert.equal(wide.body.total, 5);
    assert.deepEqual(wide.body.byChannel, [{ channel: 'web', count: 5 }]);
  });

  test('given an order that reached a delivered state, the cycle time averages placement to that entry', async () => {
    // placed today (UTC days are the report's window), at most three hours ago: just after
    // midnight, three hours ago would be yesterday and outside days=1
    const startOfDay = new Date(new Date().toISOString().slice(0, 10)).getTime();
    const placedAt = new Date(Math.max(Date.now() - 3 * 3600_000, startOfDay + 1000));
    const o = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'CYCLE-1', placedAt: placedAt.toISOString() }),
    );
    assert.equal(o.status, 201);
    await t.store
      .insertInto('order_history', {
        id: newId(),
        order_id: o.body.id,
        at: new Date(placedAt.getTime() + 7200_000),
        actor_type: 'process',
        actor_id: null,
        action: 'order.transitioned',
        from_state: 'shipped',
        to_state: 'delivered',
        changes: '{}',
        reason: '{}',
      })
      .execute();
    const r = await t.call('GET', '/api/v1/reports/orders-summary?days=1');
    assert.deepEqual(r.body.cycleTime, {
      endStates: ['completed', 'delivered', 'collected'],
      orders: 1,
      averageSeconds: 7200,
    });
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
    const dist = mkdtempSync(join(tmpdir(), 'ordo-dist-'));
    before(async () => {
      mkdirSync(join(dist, 'assets'));
      writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Ordo console</title><div id="root"></div>');
      writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("ordo")');
      const deps = {
        db: t.database.db,
        dbKind: t.database.kind,
        clock: t.clock,
        ready: async () => true,
        processes: t.services.processes,
      };
      app = await buildApp(deps, { console: { distDir: dist } });
      empty = await buildApp(deps, { console: { distDir: join(dist, 'missing') } });
    });
    after(async () => {
      await app.close();
      await empty.close();
      rmSync(dist, { recursive: true, force: true });
    });

    test('given a built console, / and any client route answer index.html, assets are cached, API paths keep their 404', async () => {
      const root = await app.inject({ url: '/' });
      assert.equal(root.statusCode, 200);
      assert.match(root.body, /Ordo console/);
      assert.equal(root.headers['cache-control'], 'no-cache');
      const deep = await app.inject({ url: '/orders/0192f1c4-0000-7000-8000-000000000000?x=1' });
      assert.equal(deep.statusCode, 200);
      assert.match(deep.body, /Ordo console/);
      // The customer's public tracking page is a client route too.
      const track = await app.inject({ url: '/track/abc_DEF-123' });
      assert.equal(track.statusCode, 200);
      assert.match(track.body, /Ordo console/);
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

const HEAT_PROCESS = `key: heat
start: received
states:
  received:
    always:
      - { to: awaiting_approval, when: "order.total > 10000" }
      - { to: stock_exception }
  awaiting_approval:
    task: { kind: approval, role: admin, title: "Zatwierdź duże zamówienie", due: PT1H }
    on: { approve: completed, reject: rejected }
  stock_exception:
    exception: { kind: stock_shortage, resolutions: [backorder, cancel] }
    on: { backorder: completed, cancel: cancelled }
  completed: { terminal: true }
  rejected: { terminal: true, outcome: rejected }
  cancelled: { terminal: true, outcome: cancelled }
`;

describe('process heat map and operations report', () => {
  const T0 = Date.parse('2026-11-20T08:00:00Z');
  const clock = fixedClock(new Date(T0).toISOString());
  let t: TestApp;
  const orders: Record<string, { id: string; state: string; openTasks?: { id: string }[] }> = {};
  before(async () => {
    t = await testApp({ clock });
    await seedBasics(t);
    const draft = await t.call('POST', '/api/v1/processes', { source: HEAT_PROCESS });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.equal((await t.call('POST', `/api/v1/processes/heat/versions/${draft.body.version}/publish`)).status, 200);
    assert.equal(
      (
        await t.call('POST', '/api/v1/channels', {
          code: 'b2b',
          name: 'Portal B2B',
          kind: 'b2b_portal',
          currency: 'PLN',
          processKey: 'heat',
        })
      ).status,
      201,
    );
    const place = async (name: string, over: Record<string, unknown> = {}) => {
      const r = await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({
          channel: 'b2b',
          externalId: name,
          placedAt: clock.now().toISOString(),
          customer: { name: 'Hurtownia „Żuraw”' },
          ...over,
        }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body).slice(0, 300));
      orders[name] = r.body;
    };
    // Three large orders enter approval at T0, T0+1h and T0+2h; one small order becomes an exception at T0+2h.
    await place('BIG-1', { placedAt: new Date(T0 - 3 * 86_400_000).toISOString() });
    clock.advance(3_600_000);
    await place('BIG-2');
    clock.advance(3_600_000);
    await place('BIG-3');
    await place('SMALL-1', { lines: [{ sku: 'SKU-3', quantity: 1, unitPrice: '3.50' }] });
    assert.equal(orders['BIG-1']!.state, 'awaiting_approval');
    assert.equal(orders['SMALL-1']!.state, 'stock_exception');
    // BIG-3 is approved at once: it leaves the heat map and finishes its cycle.
    const task = orders['BIG-3']!.openTasks?.[0];
    assert.ok(task, JSON.stringify(orders['BIG-3']).slice(0, 300));
    const done = await t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve', comment: 'Zgoda' });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    clock.advance(3_600_000); // now T0 + 3h
  });
  after(() => t.close());

  test('given running orders, the heat map counts them per state with how long they have waited', async () => {
    const r = await t.call('GET', '/api/v1/reports/process-heatmap?key=heat');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.total, 3);
    const approval = r.body.states.find((s: { state: string }) => s.state === 'awaiting_approval');
    // Entered at T0 and T0+1h, seen at T0+3h: waits of 3 h and 2 h.
    assert.deepEqual(approval, {
      state: 'awaiting_approval',
      count: 2,
      oldestAt: new Date(T0).toISOString(),
      medianSeconds: 9000,
      p90Seconds: 10440,
    });
    const exception = r.body.states.find((s: { state: string }) => s.state === 'stock_exception');
    assert.deepEqual(exception, {
      state: 'stock_exception',
      count: 1,
      oldestAt: new Date(T0 + 7_200_000).toISOString(),
      medianSeconds: 3600,
      p90Seconds: 3600,
    });
    assert.equal(
      r.body.states.some((s: { state: string }) => s.state === 'completed'),
      false,
      'finished orders are not waiting anywhere',
    );

    const v1 = await t.call('GET', '/api/v1/reports/process-heatmap?key=heat&version=2');
    assert.deepEqual(v1.body.states, []);
    const unknown = await t.call('GET', '/api/v1/reports/process-heatmap?key=nie-ma');
    assert.deepEqual(unknown.body, { key: 'nie-ma', version: null, total: 0, states: [] });
    const bad = await t.call('GET', '/api/v1/reports/process-heatmap?key=Zły klucz');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
  });

  test('given overdue tasks, old running orders and exceptions, the operations report counts SLA breaches and cycle time', async () => {
    const r = await t.call('GET', '/api/v1/reports/operations?staleHours=24');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    // Two approval tasks are open; both were due within an hour of entering and are overdue now.
    assert.deepEqual(r.body.tasks, { open: 2, overdue: 2 });
    assert.equal(r.body.staleOrders.count, 1, 'only BIG-1 was placed more than 24 h ago');
    assert.equal(r.body.staleOrders.oldest[0].id, orders['BIG-1']!.id);
    assert.deepEqual(r.body.exceptionsByKind, [{ kind: 'stock_shortage', count: 1 }]);
    // BIG-3 was placed and completed at T0+2h: a cycle of zero seconds.
    assert.deepEqual(r.body.cycleTime, {
      days: 30,
      endStates: ['completed', 'delivered', 'collected'],
      orders: 1,
      medianSeconds: 0,
      p90Seconds: 0,
    });

    // the dashboard asks for the two parts it shows: the others are neither computed nor answered
    const two = await t.call('GET', '/api/v1/reports/operations?staleHours=24&parts=tasks,exceptionsByKind');
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.deepEqual(Object.keys(two.body).sort(), ['at', 'exceptionsByKind', 'tasks']);
    assert.deepEqual(two.body.tasks, r.body.tasks);
    assert.deepEqual(two.body.exceptionsByKind, r.body.exceptionsByKind);
    const cycleOnly = await t.call('GET', '/api/v1/reports/operations?parts=cycleTime');
    assert.deepEqual(cycleOnly.body.cycleTime, r.body.cycleTime);
    assert.equal(cycleOnly.body.tasks, undefined);
    const bad = await t.call('GET', '/api/v1/reports/operations?parts=tasks,cycle');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    assert.equal(bad.body.errors[0].path, 'querystring:parts', JSON.stringify(bad.body.errors));

    const other = await testApp({ database: t.database });
    const empty = await other.call('GET', '/api/v1/reports/operations');
    assert.deepEqual(empty.body.tasks, { open: 0, overdue: 0 });
    assert.equal(empty.body.staleOrders.count, 0);
    assert.equal((await other.call('GET', '/api/v1/reports/process-heatmap?key=heat')).body.total, 0);
    await other.close();
  });
});
