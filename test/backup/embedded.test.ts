import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { onPostgres, orderBody, seedBasics, testApp } from '../support.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { main } from '../../src/cli/main.js';
import { restoreEmbedded } from '../../src/store/backup.js';

/**
 * `ordo backup` / `ordo restore` on the embedded database, through the CLI: data seeded, backed
 * up, changed and deleted, restored — the data as at the backup; refusals when the folder is in
 * use or not empty, and when the file is no backup.
 */
const skip = onPostgres ? 'the embedded database only: it runs in the PGlite pass (PostgreSQL: pitr.test.ts)' : false;

describe('ordo backup / ordo restore (embedded database)', { skip }, () => {
  let root = '';
  let dataDir = '';
  let file = '';
  let env: Record<string, string> = {};
  const open = async () => {
    const database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    return database;
  };
  const orders = async (database: Database) =>
    (await database.db.selectFrom('orders').select('external_id').orderBy('external_id').execute()).map(
      (o) => o.external_id,
    );
  const customerName = async (database: Database) =>
    (await database.db.selectFrom('customers').select('name').executeTakeFirstOrThrow()).name;

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'ordo-backup-'));
    dataDir = join(root, 'data');
    file = join(root, 'ordo-backup.tar.gz');
    env = { ORDO_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const database = await open();
    const t = await testApp({ database });
    await seedBasics(t);
    for (const externalId of ['ZAM-1', 'ZAM-2']) {
      const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId }));
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    // while the folder is open, a backup is refused (PGlite has one session)
    assert.equal(await main(['backup', file], env), 1);
    assert.equal(existsSync(file), false);
    await t.close();
    await database.close();
  });
  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('backup, change and delete data, restore: the data as at the backup', async () => {
    assert.equal(await main(['backup', file], env), 0);
    assert.ok(existsSync(file));

    const changed = await open();
    const t = await testApp({ database: changed }); // a second tenant
    await seedBasics(t);
    assert.equal((await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'ZAM-3' }))).status, 201);
    await sql`update customers set name = 'Иван Петров'`.execute(changed.db);
    await sql`delete from order_history`.execute(changed.db);
    assert.deepEqual(await orders(changed), ['ZAM-1', 'ZAM-2', 'ZAM-3']);
    // in use: refused even with --force
    assert.equal(await main(['restore', file, '--force'], env), 1);
    await t.close();
    await changed.close();

    // not empty: refused without --force, and the folder is untouched
    assert.equal(await main(['restore', file], env), 1);
    assert.equal(await main(['restore', file, '--force'], env), 0);

    const restored = await open();
    try {
      assert.deepEqual(await orders(restored), ['ZAM-1', 'ZAM-2']);
      assert.equal(await customerName(restored), 'Grzegorz Brzęczyszczykiewicz');
      const history = await sql<{ n: number }>`select count(*)::int as n from order_history`.execute(restored.db);
      assert.ok(history.rows[0]!.n > 0, 'the deleted history is back');
    } finally {
      await restored.close();
    }
    const aside = readdirSync(root).filter((name) => name.startsWith('data.before-restore-'));
    assert.equal(aside.length, 1, 'the replaced folder is moved aside, not deleted');
    assert.ok(existsSync(join(root, aside[0]!, 'PG_VERSION')), 'the moved folder is a whole database');
  });

  test('a file that is no backup is refused and the folder stays as it was', async () => {
    const junk = join(root, 'junk.tar.gz');
    writeFileSync(junk, 'to nie jest kopia zapasowa');
    assert.equal(await main(['restore', junk, '--force'], env), 1);
    const database = await open();
    try {
      assert.deepEqual(await orders(database), ['ZAM-1', 'ZAM-2']);
    } finally {
      await database.close();
    }
  });

  test('a restore into an empty folder needs no --force; PostgreSQL is pointed at its own tools', async () => {
    const elsewhere = join(root, 'fresh');
    // the restore opens, migrates and counts what it loaded
    const restored = await restoreEmbedded(elsewhere, file);
    assert.deepEqual([restored.tenants, restored.orders, restored.migrated, restored.previous], [1, 2, [], null]);
    assert.equal(await main(['backup', file], { ...env, DATABASE_URL: 'postgres://127.0.0.1:1/x' }), 2);
  });
});
