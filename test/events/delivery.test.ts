import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { newWebhookSecret } from '../../src/integrations/webhooks/signature.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { startReceiver, waitFor } from './receiver.js';
import { loadConfig } from '../../src/config.js';

const bucket = (id: string) => createHash('sha1').update(id).digest()[0]! % 3;

describe('webhook delivery from the outbox', () => {
  let t: TestApp;
  let worker: Worker | undefined;
  // the receiver listens on loopback
  before(async () => {
    t = await testApp({ config: loadConfig({ ORDO_WEBHOOKS_ALLOW_PRIVATE: 'true' }) });
    await seedBasics(t);
  });
  after(async () => {
    await worker?.stop();
    await t.close();
  });

  const allSettled = (subscriptionId: string) =>
    waitFor('deliveries to settle', async () => {
      const { rows } = await sql<{
        open: string;
        total: string;
      }>`select count(*) filter (where status in ('pending', 'delivering')) as open, count(*) as total
      from event_deliveries where subscription_id = ${subscriptionId}`.execute(t.database.db);
      const r = rows[0]!;
      return Number(r.open) === 0 && Number(r.total) > 0 && r;
    });

  test('given an endpoint that fails, stalls past the timeout and recovers, every event arrives, each id takes effect once, in order per order', async () => {
    const secret = newWebhookSecret();
    let total = 0;
    // The first 8 requests meet an outage; then a third of ids fail once, a third stall once past the timeout.
    const rx = await startReceiver(
      () => [secret],
      (d, n) => {
        total++;
        if (total <= 8) return { status: 503, body: 'Serwis niedostępny' };
        if (n > 1) return { status: 200 };
        const b = bucket(d.id);
        return b === 0
          ? { status: 500, body: 'Внутренняя ошибка' }
          : b === 1
            ? { status: 200, stallMs: 1200 }
            : { status: 200 };
      },
    );
    try {
      const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
        url: rx.url,
        eventTypes: ['order.*'],
        secret,
        description: 'ERP Łódź',
      });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      worker = await startWorker({
        db: t.database.db,
        jobs: t.services.jobs,
        listenUrl: t.database.url,
        retry: { baseMs: 20, maxMs: 200, maxAttempts: 30 },
        deliveryTimeoutMs: 700,
        pollMs: 50,
        allowPrivateTargets: true, // the receiver listens on 127.0.0.1
      });

      const ids: string[] = [];
      await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: `FLOW-${i}` }));
          assert.equal(o.status, 201, JSON.stringify(o.body));
          ids.push(o.body.id);
          for (const note of ['Zadzwonić przed dostawą', 'Позвонить заранее']) {
            const p = await t.call('PATCH', `/api/v1/orders/${o.body.id}`, { notes: `${note} ${i}` });
            assert.equal(p.status, 200);
          }
        }),
      );
      await allSettled(sub.body.id);

      const { rows: events } = await sql<{
        id: string;
        subject: string;
        type: string;
      }>`select id, subject, type from events where tenant_id = ${t.tenantId} and type like 'order.%' order by seq`.execute(
        t.database.db,
      );
      assert.equal(events.length, 18);
      assert.deepEqual(new Set(rx.handledIds), new Set(events.map((e) => e.id)), 'every event was received');
      assert.equal(rx.handled.length, events.length, 'each id took effect exactly once');
      assert.ok(rx.requests.length > events.length, 'failures were retried');
      for (const orderId of ids) {
        const expected = events.filter((e) => e.subject === orderId).map((e) => e.id);
        const got = rx.handled.filter((d) => d.subject === orderId).map((d) => d.id);
        assert.deepEqual(got, expected, `events of order ${orderId} arrived in order`);
        assert.deepEqual(
          rx.handled.filter((d) => d.subject === orderId).map((d) => d.type),
          ['order.accepted', 'order.updated', 'order.updated'],
        );
      }
      const accepted = rx.handled.find((d) => d.type === 'order.accepted')!;
      assert.equal(accepted.body.data.currency, 'PLN');
      assert.match(accepted.body.data.grandTotal, /^\d+\.\d{2}$/);

      const deliveries = await t.call('GET', `/api/v1/webhooks/subscriptions/${sub.body.id}/deliveries?limit=500`);
      assert.ok(deliveries.body.items.every((d: any) => d.status === 'succeeded'));
      const retried = deliveries.body.items.find((d: any) => d.attempts > 1);
      const log = await t.call('GET', `/api/v1/webhooks/deliveries/${retried.id}/attempts`);
      assert.equal(log.body.items.length, retried.attempts);
      assert.equal(log.body.items.at(-1).outcome, 'succeeded');
      assert.ok(log.body.items.slice(0, -1).every((a: any) => a.outcome !== 'succeeded'));
      assert.ok(
        log.body.items.some(
          (a: any) =>
            a.outcome === 'timeout' ||
            a.responseExcerpt === 'Serwis niedostępny' ||
            a.responseExcerpt === 'Внутренняя ошибка',
        ),
      );
    } finally {
      await worker?.stop();
      worker = undefined;
      await rx.close();
    }
  });

  test('given an event that keeps failing, it is dead-lettered after N attempts and the next event of the order still goes out', async () => {
    const secret = newWebhookSecret();
    let poisoned: string | null = null;
    const rx = await startReceiver(
      () => [secret],
      (d) => (d.id === poisoned ? { status: 500, body: 'Błąd: magazyn niedostępny' } : { status: 200 }),
    );
    try {
      const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
        url: rx.url,
        eventTypes: ['order.accepted', 'order.updated'],
        secret,
      });
      const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'POISON-1' }));
      const { rows } = await sql<{
        id: string;
      }>`select id from events where subject = ${o.body.id} order by seq`.execute(t.database.db);
      poisoned = rows[0]!.id;
      await t.call('PATCH', `/api/v1/orders/${o.body.id}`, { notes: 'Uwaga' });
      worker = await startWorker({
        db: t.database.db,
        jobs: t.services.jobs,
        retry: { baseMs: 10, maxMs: 50, maxAttempts: 3 },
        // far above any answer's time: under load a 1 s timeout turned a 500 into a timeout attempt
        deliveryTimeoutMs: 30_000,
        pollMs: 30,
        allowPrivateTargets: true,
      });
      await allSettled(sub.body.id);
      const list = await t.call('GET', `/api/v1/webhooks/subscriptions/${sub.body.id}/deliveries?status=dead`);
      assert.equal(list.body.items.length, 1);
      assert.equal(list.body.items[0].eventId, poisoned);
      assert.equal(list.body.items[0].attempts, 3);
      const log = await t.call('GET', `/api/v1/webhooks/deliveries/${list.body.items[0].id}/attempts`);
      assert.deepEqual(
        log.body.items.map((a: any) => [a.attempt, a.statusCode, a.responseExcerpt]),
        [1, 2, 3].map((n) => [n, 500, 'Błąd: magazyn niedostępny']),
      );
      assert.deepEqual(
        rx.handled.filter((d) => d.subject === o.body.id).map((d) => d.type),
        ['order.updated'],
      );

      // Manual replay of the dead event, once the endpoint is fixed.
      poisoned = null;
      const replay = await t.call('POST', `/api/v1/webhooks/subscriptions/${sub.body.id}/replay`, {
        eventId: rows[0]!.id,
      });
      assert.equal(replay.status, 202);
      assert.equal(replay.body.queued, 1);
      await allSettled(sub.body.id);
      assert.ok(rx.handledIds.has(rows[0]!.id));
    } finally {
      await worker?.stop();
      worker = undefined;
      await rx.close();
    }
  });

  test('given a paused endpoint, deliveries wait; on resume they go out; a rotated secret signs with both secrets during the overlap', async () => {
    const first = newWebhookSecret();
    let accepted = [first];
    const rx = await startReceiver(() => accepted);
    try {
      const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
        url: rx.url,
        eventTypes: ['order.accepted'],
        secret: first,
      });
      const paused = await t.call('POST', `/api/v1/webhooks/subscriptions/${sub.body.id}/pause`);
      assert.equal(paused.body.status, 'paused');
      worker = await startWorker({
        db: t.database.db,
        jobs: t.services.jobs,
        retry: { baseMs: 10, maxMs: 50 },
        pollMs: 30,
        allowPrivateTargets: true,
      });
      const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'PAUSE-1' }));
      await waitFor(
        'fan-out',
        async () =>
          (await t.call('GET', `/api/v1/webhooks/subscriptions/${sub.body.id}/deliveries`)).body.items.length === 1,
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(rx.requests.length, 0, 'nothing is sent to a paused endpoint');

      const rotated = await t.call('POST', `/api/v1/webhooks/subscriptions/${sub.body.id}/rotate-secret`, {
        overlapSeconds: 3600,
      });
      assert.equal(rotated.status, 200);
      assert.match(rotated.body.secret, /^whsec_/);
      assert.notEqual(rotated.body.secret, first);
      accepted = [rotated.body.secret];

      await t.call('POST', `/api/v1/webhooks/subscriptions/${sub.body.id}/resume`);
      await allSettled(sub.body.id);
      const d = rx.handled.find((x) => x.subject === o.body.id)!;
      assert.equal(d.signatures, 2, 'old and new secret both sign during the overlap');
      accepted = [first];
      assert.equal(rx.badSignatures(), 0);
    } finally {
      await worker?.stop();
      worker = undefined;
      await rx.close();
    }
  });
});
