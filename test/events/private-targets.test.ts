import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { loadConfig } from '../../src/config.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { newWebhookSecret } from '../../src/integrations/webhooks/signature.js';
import { postWebhook, publicOnlyLookup } from '../../src/integrations/webhooks/http-sender.js';
import { startReceiver, waitFor } from './receiver.js';

/**
 * Issue 20: a webhook endpoint is judged by the address its name resolves to, as the worker
 * connects, not only by its name when it is saved. `localhost` passes no literal-address check
 * and resolves to 127.0.0.1 (or ::1): with private targets not allowed, nothing reaches it.
 */
describe('webhook targets are checked at delivery', () => {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  before(async () => {
    rx = await startReceiver(() => [secret]);
  });
  after(() => rx.close());

  const byName = () => `http://localhost:${rx.port}/hooks/ordo`;

  test('the resolver the socket connects with hands over no private address', async () => {
    const refused = await new Promise<Error | null>((resolve) =>
      publicOnlyLookup('localhost', { all: true }, (err) => resolve(err)),
    );
    assert.match(String(refused?.message), /localhost resolves to .*not allowed/);
  });

  test('a name resolving to 127.0.0.1 is refused when private targets are not allowed, reached when they are', async () => {
    const before = rx.requests.length;
    for (const url of [byName(), rx.url, `http://[::ffff:7f00:1]:${rx.port}/hooks/ordo`]) {
      const r = await postWebhook(url, {}, '{}', 2000, { allowPrivate: false });
      assert.equal(r.outcome, 'error', url);
      assert.match(String(r.error), /not allowed/, url);
    }
    assert.equal(rx.requests.length, before, 'no request reached the receiver');
    const allowed = await postWebhook(byName(), {}, '{}', 2000, { allowPrivate: true });
    assert.equal(allowed.statusCode, 401, 'reached (the receiver refuses the unsigned body)');
  });

  describe('through the worker', () => {
    let t: TestApp;
    let worker: Worker | undefined;
    before(async () => {
      // saved while private targets were allowed (or by a name that looked public then)
      t = await testApp({ config: loadConfig({ ORDO_WEBHOOKS_ALLOW_PRIVATE: 'true' }) });
      await seedBasics(t);
    });
    after(async () => {
      await worker?.stop();
      await t.close();
    });

    test('a delivery to a name resolving to a private address fails with the reason, and nothing arrives', async () => {
      const sub = await t.call('POST', '/api/v1/webhooks/subscriptions', {
        url: byName(),
        eventTypes: ['order.accepted'],
        secret,
      });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      const before = rx.requests.length;
      worker = await startWorker({
        db: t.database.db,
        jobs: t.services.jobs,
        retry: { baseMs: 10, maxMs: 20, maxAttempts: 2 },
        pollMs: 30,
        allowPrivateTargets: false,
      });
      const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'SSRF-1' }));
      assert.equal(o.status, 201);
      await waitFor('the delivery is dead', async () => {
        const { rows } = await sql<{ n: string }>`select count(*) as n from event_deliveries
          where subscription_id = ${sub.body.id} and status = 'dead'`.execute(t.database.db);
        return Number(rows[0]!.n) === 1;
      });
      const deliveries = await t.call('GET', `/api/v1/webhooks/subscriptions/${sub.body.id}/deliveries`);
      const attempts = await t.call('GET', `/api/v1/webhooks/deliveries/${deliveries.body.items[0].id}/attempts`);
      assert.equal(attempts.body.items.length, 2);
      for (const a of attempts.body.items) {
        assert.equal(a.outcome, 'error');
        assert.match(a.error, /localhost resolves to .*not allowed/);
      }
      assert.equal(rx.requests.length, before, 'nothing reached the receiver');
    });
  });
});
