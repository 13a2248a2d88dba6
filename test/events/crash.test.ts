import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { freshDatabase, onPostgres } from '../support.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createTenant } from '../../src/app/identity/create-tenant.js';
import { scope, type TenantScope, transaction } from '../../src/store/tenant-scope.js';
import { emitEvents, type NewEvent } from '../../src/app/events/emit-event.js';
import { createSubscription } from '../../src/app/events/subscriptions.js';
import { systemActor } from '../../src/store/history.js';
import { systemClock } from '../../src/shared/clock.js';
import { newWebhookSecret } from '../../src/integrations/webhooks/signature.js';
import { startReceiver, waitFor } from './receiver.js';
import { exited, spawnWorker } from './processes.js';

const allowAll = { allowPrivate: true, selfHosts: [] };

function orderEvents(orders: string[], perOrder: number): NewEvent[] {
  const out: NewEvent[] = [];
  for (let n = 0; n < perOrder; n++) {
    for (const orderId of orders) {
      out.push({
        type: 'order.state_changed',
        subject: orderId,
        payload: { orderId, from: n ? `s${n - 1}` : null, to: `s${n}` },
      });
    }
  }
  return out;
}

async function seed(database: Database, url: string, secret: string, events: NewEvent[]) {
  const t = await createTenant(database.db, {
    slug: `crash-${Date.now()}`,
    name: 'Hurtownia Świętokrzyska',
    admin: { email: `a${Date.now()}@example.pl`, name: 'Jan Kowalski', password: 'correct horse battery staple' },
  });
  const s: TenantScope = scope(database.db, t.tenantId);
  const sub = await transaction(s, (tx) =>
    createSubscription(tx, systemActor, systemClock, allowAll, { url, eventTypes: ['order.*'], secret }),
  );
  for (let i = 0; i < events.length; i += 50) await transaction(s, (tx) => emitEvents(tx, events.slice(i, i + 50)));
  return { tenantId: t.tenantId, subscriptionId: sub.id };
}

async function checkAllDelivered(
  database: Database,
  subscriptionId: string,
  handled: { id: string; subject: string }[],
) {
  const { rows: events } = await sql<{
    id: string;
    subject: string;
  }>`select id, subject from events where type = 'order.state_changed' order by seq`.execute(database.db);
  const { rows: open } = await sql<{
    n: string;
  }>`select count(*) as n from event_deliveries where subscription_id = ${subscriptionId} and status <> 'succeeded'`.execute(
    database.db,
  );
  assert.equal(Number(open[0]!.n), 0, 'every delivery succeeded');
  assert.deepEqual(new Set(handled.map((h) => h.id)), new Set(events.map((e) => e.id)), 'nothing was lost');
  assert.equal(handled.length, events.length, 'each id took effect once at the receiver');
  for (const subject of new Set(events.map((e) => e.subject))) {
    assert.deepEqual(
      handled.filter((h) => h.subject === subject).map((h) => h.id),
      events.filter((e) => e.subject === subject).map((e) => e.id),
      `order kept for ${subject}`,
    );
  }
}

describe('worker processes', () => {
  let dir: string | undefined;
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('given a worker killed with SIGKILL mid-delivery, a restarted worker delivers everything, nothing lost, order kept', async () => {
    const secret = newWebhookSecret();
    let requests = 0;
    // A slow endpoint, so deliveries are in flight when the worker dies.
    const rx = await startReceiver(
      () => [secret],
      () => {
        requests++;
        return { status: 200, stallMs: 150 };
      },
    );
    let database: Database & { url?: string };
    let env: Record<string, string>;
    if (onPostgres) {
      database = await freshDatabase();
      env = { DATABASE_URL: database.url! };
    } else {
      dir = mkdtempSync(join(tmpdir(), 'ordo-crash-'));
      database = await openDatabase({ dataDir: dir });
      await migrateToLatest(database.db);
      env = { ORDO_DATA_DIR: dir };
    }
    const orders = ['zamówienie-1', 'zamówienie-2', 'заказ-3', 'заказ-4'];
    const { subscriptionId } = await seed(database, rx.url, secret, orderEvents(orders, 8));
    if (!onPostgres) await database.close(); // the embedded database allows one process at a time
    const workerEnv = {
      ...env,
      ORDO_WORKER_CONCURRENCY: '4',
      ORDO_WEBHOOK_TIMEOUT_MS: '2000',
      ORDO_LEASE_MS: '4000',
      ORDO_RETRY_BASE_MS: '50',
      ORDO_POLL_MS: '50',
      ORDO_WEBHOOKS_ALLOW_PRIVATE: 'true', // the receiver listens on 127.0.0.1
    };
    try {
      const first = await spawnWorker(workerEnv);
      await waitFor('some deliveries', async () => rx.handled.length >= 6);
      first.kill('SIGKILL');
      await exited(first);
      assert.equal(first.signalCode, 'SIGKILL');
      const beforeRestart = rx.handled.length;
      assert.ok(beforeRestart < 32, 'killed before it finished');

      const second = await spawnWorker(workerEnv);
      await waitFor('all events at the receiver', async () => rx.handledIds.size >= 32, 60_000);
      second.kill('SIGTERM');
      await exited(second);
      assert.equal(second.exitCode, 0, second.output());
      const check = onPostgres ? database : await openDatabase({ dataDir: dir });
      try {
        await checkAllDelivered(check, subscriptionId, rx.handled);
      } finally {
        if (!onPostgres) await check.close();
      }
      assert.ok(requests >= 32);
    } finally {
      if (onPostgres) await database.close();
      await rx.close();
    }
  });

  test(
    'given two worker processes against one PostgreSQL, no attempt is delivered twice',
    { skip: !onPostgres && 'needs PostgreSQL (TEST_DATABASE_URL): the embedded database serves one process' },
    async () => {
      const secret = newWebhookSecret();
      const rx = await startReceiver(() => [secret]);
      const database = await freshDatabase();
      const env = {
        DATABASE_URL: database.url!,
        ORDO_WORKER_CONCURRENCY: '8',
        ORDO_POLL_MS: '20',
        ORDO_WEBHOOKS_ALLOW_PRIVATE: 'true',
      };
      const workers = await Promise.all([
        spawnWorker({ ...env, ORDO_WORKER_ID: 'w1' }),
        spawnWorker({ ...env, ORDO_WORKER_ID: 'w2' }),
      ]);
      try {
        const orders = Array.from({ length: 20 }, (_, i) => `order-${i}`);
        const { subscriptionId } = await seed(database, rx.url, secret, orderEvents(orders, 10));
        await waitFor('all events at the receiver', async () => rx.handledIds.size >= 200, 60_000);
        await new Promise((r) => setTimeout(r, 300)); // a duplicate, if any, would arrive now
        const pairs = rx.requests.map((r) => `${r.id}#${r.attempt}`);
        assert.equal(new Set(pairs).size, pairs.length, 'no (event, attempt) arrived twice');
        assert.equal(rx.requests.length, 200, 'with an always-healthy endpoint, every event arrives exactly once');
        await checkAllDelivered(database, subscriptionId, rx.handled);
        const { rows } = await sql<{ worker: string }>`select distinct worker from delivery_attempts`.execute(
          database.db,
        );
        assert.deepEqual(rows.map((r) => r.worker).sort(), ['w1', 'w2'], 'both workers took part');
      } finally {
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map(exited));
        await database.close();
        await rx.close();
      }
    },
  );
});
