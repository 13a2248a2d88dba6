import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { onPostgres, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { fireDueTimers } from '../../src/app/process/fire-due-timers.js';
import { transaction } from '../../src/store/tenant-scope.js';
import { systemActor } from '../../src/store/history.js';
import { publish, send, setRules, shipped, stock } from './process-support.js';

const DAY = 86_400_000;

describe('orders running the shipped B2C process through the API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 50],
      ['SKU-2', 'WAW-1', 50],
      ['SKU-3', 'WAW-1', 50],
    ]);
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }]);
  });
  after(() => t.close());

  test('given a prepaid web order, when payment, shipment, delivery and the return window pass, then it completes with the trace in history', async () => {
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'B2C-1' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const o = created.body;
    assert.equal(o.state, 'awaiting_payment');
    assert.deepEqual(o.process, {
      key: 'b2c-omnichannel',
      version: 1,
      state: 'awaiting_payment',
      status: 'active',
      exception: null,
    });
    assert.deepEqual(o.allowedEvents.sort(), [
      'payment_authorized',
      'payment_captured',
      'payment_failed',
      'payment_timeout',
    ]);

    let v = await send(t, o.id, 'payment_authorized');
    // reserve ran in the same transaction (stock was held at intake), route followed, fulfilment was requested.
    assert.equal(v.state, 'fulfilling');
    assert.deepEqual(v.allowedEvents.sort(), ['cancel', 'shipment_failed', 'shipped', 'short_pick']);
    v = await send(t, o.id, 'shipped');
    assert.equal(v.state, 'in_transit');
    v = await send(t, o.id, 'delivered');
    assert.equal(v.state, 'delivered');

    // The return window is a durable timer; the cancelled payment timeout must not fire.
    const fired = await fireDueTimers(t.services.operations, t.database.db, new Date(Date.now() + 15 * DAY));
    assert.equal(fired.fired, 1);
    const done = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.equal(done.body.state, 'completed', JSON.stringify(done.body.process));
    assert.equal(done.body.process.status, 'done');
    assert.deepEqual(done.body.allowedEvents, []);

    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    const started = h.body.items.find((i: any) => i.action === 'process.started');
    assert.deepEqual(started.reason.definition, { key: 'b2c-omnichannel', version: 1 });
    const chosen = started.reason.trace.find((e: any) => e.kind === 'always' && e.to === 'awaiting_payment');
    assert.equal(chosen.condition, 'order.paymentTerms == "prepaid"');
    assert.deepEqual(chosen.inputs, { 'order.paymentTerms': 'prepaid' });
    assert.ok(
      h.body.items.some((i: any) => i.action === 'process.action_waiting' && i.changes.action === 'authorize_payment'),
    );
    assert.ok(
      h.body.items.some(
        (i: any) => i.action === 'process.action' && i.changes.action === 'reserve' && i.changes.result === 'reserved',
      ),
    );
    assert.ok(h.body.items.some((i: any) => i.action === 'process.timer' && i.toState === 'completed'));
    const states = h.body.items.filter((i: any) => i.action.startsWith('process.')).map((i: any) => i.toState);
    assert.equal(states[states.length - 1], 'completed');
  });

  test('given an order waiting for payment, an event the state does not accept is 409 TRANSITION_NOT_ALLOWED listing the allowed ones', async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'B2C-2' }))).body;
    const r = await t.call('POST', `/api/v1/orders/${o.id}/events`, { name: 'shipped' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'TRANSITION_NOT_ALLOWED');
    assert.equal(r.body.state, 'awaiting_payment');
    assert.deepEqual([...r.body.allowed].sort(), [
      'payment_authorized',
      'payment_captured',
      'payment_failed',
      'payment_timeout',
    ]);
    const after = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.equal(after.body.version, o.version);
  });

  test('given a stale If-Match, the event is refused with 412 and the order is unchanged', async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'B2C-3' }))).body;
    await send(t, o.id, 'payment_authorized');
    const r = await t.call(
      'POST',
      `/api/v1/orders/${o.id}/events`,
      { name: 'cancel' },
      { 'if-match': `"${o.version}"` },
    );
    assert.equal(r.status, 412);
    const cur = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.equal(cur.body.state, 'fulfilling');
    const ok = await t.call(
      'POST',
      `/api/v1/orders/${o.id}/events`,
      { name: 'cancel' },
      { 'if-match': cur.headers.etag as string },
    );
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.state, 'cancelled');
    const res = await t.call('GET', `/api/v1/inventory/orders/${o.id}/reservations`);
    assert.ok(
      res.body.reservations.every((x: any) => x.status === 'released'),
      JSON.stringify(res.body),
    );
  });

  test('given a channel with no process and no matching rule, the order is still accepted and history says why', async () => {
    await setRules(t, [{ process: 'b2c-omnichannel', channel: 'web' }]);
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'WB-NOPROC', channel: 'wildberries', currency: 'RUB' }),
    );
    assert.equal(r.status, 201);
    assert.equal(r.body.state, 'accepted');
    assert.equal(r.body.process.key, null);
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    assert.ok(h.body.items.some((i: any) => i.action === 'process.not_selected'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }]);
  });

  test('given two conflicting events sent at once, the order row lock lets exactly one of them win', async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'B2C-RACE' }))).body;
    const [a, b] = await Promise.all([
      t.call('POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_authorized' }),
      t.call('POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_failed' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const cur = (await t.call('GET', `/api/v1/orders/${o.id}`)).body;
    assert.equal(cur.version, o.version + 1);
    assert.equal(cur.state, a.status === 200 ? 'fulfilling' : 'cancelled');
  });

  test('given orders accepted with and without an Idempotency-Key, the 201 body says what is stored: state, process, version', async () => {
    // the process row and state are written by the intake's closing statement, the body built before it
    for (const headers of [{ 'idempotency-key': 'B2C-BODY-KEY' }, undefined]) {
      const externalId = headers ? 'B2C-BODY-1' : 'B2C-BODY-2';
      const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId }), headers);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const stored = (await t.call('GET', `/api/v1/orders/${created.body.id}`)).body;
      const pick = (o: any) => ({
        state: o.state,
        process: o.process,
        version: o.version,
        updatedAt: o.updatedAt,
        allowedEvents: o.allowedEvents,
      });
      assert.equal(created.body.state, 'awaiting_payment');
      assert.deepEqual(pick(created.body), pick(stored));
      const row = await t.store
        .selectFrom('order_processes')
        .select(['definition_key', 'state'])
        .where('order_id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { definition_key: 'b2c-omnichannel', state: 'awaiting_payment' });
    }
  });

  test('given an event with an Idempotency-Key, its answer is the order as saved and a replay gives the same answer without a second step', async () => {
    // Without a key the answer is made after the commit from the saving statement sent ahead; with
    // one it is made inside, since the key's row holds it: both must say what a read says.
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'B2C-EVENT-KEY' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const headers = { 'idempotency-key': 'zdarzenie-событие-1' };
    const first = await t.call(
      'POST',
      `/api/v1/orders/${created.body.id}/events`,
      { name: 'payment_authorized' },
      headers,
    );
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.state, 'fulfilling');
    assert.equal(first.body.version, created.body.version + 1);
    const read = await t.call('GET', `/api/v1/orders/${created.body.id}`);
    assert.deepEqual(first.body, read.body);
    assert.equal(first.headers.etag, read.headers.etag);
    const replay = await t.call(
      'POST',
      `/api/v1/orders/${created.body.id}/events`,
      { name: 'payment_authorized' },
      headers,
    );
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, first.body);
    const history = await t.call('GET', `/api/v1/orders/${created.body.id}/history`);
    assert.equal(
      history.body.items.filter((i: { action: string }) => i.action === 'order.routed').length,
      1,
      'the replay ran no second step',
    );
    // the next event, without a key, answers with the version after it
    const shippedNow = await send(t, created.body.id, 'shipped');
    assert.equal(shippedNow.version, first.body.version + 1);
  });

  test('given an event waiting for the order lock, it runs on the process the lock holder committed', async () => {
    const o = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'B2C-WAIT' }))).body;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    // the holder authorises the payment and keeps the order locked until the waiter queues up
    const holder = transaction(t.store, async (tx) => {
      await t.services.processes.apply(tx, systemActor, new Date(), o.id, { name: 'payment_authorized' });
      holding();
      await released;
    });
    await held;
    const waiter = t.call('POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_failed' });
    // On PostgreSQL the waiter's backend is seen waiting for the row lock before the holder commits;
    // the embedded database runs one transaction at a time, so there the waiter waits for the holder's.
    if (onPostgres) {
      for (let waiting = 0; waiting === 0;) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(t.database.db);
        waiting = rows[0]!.n;
        if (waiting === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    release();
    await holder;
    const answer = await waiter;
    // payment_failed is refused in the state the holder left, not applied to the one it found
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.equal(answer.body.state, 'fulfilling');
    const cur = (await t.call('GET', `/api/v1/orders/${o.id}`)).body;
    assert.equal(cur.state, 'fulfilling');
    assert.equal(cur.version, o.version + 1);
  });

  test('given a step that releases the holds and then reserves, the reservation runs again instead of trusting the facts read before the release', async () => {
    await publish(
      t,
      `key: rehold
start: held
states:
  held:
    on:
      rehold: holding
  holding:
    enter:
      - action: release
      - action: reserve
    on:
      reserved: done
      shortage: short
  done:
    terminal: true
  short:
    terminal: true
`,
    );
    await setRules(t, [{ process: 'rehold', channel: 'web' }]);
    try {
      const o = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'REHOLD-1' }))).body;
      const live = async () =>
        (await t.call('GET', `/api/v1/inventory/orders/${o.id}/reservations`)).body.reservations.filter(
          (x: any) => x.status === 'active',
        );
      const atIntake = await live();
      assert.ok(atIntake.length > 0, 'the web channel reserves at intake');
      const v = await send(t, o.id, 'rehold');
      assert.equal(v.state, 'done');
      const after = await live();
      // every unit is held again, by new reservations (the intake's were released)
      const units = (rows: any[]) => rows.reduce((sum, x) => sum + x.quantity, 0);
      assert.equal(units(after), units(atIntake));
      assert.ok(
        after.every((x: any) => !atIntake.some((y: any) => y.id === x.id)),
        JSON.stringify(after),
      );
    } finally {
      await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }]);
    }
  });

  test('the OpenAPI document describes the process, task and exception endpoints', async () => {
    const r = await t.call('GET', '/api/v1/openapi.json');
    assert.equal(r.status, 200);
    for (const p of [
      '/api/v1/orders/{id}/events',
      '/api/v1/processes',
      '/api/v1/processes/{key}/versions/{version}/publish',
      '/api/v1/processes/{key}/simulate',
      '/api/v1/processes/{key}/migrations/apply',
      '/api/v1/processes/{key}/history',
      '/api/v1/process-selection-rules',
      '/api/v1/tasks',
      '/api/v1/tasks/{id}/complete',
      '/api/v1/exceptions',
    ]) {
      assert.ok(r.body.paths[p], `missing ${p}`);
    }
    assert.ok(r.body.components.schemas.Task);
    assert.ok(r.body.components.schemas.ProcessSimulationResult);
  });
});
