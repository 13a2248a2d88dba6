import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { appendsFixture } from './appends.js';
import { writeHistory, systemActor } from '../../src/store/history.js';
import { atomically, scope, type Work } from '../../src/store/tenant-scope.js';
import { sentTogether } from '../../src/store/pipeline.js';

/**
 * store/pipeline.ts changes how statements travel to PostgreSQL (begin and savepoints sent with
 * the next statement, one socket write per tick, named statements), never what they do: every
 * error still reaches its caller and a refused statement still aborts its transaction. On the
 * embedded database the same tests hold without it.
 */
describe('pipelined connections', () => {
  const fixture = appendsFixture('pipe-1');
  const { history, events, note, event } = fixture;

  test('given many statements issued in one tick on one transaction, each gets its own result in order', async () => {
    const results = await fixture.t.database.db
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
      const r = await sql<{ v: string }>`select ${v}::text as v`.execute(fixture.t.database.db);
      assert.equal(r.rows[0]!.v, v);
    }
  });

  test('given held writes the database refuses at commit, the caller gets the error and nothing of the transaction is kept', async () => {
    // The held writes go out together with the commit (store/db.ts pipelines them on PostgreSQL):
    // a failure there must abort the commit, not leave the transaction's other writes behind.
    const before = await fixture.t.store
      .selectFrom('orders')
      .select('version')
      .where('id', '=', fixture.orderId)
      .executeTakeFirstOrThrow();
    await assert.rejects(
      atomically(fixture.t.store, async (tx) => {
        await tx
          .updateTable('orders')
          .set({ notes: 'nie powinno zostać — не должно остаться' })
          .where('id', '=', fixture.orderId)
          .execute();
        await event(tx, 'uow-refused');
        await writeHistory(tx, systemActor, new Date(), [
          { orderId: '0190f000-0000-7000-8000-000000000000', action: 'test.orphan' },
        ]);
      }),
      (e: { code?: string }) => e.code === '23503',
    );
    const after = await fixture.t.store
      .selectFrom('orders')
      .select(['version', 'notes'])
      .where('id', '=', fixture.orderId)
      .executeTakeFirstOrThrow();
    assert.equal(after.notes, null);
    assert.equal(after.version, before.version);
    assert.equal((await events('uow-refused')).length, 0);
    // the connection is usable again afterwards
    await atomically(fixture.t.store, (tx) => note(tx, 'test.after-refusal'));
    assert.equal((await history('test.after-refusal')).length, 1);
  });

  test('given a savepoint command the database refuses, the error reaches the caller by the next statement at the latest and nothing is kept', async () => {
    // On PostgreSQL `savepoint` and `release savepoint` are answered at once and sent with the
    // next statement (store/db.ts); their failure must still fail the work.
    await assert.rejects(
      fixture.t.database.db.transaction().execute(async (trx) => {
        await scope(trx, fixture.t.tenantId)
          .updateTable('orders')
          .set({ notes: 'nie zostanie' })
          .where('id', '=', fixture.orderId)
          .execute();
        await sql.raw('release savepoint nie_ma_takiego').execute(trx);
        await sql`select 1`.execute(trx);
      }),
      /savepoint/,
    );
    const after = await fixture.t.store
      .selectFrom('orders')
      .select('notes')
      .where('id', '=', fixture.orderId)
      .executeTakeFirstOrThrow();
    assert.equal(after.notes, null);
  });

  test('given two statements sent together, the second runs after the first and sees its write', async () => {
    const [written, read] = await atomically(fixture.t.store, (tx) =>
      sentTogether(
        tx.conn,
        tx.updateTable('orders').set({ notes: 'razem — вместе' }).where('id', '=', fixture.orderId),
        tx.selectFrom('orders').select('notes').where('id', '=', fixture.orderId),
      ),
    );
    assert.equal(Number(written.numAffectedRows), 1);
    assert.deepEqual(read.rows, [{ notes: 'razem — вместе' }]);
    await fixture.t.store.updateTable('orders').set({ notes: null }).where('id', '=', fixture.orderId).execute();
  });

  test("given a first statement the database refuses, its own error is thrown (not the aborted transaction's) and nothing is kept", async () => {
    let answered = false;
    await assert.rejects(
      atomically(fixture.t.store, async (tx) => {
        await tx.updateTable('orders').set({ notes: 'nie zostanie' }).where('id', '=', fixture.orderId).execute();
        await sentTogether(
          tx.conn,
          tx.updateTable('orders').set({ currency: 'TOO-LONG-FOR-A-CODE' }).where('id', '=', fixture.orderId),
          tx.selectFrom('orders').select('notes').where('id', '=', fixture.orderId),
        );
        answered = true;
      }),
      (error: { code?: string }) => error.code === '22001',
    );
    assert.equal(answered, false);
    const row = await fixture.t.store
      .selectFrom('orders')
      .select('notes')
      .where('id', '=', fixture.orderId)
      .executeTakeFirstOrThrow();
    assert.equal(row.notes, null);
  });

  const notes = async () =>
    (
      await fixture.t.store
        .selectFrom('orders')
        .select('notes')
        .where('id', '=', fixture.orderId)
        .executeTakeFirstOrThrow()
    ).notes;
  const refusedWrite = (tx: Work) =>
    tx.updateTable('orders').set({ currency: 'TOO-LONG-FOR-A-CODE' }).where('id', '=', fixture.orderId);

  test('given a write sent ahead, the statements after it see what it wrote and its answer comes when awaited', async () => {
    const [answer, read] = await atomically(fixture.t.store, async (tx) => {
      const sent = tx.work.sendAhead(
        tx.updateTable('orders').set({ notes: 'z wyprzedzeniem — заранее' }).where('id', '=', fixture.orderId),
      );
      const after = await tx
        .selectFrom('orders')
        .select('notes')
        .where('id', '=', fixture.orderId)
        .executeTakeFirstOrThrow();
      return [await sent, after.notes] as const;
    });
    assert.equal(Number(answer.numAffectedRows), 1);
    assert.equal(read, 'z wyprzedzeniem — заранее');
    assert.equal(await notes(), 'z wyprzedzeniem — заранее');
    await fixture.t.store.updateTable('orders').set({ notes: null }).where('id', '=', fixture.orderId).execute();
  });

  test('given a write sent ahead that the database refuses, the unit of work fails with that error, not "transaction is aborted", and keeps nothing', async () => {
    let later: unknown = null;
    await assert.rejects(
      atomically(fixture.t.store, async (tx) => {
        await tx.updateTable('orders').set({ notes: 'nie zostanie' }).where('id', '=', fixture.orderId).execute();
        void tx.work.sendAhead(refusedWrite(tx));
        try {
          await tx.selectFrom('orders').select('notes').where('id', '=', fixture.orderId).execute();
        } catch (error) {
          later = error;
          throw error;
        }
      }),
      (error: { code?: string }) => error.code === '22001',
    );
    assert.equal((later as { code?: string } | null)?.code, '25P02', 'the statement after it failed as aborted');
    assert.equal(await notes(), null);
  });

  test('given a refused write sent ahead as the last statement of a unit of work, the commit does not keep anything and the caller gets its error', async () => {
    await assert.rejects(
      atomically(fixture.t.store, async (tx) => {
        await tx.updateTable('orders').set({ notes: 'nie zostanie' }).where('id', '=', fixture.orderId).execute();
        await event(tx, 'ahead-refused-last');
        void tx.work.sendAhead(refusedWrite(tx));
      }),
      (error: { code?: string }) => error.code === '22001',
    );
    assert.equal(await notes(), null);
    assert.equal((await events('ahead-refused-last')).length, 0);
  });

  test('given a refused write sent ahead inside a savepoint, the savepoint fails with its error and the unit of work goes on and commits the rest', async () => {
    await atomically(fixture.t.store, async (tx) => {
      await tx.updateTable('orders').set({ notes: 'zostaje — остаётся' }).where('id', '=', fixture.orderId).execute();
      await assert.rejects(
        tx.work.savepoint(async () => {
          void tx.work.sendAhead(refusedWrite(tx));
        }),
        (error: { code?: string }) => error.code === '22001',
      );
      await event(tx, 'ahead-after-savepoint');
    });
    assert.equal(await notes(), 'zostaje — остаётся');
    assert.equal((await events('ahead-after-savepoint')).length, 1);
    await fixture.t.store.updateTable('orders').set({ notes: null }).where('id', '=', fixture.orderId).execute();
  });
});
