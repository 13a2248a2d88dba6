import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { onPostgres } from '../support.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { lockHolder } from '../../src/store/data-dir-lock.js';
import { isUniqueViolation, pgError } from '../../src/store/pg-errors.js';
import { openEarly, PGliteThread, type PGliteSession } from '../../src/store/pglite-thread.js';
import { PGlitePool } from '../../src/store/pglite-pool.js';
import { migrateToLatest } from '../../src/store/migrate.js';

// A data folder's PGlite runs on its own thread (src/store/pglite-thread.ts): what `npm start`
// serves. Embedded only: PostgreSQL has no such thread.
describe('the embedded database on its own thread', { skip: onPostgres ? 'embedded database only' : false }, () => {
  let dir: string;
  let database: Database;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordo-thread-'));
    database = await openDatabase({ dataDir: join(dir, 'data') });
    await sql`create table probe (id int primary key, qty int not null check (qty >= 0), body jsonb, bytes bytea,
      amount numeric(20, 2), big int8, day date, at timestamptz, name text)`.execute(database.db);
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('values cross the thread as pg returns them: int8 and numeric as text, dates, json, bytes, Polish and Cyrillic', async () => {
    const at = new Date('2026-12-05T10:15:30.123Z');
    await sql`insert into probe values (1, 1, ${JSON.stringify({ city: 'Łódź', list: [1, 2] })}, ${Buffer.from([0, 255, 7])},
      ${'12345678901234.56'}, ${'9007199254740993'}, ${'2026-02-28'}, ${at}, ${'Żółć — Щука'})`.execute(database.db);
    const row = (
      await sql<
        Record<string, unknown>
      >`select body, bytes, amount, big, day, at, name from probe where id = 1`.execute(database.db)
    ).rows[0]!;
    assert.deepEqual(row.body, { city: 'Łódź', list: [1, 2] });
    assert.deepEqual([...(row.bytes as Uint8Array)], [0, 255, 7]);
    assert.equal(row.amount, '12345678901234.56');
    assert.equal(row.big, '9007199254740993');
    assert.equal(row.day, '2026-02-28');
    assert.ok(row.at instanceof Date);
    assert.equal((row.at as Date).toISOString(), at.toISOString());
    assert.equal(row.name, 'Żółć — Щука');
  });

  test('an error keeps its code, constraint and detail, and the session stays usable', async () => {
    const failed = await sql`insert into probe (id, qty) values (1, 1)`.execute(database.db).catch((error) => error);
    assert.ok(isUniqueViolation(failed, 'probe_pkey'), `not a unique violation: ${failed}`);
    assert.match(pgError(failed)!.detail!, /Key \(id\)=\(1\) already exists/);
    const check = await sql`update probe set qty = -1 where id = 1`.execute(database.db).catch((error) => error);
    assert.equal(pgError(check)?.code, '23514');
    const rows = await sql<{ qty: number }>`select qty from probe where id = 1`.execute(database.db);
    assert.equal(rows.rows[0]!.qty, 1);
  });

  test('concurrent guarded decrements never take a row below zero: 40 buyers, 15 in stock', async () => {
    await sql`insert into probe (id, qty) values (2, 15)`.execute(database.db);
    const sold = await Promise.all(
      Array.from({ length: 40 }, () =>
        database.db.transaction().execute(async (trx) => {
          const taken = await sql`update probe set qty = qty - 1 where id = 2 and qty >= 1`.execute(trx);
          return Number(taken.numAffectedRows ?? 0n);
        }),
      ),
    );
    assert.equal(
      sold.reduce((sum, one) => sum + one, 0),
      15,
    );
    const left = await sql<{ qty: number }>`select qty from probe where id = 2`.execute(database.db);
    assert.equal(left.rows[0]!.qty, 0);
  });

  test('a rolled-back transaction leaves nothing behind', async () => {
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await sql`insert into probe (id, qty) values (3, 1)`.execute(trx);
        await sql`insert into probe (id, qty) values (3, 1)`.execute(trx);
      }),
    );
    const rows = await sql`select 1 from probe where id = 3`.execute(database.db);
    assert.equal(rows.rows.length, 0);
  });

  test('begin and savepoints travel with the statement after them: one refused fails that statement and keeps nothing', async () => {
    const count = async (ids: number[]) =>
      (await sql<{ n: number }>`select count(*)::int as n from probe where id = any(${ids})`.execute(database.db))
        .rows[0]!.n;
    // a refused savepoint command, answered at once, fails the next statement with its own error:
    // one with parameters (sent as a named statement) and one without
    for (const next of [sql`select ${1}::int as one`, sql`select 1 as one`]) {
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await sql`insert into probe (id, qty) values (40, 1)`.execute(trx);
          await sql.raw('release savepoint nie_ma_takiego').execute(trx);
          await next.execute(trx);
        }),
        /savepoint "nie_ma_takiego" does not exist/,
      );
      assert.equal(await count([40]), 0, 'nothing of the refused transaction is kept');
    }
    // a savepoint that travels with the insert after it is there to roll back to
    await database.db.transaction().execute(async (trx) => {
      await sql`insert into probe (id, qty) values (41, 1)`.execute(trx);
      await sql.raw('savepoint przed').execute(trx);
      await sql`insert into probe (id, qty) values (42, 1)`.execute(trx);
      await sql.raw('rollback to savepoint przed').execute(trx);
      await sql.raw('savepoint znowu').execute(trx);
      await sql`insert into probe (id, qty) values (43, 1)`.execute(trx);
      await sql.raw('release savepoint znowu').execute(trx);
    });
    assert.equal(await count([41, 43]), 2);
    assert.equal(await count([42]), 0);
  });

  test('what was committed is there after the folder is closed and opened again', async () => {
    const folder = join(dir, 'reopen');
    const first = await openDatabase({ dataDir: folder });
    await migrateToLatest(first.db);
    await sql`insert into tenants (id, slug, name) values (${'0193a000-0000-7000-8000-000000000001'}, 'kept', 'Kept')`.execute(
      first.db,
    );
    await first.close();
    assert.equal(lockHolder(folder), null, 'closing releases the lock');
    const second = await openDatabase({ dataDir: folder });
    try {
      const rows = await sql<{ slug: string }>`select slug from tenants where slug = 'kept'`.execute(second.db);
      assert.equal(rows.rows.length, 1);
    } finally {
      await second.close();
    }
  });

  test('statements handed over together go to the thread at once and run in turn; in this thread each waits for the one before', async () => {
    const thread = await PGliteThread.open({ dataDir: undefined });
    try {
      // the session as the pool sees it, noting when each statement is handed over and answered
      const noted = (ordered: boolean) => {
        const log: string[] = [];
        const session: PGliteSession = {
          ordered,
          query: <T>(text: string, params?: unknown[]) => {
            log.push(`sent ${text}`);
            return thread.query<T>(text, params).finally(() => log.push(`answered ${text}`));
          },
          named: <T>(text: string, params: unknown[]) => session.query<T>(text, params),
          exec: (text) => thread.exec(text),
          after: <T>(before: string, text: string, params: unknown[], named: boolean) => {
            log.push(`sent ${text}`);
            return thread.after<T>(before, text, params, named).finally(() => log.push(`answered ${text}`));
          },
          dumpDataDir: () => thread.dumpDataDir(),
          close: async () => {},
        };
        return { log, pool: new PGlitePool(session) };
      };
      const run = async (pool: PGlitePool) => {
        const client = await pool.connect();
        await client.query('begin');
        const first = client.query('select $1::int as n from pg_sleep(0.05)', [1]);
        const second = client.query('select $1::int + 1 as n', [1]);
        const rows = (await Promise.all([first, second])).map((result) => result.rows[0]);
        await client.query('commit');
        client.release();
        return rows;
      };
      const onThread = noted(true);
      assert.deepEqual(await run(onThread.pool), [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(onThread.log.slice(0, 4), [
        'sent select $1::int as n from pg_sleep(0.05)',
        'sent select $1::int + 1 as n',
        'answered select $1::int as n from pg_sleep(0.05)',
        'answered select $1::int + 1 as n',
      ]);
      const inThisThread = noted(false);
      assert.deepEqual(await run(inThisThread.pool), [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(inThisThread.log.slice(0, 4), [
        'sent select $1::int as n from pg_sleep(0.05)',
        'answered select $1::int as n from pg_sleep(0.05)',
        'sent select $1::int + 1 as n',
        'answered select $1::int + 1 as n',
      ]);
      // a refused statement fails the one sent after it in its transaction, and nothing is kept
      const client = await onThread.pool.connect();
      await client.query('begin');
      const refused = client.query('insert into nie_ma (id) values ($1)', [1]);
      const after = client.query('select $1::int as n', [1]);
      await assert.rejects(refused, /relation "nie_ma" does not exist/);
      await assert.rejects(after, /current transaction is aborted/);
      await client.query('rollback');
      client.release();
    } finally {
      await thread.close();
    }
  });

  test('a thread that stops fails what was waiting and what comes after, with the reason', async () => {
    const thread = await PGliteThread.open({ dataDir: undefined });
    const slow = thread.query('select pg_sleep(5)');
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await assert.rejects(slow, /the embedded database stopped/);
    await assert.rejects(thread.query('select 1'), /the embedded database stopped/);
  });
});

describe('ordo serve opens its data folder early', { skip: onPostgres ? 'embedded database only' : false }, () => {
  test('the early open is taken over by openDatabase for the same folder, locked by this process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-early-'));
    try {
      openEarly(join(dir, 'data'));
      assert.equal(lockHolder(join(dir, 'data')), process.pid, 'locked at once');
      const database = await openDatabase({ dataDir: join(dir, 'data') });
      const rows = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      assert.equal(rows.rows[0]!.one, 1);
      await database.close();
      assert.equal(lockHolder(join(dir, 'data')), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an early open of another folder is closed and unlocked when a different folder is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-early-'));
    try {
      openEarly(join(dir, 'guessed'));
      const database = await openDatabase({ dataDir: join(dir, 'chosen') });
      await database.close();
      for (let waited = 0; lockHolder(join(dir, 'guessed')) !== null && waited < 200; waited++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(lockHolder(join(dir, 'guessed')), null, 'the guessed folder is unlocked');
      assert.ok(existsSync(join(dir, 'chosen', 'PG_VERSION')), 'the chosen folder holds the database');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
