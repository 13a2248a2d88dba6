import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appendsFixture } from './appends.js';
import type { Work } from '../../src/store/tenant-scope.js';
import { sql } from 'kysely';
import { atomically, isWork, scope, transaction } from '../../src/store/tenant-scope.js';

/**
 * History rows and outbox events of a transaction are held and written together at its end
 * (store/unit-of-work.ts). They must still exist if and only if the work that made them commits.
 */
describe('unit of work: history and events written at commit', () => {
  const fixture = appendsFixture('uow-1');
  const { history, events, note, event } = fixture;

  test('given a savepoint rolled back inside a committed transaction, only its own rows are forgotten', async () => {
    await atomically(fixture.t.store, async (tx) => {
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
      atomically(fixture.t.store, async (tx) => {
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
    await atomically(fixture.t.store, async (tx) => {
      for (let i = 0; i < 2000; i++) {
        await note(tx, 'test.bulk');
        made.push(await event(tx, `uow-bulk-${i % 40}`));
      }
    });
    assert.equal((await history('test.bulk')).length, 2000);
    const rows = await fixture.t.store
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
    await fixture.t.database.db.transaction().execute(async (trx) => {
      assert.throws(
        () => transaction(scope(trx, fixture.t.tenantId), async () => undefined),
        /cannot be opened inside another transaction/,
      );
    });
  });

  test('given units of work running at once, each owns its savepoints and its appends', async () => {
    const run = (n: number) =>
      atomically(fixture.t.store, async (tx) => {
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

  test(
    'given two units of work locking two rows in opposite orders, the deadlock victim runs again from the start and both commit once',
    {
      skip: process.env.TEST_DATABASE_URL
        ? false
        : 'PostgreSQL only: the embedded database serves one connection, so nothing deadlocks',
    },
    async () => {
      let runs = 0;
      const firstLocks: Array<() => void> = [];
      const bothHoldOne = new Promise<void>((resolve) => {
        let held = 0;
        firstLocks.push(
          () => ++held === 2 && resolve(),
          () => ++held === 2 && resolve(),
        );
      });
      const lockOrder = async (tx: Work) =>
        sql`select id from orders where id = ${fixture.orderId} for update`.execute(tx.conn);
      const lockTenant = async (tx: Work) =>
        sql`select id from tenants where id = ${fixture.t.tenantId} for update`.execute(tx.conn);
      const unit = (n: number, first: typeof lockOrder, second: typeof lockOrder) =>
        atomically(fixture.t.store, async (tx) => {
          const attempt = ++runs;
          await note(tx, `test.deadlock-${n}`);
          await first(tx);
          if (attempt <= 2) {
            firstLocks[n]!();
            await bothHoldOne; // each holds one row and asks for the other's: a deadlock
          }
          await second(tx);
        });
      await Promise.all([unit(0, lockOrder, lockTenant), unit(1, lockTenant, lockOrder)]);
      assert.equal(runs, 3, 'one of the two ran twice');
      for (const n of [0, 1]) assert.equal((await history(`test.deadlock-${n}`)).length, 1, 'each wrote its row once');
    },
  );

  test('given a write held for the next statement, it goes just ahead of that statement, once, and not at all when taken back for the close', async () => {
    const order: string[] = [];
    await transaction(fixture.t.store, async (tx) => {
      await sql`create temporary table held_probe (n int) on commit drop`.execute(tx.conn);
      tx.work.beforeNextStatement(() => {
        order.push('held');
        void tx.work.sendAhead(sql`insert into held_probe values (1)`);
      });
      order.push('before');
      const seen = await sql<{ n: number }>`select count(*)::int as n from held_probe`.execute(tx.conn);
      order.push(`read ${seen.rows[0]!.n}`);
      await sql`select 1`.execute(tx.conn);
      assert.equal(tx.work.heldUntilClose(), false, 'it ran, so nothing is held for the close');
      tx.work.beforeNextStatement(() => order.push('never'));
      assert.equal(tx.work.heldUntilClose(), true, 'not run yet: held for the close, and disarmed');
      await sql`select 1`.execute(tx.conn);
    });
    assert.deepEqual(order, ['before', 'held', 'read 1'], 'the held write ran once, ahead of the read, which saw it');
  });

  test("given a unit of work that fails, its explainer turns the failure into the caller's error after the rollback, and leaves other failures alone", async () => {
    const explained = await transaction(fixture.t.store, async (tx) => {
      tx.work.explainFailure(async (error, db) => {
        // after the rollback: a read outside the failed transaction works
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from order_history where action = 'test.explained'`.execute(db);
        return (error as { code?: string }).code === '23505'
          ? new Error(`explained (${rows[0]!.n} rows kept)`)
          : undefined;
      });
      await note(tx, 'test.explained');
      tx.work.writeAtClose(
        sql`insert into tenants (id, slug, name) select id, slug, name from tenants where id = ${fixture.t.tenantId}`,
      );
    }).catch((error: Error) => error.message);
    assert.equal(explained, 'explained (0 rows kept)');
    const other = await transaction(fixture.t.store, async (tx) => {
      tx.work.explainFailure(async () => undefined);
      await sql`select 1/0`.execute(tx.conn);
    }).catch((error: { code?: string }) => error.code);
    assert.equal(other, '22012', 'an explainer that answers undefined leaves the error as it was');
  });
});
