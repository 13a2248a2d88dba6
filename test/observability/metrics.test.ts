import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { onPostgres, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { newWebhookSecret } from '../../src/integrations/webhooks/signature.js';
import { loadConfig } from '../../src/config.js';
import { tracingEnabled } from '../../src/shared/tracing.js';

/** The value of one series in Prometheus text, by its labels (null when absent). */
function series(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return null;
}

describe('operator metrics at /metrics', () => {
  let t: TestApp;
  const token = 'metryki-токен-1';
  before(async () => {
    t = await testApp({ config: loadConfig({ ORDO_METRICS_TOKEN: token }) });
    await seedBasics(t);
  });
  after(() => t.close());

  const scrape = async () => {
    const r = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.statusCode, 200, r.body);
    return r.body;
  };

  test('a token set in ORDO_METRICS_TOKEN is required', async () => {
    assert.equal((await t.app.inject({ url: '/metrics' })).statusCode, 401);
    const wrong = await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.headers['content-type'] as string, /problem\+json/);
  });

  test('a pending event, a due delivery, a dead letter, a due job, a failed job and an order in exception show with their values', async () => {
    const db = t.database.db;
    const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'https://erp.example.com/hooks/ordo',
      eventTypes: ['order.*'],
      secret: newWebhookSecret(),
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const order = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'METRICS-1' }));
    assert.equal(order.status, 201, JSON.stringify(order.body));
    // start from a quiet outbox and jobs table: only the rows below count
    await sql`update events set fanned_out = true`.execute(db);
    await sql`update jobs set status = 'cancelled' where status = 'scheduled'`.execute(db);
    const slug = (await db.selectFrom('tenants').select('slug').where('id', '=', t.tenantId).executeTakeFirstOrThrow())
      .slug;

    const now = Date.now();
    const event = async (ageSeconds: number, fannedOut: boolean) => {
      const id = uuidv7({ msecs: now - ageSeconds * 1000 });
      const { rows } = await sql<{
        seq: string;
      }>`insert into events (tenant_id, id, type, subject, time, schema_version, payload, fanned_out)
        values (${t.tenantId}, ${id}, 'order.accepted', ${order.body.id}, now(), 1, '{}', ${fannedOut}) returning seq`.execute(
        db,
      );
      return { id, seq: rows[0]!.seq };
    };
    const delivery = async (of: { id: string; seq: string }, status: 'pending' | 'dead', dueSecondsAgo: number) =>
      sql`insert into event_deliveries (tenant_id, id, target, subscription_id, event_id, event_seq, event_type, subject, status, attempts, next_attempt_at)
        values (${t.tenantId}, ${uuidv7()}, ${sub.body.id}, ${sub.body.id}, ${of.id}, ${of.seq}, 'order.accepted', ${order.body.id}, ${status}, 3,
          ${new Date(now - dueSecondsAgo * 1000)})`.execute(db);
    // an event written 120 s ago not yet fanned out; one written 300 s ago whose delivery is due for 30 s
    await event(120, false);
    await delivery(await event(300, true), 'pending', 30);
    await delivery(await event(400, true), 'dead', 0);
    await delivery(await event(410, true), 'dead', 0);
    const job = (kind: string, status: string, runSecondsAgo: number) =>
      sql`insert into jobs (tenant_id, id, kind, payload, run_at, status)
        values (${t.tenantId}, ${uuidv7()}, ${kind}, '{}', ${new Date(now - runSecondsAgo * 1000)}, ${status})`.execute(
        db,
      );
    await job('process.timer', 'scheduled', 90);
    await job('process.timer', 'scheduled', -3600); // not due
    await job('channel.poll', 'failed', 0);
    await sql`insert into order_processes (tenant_id, order_id, definition_key, definition_version, state, status, exception_kind, snapshot, started_at, updated_at)
      values (${t.tenantId}, ${order.body.id}, 'standard', 1, 'payment_check', 'exception', 'payment_failed', '{}', now(), now())`.execute(
      db,
    );

    const text = await scrape();
    assert.equal(series(text, 'ordo_operator_metrics_up'), 1);
    assert.equal(series(text, 'ordo_outbox_unfanned_events'), 1);
    assert.equal(series(text, 'ordo_outbox_pending_deliveries', { state: 'open' }), 1);
    assert.equal(series(text, 'ordo_outbox_pending_deliveries', { state: 'due' }), 1);
    const lag = series(text, 'ordo_outbox_lag_seconds')!;
    assert.ok(lag >= 299 && lag < 360, `outbox lag ${lag}: the oldest undelivered event is 300 s old`);
    const dueLag = series(text, 'ordo_outbox_due_lag_seconds')!;
    assert.ok(dueLag >= 29 && dueLag < 90, `due lag ${dueLag}`);
    assert.equal(series(text, 'ordo_outbox_dead_letters', { tenant: slug, target: sub.body.id, kind: 'webhook' }), 2);
    assert.equal(series(text, 'ordo_jobs_due'), 1);
    const jobLag = series(text, 'ordo_jobs_lag_seconds')!;
    assert.ok(jobLag >= 89 && jobLag < 150, `job lag ${jobLag}`);
    assert.equal(series(text, 'ordo_jobs_failed', { kind: 'channel.poll' }), 1);
    assert.equal(series(text, 'ordo_process_exceptions', { tenant: slug, kind: 'payment_failed' }), 1);
    // the pool of this process: PGlite's one session, or the test pool of 40
    assert.equal(series(text, 'ordo_db_pool_connections', { state: 'max' }), onPostgres ? 40 : 1);
    assert.equal(series(text, 'ordo_db_pool_waiting'), 0);
    assert.ok(series(text, 'ordo_db_pool_acquires', { queued: 'false' })! > 0);
    assert.notEqual(series(text, 'ordo_db_pool_wait_seconds'), null);
    // the embedded database reports its upkeep (the tests' memory database runs none); PostgreSQL has autovacuum: 0
    assert.equal(series(text, 'ordo_embedded_vacuums'), 0);
    assert.match(text, /# TYPE ordo_outbox_delivery_attempts_total counter/);
    assert.match(text, /ordo_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/orders"/);

    // the figures are cached for a few seconds: a new dead letter shows on a later scrape, not this one
    await delivery(await event(420, true), 'dead', 0);
    assert.equal(
      series(await scrape(), 'ordo_outbox_dead_letters', { tenant: slug, target: sub.body.id, kind: 'webhook' }),
      2,
    );
  });

  test('tracing is off by default: no tracer is installed and events carry no trace context', async () => {
    assert.equal(tracingEnabled(), false);
    const order = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'METRICS-2' }));
    assert.equal(order.status, 201);
    const row = await t.store
      .selectFrom('events')
      .select('trace_context')
      .where('subject', '=', order.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.trace_context, null);
    // nothing of the SDK was registered with the OpenTelemetry API's global
    const global = (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')];
    assert.equal(global, undefined);
  });
});
