import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { folderMigrations, migrateWith } from '../../src/store/migrate.js';
import { onPostgres, testApp, type TestApp } from '../support.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { createScratchDatabase } from '../../src/store/scratch-database.js';
import { newId } from '../../src/shared/ids.js';
import { AppError } from '../../src/shared/errors.js';
import { systemActor } from '../../src/store/history.js';
import { saveDraft } from '../../src/app/process/save-draft.js';
import { publishDefinition } from '../../src/app/process/publish-definition.js';
import { currentPublished, loadCompiled, processKind } from '../../src/app/process/definition-store.js';
import { saveStrategyDraft } from '../../src/app/sourcing/save-strategy-draft.js';
import { publishStrategy } from '../../src/app/sourcing/publish-strategy.js';
import { findStrategyVersion, strategyKind } from '../../src/app/sourcing/strategy-store.js';
import { diffVersions } from '../../src/app/versioning/versioned-store.js';

/** A small valid definition; `n` changes its title, so each is a different text. */
const tiny = (key: string, n: number) => `key: ${key}
title: Tiny ${n}
start: received
states:
  received:
    on: { go: done }
  done: { terminal: true }
`;

const strategy = (n: number) => ({
  name: `Strategy ${n}`,
  steps: [{ id: 'one', objective: { distance: 1 }, constraints: { maxShipments: n }, fallback: 'backorder' }],
});

const conflict = (e: unknown) => e instanceof AppError && e.code === 'CONFLICT';

