import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { atomically, isWork, scope, transaction } from '../../src/store/tenant-scope.js';
import { writeHistory, systemActor } from '../../src/store/history.js';
import { emitEvent } from '../../src/app/events/emit-event.js';

/**
 * History rows and outbox events of a transaction are held and written together at its end
 * (store/unit-of-work.ts). They must still exist if and only if the work that made them commits.
 */
describe('unit of work: history and events written at commit', () => {
  let t: TestApp;
  let orderId: string;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'uow-1' }));
    assert.equal(o.status, 201);
    orderId = o.body.id;
  });
  after(() => t.close());

  const history = (action: string) =>
    t.store
      .selectFrom('order_history')
      .select('id')
      .where('order_id', '=', orderId)
      .where('action', '=', action)
      .execute();
  const events = (subject: string) =>
    t.store
      .selectFrom('events')
      .select(['id', 'seq', 'payload'])
      .where('subject', '=', subject)
      .orderBy('seq')
      .execute();
  const note = (tx: Parameters<typeof writeHistory>[0], action: string) =>
    writeHistory(tx, systemActor, new Date(), [
      { orderId, action, changes: { tekst: 'zażółć gęślą jaźń — съешь же ещё' } },
    ]);
  const event = (tx: Parameters<typeof writeHistory>[0], subject: string) =>
    emitEvent(tx, { type: 'task.opened', subject, payload: { taskId: subject, kind: 'review' } });

  test('given a savepoint rolled back inside a committed transaction, only its own rows are forgotten', async () => {
    await atomically(t.store, async (tx) => {
      await note(tx, 'test.outer');
      await event(tx, 'uow-outer');
      await atomically(tx, async (inner) => {
        await note(inner, 'test.inner');
        await event(inner, 'uow-inner');
        throw new Error('refused');
      }).catch(() => undefined);
      await note(tx, 'test.after');
    });
    assert.equal((await history('test.outer')).length, 1);
    assert.equal((await history('test.after')).length, 1);
    assert.equal((await history('test.inner')).length, 0);
    assert.equal((await events('uow-outer')).length, 1);
    assert.equal((await events('uow-inner')).length, 0);
  });

  test('given a transaction that fails after writing, no history row or event exists', async () => {
    await assert.rejects(
      atomically(t.store, async (tx) => {
        await note(tx, 'test.failed');
        await event(tx, 'uow-failed');
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await history('test.failed')).length, 0);
    assert.equal((await events('uow-failed')).length, 0);
  });

  test('given thousands of rows over many subjects in one transaction, all are written in the order they were made', async () => {
    const made: string[] = [];
    await atomically(t.store, async (tx) => {
      for (let i = 0; i < 2000; i++) {
        await note(tx, 'test.bulk');
        made.push(await event(tx, `uow-bulk-${i % 40}`));
      }
    });
    assert.equal((await history('test.bulk')).length, 2000);
    const rows = await t.store
      .selectFrom('events')
      .select(['id', 'seq'])
      .where('subject', 'like', 'uow-bulk-%')
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.id),
      made,
      'seq order is emission order',
    );
    const one = await events('uow-bulk-7');
    assert.equal(one.length, 50);
    assert.equal((one[0]!.payload as { kind: string }).kind, 'review');
  });

  test("given a plain transaction, a unit of work cannot be opened inside it (history and events need one: a use case takes the caller's Work)", async () => {
    await t.database.db.transaction().execute(async (trx) => {
      assert.throws(
        () => transaction(scope(trx, t.tenantId), async () => undefined),
        /cannot be opened inside another transaction/,
      );
    });
  });

  test('given units of work running at once, each owns its savepoints and its appends', async () => {
    const run = (n: number) =>
      atomically(t.store, async (tx) => {
        assert.ok(isWork(tx));
        for (let i = 0; i < 3; i++) {
          await atomically(tx, async (inner) => {
            await note(inner, `test.concurrent-${n}`);
            if (i === 1) throw new Error('refused');
          }).catch(() => undefined);
        }
        await event(tx, `uow-concurrent-${n}`);
      });
    await Promise.all([1, 2, 3, 4].map(run));
    for (const n of [1, 2, 3, 4]) {
      assert.equal((await history(`test.concurrent-${n}`)).length, 2, 'the refused savepoint forgot only its own row');
      assert.equal((await events(`uow-concurrent-${n}`)).length, 1);
    }
  });
});
