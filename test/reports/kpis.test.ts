import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { fixedClock } from '../../src/shared/clock.js';
import { newId } from '../../src/shared/ids.js';
import { publish, shipped } from '../process/process-support.js';
import { seedKpiOrder } from './kpi-seed.js';
import { kpiReport } from '../../src/app/reports/kpis.js';
import { listOrders } from '../../src/app/orders/list-orders.js';

const HOUR = 3_600_000;
const NOW = '2026-11-20T00:00:00.000Z';

/**
 * Seven orders in the window with hand-written histories (hours after placement), one before it:
 *   A web  WAW-1 fulfilling@0 in_transit@24 delivered@48                           on time, cycle 48h
 *   B web  WAW-1 fulfilling@0 in_transit@72 delivered@96                           late,    cycle 96h
 *   C web  KRK-S fulfilling@0 stock_exception@1 fulfilling@5 in_transit@10 completed@20  oversold, cycle 20h
 *   D web  —     fulfilling@0 cancelled@2                                          cancelled
 *   E wb   WAW-1 fulfilling@0, placed 10 days ago, nothing since                   late and stuck
 *   F wb   —     fulfilling@0, placed 12 hours ago                                 not yet decided
 *   G web  WAW-1 fulfilling@0 in_transit@30 delivered@40, has a return            returned, cycle 40h
 *   X web  placed in October (outside the window), delivered
 */
const PLAN = {
  A: {
    channel: 'web',
    location: 'WAW-1',
    placed: '2026-11-02T00:00:00Z',
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 24],
      ['delivered', 48],
    ],
  },
  B: {
    channel: 'web',
    location: 'WAW-1',
    placed: '2026-11-03T00:00:00Z',
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 72],
      ['delivered', 96],
    ],
  },
  C: {
    channel: 'web',
    location: 'KRK-S',
    placed: '2026-11-04T00:00:00Z',
    state: 'completed',
    steps: [
      ['fulfilling', 0],
      ['stock_exception', 1],
      ['fulfilling', 5],
      ['in_transit', 10],
      ['completed', 20],
    ],
  },
  D: {
    channel: 'web',
    location: null,
    placed: '2026-11-05T00:00:00Z',
    state: 'cancelled',
    steps: [
      ['fulfilling', 0],
      ['cancelled', 2],
    ],
  },
  E: {
    channel: 'wildberries',
    location: 'WAW-1',
    placed: '2026-11-10T00:00:00Z',
    state: 'fulfilling',
    steps: [['fulfilling', 0]],
  },
  F: {
    channel: 'wildberries',
    location: null,
    placed: '2026-11-19T12:00:00Z',
    state: 'fulfilling',
    steps: [['fulfilling', 0]],
  },
  G: {
    channel: 'web',
    location: 'WAW-1',
    placed: '2026-11-06T00:00:00Z',
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 30],
      ['delivered', 40],
    ],
  },
  X: {
    channel: 'web',
    location: 'WAW-1',
    placed: '2026-10-15T00:00:00Z',
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 5],
      ['delivered', 6],
    ],
  },
} as const;
type Key = keyof typeof PLAN;

