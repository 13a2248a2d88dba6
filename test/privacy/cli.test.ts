import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, onPostgres, orderBody, seedBasics, testApp } from '../support.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { main } from '../../src/cli/main.js';

/**
 * `ordo privacy export|erase` (docs/privacy.md) against a database the CLI opens itself: a PGlite
 * directory, or the scratch PostgreSQL database of this run.
 */
test('Given an open guest order, When `ordo privacy export` then `erase` (refused, then forced) run with the e-mail, Then the export file holds the order and the erasure leaves no e-mail behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-privacy-'));
  const database = onPostgres ? await freshDatabase() : await openDatabase({ dataDir: join(dir, 'db') });
  if (!onPostgres) await migrateToLatest(database.db);
  const env = onPostgres
    ? { ...process.env, DATABASE_URL: (database as { url?: string }).url! }
    : { ...process.env, DATABASE_URL: '', ORDO_DATA_DIR: join(dir, 'db') };
  const email = 'wieslawa.cli@example.pl';
  let slug: string;
  try {
    const t = await testApp({ database });
    await seedBasics(t);
    const placed = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'CLI-1', customer: { name: 'Wiesława Źdźbło', email } }),
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    slug = (
      await database.db.selectFrom('tenants').select('slug').where('id', '=', t.tenantId).executeTakeFirstOrThrow()
    ).slug;
    await t.close();
  } finally {
    if (!onPostgres) await database.close();
  }
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    const out = join(dir, 'export.json');
    assert.equal(await main(['privacy', 'export', '--tenant', slug, '--email', email, '--out', out], env), 0);
    const exported = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(exported.data.orders.length, 1);
    assert.equal(exported.data.orders[0].customer_email, email);
    assert.equal(await main(['privacy', 'erase', '--tenant', slug, '--email', email], env), 2, 'reason required');
    const args = ['privacy', 'erase', '--tenant', slug, '--email', email, '--reason', 'ticket 42'];
    assert.equal(await main([...args, '--legal-basis', 'fz152_art21'], env), 1, 'open: no process moved it on');
    lines.length = 0;
    assert.equal(await main([...args, '--legal-basis', 'fz152_art21', '--force'], env), 0);
    const outcome = JSON.parse(lines.join('\n'));
    assert.equal(outcome.alreadyErased, false);
    assert.equal(outcome.orders, 1);
    assert.equal(await main(['privacy', 'export', '--tenant', slug, '--email', email, '--out', out], env), 0);
    const after = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(after.data.orders[0].customer_email, null);
    assert.equal(after.data.orders[0].customer_name, '[erased]');
    assert.equal(after.subject.erasures.length, 1);
  } finally {
    console.log = log;
    if (onPostgres) await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
