import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { fixedClock, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { JobRegistry } from '../../src/app/events/timers.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { newId } from '../../src/shared/ids.js';
import { defaultRetentionDays, parseRetentionDays } from '../../src/shared/retention.js';
import {
  ensureRetentionJobs,
  RETENTION_KEY,
  retentionJob,
  type RetentionPayload,
} from '../../src/app/retention/retention-job.js';
import { setRetentionOverride } from '../../src/app/retention/retention-settings.js';
import { AppError } from '../../src/shared/errors.js';
import { loadConfig } from '../../src/config.js';

const OLD = new Date('2026-01-01T00:00:00Z'); // 151 days before the clock
const YEARS_AGO = new Date('2025-01-01T00:00:00Z'); // past the EDI log's 365 days
const RECENT = new Date('2026-05-30T00:00:00Z'); // 2 days before it

describe('retention: expired rows go in small batches, what is still needed stays', () => {
  let t: TestApp;
  const clock = fixedClock('2026-06-01T00:00:00Z');
  const ids: Record<string, string> = {};
  const id = (name: string) => (ids[name] ??= newId());
  let runner: JobsRunner;
  const reported: Array<{ tenantId: string; rows: number }> = [];

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    const order = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'RET-1' }));
    assert.equal(order.status, 201, JSON.stringify(order.body));
    const db = t.database.db;
    const tenant = t.tenantId;
    const run = (query: ReturnType<typeof sql>) => query.execute(db);

    // events: fanned out and old (goes once its deliveries go and the channel cursor passed it),
    // old but not fanned out (stays), recent (stays)
    const event = async (name: string, time: Date, fannedOut: boolean) =>
      run(sql`insert into events (tenant_id, id, type, subject, time, schema_version, payload, fanned_out)
        values (${tenant}, ${id(name)}, 'order.accepted', ${`s-${name}`}, ${time}, 1, '{}', ${fannedOut})`);
    await event('eventOld', OLD, true);
    await event('eventOldResolved', OLD, true);
    await event('eventOldDead', OLD, true);
    await event('eventUnfanned', OLD, false);
    await event('eventRecent', RECENT, true);

    const delivery = async (name: string, event: string, target: string, status: string, completed: Date | null) =>
      run(sql`insert into event_deliveries (tenant_id, id, target, event_id, event_seq, event_type, subject, status, attempts, next_attempt_at, completed_at)
        values (${tenant}, ${id(name)}, ${target}, ${id(event)}, 1, 'order.accepted', 's', ${status}, 2, ${OLD}, ${completed})`);
    await delivery('succeededOld', 'eventOld', 'sink:a', 'succeeded', OLD);
    await delivery('deadResolved', 'eventOldResolved', 'sink:a', 'dead', OLD);
    await delivery('replaySucceeded', 'eventOldResolved', 'sink:a', 'succeeded', OLD);
    await delivery('deadUnresolved', 'eventOldDead', 'sink:a', 'dead', OLD);
    await delivery('pendingOld', 'eventUnfanned', 'sink:b', 'pending', null);
    await delivery('succeededRecent', 'eventRecent', 'sink:a', 'succeeded', RECENT);
    for (const attempt of [1, 2])
      await run(sql`insert into delivery_attempts (tenant_id, delivery_id, attempt, started_at, latency_ms, outcome)
        values (${tenant}, ${id('succeededOld')}, ${attempt}, ${OLD}, 12, 'failed')`);

    const notification = async (name: string, state: string, created: Date) =>
      run(sql`insert into notifications (tenant_id, id, order_id, template, language, recipient, subject, body_text, body_html, source, state, created_at)
        values (${tenant}, ${id(name)}, ${order.body.id}, 'order_confirmation', 'pl', 'a@example.pl', 'Zamówienie', 'Dziękujemy', '<p>Dziękujemy</p>', 'built_in', ${state}, ${created})`);
    await notification('sentOld', 'sent', OLD);
    await notification('queuedOld', 'queued', OLD);
    await notification('sentRecent', 'sent', RECENT);

    const job = async (name: string, status: string, updated: Date) =>
      run(sql`insert into jobs (tenant_id, id, kind, run_at, status, updated_at)
        values (${tenant}, ${id(name)}, 'test.kind', ${status === 'scheduled' ? new Date('2027-01-01') : OLD}, ${status}, ${updated})`);
    await job('doneOld', 'done', OLD);
    await job('cancelledOld', 'cancelled', OLD);
    await job('scheduledOld', 'scheduled', OLD);
    await job('failedOld', 'failed', OLD);
    await job('doneRecent', 'done', RECENT);

    for (const [name, created] of [
      ['keyOld', OLD],
      ['keyRecent', RECENT],
    ] as const)
      await run(
        sql`insert into idempotency_keys (tenant_id, key, request_hash, created_at) values (${tenant}, ${id(name)}, 'h', ${created})`,
      );

    const channel = await db
      .selectFrom('channels')
      .select('id')
      .where('tenant_id', '=', tenant)
      .executeTakeFirstOrThrow();
    await run(sql`insert into channel_connections (tenant_id, id, channel_id, kind, base_url, credentials, webhook_token, outbound_seq, created_at, updated_at)
      values (${tenant}, ${id('connection')}, ${channel.id}, 'woocommerce', 'http://127.0.0.1:1', 'x', ${id('token')}, 0, ${OLD}, ${OLD})`);
    const ingestion = async (name: string, status: string, received: Date) =>
      run(sql`insert into channel_ingestions (tenant_id, id, connection_id, via, dedupe_key, event_type, status, payload, received_at)
        values (${tenant}, ${id(name)}, ${id('connection')}, 'webhook', ${name}, 'order.created', ${status}, '{"zamówienie":"Łódź"}', ${received})`);
    await ingestion('ingestedOld', 'created', OLD);
    await ingestion('failedIngestionOld', 'failed', OLD);
    await ingestion('ingestedRecent', 'updated', RECENT);

    const edi = async (name: string, direction: string, status: string) =>
      run(sql`insert into edi_messages (tenant_id, id, direction, syntax, message_type, control_ref, sender_id, recipient_id, status, content, created_at)
        values (${tenant}, ${id(name)}, ${direction}, 'edifact', 'ORDERS', ${name}, '5900000000001', '5900000000002', ${status}, 'UNA:+.? ''', ${YEARS_AGO})`);
    await edi('ediInOld', 'in', 'accepted');
    await edi('ediOutUnsent', 'out', 'generated');

    await run(sql`insert into erp_exchange_sessions (tenant_id, id, connection_id, token_hash, exchange_type, created_at, expires_at)
      values (${tenant}, ${id('erpSession')}, ${id('connection')}, ${id('tokenHash')}, 'sale', ${OLD}, ${OLD})`);
    await run(sql`insert into erp_exchange_files (tenant_id, session_id, filename, data, updated_at)
      values (${tenant}, ${id('erpSession')}, 'orders.xml', ${Buffer.from('<КоммерческаяИнформация/>')}, ${OLD})`);

    // this tenant keeps failed jobs forever
    await setRetentionOverride(t.store, 'failedJobs', 0);
    runner = new JobsRunner({
      db,
      clock,
      registry: new JobRegistry([
        retentionJob({
          days: defaultRetentionDays(),
          batchSize: 3,
          everyMs: 3_600_000,
          report: (tenantId, deleted) =>
            reported.push({ tenantId, rows: Object.values(deleted).reduce((sum, n) => sum + n, 0) }),
        }),
      ]),
    });
  });
  after(() => t.close());

  const present = async (table: string, column: string, names: string[]) => {
    const { rows } = await sql<{ v: string }>`select ${sql.ref(column)}::text as v from ${sql.table(table)}
      where tenant_id = ${t.tenantId}`.execute(t.database.db);
    const have = new Set(rows.map((r) => r.v));
    return names.filter((name) => have.has(id(name)));
  };
  const sweepUntilIdle = async () => {
    let runs = 0;
    while ((await runner.runDue()) > 0) if (++runs > 100) throw new Error('the sweep never became idle');
    return runs;
  };

  test('every tenant gets one live retention job; a second call makes none', async () => {
    const made = await ensureRetentionJobs(t.database.db, clock.now());
    assert.ok(made >= 1);
    assert.equal(await ensureRetentionJobs(t.database.db, clock.now()), 0);
  });

  test('a sweep in batches of 3 removes exactly the expired rows nothing needs', async () => {
    const runs = await sweepUntilIdle();
    assert.equal(runs, 4, 'at most 3 rows a run: 4 runs for the 10 expired rows');
    assert.deepEqual(
      reported.map((r) => r.rows),
      [3, 3, 3, 1],
      'each run that removed rows reported them (the entry points log it)',
    );
    assert.ok(reported.every((r) => r.tenantId === t.tenantId));
    assert.deepEqual(
      await present('event_deliveries', 'id', [
        'succeededOld',
        'deadResolved',
        'replaySucceeded',
        'deadUnresolved',
        'pendingOld',
        'succeededRecent',
      ]),
      ['deadUnresolved', 'pendingOld', 'succeededRecent'],
    );
    const attempts = await sql<{
      n: number;
    }>`select count(*)::int as n from delivery_attempts where tenant_id = ${t.tenantId}`.execute(t.database.db);
    assert.equal(attempts.rows[0]!.n, 0, 'attempts go with their delivery');
    assert.deepEqual(await present('notifications', 'id', ['sentOld', 'queuedOld', 'sentRecent']), [
      'queuedOld',
      'sentRecent',
    ]);
    assert.deepEqual(
      await present('jobs', 'id', ['doneOld', 'cancelledOld', 'scheduledOld', 'failedOld', 'doneRecent']),
      ['scheduledOld', 'failedOld', 'doneRecent'],
      'open jobs stay; failed ones stay by the tenant override (0 = forever)',
    );
    assert.deepEqual(await present('idempotency_keys', 'key', ['keyOld', 'keyRecent']), ['keyRecent']);
    assert.deepEqual(
      await present('channel_ingestions', 'id', ['ingestedOld', 'failedIngestionOld', 'ingestedRecent']),
      ['failedIngestionOld', 'ingestedRecent'],
      'the error queue stays',
    );
    assert.deepEqual(await present('edi_messages', 'id', ['ediInOld', 'ediOutUnsent']), ['ediOutUnsent']);
    assert.deepEqual(await present('erp_exchange_sessions', 'id', ['erpSession']), []);
    // every event stays: the channel connection's outbound cursor (0) has not passed them
    assert.deepEqual(
      await present('events', 'id', ['eventOld', 'eventOldResolved', 'eventOldDead', 'eventUnfanned', 'eventRecent']),
      ['eventOld', 'eventOldResolved', 'eventOldDead', 'eventUnfanned', 'eventRecent'],
    );

    const live = await t.database.db
      .selectFrom('jobs')
      .select(['payload', 'run_at'])
      .where('tenant_id', '=', t.tenantId)
      .where('key', '=', RETENTION_KEY)
      .where('status', '=', 'scheduled')
      .execute();
    assert.equal(live.length, 1, 'one live retention job');
    assert.equal(
      new Date(live[0]!.run_at).toISOString(),
      '2026-06-01T01:00:00.000Z',
      'idle: the next sweep in an hour',
    );
    const payload = live[0]!.payload as RetentionPayload;
    assert.deepEqual(payload.totals, {
      deliveries: 3,
      notifications: 1,
      jobs: 2,
      ingestions: 1,
      idempotencyKeys: 1,
      ediMessages: 1,
      erpSessions: 1,
    });
    assert.deepEqual(payload.last!.deleted, { erpSessions: 1 }, 'the last run took the remainder: 10 = 3 + 3 + 3 + 1');
  });

  test('events go once the channel cursor passed them and no delivery of theirs is kept', async () => {
    await t.database.db
      .updateTable('channel_connections')
      .set({ outbound_seq: '9000000000000' })
      .where('tenant_id', '=', t.tenantId)
      .execute();
    clock.advance(3_600_000);
    await sweepUntilIdle();
    assert.deepEqual(
      await present('events', 'id', ['eventOld', 'eventOldResolved', 'eventOldDead', 'eventUnfanned', 'eventRecent']),
      ['eventOldDead', 'eventUnfanned', 'eventRecent'],
      'the unresolved dead letter keeps its event; an event not fanned out stays',
    );
  });

  test('settings: ORDO_RETENTION_DAYS over the defaults; bad kinds and days refused', async () => {
    const config = loadConfig({ ORDO_RETENTION_DAYS: 'deliveries=60, jobs=0', ORDO_RETENTION_BATCH: '500' });
    assert.equal(config.retention.days.deliveries, 60);
    assert.equal(config.retention.days.jobs, 0);
    assert.equal(config.retention.days.notifications, 90);
    assert.equal(config.retention.batchSize, 500);
    assert.throws(() => loadConfig({ ORDO_RETENTION_DAYS: 'orders=5' }), /ORDO_RETENTION_DAYS.*unknown kind "orders"/s);
    assert.deepEqual(parseRetentionDays('jobs=x'), { error: '"jobs=x" is not kind=days' });
    await assert.rejects(
      setRetentionOverride(t.store, 'orders', 5),
      (e) => e instanceof AppError && e.errors[0]!.path === '/kind',
    );
    await assert.rejects(
      setRetentionOverride(t.store, 'jobs', -1),
      (e) => e instanceof AppError && e.errors[0]!.path === '/days',
    );
  });
});
