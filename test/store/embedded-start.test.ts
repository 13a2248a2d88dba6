import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { freshDatabase } from '../support.js';
import type { Database } from '../../src/store/db.js';
import { isAtLatest, migrateToLatest } from '../../src/store/migrate.js';

// The same file runs on PGlite (npm test) and PostgreSQL (npm run test:pg).
describe('start-up on an existing database', () => {
  let database: Database;
  before(async () => {
    database = await freshDatabase();
  });
  after(() => database.close());

  test('a database at the latest migration is recognised and migrating again applies nothing', async () => {
    assert.equal(await isAtLatest(database.db), true);
    assert.deepEqual(await migrateToLatest(database.db), []);
  });

  test('a database missing its newest migration is not taken as latest', async () => {
    const newest = await sql<{ name: string }>`select max(name) as name from kysely_migration`.execute(database.db);
    const name = newest.rows[0]!.name;
    await sql`delete from kysely_migration where name = ${name}`.execute(database.db);
    try {
      assert.equal(await isAtLatest(database.db), false);
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${name}, now()::text)`.execute(database.db);
    }
    assert.equal(await isAtLatest(database.db), true);
  });

  test('a transaction that fails midway leaves nothing behind and the session stays usable', async () => {
    await sql`create table if not exists embedded_probe (id int primary key)`.execute(database.db);
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await sql`insert into embedded_probe values (1)`.execute(trx);
        await sql`insert into embedded_probe values (1)`.execute(trx);
      }),
    );
    const rows = await sql<{ n: string }>`select count(*)::text as n from embedded_probe`.execute(database.db);
    assert.equal(rows.rows[0]!.n, '0');
  });

  test('concurrent transactions each see only their own writes and all commit', async () => {
    await sql`create table if not exists embedded_counter (id int primary key, value int not null)`.execute(
      database.db,
    );
    await sql`insert into embedded_counter values (1, 0) on conflict (id) do update set value = 0`.execute(database.db);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.db.transaction().execute(async (trx) => {
          const read = await sql<{ value: number }>`select value from embedded_counter where id = 1 for update`.execute(
            trx,
          );
          await sql`update embedded_counter set value = ${read.rows[0]!.value + 1} where id = 1`.execute(trx);
        }),
      ),
    );
    const total = await sql<{ value: number }>`select value from embedded_counter where id = 1`.execute(database.db);
    assert.equal(total.rows[0]!.value, 20);
  });
});
