import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { freshDatabase, onPostgres } from '../support.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { scope } from '../../src/store/tenant-scope.js';
import { newId } from '../../src/shared/ids.js';
import { testLoader } from '../events/processes.js';

describe('the store', () => {
  let d: Database;
  before(async () => {
    d = await freshDatabase();
  });
  after(() => d.close());

  test('every query through a tenant scope is filtered or stamped by tenant', () => {
    const s = scope(d.db, 'T1');
    const sel = s.selectFrom('orders').select('id').where('state', '=', 'accepted').compile();
    assert.equal(sel.sql, 'select "id" from "orders" where "orders"."tenant_id" = $1 and "state" = $2');
    assert.deepEqual(sel.parameters, ['T1', 'accepted']);
    const upd = s.updateTable('orders').set({ notes: 'x' }).where('id', '=', 'O1').compile();
    assert.equal(upd.sql, 'update "orders" set "notes" = $1 where "orders"."tenant_id" = $2 and "id" = $3');
    const del = s.deleteFrom('channels').where('code', '=', 'web').compile();
    assert.equal(del.sql, 'delete from "channels" where "channels"."tenant_id" = $1 and "code" = $2');
    const ins = s
      .insertInto('channels', {
        id: 'C1',
        code: 'web',
        name: 'Web',
        kind: 'web',
        process_key: null,
        price_list: null,
        currency: null,
        settings: '{}',
      })
      .compile();
    assert.match(ins.sql, /"tenant_id"/);
    assert.ok(ins.parameters.includes('T1'));
  });

  test('the database refuses a row that points into another tenant', async () => {
    const [a, b] = [newId(), newId()];
    await d.db
      .insertInto('tenants')
      .values([
        { id: a, slug: `a-${a}`, name: 'A' },
        { id: b, slug: `b-${b}`, name: 'B' },
      ])
      .execute();
    const channelOfA = newId();
    await scope(d.db, a)
      .insertInto('channels', {
        id: channelOfA,
        code: 'web',
        name: 'Web',
        kind: 'web',
        process_key: null,
        price_list: null,
        currency: null,
        settings: '{}',
      })
      .execute();
    // Tenant B tries to file an order under tenant A's channel id.
    await assert.rejects(
      scope(d.db, b)
        .insertInto('orders', {
          id: newId(),
          number: 'X-1',
          channel_id: channelOfA,
          external_id: null,
          order_type: 'sale',
          customer_id: null,
          customer_name: null,
          customer_email: null,
          company_id: null,
          currency: 'PLN',
          state: 'accepted',
          process_key: null,
          process_version: null,
          subtotal: 0n,
          discount_total: 0n,
          tax_total: 0n,
          shipping_total: 0n,
          grand_total: 0n,
          delivery_method: 'ship',
          pickup_location_id: null,
          shipping_address: 'null',
          billing_address: 'null',
          payment_terms: '{}',
          attributes: '{}',
          notes: null,
          line_count: 0,
          search_text: '',
          placed_at: new Date(),
        })
        .execute(),
      (e: { code?: string }) => e.code === '23503',
    );
    // And sees none of A's rows.
    assert.equal((await scope(d.db, b).selectFrom('channels').selectAll().execute()).length, 0);
  });

  test('int8 money and counts read back the same on both back ends', async () => {
    const r = await sql<{
      big: string;
      n: string;
      d: string;
    }>`select 9007199254740993::int8 as big, count(*) as n, '2026-11-23'::date as d from tenants`.execute(d.db);
    assert.equal(r.rows[0]!.big, '9007199254740993');
    assert.equal(typeof r.rows[0]!.n, 'string');
    assert.equal(r.rows[0]!.d, '2026-11-23');
  });

  test(
    'PostgreSQL sessions run without JIT',
    { skip: onPostgres ? false : 'PostgreSQL only: PGlite has no JIT' },
    async () => {
      // Each connection of the pool, not only the first: hold two at once.
      const [first, second] = await Promise.all([
        sql<{ jit: string }>`select current_setting('jit') as jit, pg_sleep(0.05)`.execute(d.db),
        sql<{ jit: string }>`select current_setting('jit') as jit, pg_sleep(0.05)`.execute(d.db),
      ]);
      assert.deepEqual([first.rows[0]!.jit, second.rows[0]!.jit], ['off', 'off']);
    },
  );
});

describe('the embedded database folder', { skip: onPostgres ? 'embedded database only' : false }, () => {
  test('a second process refuses to open a folder in use, and opens it once it is free', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-lock-'));
    const script = `import { openDatabase } from './src/store/db.ts';
      try { const d = await openDatabase({ dataDir: ${JSON.stringify(dir)} }); await d.close(); console.log('opened'); }
      catch (e) { console.log('refused: ' + e.message); }`;
    const second = () =>
      spawnSync(process.execPath, ['--import', testLoader, '--input-type=module', '-e', script], {
        encoding: 'utf8',
        cwd: process.cwd(),
      }).stdout.trim();
    const d = await openDatabase({ dataDir: dir });
    try {
      assert.match(second(), /^refused: the embedded database in .* is in use by process \d+/);
      await assert.rejects(openDatabase({ dataDir: dir }), /in use/);
    } finally {
      await d.close();
    }
    assert.equal(second(), 'opened');
    rmSync(dir, { recursive: true, force: true });
  });
});
