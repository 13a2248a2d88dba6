import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { onPostgres } from '../support.js';
import { openDatabase, pgliteOptions, type Database } from '../../src/store/db.js';
import { isUniqueViolation, pgError } from '../../src/store/pg-errors.js';
import { PreparedStatements } from '../../src/store/pglite-prepared.mjs';
import { UPKEEP } from '../../src/store/pglite-pool.js';
import { poolStats } from '../../src/store/pool-stats.js';

// PGlite's query() parses and plans its text on every call; Ordo names each parameterised text
// once (src/store/pglite-prepared.mjs), as it does on PostgreSQL (pipeline.ts). Embedded only.
const skip = onPostgres ? 'embedded database only (PostgreSQL names statements in pipeline.ts)' : false;

/** Named statements of this session whose text is `text`. */
async function namedCopies(db: Kysely<unknown>, text: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements
    where name like 'ordo%' and statement = ${text} order by name`.execute(db);
  return rows.map((row) => row.name);
}

describe('named statements on the embedded database', { skip }, () => {
  for (const where of ['memory', 'thread'] as const) {
    describe(`a PGlite ${where === 'memory' ? 'in this thread' : 'on its own thread (a data folder)'}`, () => {
      let dir: string;
      let database: Database;
      before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'ordo-named-'));
        database = await openDatabase({ dataDir: where === 'memory' ? 'memory://' : join(dir, 'data') });
        await sql`create table probe (id int primary key, qty int not null check (qty >= 0), body jsonb, bytes bytea,
          amount numeric(20, 2), big int8, day date, at timestamptz, name text)`.execute(database.db);
      });
      after(async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      });

      test('a parameterised text is named once and answers each call with its own values', async () => {
        const read = (id: number) => sql<{ name: string; qty: number }>`select name, qty from probe where id = ${id}`;
        for (const [id, name] of [
          [1, 'Żółć'],
          [2, 'Щука'],
          [3, 'plain'],
        ] as const)
          await sql`insert into probe (id, qty, name) values (${id}, ${id * 10}, ${name})`.execute(database.db);
        for (const id of [1, 2, 3, 2]) {
          const { rows } = await read(id).execute(database.db);
          assert.deepEqual(rows, [{ name: { 1: 'Żółć', 2: 'Щука', 3: 'plain' }[id], qty: id * 10 }]);
        }
        const text = read(0).compile(database.db).sql;
        assert.equal((await namedCopies(database.db as Kysely<unknown>, text)).length, 1);
      });

      test('values come back as on the unnamed path: int8 and numeric as text, dates, json, bytes', async () => {
        const at = new Date('2026-12-05T10:15:30.123Z');
        const body = { city: 'Łódź', list: [1, 2] };
        await sql`insert into probe values (${10}, ${1}, ${JSON.stringify(body)}, ${Buffer.from([0, 255, 7])},
          ${'12345678901234.56'}, ${'9007199254740993'}, ${'2026-02-28'}, ${at}, ${'Żółć — Щука'})`.execute(
          database.db,
        );
        for (let run = 0; run < 7; run++) {
          // past five runs PostgreSQL may switch to its generic plan: the answer stays the same
          const row = (
            await sql<
              Record<string, unknown>
            >`select body, bytes, amount, big, day, at, name, ${at}::timestamptz as echoed from probe where id = ${10}`.execute(
              database.db,
            )
          ).rows[0]!;
          assert.deepEqual(row.body, body);
          assert.deepEqual([...(row.bytes as Uint8Array)], [0, 255, 7]);
          assert.equal(row.amount, '12345678901234.56');
          assert.equal(row.big, '9007199254740993');
          assert.equal(row.day, '2026-02-28');
          assert.equal((row.at as Date).toISOString(), at.toISOString());
          assert.equal((row.echoed as Date).toISOString(), at.toISOString());
          assert.equal(row.name, 'Żółć — Щука');
        }
      });

      test('a failed call keeps its code, constraint and detail; the same text runs again, in and out of a transaction', async () => {
        const insert = (id: number, qty: number) =>
          sql`insert into probe (id, qty) values (${id}, ${qty})`.execute(database.db).catch((error: unknown) => error);
        assert.equal(await insert(20, 1).then((r) => (r instanceof Error ? r : null)), null);
        const failed = await insert(20, 1);
        assert.ok(isUniqueViolation(failed, 'probe_pkey'), `not a unique violation: ${String(failed)}`);
        assert.match(pgError(failed)!.detail!, /Key \(id\)=\(20\) already exists/);
        assert.equal(pgError(await insert(21, -1))?.code, '23514');
        assert.equal(await insert(21, 5).then((r) => (r instanceof Error ? r : null)), null);
        const inTx = await database.db
          .transaction()
          .execute(async (trx) => {
            await sql`insert into probe (id, qty) values (${22}, ${1})`.execute(trx);
            await sql`insert into probe (id, qty) values (${20}, ${1})`.execute(trx);
          })
          .catch((error: unknown) => error);
        assert.ok(isUniqueViolation(inTx, 'probe_pkey'));
        const { rows } = await sql<{
          id: number;
        }>`select id from probe where id = any(${[20, 21, 22]}) order by id`.execute(database.db);
        assert.deepEqual(
          rows.map((r) => r.id),
          [20, 21],
          'the rolled-back transaction wrote nothing',
        );
      });

      test('a table changed under a named `select *` is named again: outside a transaction the call succeeds', async () => {
        const read = () => sql<Record<string, unknown>>`select * from probe where id = ${1}`.execute(database.db);
        assert.equal((await read()).rows[0]!.name, 'Żółć');
        await sql`alter table probe add column note text default 'nowy'`.execute(database.db);
        const after = await read();
        assert.equal(after.rows[0]!.note, 'nowy');
        await sql`alter table probe drop column note`.execute(database.db);
        const inTx = await database.db
          .transaction()
          .execute(async (trx) => sql`select * from probe where id = ${1}`.execute(trx))
          .catch((error: unknown) => error);
        // in a transaction the failed statement aborted it, so it is not run again: the caller sees why
        assert.equal(pgError(inTx)?.code, '0A000', String(inTx));
        assert.equal('note' in (await read()).rows[0]!, false);
      });
    });
  }

  test('ORDO_PREPARE=off runs every statement unnamed', async () => {
    const database = await openDatabase({ dataDir: 'memory://', prepare: false });
    try {
      for (let i = 0; i < 3; i++) await sql`select ${i}::int + 1 as n`.execute(database.db);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
        database.db,
      );
      assert.equal(rows[0]!.n, 0);
    } finally {
      await database.close();
    }
  });

  test('past its limit a session closes the least recently used text, and names it again when it comes back', async () => {
    const pglite = await PGlite.create(pgliteOptions());
    try {
      const named = new PreparedStatements(pglite, 2);
      const times = (n: number) => `select $1::int * ${n} as v`;
      const namedTexts = async () =>
        (
          await pglite.query<{ statement: string }>(
            `select statement from pg_prepared_statements where name like 'ordo%' order by statement`,
          )
        ).rows.map((row) => row.statement);
      for (const n of [1, 2, 1, 3]) assert.deepEqual((await named.query(times(n), [5])).rows, [{ v: 5 * n }]);
      assert.equal(named.size, 2);
      assert.deepEqual(await namedTexts(), [times(1), times(3)], 'text 2, used least recently, was closed');
      assert.deepEqual((await named.query(times(2), [7])).rows, [{ v: 14 }]);
      assert.deepEqual(await namedTexts(), [times(2), times(3)]);
    } finally {
      await pglite.close();
    }
  });
});

// PGlite runs no autovacuum: a data folder's pool vacuums as the rows written grow (pglite-pool.ts).
describe('the embedded database vacuums itself as it grows', { skip }, () => {
  const relpages = async (db: Kysely<unknown>) =>
    (await sql<{ pages: number }>`select relpages as pages from pg_class where relname = 'grown'`.execute(db)).rows[0]!
      .pages;

  test("writes made only by data-modifying CTEs count too: PostgreSQL's counters start the vacuum", async () => {
    // checked at every release here (a data folder checks at most every second)
    const database = await openDatabase({ dataDir: 'memory://', upkeep: { ...UPKEEP, checkMs: 0 } });
    try {
      await sql`create table grown (id int primary key, n int)`.execute(database.db);
      // a statement whose own answer is a select: it reports no rows written, as Ordo's closing statements
      const { rows } = await sql<{ n: number }>`with w as (
          insert into grown select g, g from generate_series(1, ${2_500}::int) g returning 1)
        select count(*)::int as n from w`.execute(database.db);
      assert.equal(rows[0]!.n, 2_500);
      // the check after that use of the session found 2,500 rows changed and vacuumed
      await sql`select 1`.execute(database.db);
      const pages = await relpages(database.db as Kysely<unknown>);
      assert.ok(pages > 0, `vacuum recorded the table's size (relpages ${pages})`);
      // and /metrics says so (ordo_embedded_vacuums)
      assert.equal(poolStats(database.db)?.vacuums, 1);
    } finally {
      await database.close();
    }
  });

  test('it vacuums only the tables that changed, one per use of the session, the most changed first', async () => {
    const database = await openDatabase({ dataDir: 'memory://', upkeep: { ...UPKEEP, checkMs: 0 } });
    const vacuumed = async () =>
      Object.fromEntries(
        (
          await sql<{ name: string; n: number }>`select relname as name, vacuum_count::int as n from pg_stat_user_tables
            where relname in ('grown', 'grown_less', 'still')`.execute(database.db)
        ).rows.map((row) => [row.name, row.n]),
      );
    try {
      for (const table of ['grown', 'grown_less', 'still'])
        await sql`create table ${sql.table(table)} (id int primary key)`.execute(database.db);
      // 2,500 and 1,500 rows are due (500 + 20 % of what each holds); 10 are not
      await sql`with a as (insert into grown select generate_series(1, 2500)),
          b as (insert into grown_less select generate_series(1, 1500))
        insert into still select generate_series(1, 10)`.execute(database.db);
      // after that use: the most changed table only
      assert.deepEqual(await vacuumed(), { grown: 1, grown_less: 0, still: 0 });
      // after the next: the other one; the table that hardly changed never
      assert.deepEqual(await vacuumed(), { grown: 1, grown_less: 1, still: 0 });
      assert.deepEqual(await vacuumed(), { grown: 1, grown_less: 1, still: 0 });
      assert.equal(poolStats(database.db)?.vacuums, 2);
    } finally {
      await database.close();
    }
  });

  for (const upkeep of [true, false]) {
    test(
      upkeep
        ? 'with upkeep, 2,500 rows written are followed by a vacuum between two uses of the session'
        : 'a memory database without upkeep never vacuums',
      async () => {
        const database = await openDatabase({ dataDir: 'memory://', upkeep });
        try {
          await sql`create table grown (id int primary key, n int)`.execute(database.db);
          assert.equal(await relpages(database.db as Kysely<unknown>), 0, 'a new table has never been measured');
          await database.db.transaction().execute(async (trx) => {
            await sql`insert into grown select g, g from generate_series(1, ${2_500}::int) g`.execute(trx);
            // still inside the transaction: the vacuum waits for it to end
            await sql`update grown set n = n + 1 where id <= ${10}`.execute(trx);
          });
          const pages = await relpages(database.db as Kysely<unknown>);
          if (upkeep) assert.ok(pages > 0, `vacuum recorded the table's size (relpages ${pages})`);
          else assert.equal(pages, 0);
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from grown where n = id + 1`.execute(
            database.db,
          );
          assert.equal(rows[0]!.n, 10, 'the transaction committed whole');
        } finally {
          await database.close();
        }
      },
    );
  }
});