describe('versioned definitions: one lifecycle and one audit for processes and routing strategies', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  const audit = (kind: string, key: string) =>
    t.store
      .selectFrom('definition_audit')
      .selectAll()
      .where('kind', '=', kind as 'process')
      .where('key', '=', key)
      .orderBy('id')
      .execute();
  const statuses = async (table: 'process_definitions' | 'routing_strategies', key: string) =>
    (
      await t.store.selectFrom(table).select(['version', 'status']).where('key', '=', key).orderBy('version').execute()
    ).map((r) => [r.version, r.status]);

  test('given v1 published, publishing v2 retires v1 as superseded, and v1 still loads for what runs on it', async () => {
    const now = new Date();
    for (const n of [1, 2]) {
      const d = await saveDraft(t.services.operations.actions, t.store, systemActor, now, tiny('tiny', n));
      await publishDefinition(t.services.operations.actions, t.store, systemActor, now, 'tiny', d.version);
    }
    assert.deepEqual(await statuses('process_definitions', 'tiny'), [
      [1, 'retired'],
      [2, 'published'],
    ]);
    assert.equal((await currentPublished(t.store, 'tiny'))?.version, 2);
    assert.equal(
      (await loadCompiled(t.services.operations.actions, t.store, 'tiny', 1)).version,
      1,
      'a retired version loads by number',
    );
    const rows = await audit('process', 'tiny');
    assert.deepEqual(
      rows.map((r) => [r.action, r.version]),
      [
        ['draft_created', 1],
        ['published', 1],
        ['draft_created', 2],
        ['published', 2],
        ['retired', 1],
      ],
    );
    assert.deepEqual(rows[4]!.details, {
      from: 'published',
      reason: 'superseded by v2',
      supersededBy: 2,
      runningOrders: 0,
    });
    assert.match(rows[3]!.diff, /^-title: Tiny 1$/m);
    assert.match((await diffVersions(t.store, processKind, 'tiny', 1, 2)).diff, /^\+title: Tiny 2$/m);

    for (const n of [1, 2]) {
      const d = await saveStrategyDraft(t.store, systemActor, now, 'two-step', strategy(n));
      assert.equal(d.version, n);
      await publishStrategy(t.store, systemActor, now, 'two-step', n);
    }
    assert.deepEqual(await statuses('routing_strategies', 'two-step'), [
      [1, 'retired'],
      [2, 'published'],
    ]);
    assert.equal(
      (await findStrategyVersion(t.store, 'two-step', 1)).status,
      'retired',
      'a plan naming v1 still finds it',
    );
    const sRows = await audit('routing_strategy', 'two-step');
    assert.deepEqual(
      sRows.map((r) => [r.action, r.version]),
      [
        ['draft_created', 1],
        ['published', 1],
        ['draft_created', 2],
        ['published', 2],
        ['retired', 1],
      ],
    );
    assert.equal(sRows[4]!.details.reason, 'superseded by v2');
    assert.match(sRows[2]!.diff, /^-\s+"maxShipments": 1$/m, 'a strategy change is audited with the diff of its JSON');
    assert.match((await diffVersions(t.store, strategyKind, 'two-step', 1, 2)).diff, /^\+\s+"name": "Strategy 2",?$/m);

    // Saving the draft's own content again writes nothing, whatever order jsonb gives its keys back in.
    const d3 = await saveStrategyDraft(t.store, systemActor, now, 'two-step', strategy(3));
    const same = await saveStrategyDraft(t.store, systemActor, now, 'two-step', {
      steps: strategy(3).steps,
      name: 'Strategy 3',
    });
    assert.deepEqual([d3.changed, same.changed, same.version], [true, false, 3]);
  });

  test('given two publishes of the same draft at once on separate connections, one wins, the other is 409, and one version is published', async () => {
    const now = new Date();
    await publishDefinition(
      t.services.operations.actions,
      t.store,
      systemActor,
      now,
      'race',
      (await saveDraft(t.services.operations.actions, t.store, systemActor, now, tiny('race', 1))).version,
    );
    const d = await saveDraft(t.services.operations.actions, t.store, systemActor, now, tiny('race', 2));
    const results = await Promise.allSettled(
      [1, 2].map(() => publishDefinition(t.services.operations.actions, t.store, systemActor, now, 'race', d.version)),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.ok(
      results.every((r) => r.status === 'fulfilled' || conflict(r.reason)),
      JSON.stringify(results),
    );
    assert.deepEqual(await statuses('process_definitions', 'race'), [
      [1, 'retired'],
      [2, 'published'],
    ]);
    assert.equal(
      (await audit('process', 'race')).filter((r) => r.action === 'retired').length,
      1,
      'v1 is retired once',
    );

    await publishStrategy(
      t.store,
      systemActor,
      now,
      'race',
      (await saveStrategyDraft(t.store, systemActor, now, 'race', strategy(1))).version,
    );
    await saveStrategyDraft(t.store, systemActor, now, 'race', strategy(2));
    const sResults = await Promise.allSettled([1, 2].map(() => publishStrategy(t.store, systemActor, now, 'race', 2)));
    assert.equal(sResults.filter((r) => r.status === 'fulfilled').length, 1);
    assert.deepEqual(await statuses('routing_strategies', 'race'), [
      [1, 'retired'],
      [2, 'published'],
    ]);
  });

  test('given many writers saving and publishing the same key at once, exactly one version ends published', async () => {
    const now = new Date();
    const n = onPostgres ? 12 : 4;
    const writer = async (i: number) => {
      try {
        const d = await saveDraft(t.services.operations.actions, t.store, systemActor, now, tiny('crowd', i));
        await publishDefinition(t.services.operations.actions, t.store, systemActor, now, 'crowd', d.version);
      } catch (e) {
        // Another writer published the shared draft first, or edited it in between: that is the expected loss.
        if (!conflict(e)) throw e;
      }
    };
    await Promise.all(Array.from({ length: n }, (_, i) => writer(i + 1)));
    const rows = await t.store
      .selectFrom('process_definitions')
      .select(['version', 'status'])
      .where('key', '=', 'crowd')
      .execute();
    assert.equal(rows.filter((r) => r.status === 'published').length, 1, JSON.stringify(rows));
    const published = rows.find((r) => r.status === 'published')!.version;
    assert.equal(
      published,
      Math.max(...rows.filter((r) => r.status !== 'draft').map((r) => r.version)),
      'the newest one published is the one left published',
    );
    assert.equal((await currentPublished(t.store, 'crowd'))?.version, published);
  });

  test("given a second published version written behind the lifecycle's back, the database refuses it", async () => {
    const now = new Date();
    const d = await saveDraft(t.services.operations.actions, t.store, systemActor, now, tiny('guarded', 1));
    await publishDefinition(t.services.operations.actions, t.store, systemActor, now, 'guarded', d.version);
    await saveDraft(t.services.operations.actions, t.store, systemActor, now, tiny('guarded', 2));
    await assert.rejects(
      t.store
        .updateTable('process_definitions')
        .set({ status: 'published' })
        .where('key', '=', 'guarded')
        .where('version', '=', 2)
        .execute(),
      /process_definitions_one_published|duplicate key|unique/,
    );
  });
});

