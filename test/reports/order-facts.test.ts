import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { newId } from '../../src/shared/ids.js';
import {
  END_STATES,
  FINAL_STATES,
  OVERSELL_STATES,
  SHIPPED_STATES,
  UNSHIPPED_ENDS,
} from '../../src/app/orders/kpi-filters.js';
import { backfillOrderFacts, STATES } from '../../src/store/migrations/0040_order_facts.js';
import {
  fillShippedAfter,
  UNSHIPPED_ENDS as MIGRATION_UNSHIPPED_ENDS,
} from '../../src/store/migrations/0041_late_orders.js';

const HOUR = 3_600_000;
const PLACED = Date.parse('2026-11-02T00:00:00Z');

/** One thing that happens to an order and that its KPI facts follow. */
type Happening =
  | { kind: 'history'; state: string; hours: number }
  | { kind: 'fulfilment'; location: 0 | 1; hours: number; shortPicked: boolean }
  | { kind: 'shortPick'; which: number }
  | { kind: 'shipment'; hours: number; handedOver: boolean }
  | { kind: 'handOver'; which: number; hours: number }
  | { kind: 'return' };

const happening: fc.Arbitrary<Happening> = fc.oneof(
  fc.record({
    kind: fc.constant('history' as const),
    state: fc.constantFrom(...STATES.shipped, ...STATES.oversold, 'fulfilling', 'cancelled', 'placed', 'returned'),
    hours: fc.integer({ min: 0, max: 200 }),
  }),
  fc.record({
    kind: fc.constant('fulfilment' as const),
    location: fc.constantFrom(0 as const, 1 as const),
    hours: fc.integer({ min: 0, max: 5 }),
    shortPicked: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('shortPick' as const), which: fc.nat(3) }),
  fc.record({
    kind: fc.constant('shipment' as const),
    hours: fc.integer({ min: 0, max: 200 }),
    handedOver: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('handOver' as const), which: fc.nat(3), hours: fc.integer({ min: 0, max: 200 }) }),
  fc.constant({ kind: 'return' as const }),
);

interface Facts {
  shipped_at: number | null;
  ended_at: number | null;
  oversold: boolean;
  returned: boolean;
  location_id: string | null;
}
const NONE: Facts = { shipped_at: null, ended_at: null, oversold: false, returned: false, location_id: null };

