import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { atomically, scope } from '../../src/store/tenant-scope.js';
import { writeHistory, systemActor } from '../../src/store/history.js';
import { emitEvent } from '../../src/app/events/emit-event.js';

/**
 * store/pipeline.ts changes how statements travel to PostgreSQL (begin and savepoints sent with
 * the next statement, one socket write per tick, named statements), never what they do: every
 * error still reaches its caller and a refused statement still aborts its transaction. On the
 * embedded database the same tests hold without it.
 */
describe('pipelined connections', () => {
  let t: TestApp;
  let orderId: string;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'pipe-1' }));
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

  test('given many statements issued in one tick on one transaction, each gets its own result in order', async () => {
    const results = await t.database.db
      .transaction()
      .execute(async (trx) =>
        Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            sql<{ n: number; s: string }>`select ${i}::int as n, ${`łódź-${i}`}::text as s`.execute(trx),
          ),
        ),
      );
    assert.deepEqual(
      results.map((r) => r.rows[0]),
      Array.from({ length: 50 }, (_, i) => ({ n: i, s: `łódź-${i}` })),
    );
  });

  test('given the same statement text with other values many times, the named statement answers each', async () => {
    for (const v of ['a', 'Ж', '', 'x'.repeat(500)]) {
      const r = await sql<{ v: string }>`select ${v}::text as v`.execute(t.database.db);
      assert.equal(r.rows[0]!.v, v);
    }
  });

  test('given held writes the database refuses at commit, the caller gets the error and nothing of the transaction is kept', async () => {
    // The held writes go out together with the commit (store/db.ts pipelines them on PostgreSQL):
    // a failure there must abort the commit, not leave the transaction's other writes behind.
    const before = await t.store
      .selectFrom('orders')
      .select('version')
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    await assert.rejects(
      atomically(t.store, async (tx) => {
        await tx
          .updateTable('orders')
          .set({ notes: 'nie powinno zostać — не должно остаться' })
          .where('id', '=', orderId)
          .execute();
        await event(tx, 'uow-refused');
        await writeHistory(tx, systemActor, new Date(), [
          { orderId: '0190f000-0000-7000-8000-000000000000', action: 'test.orphan' },
        ]);
      }),
      (e: { code?: string }) => e.code === '23503',
    );
    const after = await t.store
      .selectFrom('orders')
      .select(['version', 'notes'])
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
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
    await assert.rejects(
      t.database.db.transaction().execute(async (trx) => {
        await scope(trx, t.tenantId)
          .updateTable('orders')
          .set({ notes: 'nie zostanie' })
          .where('id', '=', orderId)
          .execute();
        await sql.raw('release savepoint nie_ma_takiego').execute(trx);
        await sql`select 1`.execute(trx);
      }),
      /savepoint/,
    );
    const after = await t.store
      .selectFrom('orders')
      .select('notes')
      .where('id', '=', orderId)
      .executeTakeFirstOrThrow();
    assert.equal(after.notes, null);
  });
});