describe('migration 0009_definition_audit: the two old audits become one', () => {
  let database: Database;
  let drop: (() => Promise<void>) | undefined;
  before(async () => {
    if (process.env.TEST_DATABASE_URL) {
      const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL, 'ordo_t');
      database = await openDatabase({ url: scratch.url, poolSize: 4 });
      drop = scratch.drop;
    } else {
      database = await openDatabase({ dataDir: 'memory://' });
    }
  });
  after(async () => {
    await database.close();
    await drop?.();
  });

  test('given process changes and strategy audit rows, and two published versions of a key, they are copied, the old audits dropped and the older version retired', async () => {
    const db = database.db;
    // step by step, as the app migrates (src/store/migrate.ts: online ones outside a transaction)
    const all = await folderMigrations();
    await migrateWith(db, Object.fromEntries(Object.entries(all).filter(([name]) => name <= '0008_manual_carrier')));
    const tenant = newId();
    const at = new Date('2025-01-02T03:04:05Z');
    await sql`insert into tenants (id, slug, name) values (${tenant}, ${`m-${tenant.slice(-8)}`}, 'Migrated')`.execute(
      db,
    );
    const defs = [1, 2].map((v) => ({ id: newId(), v }));
    for (const { id, v } of defs) {
      await sql`insert into process_definitions (tenant_id, id, key, version, status, title, source, source_hash, created_by, created_at, updated_at, published_at)
        values (${tenant}, ${id}, 'old', ${v}, 'published', null, ${tiny('old', v)}, 'h', 'x', ${at}, ${at}, ${at})`.execute(
        db,
      );
    }
    const changeId = newId();
    await sql`insert into process_definition_changes (tenant_id, id, key, version, action, at, actor_type, actor_id, actor_name, diff, details)
      values (${tenant}, ${changeId}, 'old', 2, 'published', ${at}, 'user', 'u1', 'Zofia', '+title: Tiny 2', '{"previousPublished": 1}')`.execute(
      db,
    );
    const strategyId = newId();
    await sql`insert into routing_strategies (tenant_id, id, key, version, status, name, document, created_by, created_at, updated_at)
      values (${tenant}, ${strategyId}, 'pl', 1, 'draft', 'PL', ${JSON.stringify(strategy(1))}, 'x', ${at}, ${at})`.execute(
      db,
    );
    const auditId = newId();
    const otherId = newId();
    await sql`insert into audit_log (tenant_id, id, at, actor_type, actor_id, entity, entity_id, action, changes) values
      (${tenant}, ${auditId}, ${at}, 'api_key', 'k1', 'routing_strategy', ${strategyId}, 'draft_created', '{"key": "pl", "version": 1}'),
      (${tenant}, ${otherId}, ${at}, 'api_key', 'k1', 'rate_table', ${newId()}, 'uploaded', '{}')`.execute(db);

    await migrateWith(db, all);

    const rows = (
      await sql<any>`select * from definition_audit where tenant_id = ${tenant} order by kind, id`.execute(db)
    ).rows;
    assert.deepEqual(
      rows.map((r) => [r.kind, r.key, r.version, r.action]),
      [
        ['process', 'old', 2, 'published'],
        ['process', 'old', 1, 'retired'],
        ['routing_strategy', 'pl', 1, 'draft_created'],
      ],
    );
    assert.deepEqual(
      [rows[0].id, rows[0].actor_name, rows[0].diff, rows[0].details],
      [changeId, 'Zofia', '+title: Tiny 2', { previousPublished: 1 }],
    );
    assert.equal(rows[1].details.reason, 'superseded by v2');
    assert.deepEqual([rows[2].id, rows[2].actor_type, rows[2].details], [auditId, 'api_key', {}]);
    const left = (await sql<{ id: string }>`select id from audit_log where tenant_id = ${tenant}`.execute(db)).rows.map(
      (r) => r.id,
    );
    assert.deepEqual(left, [otherId], 'other entities keep their audit_log rows');
    const status = (
      await sql<{
        version: number;
        status: string;
      }>`select version, status from process_definitions where tenant_id = ${tenant} order by version`.execute(db)
    ).rows;
    assert.deepEqual(
      status.map((r) => [r.version, r.status]),
      [
        [1, 'retired'],
        [2, 'published'],
      ],
    );
    const old = (await sql`select to_regclass('process_definition_changes') as t`.execute(db)).rows[0] as {
      t: string | null;
    };
    assert.equal(old.t, null);
  });
});