describe('order facts (issue 19 item 5): kept by triggers as things happen, equal to the definitions', () => {
  let t: TestApp;
  let locations: [string, string];
  let run = 0;

  before(async () => {
    t = await testApp();
    const basics = await seedBasics(t);
    locations = [basics.warehouse.id, basics.store.id];
  });
  after(() => t.close());

  /** An order placed through the API, with what intake recorded taken away: its facts start empty. */
  async function bareOrder(externalId: string) {
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = String(created.body.id);
    await t.store.deleteFrom('order_history').where('order_id', '=', id).execute();
    await sql`delete from order_facts where order_id = ${id}`.execute(t.store.conn);
    return id;
  }

  /** A step of the order's history into `state`, as the application writes one. */
  const step = (orderId: string, state: string, at: Date) =>
    t.store
      .insertInto('order_history', {
        id: newId(),
        order_id: orderId,
        at,
        actor_type: 'system',
        actor_id: null,
        action: 'transition',
        from_state: null,
        to_state: state,
        changes: '{}',
        reason: '{}',
      } as any)
      .execute();

  const factsOf = async (orderId: string): Promise<Facts> => {
    const rows = await sql<
      Record<string, unknown>
    >`select f.shipped_at, f.ended_at, f.oversold, f.returned, f.location_id,
        extract(epoch from f.shipped_after)::float8 * 1000 as shipped_after, o.placed_at
      from order_facts f join orders o on o.tenant_id = f.tenant_id and o.id = f.order_id
      where f.order_id = ${orderId}`.execute(t.store.conn);
    const row = rows.rows[0];
    if (!row) return NONE;
    const time = (value: unknown) => (value === null ? null : new Date(value as string).getTime());
    const facts = {
      shipped_at: time(row.shipped_at),
      ended_at: time(row.ended_at),
      oversold: Boolean(row.oversold),
      returned: Boolean(row.returned),
      location_id: (row.location_id as string | null) ?? null,
    };
    // 0041: the time from placement to the first shipment goes with the shipment's time
    const placed = time(row.placed_at)!;
    assert.equal(
      row.shipped_after === null ? null : Number(row.shipped_after),
      facts.shipped_at === null ? null : facts.shipped_at - placed,
      'shipped_after is shipped_at less the placement',
    );
    return facts;
  };

  /** Writes what happened, as the application would; the facts the definitions give for it. */
  async function happen(orderId: string, happenings: Happening[], midway: () => Promise<void>) {
    const expected: Facts = { ...NONE };
    const fulfilments: string[] = [];
    const shipments: string[] = [];
    const handedOver = new Set<string>();
    let firstFulfilment: { since: number; id: string } | null = null;
    const earliest = (held: number | null, at: number) => (held === null ? at : Math.min(held, at));
    for (const [index, what] of happenings.entries()) {
      if (index === Math.floor(happenings.length / 2)) await midway();
      const at = (hours: number) => new Date(PLACED + hours * HOUR);
      switch (what.kind) {
        case 'history':
          await step(orderId, what.state, at(what.hours));
          if (SHIPPED_STATES.includes(what.state as never))
            expected.shipped_at = earliest(expected.shipped_at, at(what.hours).getTime());
          if (END_STATES.includes(what.state as never))
            expected.ended_at = earliest(expected.ended_at, at(what.hours).getTime());
          if (OVERSELL_STATES.includes(what.state as never)) expected.oversold = true;
          break;
        case 'fulfilment': {
          const id = newId();
          await t.store
            .insertInto('fulfilment_orders', {
              id,
              order_id: orderId,
              location_id: locations[what.location],
              kind: 'ship',
              state: 'requested',
              allow_partial: false,
              short_picked: what.shortPicked,
              created_at: at(what.hours),
              updated_at: at(what.hours),
            } as any)
            .execute();
          fulfilments.push(id);
          const since = at(what.hours).getTime();
          if (
            !firstFulfilment ||
            since < firstFulfilment.since ||
            (since === firstFulfilment.since && id < firstFulfilment.id)
          ) {
            firstFulfilment = { since, id };
            expected.location_id = locations[what.location];
          }
          if (what.shortPicked) expected.oversold = true;
          break;
        }
        case 'shortPick': {
          const id = fulfilments[what.which % Math.max(fulfilments.length, 1)];
          if (!id) break;
          await t.store.updateTable('fulfilment_orders').set({ short_picked: true }).where('id', '=', id).execute();
          expected.oversold = true;
          break;
        }
        case 'shipment': {
          const id = newId();
          await t.store
            .insertInto('shipments', {
              id,
              order_id: orderId,
              carrier: 'dpd',
              status: what.handedOver ? 'in_transit' : 'pending',
              handed_over_at: what.handedOver ? at(what.hours) : null,
              created_at: at(0),
              updated_at: at(0),
            } as any)
            .execute();
          shipments.push(id);
          if (what.handedOver) handedOver.add(id);
          if (what.handedOver) expected.shipped_at = earliest(expected.shipped_at, at(what.hours).getTime());
          break;
        }
        case 'handOver': {
          // The application hands a shipment over once (hand-over-shipment.ts, apply-tracking.ts).
          const waiting = shipments.filter((id) => !handedOver.has(id));
          const id = waiting[what.which % Math.max(waiting.length, 1)];
          if (!id) break;
          await t.store
            .updateTable('shipments')
            .set({ handed_over_at: at(what.hours) } as any)
            .where('id', '=', id)
            .execute();
          handedOver.add(id);
          expected.shipped_at = earliest(expected.shipped_at, at(what.hours).getTime());
          break;
        }
        case 'return': {
          const returnOrder = await t.call('POST', '/api/v1/orders', orderBody({ externalId: `FACTS-RET-${++run}` }));
          assert.equal(returnOrder.status, 201, JSON.stringify(returnOrder.body));
          await t.store
            .insertInto('returns', {
              id: returnOrder.body.id,
              order_id: orderId,
              source: 'api',
              wish: 'refund',
              reason_code: 'damaged',
              created_at: at(100),
              updated_at: at(100),
            } as any)
            .execute();
          expected.returned = true;
          break;
        }
      }
    }
    if (happenings.length === 0) await midway();
    return expected;
  }

  test('the migration follows the KPI definitions’ state lists (a change to them needs a migration)', () => {
    assert.deepEqual([...STATES.shipped].sort(), [...SHIPPED_STATES].sort());
    assert.deepEqual([...STATES.ended].sort(), [...END_STATES].sort());
    assert.deepEqual([...STATES.oversold].sort(), [...OVERSELL_STATES].sort());
    assert.deepEqual([...MIGRATION_UNSHIPPED_ENDS].sort(), [...UNSHIPPED_ENDS].sort());
  });

  test('property: whatever happens, in any order, with the backfill running midway, the facts are the definitions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(happening, { maxLength: 10 }),
        fc.integer({ min: 1, max: 4 }),
        async (happenings, batch) => {
          const orderId = await bareOrder(`FACTS-${++run}`);
          // A backfill meets the triggers midway (as the upgrade's does while orders keep coming).
          const expected = await happen(orderId, happenings, () => backfillOrderFacts(t.store.conn, batch));
          const kept = await factsOf(orderId);
          assert.deepEqual(kept, expected, 'the facts the triggers kept');
          // Rebuilt from the records alone, they are the same.
          await sql`delete from order_facts where order_id = ${orderId}`.execute(t.store.conn);
          await backfillOrderFacts(t.store.conn, batch);
          assert.deepEqual(await factsOf(orderId), expected, 'the facts rebuilt from the records');
          // 0041's fill gives facts kept before it the time to ship (factsOf checks it).
          await sql`update order_facts set shipped_after = null where order_id = ${orderId}`.execute(t.store.conn);
          await fillShippedAfter(t.store.conn, batch);
          assert.deepEqual(await factsOf(orderId), expected, 'the facts after the fill');
        },
      ),
      { numRuns: 25 },
    );
  });

  test('late needs the deadline passed as of now: a hand-over dated ahead does not make a recent order late', async () => {
    const now = Date.now();
    const placed = async (key: string, hoursAgo: number) => {
      const created = await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({ externalId: `FACTS-LATE-${key}`, placedAt: new Date(now - hoursAgo * HOUR).toISOString() }),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return String(created.body.id);
    };
    const handOver = (orderId: string, at: number) =>
      t.store
        .insertInto('shipments', {
          id: newId(),
          order_id: orderId,
          carrier: 'dpd',
          status: 'in_transit',
          handed_over_at: new Date(at),
          created_at: new Date(at),
          updated_at: new Date(at),
        } as any)
        .execute();
    const recent = await placed('RECENT', 1);
    await handOver(recent, now + 72 * HOUR); // a carrier's clock ahead of ours
    const unshipped = await placed('UNSHIPPED', 72);
    const shippedInTime = await placed('IN-TIME', 72);
    await handOver(shippedInTime, now - 62 * HOUR);
    const shippedLate = await placed('LATE', 72);
    await handOver(shippedLate, now - 2 * HOUR);
    const listed = async (kpi: string) => {
      const response = await t.call('GET', `/api/v1/orders?kpi=${kpi}&slaHours=48&limit=500`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return new Set(response.body.items.map((order: { id: string }) => order.id));
    };
    const late = await listed('late');
    assert.ok(late.has(unshipped) && late.has(shippedLate), 'past the deadline, not shipped by it');
    assert.ok(!late.has(recent), 'placed an hour ago: its deadline is still ahead');
    assert.ok(!late.has(shippedInTime));
    const onTime = await listed('on_time');
    assert.ok(onTime.has(shippedInTime) && !onTime.has(unshipped) && !onTime.has(shippedLate));
  });

  test('property: kpi=late lists exactly the orders the definition calls late (read through 0041’s indexes)', async () => {
    const SLA = 48;
    // every kind of state: running (shipped or not), ended shipped, ended unshipped, cancelled
    const states = [...new Set(['accepted', 'fulfilling', 'in_transit', ...FINAL_STATES])];
    const anOrder = fc.record({
      state: fc.constantFrom(...states),
      placedHoursAgo: fc.integer({ min: 0, max: 200 }),
      // hours after placement: when it entered its state, and when a shipment was handed over (if one was)
      stepAfter: fc.integer({ min: 0, max: 200 }),
      handOverAfter: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(anOrder, { minLength: 1, maxLength: 6 }), async (orders) => {
        const now = Date.now();
        const late = new Set<string>();
        const mine: string[] = [];
        for (const order of orders) {
          // half an hour off the hour: a deadline is never "now" (the server's clock runs on meanwhile)
          const placed = now - order.placedHoursAgo * HOUR - HOUR / 2;
          const created = await t.call(
            'POST',
            '/api/v1/orders',
            orderBody({ externalId: `FACTS-LATE-P${++run}`, placedAt: new Date(placed).toISOString() }),
          );
          assert.equal(created.status, 201, JSON.stringify(created.body));
          const id = String(created.body.id);
          mine.push(id);
          // as the application moves an order: the state and the history step into it
          await t.store.updateTable('orders').set({ state: order.state }).where('id', '=', id).execute();
          await step(id, order.state, new Date(placed + order.stepAfter * HOUR));
          let shipped: number | null = SHIPPED_STATES.includes(order.state as never)
            ? placed + order.stepAfter * HOUR
            : null;
          if (order.handOverAfter !== null) {
            const at = placed + order.handOverAfter * HOUR;
            await t.store
              .insertInto('shipments', {
                id: newId(),
                order_id: id,
                carrier: 'dpd',
                status: 'in_transit',
                handed_over_at: new Date(at),
                created_at: new Date(placed),
                updated_at: new Date(placed),
              } as any)
              .execute();
            shipped = shipped === null ? at : Math.min(shipped, at);
          }
          const deadline = placed + SLA * HOUR;
          if (order.state !== 'cancelled' && deadline < now && (shipped === null || shipped > deadline)) late.add(id);
        }
        const response = await t.call('GET', `/api/v1/orders?kpi=late&slaHours=${SLA}&limit=500`);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        const listed: string[] = response.body.items.map((order: { id: string }) => order.id);
        assert.equal(response.body.total, listed.length, 'the count is the orders listed');
        assert.deepEqual(listed.filter((id) => mine.includes(id)).sort(), [...late].sort(), JSON.stringify(orders));
        // cancelled, they are late no more: the next run's list holds its own orders and the earlier tests'
        await t.store.updateTable('orders').set({ state: 'cancelled' }).where('id', 'in', mine).execute();
      }),
      { numRuns: 25 },
    );
  });

  test('a step to a state of no KPI writes no facts row (the trigger’s condition skips it)', async () => {
    const orderId = await bareOrder('FACTS-PLAIN');
    await step(orderId, 'fulfilling', new Date(PLACED));
    const rows = await sql`select 1 from order_facts where order_id = ${orderId}`.execute(t.store.conn);
    assert.equal(rows.rows.length, 0);
  });
});