describe('KPIs (issue 18 item 7): figures match hand counts; each drill-down lists exactly its orders', () => {
  let t: TestApp;
  let returnId = '';
  const numberOf = new Map<Key, string>();
  const keyOf = new Map<string, Key>();

  before(async () => {
    t = await testApp({ clock: fixedClock(NOW) });
    const basics = await seedBasics(t);
    const locationId = { 'WAW-1': basics.warehouse.id, 'KRK-S': basics.store.id } as Record<string, string>;
    for (const [key, plan] of Object.entries(PLAN) as Array<[Key, (typeof PLAN)[Key]]>) {
      const { id, number } = await seedKpiOrder(t.call, t.store, locationId, key, {
        ...plan,
        placed: new Date(plan.placed),
      });
      numberOf.set(key, number);
      keyOf.set(number, key);
      const placed = new Date(plan.placed).getTime();
      if (key === 'G') {
        // A return is an order of type "return" (placed in the window too; never counted as a sale).
        const returnOrder = await t.call(
          'POST',
          '/api/v1/orders',
          orderBody({ externalId: 'KPI-G-RETURN', placedAt: '2026-11-12T00:00:00Z' }),
        );
        assert.equal(returnOrder.status, 201, JSON.stringify(returnOrder.body));
        returnId = returnOrder.body.id as string;
        await t.store
          .updateTable('orders')
          .set({ order_type: 'return', state: 'received' })
          .where('id', '=', returnOrder.body.id)
          .execute();
        await t.store
          .insertInto('returns', {
            id: returnOrder.body.id,
            order_id: id,
            source: 'api',
            wish: 'refund',
            reason_code: 'damaged',
            created_at: new Date(placed + 100 * HOUR),
            updated_at: new Date(placed + 100 * HOUR),
          } as any)
          .execute();
      }
    }
  });
  after(() => t.close());

  const window = 'from=2026-11-01T00:00:00Z&to=2026-11-20T00:00:00Z&slaHours=48&stuckHours=24';
  const kpis = async (extra = '') => {
    const response = await t.call('GET', `/api/v1/reports/kpis?${window}${extra}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };
  /** The orders a drill-down lists, as plan keys, sorted. */
  const drill = async (url: string) => {
    const response = await t.call('GET', `${url}&limit=500`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.total, response.body.items.length);
    return response.body.items.map((o: any) => keyOf.get(o.number) ?? o.number).sort();
  };

  test('counts and rates over the window', async () => {
    const body = await kpis();
    assert.equal(body.orders.count, 7);
    assert.equal(body.cancelled.count, 1);
    assert.equal(body.cancelled.rate, Math.round((1 / 7) * 10_000) / 10_000);
    assert.equal(body.returned.count, 1);
    assert.equal(body.oversold.count, 1);
    assert.equal(body.late.count, 2);
    assert.equal(body.stuck.count, 1);
    assert.deepEqual(
      { decided: body.sla.decided, onTime: body.sla.onTime, adherence: body.sla.adherence },
      { decided: 5, onTime: 3, adherence: 0.6 },
    );
  });

  test('every drill-down returns exactly the orders behind its figure', async () => {
    const body = await kpis();
    assert.deepEqual(await drill(body.orders.drillDown), ['A', 'B', 'C', 'D', 'E', 'F', 'G']);
    assert.deepEqual(await drill(body.cancelled.drillDown), ['D']);
    assert.deepEqual(await drill(body.returned.drillDown), ['G']);
    assert.deepEqual(await drill(body.oversold.drillDown), ['C']);
    assert.deepEqual(await drill(body.late.drillDown), ['B', 'E']);
    assert.deepEqual(await drill(body.sla.drillDown), ['A', 'C', 'G']);
    assert.deepEqual(await drill(body.stuck.drillDown), ['E']);
    assert.deepEqual(await drill(body.cycleTime.drillDown), ['A', 'B', 'C', 'G']);
  });

  test('per day: every UTC day of the window with its figures; a day drills down to exactly its orders', async () => {
    const body = await kpis();
    assert.equal(body.daily.length, 19, 'November 1 to 19');
    assert.equal(body.daily[0].day, '2026-11-01');
    assert.equal(body.daily.at(-1).day, '2026-11-19');
    const day = (key: string) => body.daily.find((entry: { day: string }) => entry.day === key);
    assert.deepEqual(
      (({ orders, medianCycleSeconds, slaAdherence, late, cancelled }) => ({
        orders,
        medianCycleSeconds,
        slaAdherence,
        late,
        cancelled,
      }))(day('2026-11-02')),
      { orders: 1, medianCycleSeconds: 48 * 3600, slaAdherence: 1, late: 0, cancelled: 0 },
    );
    assert.equal(day('2026-11-03').late, 1);
    assert.equal(day('2026-11-03').slaAdherence, 0);
    assert.equal(day('2026-11-05').cancelled, 1);
    assert.deepEqual(
      [day('2026-11-01').orders, day('2026-11-01').medianCycleSeconds, day('2026-11-01').slaAdherence],
      [0, null, null],
      'a day without orders',
    );
    assert.equal(
      body.daily.reduce((sum: number, entry: { orders: number }) => sum + entry.orders, 0),
      body.orders.count,
    );
    assert.deepEqual(await drill(day('2026-11-10').drillDown), ['E']);
    assert.deepEqual(await drill(day('2026-11-03').lateDrillDown), ['B']);
    assert.deepEqual(await drill(day('2026-11-05').cancelledDrillDown), ['D']);
    assert.deepEqual(await drill(day('2026-11-02').cancelledDrillDown), []);
  });

  test('cycle time p50/p90 overall, by channel and by location, with names', async () => {
    const body = await kpis();
    // 20h, 40h, 48h, 96h: median (40+48)/2 = 44h; p90 = 48 + 0.7 × 48 = 81.6h.
    assert.equal(body.cycleTime.orders, 4);
    assert.equal(body.cycleTime.p50Seconds, 44 * 3600);
    assert.equal(body.cycleTime.p90Seconds, Math.round(81.6 * 3600));
    // (20 + 40 + 48 + 96) / 4 = 51h: the dashboard's average cycle time, same orders, same drill-down
    assert.equal(body.cycleTime.averageSeconds, 51 * 3600);
    assert.deepEqual(
      body.cycleTime.byChannel.map((c: any) => [c.channel, c.name, c.orders]),
      [['web', 'Sklep internetowy', 4]],
    );
    const byLocation = Object.fromEntries(body.cycleTime.byLocation.map((l: any) => [l.location, l]));
    assert.equal(byLocation['WAW-1'].name, 'Magazyn Warszawa');
    assert.equal(byLocation['WAW-1'].orders, 3);
    assert.equal(byLocation['WAW-1'].p50Seconds, 48 * 3600);
    assert.equal(byLocation['KRK-S'].p50Seconds, 20 * 3600);
    assert.deepEqual(await drill(byLocation['WAW-1'].drillDown), ['A', 'B', 'G']);
    assert.deepEqual(await drill(byLocation['KRK-S'].drillDown), ['C']);
  });

  test('time per stage: finished stays only; drill-down lists the orders that had one', async () => {
    const body = await kpis();
    const fulfilling = body.stages.find((s: any) => s.stage === 'fulfilling' && !s.channel && !s.location);
    // stays: A 24h, B 72h, C 1h and 5h, D 2h, G 30h (E and F are still there) → median (5+24)/2 = 14.5h
    assert.equal(fulfilling.stays, 6);
    assert.equal(fulfilling.orders, 5);
    assert.equal(fulfilling.p50Seconds, 14.5 * 3600);
    assert.deepEqual(await drill(fulfilling.drillDown), ['A', 'B', 'C', 'D', 'G']);
    const inTransitWaw = body.stages.find((s: any) => s.stage === 'in_transit' && s.location === 'WAW-1');
    // A 24h, B 24h, G 10h
    assert.equal(inTransitWaw.stays, 3);
    assert.equal(inTransitWaw.locationName, 'Magazyn Warszawa');
    assert.equal(inTransitWaw.p50Seconds, 24 * 3600);
    assert.deepEqual(await drill(inTransitWaw.drillDown), ['A', 'B', 'G']);
  });

  test('channel and location filters narrow every figure and its drill-down', async () => {
    const wb = await kpis('&channel=wildberries');
    assert.equal(wb.orders.count, 2);
    assert.equal(wb.stuck.count, 1);
    assert.equal(wb.late.count, 1);
    assert.equal(wb.cycleTime.orders, 0);
    assert.deepEqual(await drill(wb.late.drillDown), ['E']);
    const waw = await kpis('&location=WAW-1');
    assert.equal(waw.orders.count, 4);
    assert.equal(waw.late.count, 2);
    assert.deepEqual(await drill(waw.orders.drillDown), ['A', 'B', 'E', 'G']);
    assert.deepEqual(await drill(waw.sla.drillDown), ['A', 'G']);
  });

  test("the dashboard's channel and location filters narrow the orders summary and the revenue as they narrow the KPIs", async () => {
    const summary = async (filter: string) => {
      const response = await t.call('GET', `/api/v1/reports/orders-summary?days=30&${filter}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body;
    };
    // in the 30 days to NOW: A–G; WAW-1 fulfilled A, B, E, G; wildberries sold E and F
    assert.equal((await summary('')).total, 7);
    const waw = await summary('location=WAW-1');
    assert.equal(waw.total, 4);
    assert.deepEqual(waw.byChannel, [
      { channel: 'web', count: 3 },
      { channel: 'wildberries', count: 1 },
    ]);
    assert.equal((await summary('channel=wildberries')).total, 2);
    assert.equal((await summary('channel=wildberries&location=WAW-1')).total, 1);
    assert.equal((await summary('location=NOWHERE')).total, 0);
    const kpiOrders = (await kpis('&location=WAW-1')).orders.count;
    assert.equal(waw.total, kpiOrders, 'the same orders as the KPI report');

    const revenue = async (filter: string) => {
      const response = await t.call(
        'GET',
        `/api/v1/reports/revenue?from=2026-11-01T00:00:00Z&to=2026-11-20T00:00:00Z&groupBy=month&${filter}`,
      );
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return response.body.rows.map((row: any) => [row.channel, row.orders]);
    };
    assert.deepEqual(await revenue(''), [
      ['web', 5],
      ['wildberries', 2],
    ]);
    assert.deepEqual(await revenue('location=WAW-1'), [
      ['web', 3],
      ['wildberries', 1],
    ]);
    assert.deepEqual(await revenue('channel=wildberries'), [['wildberries', 2]]);
    assert.deepEqual(await revenue('channel=web&location=KRK-S'), [['web', 1]]);
    const bad = await t.call(
      'GET',
      `/api/v1/reports/revenue?from=2026-11-01T00:00:00Z&to=2026-11-20T00:00:00Z&channel=${'x'.repeat(65)}`,
    );
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.errors), /channel/);
  });

  test("stages carry the published processes' words; none before a process names them", async () => {
    assert.deepEqual((await kpis()).stageLabels, {});
    await publish(t, shipped('b2c-omnichannel'));
    const labels = (await kpis()).stageLabels;
    assert.deepEqual(labels.fulfilling, { en: 'In the warehouse', pl: 'W magazynie', ru: 'На складе' });
    assert.deepEqual(labels.in_transit, { en: 'In transit', pl: 'W drodze', ru: 'В пути' });
    assert.equal(labels.completed?.pl, 'Zakończone', 'end states are named too');
    assert.deepEqual(labels.stock_exception, { en: 'Out of stock', pl: 'Brak towaru', ru: 'Нет товара' });
    assert.equal(labels.fraud_review, undefined, 'only the stages the report shows, and the end states');
  });

  test('a bad query is a problem+json with the field', async () => {
    const response = await t.call('GET', '/api/v1/reports/kpis?slaHours=0');
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'VALIDATION_FAILED');
    const list = await t.call('GET', '/api/v1/orders?kpi=nonsense');
    assert.equal(list.status, 400);
  });

  test('needs attention: the navigation count and GET /orders?kpi=attention name the same orders', async () => {
    const attention = async () => {
      const counts = await t.call('GET', '/api/v1/console/counts');
      assert.equal(counts.status, 200, JSON.stringify(counts.body));
      assert.equal(counts.body.stuckHours, 24);
      const listed = await drill(`/api/v1/orders?kpi=attention&stuckHours=${counts.body.stuckHours}`);
      assert.equal(counts.body.attention, listed.length, `count ${counts.body.attention} vs ${listed.join(',')}`);
      return listed;
    };
    // E is stuck (no step for ten days); F moved 12 hours ago; the return waiting for its parcel is not stuck
    assert.deepEqual(await attention(), ['E']);
    // F waits in an exception, D (cancelled) still has an overdue open task: both need someone
    const idOf = async (key: Key) =>
      (
        await t.store
          .selectFrom('orders')
          .select('id')
          .where('number', '=', numberOf.get(key)!)
          .executeTakeFirstOrThrow()
      ).id;
    const now = new Date(NOW);
    await t.store
      .insertInto('order_processes', {
        order_id: await idOf('F'),
        definition_key: 'kpi-test',
        definition_version: 1,
        state: 'stock_exception',
        status: 'waiting',
        exception_kind: 'stock_exception',
        exception_resolutions: [],
        snapshot: '{}',
        started_at: now,
        updated_at: now,
      } as any)
      .execute();
    await t.store
      .insertInto('process_tasks', {
        id: newId(),
        order_id: await idOf('D'),
        engine_task_id: 'approve-1',
        kind: 'approval',
        role: 'sales_lead',
        party: 'seller',
        title: 'Approve',
        options: [],
        state: 'open',
        process_state: 'awaiting_approval',
        due_at: new Date(now.getTime() - HOUR),
        created_at: new Date(now.getTime() - 2 * HOUR),
        updated_at: new Date(now.getTime() - 2 * HOUR),
      } as any)
      .execute();
    assert.deepEqual(await attention(), ['D', 'E', 'F']);
  });

  // last: it gives the return order an end state, which no test above expects
  test('kpi=completed alone is read from the ended orders’ facts: every page in either direction, and its count', async () => {
    // the return ended too: its facts are in the walk (migration 0043's index), its type keeps it off the list
    await t.store
      .insertInto('order_history', {
        id: newId(),
        order_id: returnId,
        at: new Date('2026-11-15T00:00:00Z'),
        actor_type: 'system',
        actor_id: null,
        action: 'transition',
        from_state: 'received',
        to_state: 'completed',
        changes: '{}',
        reason: '{}',
      } as any)
      .execute();
    const ended = await t.store
      .selectFrom('order_facts')
      .select('order_id')
      .where('ended_at', 'is not', null)
      .execute();
    assert.ok(
      ended.some((row) => row.order_id === returnId),
      'the return has an end fact',
    );
    // X too, though placed before any window: nothing but the KPI narrows this list
    assert.deepEqual(await drill('/api/v1/orders?kpi=completed'), ['A', 'B', 'C', 'G', 'X']);
    for (const sort of ['-created', 'created']) {
      const whole = await t.call('GET', `/api/v1/orders?kpi=completed&sort=${sort}&limit=500`);
      const numbers: string[] = [];
      let cursor = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = await t.call('GET', `/api/v1/orders?kpi=completed&sort=${sort}&limit=2${cursor}`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        if (!cursor) assert.deepEqual([page.body.total, page.body.totalExact], [5, true]);
        numbers.push(...page.body.items.map((o: any) => o.number));
        if (!page.body.nextCursor) break;
        cursor = `&cursor=${page.body.nextCursor}`;
      }
      assert.deepEqual(
        numbers,
        whole.body.items.map((o: any) => o.number),
        `${sort}: pages make up the list`,
      );
      const ids = whole.body.items.map((o: any) => o.id);
      assert.deepEqual(ids, [...ids].sort()[sort === 'created' ? 'slice' : 'reverse'](), `${sort}: in id order`);
    }
    // past the cap the count says so, as every capped count does
    const capped = await listOrders(
      t.store,
      { limit: 2, kpi: 'completed', slaHours: 48, stuckHours: 24 },
      { searchProbe: 2, countCap: 3, searchSample: 2, walkPage: 2 },
    );
    assert.deepEqual([capped.items.length, capped.total, capped.totalExact], [2, 3, false]);
  });
});

