import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { publish, setRules, stock } from '../process/process-support.js';

/**
 * A new order whose unit of work ends with its intake has its row held for the closing statement
 * and inserted once, already in its process's first state (app/orders/insert-order.ts holdOrder),
 * instead of inserted as `accepted` and updated. Its reservation is written first, its keys to the
 * order checked at commit (migration 0044). When the process's start sends a statement of its own
 * (here a task), the row goes just ahead of it as `accepted` and is updated at close, as before.
 * Observed through a trigger counting the updates of `orders` in this test's own database.
 */
const QUIET = `key: quiet-start
title: A start that sends nothing
start: received
states:
  received:
    enter:
      - action: validate
    always:
      - { to: rejected, when: "size(validation.errors) > 0" }
      - { to: open }
  open:
    after:
      - { in: P1D, event: expire }
    on:
      expire: rejected
  rejected:
    terminal: true
`;

const TASK = `key: task-start
title: A start that opens a task
start: received
states:
  received:
    task: { kind: approval, role: finance, title: Sprawdź zamówienie / Проверьте заказ }
    on:
      approve: done
      reject: done
  done:
    terminal: true
`;

describe('intake: the order row written once, in its first state', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 40],
      ['SKU-2', 'WAW-1', 40],
      ['SKU-3', 'WAW-1', 60],
    ]);
    await publish(t, QUIET);
    await publish(t, TASK);
    await setRules(t, [
      { process: 'task-start', channel: ['wildberries'] },
      { process: 'quiet-start', channel: ['web'] },
    ]);
    // The first order of each version compiles it from its stored text: a read, which sends the
    // row ahead (correct, one update). The orders below find it compiled.
    for (const channel of [{ channel: 'web' }, { channel: 'wildberries', currency: 'RUB' }]) {
      const warm = await t.call('POST', '/api/v1/orders', orderBody(channel));
      assert.equal(warm.status, 201, JSON.stringify(warm.body));
    }
    await sql`create table order_updates_seen (order_id uuid not null, old_state text, new_state text)`.execute(
      t.database.db,
    );
    await sql`create function order_updates_seen() returns trigger language plpgsql as $$
      begin insert into order_updates_seen values (new.id, old.state, new.state); return new; end $$`.execute(
      t.database.db,
    );
    await sql`create trigger order_updates_seen after update on orders
      for each row execute function order_updates_seen()`.execute(t.database.db);
  });
  after(() => t.close());

  const updates = async (orderId: string) =>
    (
      await sql<{ old_state: string; new_state: string }>`select old_state, new_state from order_updates_seen
        where order_id = ${orderId}`.execute(t.database.db)
    ).rows;
  const reserved = async () =>
    Number(
      (
        await t.store
          .selectFrom('stock_levels')
          .select((eb) => eb.fn.sum<string>('reserved').as('n'))
          .executeTakeFirstOrThrow()
      ).n ?? 0,
    );

  test('given a process whose start sends nothing, the order is inserted in its first state, never updated, with its stock, process, timer, history and event', async () => {
    const r = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'HELD-1' }), {
      'idempotency-key': 'held-1',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'open');
    assert.equal(r.body.reservation.status, 'reserved');
    assert.deepEqual(await updates(r.body.id), [], 'the row was written once');
    const read = await t.call('GET', `/api/v1/orders/${r.body.id}`);
    for (const k of ['number', 'state', 'totals', 'lines', 'process', 'shippingAddress', 'version'] as const)
      assert.deepEqual(read.body[k], r.body[k], k);
    const row = await t.store
      .selectFrom('orders')
      .select(['state', 'process_key', 'process_version', 'version'])
      .where('id', '=', r.body.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { state: 'open', process_key: 'quiet-start', process_version: 1, version: 1 });
    const held = await t.store
      .selectFrom('stock_reservations')
      .select((eb) => eb.fn.sum<string>('quantity').as('n'))
      .where('order_id', '=', r.body.id)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    assert.equal(Number(held.n), 8, 'every line holds its stock');
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    const actions = h.body.items.map((i: { action: string }) => i.action);
    for (const action of ['order.accepted', 'stock.reserved', 'process.started'])
      assert.ok(actions.includes(action), `${action} in ${actions}`);
    const timers = await t.store.selectFrom('jobs').select('key').where('status', '=', 'scheduled').execute();
    assert.ok(
      timers.some((job) => job.key?.includes(r.body.id)),
      'the state timer is scheduled',
    );
    const ev = await t.call('GET', `/api/v1/events?subject=${r.body.id}`);
    assert.ok(ev.body.items.some((e: { type: string }) => e.type === 'order.accepted'));
    const replay = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'HELD-1' }), {
      'idempotency-key': 'held-1',
    });
    assert.equal(replay.status, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.body.id, r.body.id);
  });

  test('given a process whose start opens a task, the row goes ahead of the task as accepted and is updated once at close', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ channel: 'wildberries', currency: 'RUB', externalId: 'TASK-1' }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'received');
    assert.deepEqual(await updates(r.body.id), [{ old_state: 'accepted', new_state: 'received' }]);
    const tasks = await t.store.selectFrom('process_tasks').select('state').where('order_id', '=', r.body.id).execute();
    assert.deepEqual(tasks, [{ state: 'open' }]);
  });

  test('given a payment the channel already took, its ledger row sends the order ahead: the payment is recorded and the order updated once', async () => {
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'HELD-PAID',
        payments: [{ method: 'gift_card', amount: '20.00', status: 'paid', reference: 'GC-ŻÓŁW-1' }],
      }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'open');
    assert.deepEqual(await updates(r.body.id), [{ old_state: 'accepted', new_state: 'open' }]);
    const ledger = await t.call('GET', `/api/v1/orders/${r.body.id}/payments`);
    assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
    assert.equal(ledger.body.summary.paid, '20.00');
    const authorised = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'HELD-AUTH',
        payments: [{ method: 'card', amount: '20.00', status: 'authorized', provider: 'PAYU', reference: 'T-Ł' }],
      }),
    );
    assert.equal(authorised.status, 201, JSON.stringify(authorised.body));
    assert.deepEqual(await updates(authorised.body.id), [], 'a payment the channel holds is no ledger row: held');
    assert.equal(authorised.body.payments[0].status, 'authorized');
  });

  test('given the same order again, and ten deliveries of another at once, one order holds stock and every other answer is DUPLICATE_ORDER naming it', async () => {
    const start = await reserved();
    const first = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'HELD-DUP' }));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'HELD-DUP' }));
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.code, 'DUPLICATE_ORDER');
    assert.equal(again.body.existingId, first.body.id);
    assert.equal(await reserved(), start + 8, 'the refused one holds nothing');
    assert.deepEqual(await updates(first.body.id), []);

    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.call('POST', '/api/v1/orders', orderBody({ externalId: 'HELD-RACE' }), { 'idempotency-key': `race-${i}` }),
      ),
    );
    assert.deepEqual(
      racing.map((x) => x.status).sort(),
      [201, ...Array(9).fill(409)],
      JSON.stringify(racing.map((x) => x.body)),
    );
    const winner = racing.find((x) => x.status === 201)!.body.id;
    for (const lost of racing.filter((x) => x.status === 409)) {
      assert.equal(lost.body.code, 'DUPLICATE_ORDER');
      assert.equal(lost.body.existingId, winner);
    }
    assert.equal(await reserved(), start + 16, 'only the accepted one holds stock');
    const count = await t.store
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('external_id', 'in', ['HELD-DUP', 'HELD-RACE'])
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 2);
  });

  test('given a reservation of an order that does not exist, its transaction fails at commit and holds nothing', async () => {
    const level = await t.store
      .selectFrom('stock_levels')
      .select(['product_id', 'location_id'])
      .executeTakeFirstOrThrow();
    const failed = await t.database.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into stock_reservations (tenant_id, id, product_id, location_id, order_id, quantity, original_quantity, status, created_at)
          values (${t.tenantId}, gen_random_uuid(), ${level.product_id}, ${level.location_id}, gen_random_uuid(), 1, 1, 'active', now())`.execute(
          trx,
        );
      })
      .then(
        () => null,
        (error: { code?: string }) => error.code,
      );
    assert.equal(failed, '23503', 'the key to the order is still checked, at commit');
    const orphans = await sql`select id from stock_reservations r
      where not exists (select 1 from orders o where o.tenant_id = r.tenant_id and o.id = r.order_id)`.execute(
      t.database.db,
    );
    assert.equal(orphans.rows.length, 0);
  });
});
