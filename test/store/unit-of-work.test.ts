import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { atomically, scope } from '../../src/store/tenant-scope.js';
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

  const history = (action: string) => t.store.selectFrom('order_history').select('id').where('order_id', '=', orderId).where('action', '=', action).execute();
  const events = (subject: string) => t.store.selectFrom('events').select(['id', 'seq', 'payload']).where('subject', '=', subject).orderBy('seq').execute();
  const note = (tx: Parameters<typeof writeHistory>[0], action: string) => writeHistory(tx, systemActor, new Date(), [{ orderId, action, changes: { tekst: 'zażółć gęślą jaźń — съешь же ещё' } }]);
  const event = (tx: Parameters<typeof writeHistory>[0], subject: string) => emitEvent(tx, { type: 'task.opened', subject, payload: { taskId: subject, kind: 'review' } });

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
    await assert.rejects(atomically(t.store, async (tx) => {
      await note(tx, 'test.failed');
      await event(tx, 'uow-failed');
      throw new Error('boom');
    }), /boom/);
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
    const rows = await t.store.selectFrom('events').select(['id', 'seq']).where('subject', 'like', 'uow-bulk-%').orderBy('seq').execute();
    assert.deepEqual(rows.map((r) => r.id), made, 'seq order is emission order');
    const one = await events('uow-bulk-7');
    assert.equal(one.length, 50);
    assert.equal((one[0]!.payload as { kind: string }).kind, 'review');
  });

  test('given held writes the database refuses at commit, the caller gets the error and nothing of the transaction is kept', async () => {
    // The held writes go out together with the commit (store/db.ts pipelines them on PostgreSQL):
    // a failure there must abort the commit, not leave the transaction's other writes behind.
    const before = await t.store.selectFrom('orders').select('version').where('id', '=', orderId).executeTakeFirstOrThrow();
    await assert.rejects(atomically(t.store, async (tx) => {
      await tx.updateTable('orders').set({ notes: 'nie powinno zostać — не должно остаться' }).where('id', '=', orderId).execute();
      await event(tx, 'uow-refused');
      await writeHistory(tx, systemActor, new Date(), [{ orderId: '0190f000-0000-7000-8000-000000000000', action: 'test.orphan' }]);
    }), (e: { code?: string }) => e.code === '23503');
    const after = await t.store.selectFrom('orders').select(['version', 'notes']).where('id', '=', orderId).executeTakeFirstOrThrow();
    assert.equal(after.notes, null);
    assert.equal(after.version, before.version);
    assert.equal((await events('uow-refused')).length, 0);
    // the connection is usable again afterwards
    await atomically(t.store, (tx) => note(tx, 'test.after-refusal'));
    assert.equal((await history('test.after-refusal')).length, 1);
  });

  test('given a savepoint command the database refuses, the error reaches the caller by the next statement at the latest and nothing is kept', async () => {
    // On PostgreSQL `savepoint` and `release savepoint` are answered at once and sent with the
    // next statement (store/db.ts); their failure must still fail the work.
    await assert.rejects(t.database.db.transaction().execute(async (trx) => {
      await scope(trx, t.tenantId).updateTable('orders').set({ notes: 'nie zostanie' }).where('id', '=', orderId).execute();
      await sql.raw('release savepoint nie_ma_takiego').execute(trx);
      await sql`select 1`.execute(trx);
    }), /savepoint/);
    const after = await t.store.selectFrom('orders').select('notes').where('id', '=', orderId).executeTakeFirstOrThrow();
    assert.equal(after.notes, null);
  });

  test('given a transaction not opened as a unit of work, writes go out at once and are visible inside it', async () => {
    await t.database.db.transaction().execute(async (trx) => {
      const tx = scope(trx, t.tenantId);
      await note(tx, 'test.direct');
      await event(tx, 'uow-direct');
      assert.equal((await tx.selectFrom('order_history').select('id').where('action', '=', 'test.direct').execute()).length, 1);
      assert.equal((await tx.selectFrom('events').select('id').where('subject', '=', 'uow-direct').execute()).length, 1);
    });
  });
});