/**
 * The per-day figures in the user's time zone (issue 18): an order placed at 23:30 UTC belongs to
 * the next day in Warsaw, and that day's drill-down lists it; a day where clocks go back lasts 25
 * hours. Orders (UTC → Warsaw):
 *   P 2026-10-24 22:30 → 25 October 00:30 (summer time, the day clocks go back)
 *   I 2026-11-07 22:59 →  7 November 23:59
 *   H 2026-11-07 23:30 →  8 November 00:30
 *   J 2026-11-08 22:30 →  8 November 23:30
 */
describe('KPIs per day in the user’s time zone', () => {
  let t: TestApp;
  const keyOf = new Map<string, string>();
  const PLACED = {
    P: '2026-10-24T22:30:00Z',
    I: '2026-11-07T22:59:00Z',
    H: '2026-11-07T23:30:00Z',
    J: '2026-11-08T22:30:00Z',
  };
  // Warsaw midnight of 25 October (summer time) to Warsaw midnight of 9 November (winter time)
  const window = 'from=2026-10-24T22:00:00Z&to=2026-11-08T23:00:00Z';

  before(async () => {
    t = await testApp({ clock: fixedClock(NOW) });
    await seedBasics(t);
    for (const [key, placedAt] of Object.entries(PLACED)) {
      const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: `TZ-${key}`, placedAt }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      keyOf.set(created.body.number, key);
    }
  });
  after(() => t.close());

  const daily = async (tz: string) => {
    const response = await t.call('GET', `/api/v1/reports/kpis?${window}${tz ? `&tz=${encodeURIComponent(tz)}` : ''}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as { timeZone: string; daily: { day: string; orders: number; drillDown: string }[] };
  };
  const drill = async (url: string) => {
    const response = await t.call('GET', `${url}&limit=500`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.items.map((o: any) => keyOf.get(o.number) ?? o.number).sort();
  };
  /** The days with orders, each with the orders its drill-down lists. */
  const busyDays = async (body: Awaited<ReturnType<typeof daily>>) => {
    const out: Record<string, { orders: number; listed: string[] }> = {};
    for (const entry of body.daily)
      if (entry.orders > 0) out[entry.day] = { orders: entry.orders, listed: await drill(entry.drillDown) };
    return out;
  };

  test('tz=Europe/Warsaw: 23:30 UTC counts on the next day, and each day drills down to exactly its orders', async () => {
    const body = await daily('Europe/Warsaw');
    assert.equal(body.timeZone, 'Europe/Warsaw');
    assert.equal(body.daily.length, 15, '25 October to 8 November, Warsaw days');
    assert.equal(body.daily[0]!.day, '2026-10-25');
    assert.equal(body.daily.at(-1)!.day, '2026-11-08');
    assert.deepEqual(await busyDays(body), {
      '2026-10-25': { orders: 1, listed: ['P'] },
      '2026-11-07': { orders: 1, listed: ['I'] },
      '2026-11-08': { orders: 2, listed: ['H', 'J'] },
    });
    // the day clocks go back lasts 25 hours: Warsaw midnight (22:00 UTC) to the next (23:00 UTC)
    const first = new URL(body.daily[0]!.drillDown, 'http://api').searchParams;
    assert.deepEqual(
      [first.get('placedFrom'), first.get('placedTo')],
      ['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z'],
    );
  });

  test('without tz the days are UTC days: the same orders fall on other days', async () => {
    const body = await daily('');
    assert.equal(body.timeZone, 'UTC');
    assert.equal(body.daily[0]!.day, '2026-10-24');
    assert.deepEqual(await busyDays(body), {
      '2026-10-24': { orders: 1, listed: ['P'] },
      '2026-11-07': { orders: 2, listed: ['H', 'I'] },
      '2026-11-08': { orders: 1, listed: ['J'] },
    });
  });

  test('a zone that is not an IANA name is a problem+json naming tz', async () => {
    for (const tz of ['Mars/Olympus', '+01:00', "Europe/Warsaw'; drop table orders; --"]) {
      const response = await t.call('GET', `/api/v1/reports/kpis?${window}&tz=${encodeURIComponent(tz)}`);
      assert.equal(response.status, 400, `${tz}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.code, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(response.body), /tz/);
      assert.match(JSON.stringify(response.body), /IANA time zone/);
    }
  });

  test('the report refuses an unknown zone itself, whoever calls it: the caller’s error, not a 500', async () => {
    // past the route's check: without one, Temporal's RangeError (or the database's) was a 500
    await assert.rejects(
      kpiReport(t.store, new Date(NOW), {
        from: new Date('2026-11-01T00:00:00Z'),
        to: new Date('2026-11-02T00:00:00Z'),
        slaHours: 48,
        stuckHours: 24,
        timeZone: 'Mars/Olympus',
      }),
      (error: any) => error.code === 'VALIDATION_FAILED' && /Mars\/Olympus/.test(error.message),
    );
  });
});
