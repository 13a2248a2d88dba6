import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { address, fixedClock, onPostgres, seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { runSubscriptionCyclesNow } from '../../src/app/subscriptions/run-cycles.js';
import { publishShippedProcesses } from '../../src/app/process/publish-shipped.js';
import { systemActor } from '../../src/store/history.js';
import { localTime } from '../../src/domain/subscriptions/schedule.js';

/**
 * Subscriptions end to end on the real database (PGlite, or PostgreSQL with TEST_DATABASE_URL):
 * the `subscription.cycle` job, driven by a fixed clock, creates each cycle as a real order
 * through intake (reserved, its process started), exactly once, and the subscription ends.
 */
describe('subscriptions and recurring orders', () => {
  const clock = fixedClock('2027-03-15T10:00:00Z');
  let t: TestApp;
  let runner: JobsRunner;

  const ok = async (
    method: string,
    url: string,
    body?: unknown,
    status = 200,
    headers: Record<string, string> = {},
  ) => {
    const r = await t.call(method, url, body, headers);
    assert.equal(r.status, status, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const subscription = (over: Record<string, unknown> = {}) => ({
    customer: { code: 'C-1' },
    channel: 'web',
    currency: 'PLN',
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPrice: '19.99', taxRate: '23' },
      { sku: 'SKU-3', quantity: 1, unitPrice: '3.50', taxRate: '8' },
    ],
    shipping: { amount: '9.99', taxRate: '23' },
    delivery: { method: 'ship' },
    shippingAddress: address,
    paymentTerms: { kind: 'deferred', dueDays: 14 },
    schedule: { rrule: 'FREQ=WEEKLY;BYDAY=FR;COUNT=3', start: '2027-03-19T09:00' },
    attributes: { kontrakt: 'Umowa ramowa nr 7/2027 — Łódź' },
    ...over,
  });
  const create = (over: Record<string, unknown> = {}) => ok('POST', '/api/v1/subscriptions', subscription(over), 201);
  /** Moves the clock and lets the jobs runner do what is due (several batches). */
  const at = async (iso: string) => {
    clock.set(iso);
    for (let i = 0; i < 10 && (await runner.runDue()) > 0; i++);
  };
  const cycles = async (id: string) => (await ok('GET', `/api/v1/subscriptions/${id}/cycles`)).items as any[];
  const available = async (sku: string) => (await ok('GET', `/api/v1/inventory/availability/${sku}`)) as any;

  before(async () => {
    t = await testApp({ clock });
    await seedBasics(t);
    await setUpSeller(t); // Europe/Warsaw: the tenant's zone
    await publishShippedProcesses(t.services.processes.actions, t.store, systemActor, clock.now());
    for (const sku of ['SKU-1', 'SKU-2', 'SKU-3'])
      await ok('POST', '/api/v1/inventory/stock:adjust', {
        sku,
        location: 'WAW-1',
        kind: 'receipt',
        delta: 1000,
        reason: 'dostawa',
      });
    runner = new JobsRunner({ db: t.database.db, clock, registry: t.services.jobs });
  });
  after(async () => {
    await runner.stop();
    await t.close();
  });

  it('Given a three-cycle weekly subscription, When time passes, Then exactly three real orders are created (reserved, linked, in the cycle process), 09:00 Warsaw across the DST change, and it ends completed', async () => {
    clock.set('2027-03-15T10:00:00Z');
    const before = await available('SKU-1');
    const sub = await create();
    assert.equal(sub.state, 'active');
    assert.match(sub.number, /^SUB-\d{7}$/);
    assert.equal(sub.schedule.timeZone, 'Europe/Warsaw', "the default seller's zone");
    assert.equal(sub.nextCycleAt, '2027-03-19T08:00:00.000Z');
    assert.equal(sub.nextCycleLocal, '2027-03-19T09:00:00');
    assert.deepEqual(
      sub.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice]),
      [
        ['SKU-1', 2, '19.99'],
        ['SKU-3', 1, '3.50'],
      ],
    );

    await at('2027-03-19T07:59:00Z');
    assert.deepEqual(await cycles(sub.id), [], 'nothing before its time');
    await at('2027-03-19T08:00:00Z');
    await at('2027-03-26T08:00:00Z');
    // after the change to summer time: 09:00 Warsaw is 07:00Z
    await at('2027-04-02T07:00:00Z');
    await at('2027-05-01T00:00:00Z');
    await at('2027-06-01T00:00:00Z');

    const done = await ok('GET', `/api/v1/subscriptions/${sub.id}`);
    assert.equal(done.state, 'completed');
    assert.equal(done.cyclesDone, 3);
    assert.equal(done.nextCycleAt, null);
    const list = await cycles(sub.id);
    assert.deepEqual(
      list.map((c) => [c.cycle, c.status, c.dueAt]),
      [
        [1, 'created', '2027-03-19T08:00:00.000Z'],
        [2, 'created', '2027-03-26T08:00:00.000Z'],
        [3, 'created', '2027-04-02T07:00:00.000Z'],
      ],
    );
    assert.deepEqual(
      list.map((c) => localTime(new Date(c.dueAt), 'Europe/Warsaw')),
      ['2027-03-19T09:00:00', '2027-03-26T09:00:00', '2027-04-02T09:00:00'],
    );
    const digits = sub.number.replace('SUB-', '');
    for (const c of list) {
      const order = await ok('GET', `/api/v1/orders/${c.orderId}`);
      assert.equal(order.number, c.orderNumber);
      assert.equal(order.externalId, `sub-${digits}-${c.cycle}`);
      assert.equal(order.orderType ?? order.type, 'subscription');
      assert.equal(order.attributes.subscription.id, sub.id);
      assert.equal(order.attributes.subscription.cycle, c.cycle);
      assert.equal(new Date(order.placedAt).toISOString(), c.dueAt, 'placed at its cycle time');
      assert.equal(order.attributes.kontrakt, 'Umowa ramowa nr 7/2027 — Łódź');
      assert.equal(
        order.totals.grandTotal,
        '65.25',
        'net prices + VAT: 2 × 19.99 @23% + 3.50 @8% + 9.99 shipping @23%',
      );
      assert.notEqual(order.state, 'accepted', `the cycle order runs its process: ${JSON.stringify(order.process)}`);
      assert.equal(c.orderState, order.state);
    }
    const stock = await available('SKU-1');
    assert.equal(stock.reserved - before.reserved, 6, 'each cycle reserved its 2 units');
    const history = await ok('GET', `/api/v1/subscriptions/${sub.id}/history`);
    assert.deepEqual(
      history.items.map((h: any) => h.action),
      [
        'subscription.created',
        'subscription.cycle_created',
        'subscription.cycle_created',
        'subscription.cycle_created',
        'subscription.completed',
      ],
    );
    assert.equal(history.items.at(-1).toState, 'completed');
  });

  it('Given cyclesTotal, Then the subscription ends after that many orders even though its rule runs on', async () => {
    clock.set('2027-07-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=DAILY', start: '2027-07-02T06:00' }, cyclesTotal: 2 });
    await at('2027-07-02T04:00:00Z');
    await at('2027-07-03T04:00:00Z');
    await at('2027-07-10T04:00:00Z');
    const done = await ok('GET', `/api/v1/subscriptions/${sub.id}`);
    assert.equal(done.state, 'completed');
    assert.deepEqual(
      (await cycles(sub.id)).map((c) => c.status),
      ['created', 'created'],
    );
  });

  it('Given skip, pause and resume, Then the skipped cycle makes no order, nothing is made while paused, and resuming starts from now without a burst', async () => {
    clock.set('2027-08-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=DAILY', start: '2027-08-02T09:00' }, cyclesTotal: 10 });
    assert.equal(sub.nextCycleAt, '2027-08-02T07:00:00.000Z');
    // stale If-Match is refused
    const stale = await t.call('POST', `/api/v1/subscriptions/${sub.id}:skip`, {}, { 'if-match': '"99"' });
    assert.equal(stale.status, 412, JSON.stringify(stale.body));
    const skipped = await ok('POST', `/api/v1/subscriptions/${sub.id}:skip`, { reason: 'urlop' }, 200, {
      'if-match': `"${sub.version}"`,
    });
    assert.equal(skipped.nextCycleAt, '2027-08-03T07:00:00.000Z');
    // a later date to skip: remembered, recorded when the schedule reaches it
    const later = await ok('POST', `/api/v1/subscriptions/${sub.id}:skip`, { at: '2027-08-04T07:00:00.000Z' });
    assert.deepEqual(later.skipping, ['2027-08-04T07:00:00.000Z']);
    const notOne = await t.call('POST', `/api/v1/subscriptions/${sub.id}:skip`, { at: '2027-08-04T08:00:00.000Z' });
    assert.equal(notOne.status, 422);
    assert.equal(notOne.body.code, 'SUBSCRIPTION_NOT_AN_OCCURRENCE');
    await at('2027-08-03T07:00:00Z');
    await at('2027-08-04T07:00:00Z');
    assert.deepEqual(
      (await cycles(sub.id)).map((c) => [c.cycle, c.status]),
      [
        [1, 'skipped'],
        [2, 'created'],
        [3, 'skipped'],
      ],
    );
    const paused = await ok('POST', `/api/v1/subscriptions/${sub.id}:pause`, { reason: 'klient wyjechał' });
    assert.equal(paused.state, 'paused');
    assert.equal(paused.nextCycleAt, null);
    await at('2027-08-10T12:00:00Z');
    assert.equal((await cycles(sub.id)).length, 3, 'no cycle while paused');
    const resumed = await ok('POST', `/api/v1/subscriptions/${sub.id}:resume`, {});
    assert.equal(resumed.state, 'active');
    assert.equal(resumed.nextCycleAt, '2027-08-11T07:00:00.000Z', 'the first occurrence from now');
    await at('2027-08-11T07:00:00Z');
    const after = await cycles(sub.id);
    assert.deepEqual(
      after.slice(3).map((c) => [c.cycle, c.status, c.dueAt]),
      [[4, 'created', '2027-08-11T07:00:00.000Z']],
      'one cycle, not the six that fell in the pause',
    );
    // pause until: it resumes by itself
    await ok('POST', `/api/v1/subscriptions/${sub.id}:pause`, { until: '2027-08-14T00:00:00Z' });
    await at('2027-08-13T07:00:00Z');
    assert.equal((await cycles(sub.id)).length, 4);
    await at('2027-08-14T00:00:00Z');
    assert.equal((await ok('GET', `/api/v1/subscriptions/${sub.id}`)).state, 'active');
    await at('2027-08-14T07:00:00Z');
    assert.deepEqual(
      (await cycles(sub.id)).slice(4).map((c) => [c.cycle, c.status, c.dueAt]),
      [[5, 'created', '2027-08-14T07:00:00.000Z']],
    );
    const cancelled = await ok('POST', `/api/v1/subscriptions/${sub.id}:cancel`, { reason: 'rezygnacja klienta' });
    assert.equal(cancelled.state, 'cancelled');
    await at('2027-08-20T07:00:00Z');
    assert.equal((await cycles(sub.id)).length, 5, 'nothing after cancel');
    const again = await t.call('POST', `/api/v1/subscriptions/${sub.id}:resume`, {});
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'SUBSCRIPTION_STATE_CONFLICT');
    const history = await ok('GET', `/api/v1/subscriptions/${sub.id}/history`);
    const cancel = history.items.find((h: any) => h.action === 'subscription.cancelled');
    assert.equal(cancel.reason, 'rezygnacja klienta');
    assert.equal(cancel.actor.type, 'api_key');
    assert.equal(
      history.items.find((h: any) => h.action === 'subscription.resumed' && h.actor.type === 'system').reason,
      'the pause ended',
    );
  });

  it('Given a cycle whose order is refused (the SKU is no longer sold), Then the cycle is failed with the reason, the subscription has an exception, and a retry after the fix creates the order', async () => {
    clock.set('2027-09-01T10:00:00Z');
    await ok('POST', '/api/v1/products', { sku: 'SEZON-1', name: 'Herbata sezonowa „Jesień”' }, 201);
    await ok('POST', '/api/v1/inventory/stock:adjust', {
      sku: 'SEZON-1',
      location: 'WAW-1',
      kind: 'receipt',
      delta: 50,
      reason: 'dostawa',
    });
    const sub = await create({
      lines: [{ sku: 'SEZON-1', quantity: 1, unitPrice: '12.00', taxRate: '5' }],
      schedule: { rrule: 'FREQ=WEEKLY;COUNT=3', start: '2027-09-02T09:00' },
    });
    await ok('PATCH', '/api/v1/products/SEZON-1', { active: false });
    await at('2027-09-02T07:00:00Z');
    const [failed] = await cycles(sub.id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.errorCode, 'UNKNOWN_SKU');
    assert.match(failed.reason, /SEZON-1/);
    assert.equal(failed.orderId, null);
    let view = await ok('GET', `/api/v1/subscriptions/${sub.id}`);
    assert.equal(view.exception.kind, 'cycle_failed');
    assert.equal(view.exception.cycle, 1);
    assert.equal(view.state, 'active', 'the next cycle is still due');
    assert.equal(view.nextCycleAt, '2027-09-09T07:00:00.000Z');
    const events = await t.store
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('subject', '=', sub.id)
      .where('type', '=', 'subscription.cycle_failed')
      .execute();
    assert.equal(events.length, 1);
    // retrying while the cause stands records another failed attempt
    const still = await ok('POST', `/api/v1/subscriptions/${sub.id}:retry`, {});
    assert.equal(still.cycle.status, 'failed');
    await ok('PATCH', '/api/v1/products/SEZON-1', { active: true });
    const retried = await ok('POST', `/api/v1/subscriptions/${sub.id}:retry`, { cycle: 1 });
    assert.equal(retried.cycle.status, 'created');
    assert.equal(retried.subscription.exception, null);
    const [fixed] = await cycles(sub.id);
    assert.equal(fixed.status, 'created');
    assert.equal(fixed.attempts, 3);
    const order = await ok('GET', `/api/v1/orders/${fixed.orderId}`);
    assert.equal(order.externalId, `sub-${sub.number.replace('SUB-', '')}-1`);
    const none = await t.call('POST', `/api/v1/subscriptions/${sub.id}:retry`, {});
    assert.equal(none.status, 409);
  });

  it('Given the server was down for ten daily cycles, Then at most the catch-up limit (3, the latest) are created and the older ones are recorded as missed', async () => {
    clock.set('2027-10-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=DAILY', start: '2027-10-02T09:00' } });
    await at('2027-10-11T08:00:00Z');
    const list = await cycles(sub.id);
    assert.deepEqual(
      list.map((c) => c.status),
      ['missed', 'missed', 'missed', 'missed', 'missed', 'missed', 'missed', 'created', 'created', 'created'],
    );
    assert.deepEqual(
      list.slice(-3).map((c) => c.dueAt),
      ['2027-10-09T07:00:00.000Z', '2027-10-10T07:00:00.000Z', '2027-10-11T07:00:00.000Z'],
    );
    const view = await ok('GET', `/api/v1/subscriptions/${sub.id}`);
    assert.equal(view.cyclesDone, 3);
    assert.equal(view.nextCycleAt, '2027-10-12T07:00:00.000Z');
    await ok('POST', `/api/v1/subscriptions/${sub.id}:cancel`, { reason: 'koniec testu' });
  });

  it('Given the cycle job run twice at once (two workers, a retry after a crash), Then each cycle is created once', async () => {
    clock.set('2027-11-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=DAILY;COUNT=4', start: '2027-11-02T09:00' } });
    for (const day of ['02', '03', '04', '05']) {
      const now = new Date(`2027-11-${day}T08:00:00Z`);
      clock.set(now.toISOString());
      const runs = await Promise.all([
        runSubscriptionCyclesNow(t.services.processes, t.store, now, sub.id),
        runSubscriptionCyclesNow(t.services.processes, t.store, now, sub.id),
        runner.runDue(),
      ]);
      const made = runs
        .slice(0, 2)
        .flatMap((r: any) => r.cycles)
        .filter((c: any) => c.status === 'created');
      assert.ok(made.length <= 1, `day ${day}: ${JSON.stringify(runs)}`);
    }
    const list = await cycles(sub.id);
    assert.deepEqual(
      list.map((c) => [c.cycle, c.status]),
      [
        [1, 'created'],
        [2, 'created'],
        [3, 'created'],
        [4, 'created'],
      ],
    );
    const orders = await t.store
      .selectFrom('orders')
      .select(['external_id'])
      .where('external_id', 'like', `sub-${sub.number.replace('SUB-', '')}-%`)
      .execute();
    assert.equal(orders.length, 4, 'four orders, no duplicate');
    assert.equal((await ok('GET', `/api/v1/subscriptions/${sub.id}`)).state, 'completed');
    void onPostgres;
  });

  it('Given a changed schedule or lines (If-Match), Then later cycles use them; bad input names its field', async () => {
    clock.set('2027-12-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=31', start: '2027-12-31T09:00' } });
    const changed = await ok(
      'PATCH',
      `/api/v1/subscriptions/${sub.id}`,
      { lines: [{ sku: 'SKU-2', quantity: 1, unitPrice: '149.00', taxRate: '23' }], reason: 'zmiana asortymentu' },
      200,
      { 'if-match': `"${sub.version}"` },
    );
    assert.equal(changed.version, sub.version + 1);
    const stale = await t.call(
      'PATCH',
      `/api/v1/subscriptions/${sub.id}`,
      { notes: 'x' },
      { 'if-match': `"${sub.version}"` },
    );
    assert.equal(stale.status, 412);
    await at('2027-12-31T08:00:00Z');
    // BYMONTHDAY=31: February has none, the next is 31 March (RFC 5545: the month is skipped)
    await at('2028-01-31T08:00:00Z');
    const view = await ok('GET', `/api/v1/subscriptions/${sub.id}`);
    assert.equal(view.nextCycleLocal, '2028-03-31T09:00:00');
    const [first] = await cycles(sub.id);
    const order = await ok('GET', `/api/v1/orders/${first.orderId}`);
    assert.deepEqual(
      order.lines.map((l: any) => l.sku),
      ['SKU-2'],
    );
    // a new schedule: the next cycle is its first occurrence from now, in the given zone
    const moved = await ok('PATCH', `/api/v1/subscriptions/${sub.id}`, {
      schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO', start: '2028-02-07T07:30', timeZone: 'Europe/Moscow' },
      reason: 'dostawy w poniedziałki',
    });
    assert.equal(moved.nextCycleAt, '2028-02-07T04:30:00.000Z');
    assert.equal(moved.schedule.timeZone, 'Europe/Moscow');
    const log = await ok('GET', `/api/v1/subscriptions/${sub.id}/history`);
    const change = log.items.findLast((h: any) => h.action === 'subscription.updated');
    assert.equal(change.reason, 'dostawy w poniedziałki');
    assert.equal(change.changes.schedule.from.rrule, 'FREQ=MONTHLY;BYMONTHDAY=31');
    await ok('POST', `/api/v1/subscriptions/${sub.id}:cancel`, { reason: 'koniec testu' });

    const bad = await t.call(
      'POST',
      '/api/v1/subscriptions',
      subscription({ schedule: { rrule: 'FREQ=HOURLY', start: '2027-12-01T09:00' } }),
    );
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.errors.map((e: any) => e.path),
      ['/schedule/rrule'],
    );
    const unknown = await t.call(
      'POST',
      '/api/v1/subscriptions',
      subscription({ lines: [{ sku: 'NIE-MA', quantity: 1, unitPrice: '1.00' }] }),
    );
    assert.equal(unknown.status, 422);
    assert.deepEqual(
      unknown.body.errors.map((e: any) => e.path),
      ['/lines/0/sku'],
    );
    const price = await t.call(
      'POST',
      '/api/v1/subscriptions',
      subscription({ lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '1.001' }] }),
    );
    assert.equal(price.status, 400);
    assert.deepEqual(
      price.body.errors.map((e: any) => e.path),
      ['/lines/0/unitPrice'],
    );
    const ended = await t.call(
      'POST',
      '/api/v1/subscriptions',
      subscription({ schedule: { rrule: 'FREQ=DAILY;COUNT=1', start: '2027-01-01T09:00' } }),
    );
    assert.equal(ended.status, 400);
    const list = await ok('GET', '/api/v1/subscriptions?state=cancelled&limit=1');
    assert.equal(list.items.length, 1);
    assert.ok(list.nextCursor);
    const next = await ok('GET', `/api/v1/subscriptions?state=cancelled&limit=50&cursor=${list.nextCursor}`);
    assert.ok(next.items.every((s: any) => s.state === 'cancelled' && s.id !== list.items[0].id));
  });

  it('Given roles, Then a viewer reads subscriptions but cannot change them, and an operator can', async () => {
    clock.set('2028-02-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=WEEKLY;COUNT=2', start: '2028-02-07T09:00' } });
    const keyFor = async (role: string) => {
      const key = await ok('POST', '/api/v1/api-keys', { name: role, roles: [role] }, 201);
      return { authorization: `Bearer ${key.secret}` };
    };
    const viewer = await keyFor('viewer');
    assert.equal((await t.call('GET', `/api/v1/subscriptions/${sub.id}`, undefined, viewer)).status, 200);
    assert.equal((await t.call('GET', `/api/v1/subscriptions/${sub.id}/cycles`, undefined, viewer)).status, 200);
    assert.equal((await t.call('POST', `/api/v1/subscriptions/${sub.id}:pause`, {}, viewer)).status, 403);
    assert.equal((await t.call('POST', '/api/v1/subscriptions', subscription(), viewer)).status, 403);
    const operator = await keyFor('operator');
    const paused = await t.call('POST', `/api/v1/subscriptions/${sub.id}:pause`, {}, operator);
    assert.equal(paused.status, 200);
    assert.equal(paused.headers.etag, `"${paused.body.version}"`);
    await ok('POST', `/api/v1/subscriptions/${sub.id}:cancel`, { reason: 'koniec testu' });
  });

  it("Given the cycle's order already exists under its external id (a run that got past the lock), Then the cycle is linked to it and no second order is made", async () => {
    clock.set('2028-03-01T10:00:00Z');
    const sub = await create({ schedule: { rrule: 'FREQ=DAILY;COUNT=1', start: '2028-03-02T09:00' } });
    const externalId = `sub-${sub.number.replace('SUB-', '')}-1`;
    const first = await ok(
      'POST',
      '/api/v1/orders',
      {
        channel: 'web',
        externalId,
        orderType: 'subscription',
        customer: { code: 'C-1' },
        currency: 'PLN',
        lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '19.99', taxRate: '23' }],
        shippingAddress: address,
        delivery: { method: 'ship' },
        paymentTerms: { kind: 'deferred', dueDays: 14 },
      },
      201,
    );
    await at('2028-03-02T08:00:00Z');
    const [cycle] = await cycles(sub.id);
    assert.equal(cycle.status, 'created');
    assert.equal(cycle.orderId, first.id);
    const orders = await t.store.selectFrom('orders').select('id').where('external_id', '=', externalId).execute();
    assert.equal(orders.length, 1);
    assert.equal((await ok('GET', `/api/v1/subscriptions/${sub.id}`)).state, 'completed');
  });

  it('Given a line without a fixed price, Then each cycle order is priced from the price list at its cycle (a price change reaches the next cycle)', async () => {
    clock.set('2028-04-01T10:00:00Z');
    await ok(
      'POST',
      '/api/v1/price-lists',
      {
        code: 'SUB-BASE',
        name: 'Cennik abonamentowy — подписка',
        currency: 'PLN',
        scope: 'base',
        entries: [{ sku: 'SKU-3', unitPrice: '4.00', taxRate: '8' }],
      },
      201,
    );
    const sub = await create({
      lines: [
        { sku: 'SKU-3', quantity: 10 },
        { sku: 'SKU-1', quantity: 1, unitPrice: '19.99', taxRate: '23' },
      ],
      schedule: { rrule: 'FREQ=WEEKLY;COUNT=2', start: '2028-04-03T09:00' },
    });
    assert.deepEqual(
      sub.lines.map((l: any) => [l.sku, l.unitPrice]),
      [
        ['SKU-3', null],
        ['SKU-1', '19.99'],
      ],
    );
    await at('2028-04-03T07:00:00Z');
    clock.set('2028-04-05T10:00:00Z');
    await ok('PUT', '/api/v1/price-lists/SUB-BASE/entries', {
      mode: 'merge',
      entries: [{ sku: 'SKU-3', unitPrice: '4.40', taxRate: '8' }],
      reason: 'podwyżka od kwietnia',
    });
    await at('2028-04-10T07:00:00Z');
    const list = await cycles(sub.id);
    assert.deepEqual(
      list.map((c) => c.status),
      ['created', 'created'],
      JSON.stringify(list),
    );
    const prices = [];
    for (const c of list) {
      const order = await ok('GET', `/api/v1/orders/${c.orderId}`);
      const line = order.lines.find((l: any) => l.sku === 'SKU-3');
      assert.equal(line.attributes.pricing.source, 'list');
      assert.equal(line.attributes.pricing.list, 'SUB-BASE');
      assert.equal(order.lines.find((l: any) => l.sku === 'SKU-1').unitPrice, '19.99', 'the fixed price stays');
      prices.push(line.unitPrice);
    }
    assert.deepEqual(prices, ['4.00', '4.40']);
    assert.equal((await ok('GET', `/api/v1/subscriptions/${sub.id}`)).state, 'completed');
  });
});
