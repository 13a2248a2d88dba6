import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import {
  folderMigrations,
  migrateWith,
  type BuildProgress,
  type MigrateOptions,
  type OrdoMigration,
  reportFill,
} from '../../src/store/migrate.js';
import { buildIndexOnline } from '../../src/store/online-index.js';
import { freshDatabase } from '../support.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Records that a migration ran, with its transaction id (null outside a transaction: an online one). */
const logged = (name: string, online = false): OrdoMigration => ({
  online,
  async up(db: Kysely<any>) {
    if (online) await buildIndexOnline(db, `probe_${name}`, `on online_probe (id, note)`);
    await sql`insert into online_log (name, tx) values (${name}, ${online ? null : sql`txid_current()`})`.execute(db);
  },
});

/**
 * Migrations that build indexes on large tables run outside a transaction with CREATE INDEX
 * CONCURRENTLY (0038, 0039 and those after them that say `online = true`), so an upgrade of a
 * 10M-order database does not stop intake for the minutes an index takes to build.
 */
describe('online migrations', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  /** Every migration the database has seen: the folder's, then this file's probes. */
  let known: Record<string, OrdoMigration>;
  const migrate = (more: Record<string, OrdoMigration>, options: MigrateOptions = {}) => {
    known = { ...known, ...more };
    return migrateWith(database.db, known, options);
  };
  const valid = async (name: string) =>
    (
      await sql<{
        valid: boolean;
      }>`select indisvalid as valid from pg_index where indexrelid = to_regclass(${name})`.execute(database.db)
    ).rows[0]?.valid ?? null;
  const log = async () =>
    (
      await sql<{ name: string; tx: string | null }>`select name, tx::text from online_log order by at`.execute(
        database.db,
      )
    ).rows;

  before(async () => {
    database = await freshDatabase();
    known = await folderMigrations();
    await sql`create table online_probe (id int not null, note text)`.execute(database.db);
    await sql`insert into online_probe select i, 'wiersz ' || i from generate_series(1, 500) i`.execute(database.db);
    await sql`create table online_log (at timestamptz not null default clock_timestamp(), name text, tx bigint)`.execute(
      database.db,
    );
  });
  after(() => database?.close());

  test('pending migrations run in name order: ordinary ones together in one transaction, an online one alone outside any; a second run finds nothing', async () => {
    const applied = await migrate({
      '9000_a': logged('a'),
      '9001_b': logged('b'),
      '9002_online': logged('online', true),
      '9003_c': logged('c'),
    });
    assert.deepEqual(applied, ['9000_a', '9001_b', '9002_online', '9003_c']);
    const rows = await log();
    assert.deepEqual(
      rows.map((r) => r.name),
      ['a', 'b', 'online', 'c'],
    );
    assert.equal(rows[0]!.tx, rows[1]!.tx, 'a and b in one transaction');
    assert.notEqual(rows[3]!.tx, rows[0]!.tx, 'c after the online one, in a transaction of its own');
    // CREATE INDEX CONCURRENTLY refuses to run in a transaction block: the index exists, so it ran outside
    assert.equal(await valid('probe_online'), true);
    assert.deepEqual(await migrateWith(database.db, known), []);
    assert.equal((await log()).length, 4);
  });

  test('a build that failed (an invalid index left behind) is dropped and built again by the next run', async () => {
    await sql`insert into online_probe values (0, 'zero')`.execute(database.db);
    await assert.rejects(
      buildIndexOnline(database.db, 'probe_inverse', 'on online_probe ((1 / id))'),
      /division by zero/,
    );
    assert.equal(await valid('probe_inverse'), false, 'PostgreSQL keeps the failed build as an invalid index');
    await sql`delete from online_probe where id = 0`.execute(database.db);
    await buildIndexOnline(database.db, 'probe_inverse', 'on online_probe ((1 / id))');
    assert.equal(await valid('probe_inverse'), true);
    await buildIndexOnline(database.db, 'probe_inverse', 'on online_probe ((1 / id))'); // a valid one: nothing to do
  });

  test('nodes that start together: one applies the pending migrations, the other waits and finds nothing (never a step down)', async () => {
    const next = { '9004_online': logged('online2', true), '9005_d': logged('d') };
    known = { ...known, ...next };
    const [first, second] = await Promise.all([migrateWith(database.db, known), migrateWith(database.db, known)]);
    assert.deepEqual([...first, ...second].sort(), ['9004_online', '9005_d']);
    assert.ok(first.length === 0 || second.length === 0, `${first} / ${second}`);
    assert.equal(await valid('probe_online2'), true);
    assert.deepEqual(
      (await log()).map((r) => r.name),
      ['a', 'b', 'online', 'c', 'online2', 'd'],
    );
  });

  test(
    'PostgreSQL: writes go on while an online migration waits for a long transaction and builds, and says where it is; an ordinary one holds them',
    { skip: onPostgres ? false : 'needs a second connection to the same database: runs on PostgreSQL' },
    async () => {
      const holder = new pg.Client({ connectionString: database.url });
      const writer = new pg.Client({ connectionString: database.url });
      await holder.connect();
      await writer.connect();
      try {
        await writer.query(`set lock_timeout = '10s'`);
        /** Resolves once a statement starting with `text` waits for a lock. */
        const waiting = async (text: string) => {
          for (let tries = 0; tries < 600; tries++) {
            const r = await writer.query(
              `select count(*)::int as n from pg_stat_activity where datname = current_database()
                 and query like $1 and wait_event_type = 'Lock'`,
              [`${text}%`],
            );
            if (r.rows[0].n > 0) return;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          throw new Error(`nothing waits on ${text}`);
        };

        // an open transaction that wrote to the table: both kinds of build wait for it
        await holder.query('begin');
        await holder.query(`insert into online_probe values (1001, 'długa transakcja')`);
        const reports: BuildProgress[] = [];
        let told: () => void = () => {};
        const waitReported = new Promise<void>((resolve) => (told = resolve));
        const online = migrate(
          {
            '9006_online': {
              online: true,
              up: (db) => buildIndexOnline(db, 'probe_id_online', 'on online_probe (id)'),
            },
          },
          {
            onProgress: (progress) => {
              reports.push(progress);
              if (progress.phase.startsWith('waiting for writers')) told();
            },
          },
        );
        await waiting('create index concurrently probe_id_online');
        // where the build is, read on another connection: it waits for the open transaction
        await waitReported;
        assert.deepEqual(
          { ...reports.at(-1), phase: reports.at(-1)!.phase.slice(0, 19) },
          { migration: '9006_online', index: 'probe_id_online', phase: 'waiting for writers', done: 0, total: 0 },
        );
        await writer.query(`insert into online_probe values (1002, 'zamówienie w trakcie budowy')`);
        await holder.query('commit');
        assert.deepEqual(await online, ['9006_online']);
        assert.equal(await valid('probe_id_online'), true);

        await holder.query('begin');
        await holder.query(`insert into online_probe values (1003, 'długa transakcja')`);
        const ordinary = migrate({
          '9007_plain': {
            up: async (db) => void (await sql`create index probe_id_plain on online_probe (id)`.execute(db)),
          },
        });
        await waiting('create index probe_id_plain');
        await writer.query(`set lock_timeout = '1s'`);
        await assert.rejects(
          writer.query(`insert into online_probe values (1004, 'czeka na indeks')`),
          (error: { code?: string }) => error.code === '55P03',
          'a plain CREATE INDEX queued behind the transaction holds every write behind it',
        );
        await holder.query('commit');
        assert.deepEqual(await ordinary, ['9007_plain']);
      } finally {
        await holder.end();
        await writer.end();
      }
    },
  );

  test("an online migration's fill says where it is after each batch; an ordinary migration's is not told", async () => {
    const reports: BuildProgress[] = [];
    const applied = await migrate(
      {
        '9008_fill': {
          online: true,
          up: async () => {
            for (const done of [0, 250, 500]) reportFill('filling the probes', done, 500);
          },
        },
        '9009_plain': { up: async () => reportFill('inside a transaction: not told', 1, 1) },
      },
      { onProgress: (progress) => reports.push(progress) },
    );
    assert.deepEqual(applied, ['9008_fill', '9009_plain']);
    assert.deepEqual(
      reports,
      [0, 250, 500].map((done) => ({
        migration: '9008_fill',
        index: null,
        phase: 'filling the probes',
        done,
        total: 500,
      })),
    );
  });
});
