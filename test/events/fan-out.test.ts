import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { fanOut, fanOutQuiet } from '../../src/worker/outbox-store.js';
import { WakeLoop } from '../../src/worker/wake-loop.js';
import { onEventsCommitted, UnitOfWork } from '../../src/store/unit-of-work.js';
import { emitEvent } from '../../src/app/events/emit-event.js';
import { inWork } from '../../src/store/tenant-scope.js';
import { newId } from '../../src/shared/ids.js';

/**
 * Issue 19: the outbox worker's cost. Events nobody receives (no subscription of the tenant, no
 * registered sink taking the type) are written fanned out and wake no worker; events left over
 * when a tenant's last subscription goes are marked in one statement and make no delivery rows; workers are woken after the commit that wrote events (not
 * before it, when they would find nothing); an idle loop backs off and any wake brings it back.
 */
describe('outbox fan-out, wake after commit and idle back-off', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  const unfanned = async () =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from events where not fanned_out`.execute(t.database.db)).rows[0]!
        .n,
    );
  const deliveries = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from event_deliveries`.execute(t.database.db)).rows[0]!.n);

  const events = async () =>
    Number((await sql<{ n: string }>`select count(*) as n from events`.execute(t.database.db)).rows[0]!.n);

  test('given a tenant with no subscription and no sink, its events are written fanned out: nothing waits for a worker, no delivery row, and a commit wakes no worker', async () => {
    const forWorker: boolean[] = [];
    const stop = onEventsCommitted((committed) => forWorker.push(committed.forWorker));
    const before = await events();
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: `QUIET-${i}` }))).status, 201);
    } finally {
      stop();
    }
    assert.ok((await events()) - before >= 3, 'each order wrote its events');
    assert.equal(await unfanned(), 0, 'none waits for the fan-out');
    assert.equal(await deliveries(), 0);
    assert.deepEqual(forWorker, [false, false, false], 'live streams hear of each commit; workers have nothing to do');
    assert.deepEqual(await fanOutQuiet(t.database.db, 500), { seen: 0, marked: 0 });
  });

  test('given events written before their tenant lost its last subscription, the quiet fan-out marks them in one statement', async () => {
    const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'https://erp.example.pl/hooks/ordo',
      eventTypes: ['order.*'],
      description: 'ERP Gdańsk (soon gone)',
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'GONE-1' }))).status, 201);
    const waiting = await unfanned();
    assert.ok(waiting >= 1, 'a subscribed tenant’s events wait for the fan-out');
    assert.equal((await t.call('DELETE', `/api/v1/webhooks/subscriptions/${sub.body.id}`)).status, 204);
    assert.deepEqual(await fanOutQuiet(t.database.db, 500), { seen: waiting, marked: waiting });
    assert.equal(await unfanned(), 0);
    assert.equal(await deliveries(), 0);
  });

  test('given a registered sink taking one event type, events of that type wait for the fan-out and wake workers, the rest are written fanned out', async () => {
    await sql`insert into event_sinks (name, event_types) values ('test-mail', array['notification.requested'])`.execute(
      t.database.db,
    );
    const forWorker: boolean[] = [];
    const stop = onEventsCommitted((committed) => forWorker.push(committed.forWorker));
    const write = (type: string) =>
      UnitOfWork.run(t.database.db, async (work) => {
        const subject = newId();
        work.queueEvents([
          { tenant_id: t.tenantId, id: newId(), type, subject, time: new Date(), schema_version: 1, payload: '{}' },
        ]);
      });
    try {
      await write('order.state_changed');
      assert.equal(await unfanned(), 0, 'no sink takes order.state_changed');
      await write('notification.requested');
      assert.equal(await unfanned(), 1, 'the sink takes notification.requested: it waits for the fan-out');
      assert.deepEqual(forWorker, [false, true]);
      assert.deepEqual(
        await fanOut(t.database.db, [{ name: 'test-mail', eventTypes: ['notification.requested'] }], 500, new Date()),
        {
          events: 1,
          deliveries: 1,
        },
      );
    } finally {
      stop();
      await sql`delete from event_deliveries where target = 'sink:test-mail'`.execute(t.database.db);
      await sql`delete from event_sinks where name = 'test-mail'`.execute(t.database.db);
    }
  });

  test('given a subscription, the quiet fan-out leaves the tenant’s events to the full fan-out, which makes a delivery for each', async () => {
    const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'https://erp.example.pl/hooks/ordo',
      eventTypes: ['order.*'],
      description: 'ERP Kraków',
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'LOUD-1' }))).status, 201);
    const waiting = await unfanned();
    assert.ok(waiting >= 1);
    assert.deepEqual(await fanOutQuiet(t.database.db, 500), { seen: waiting, marked: 0 });
    const full = await fanOut(t.database.db, [], 500, new Date());
    assert.equal(full.events, waiting);
    assert.equal(full.deliveries, waiting, 'one delivery per order event for the one subscription');
    assert.equal(await deliveries(), waiting);
    assert.equal(await unfanned(), 0);
  });

  test('given a unit of work that writes an event, in-process workers are woken after it commits, and not at all when it rolls back', async () => {
    const seenAtWake: Promise<number>[] = [];
    const stop = onEventsCommitted(() => seenAtWake.push(unfanned()));
    try {
      await UnitOfWork.run(t.database.db, async (work) => {
        await emitEvent(inWork(work, t.tenantId), {
          type: 'order.state_changed',
          subject: '0190a0c0-0000-7000-8000-00000000c0de',
          payload: { orderId: '0190a0c0-0000-7000-8000-00000000c0de', from: null, to: 'accepted' },
        });
        assert.equal(seenAtWake.length, 0, 'nobody is woken before the commit');
      });
      assert.equal(seenAtWake.length, 1);
      assert.equal(await seenAtWake[0], 1, 'the woken worker finds the committed event');

      await assert.rejects(
        UnitOfWork.run(t.database.db, async (work) => {
          await emitEvent(inWork(work, t.tenantId), {
            type: 'order.state_changed',
            subject: '0190a0c0-0000-7000-8000-00000000dead',
            payload: { orderId: '0190a0c0-0000-7000-8000-00000000dead', from: null, to: 'accepted' },
          });
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(seenAtWake.length, 1, 'a rolled-back unit of work wakes nobody');
    } finally {
      stop();
    }
  });

  test('given an idle loop, its sleep doubles up to the maximum, and a wake or progress brings it back', async () => {
    let steps = 0;
    let progress = false;
    const sleeps: number[] = [];
    const loop = new WakeLoop(
      async () => {
        // A real step waits on the database; this one yields once, so the test's own waits get a turn.
        await new Promise((resolve) => setImmediate(resolve));
        sleeps.push(loop.idleSleepMs);
        steps++;
        return progress;
      },
      1,
      () => {},
      8,
    );
    loop.start();
    try {
      while (steps < 6) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(sleeps.slice(0, 5), [1, 2, 4, 8, 8]);
      loop.wake();
      assert.equal(loop.idleSleepMs, 1, 'a wake resets the back-off');
      progress = true;
      const before = steps;
      while (steps < before + 3) await new Promise((resolve) => setImmediate(resolve));
      progress = false;
      assert.equal(loop.idleSleepMs, 1, 'progress keeps it at the base');
    } finally {
      await loop.stop();
    }
  });

  test(
    'given a step that says its next work is due now, the loop does not sleep its long idle interval',
    { timeout: 30_000 },
    async () => {
      let steps = 0;
      // Idle for a minute, but the step's answer 0 ("due now") caps every sleep: the steps keep coming.
      const loop = new WakeLoop(
        async () => {
          await new Promise((resolve) => setImmediate(resolve));
          steps++;
          return 0;
        },
        60_000,
        () => {},
      );
      loop.start();
      try {
        while (steps < 5) await new Promise((resolve) => setTimeout(resolve, 1));
        assert.ok(steps >= 5);
      } finally {
        await loop.stop();
      }
    },
  );
});
