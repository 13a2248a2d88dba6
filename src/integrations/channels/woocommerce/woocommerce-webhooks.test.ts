import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  signWooWebhook,
  startWooFake,
  WOO_FAKE_KEY,
  WOO_FAKE_SECRET,
  wooFixtureOrder,
} from '../testing/woocommerce-fake.js';
import { pollToEnd } from '../testing/poll-to-end.js';
import { connectionFor, connector, http } from './test-fixtures.js';

describe('WooCommerce webhooks and polling', () => {
  test('the creation ping is answered 200 and ignored; other topics are ignored; a bad signature is refused', async () => {
    const fake = await startWooFake();
    try {
      const conn = connectionFor(fake);
      const ping = connector.receiveWebhook!(
        conn,
        { headers: { 'content-type': 'application/x-www-form-urlencoded' }, raw: Buffer.from('webhook_id=42') },
        http,
      );
      assert.ok(ping.ok);
      assert.deepEqual(ping.reply, { status: 200, body: { ok: true } });
      assert.equal(ping.events[0]!.event.type, 'ignored');
      const product = connector.receiveWebhook!(conn, signWooWebhook('product.updated', '{"id": 93}'), http);
      assert.ok(product.ok);
      assert.equal(product.events[0]!.event.type, 'ignored');
      const body = JSON.stringify(wooFixtureOrder(1600));
      assert.equal(
        connector.receiveWebhook!(conn, signWooWebhook('order.created', body, 'not-the-secret'), http).ok,
        false,
      );
      const draft = connector.receiveWebhook!(
        conn,
        signWooWebhook('order.created', JSON.stringify({ ...wooFixtureOrder(1601), status: 'checkout-draft' })),
        http,
      );
      assert.ok(draft.ok);
      assert.deepEqual(
        draft.events.map((item) => item.event),
        [{ type: 'ignored', reason: 'checkout draft (not placed yet)' }],
      );
      const deleted = connector.receiveWebhook!(conn, signWooWebhook('order.deleted', '{"id": 1600}'), http);
      assert.ok(deleted.ok);
      assert.deepEqual(deleted.events[0], {
        dedupeKey: 'delete:1600',
        event: { type: 'status', externalId: '1600', status: 'deleted' },
        raw: { id: 1600 },
      });
    } finally {
      await fake.close();
    }
  });

  test('a redelivery (new delivery id) keeps the key; a cancelled order yields a cancellation; a bad order is unreadable', async () => {
    const fake = await startWooFake();
    try {
      const conn = connectionFor(fake);
      const first = fake.addOrder(1700);
      const again = signWooWebhook('order.created', first.raw.toString('utf8'));
      const keys = (delivery: typeof first) => {
        const outcome = connector.receiveWebhook!(conn, delivery, http);
        assert.ok(outcome.ok);
        return outcome.events.map((item) => item.dedupeKey);
      };
      assert.deepEqual(keys(again), keys(first));
      const cancelled = connector.receiveWebhook!(conn, fake.cancelAtChannel(1700), http);
      assert.ok(cancelled.ok);
      assert.deepEqual(
        cancelled.events.map((item) => item.event.type),
        ['order', 'cancelled'],
      );
      assert.equal(cancelled.events[1]!.dedupeKey, 'cancel:1700');
      const broken = {
        ...wooFixtureOrder(1701, '2026-12-01T10:00:00'),
        line_items: [{ id: 1, name: 'x', product_id: 5, quantity: 1, subtotal: '1,50', total: '1.50' }],
      };
      const outcome = connector.receiveWebhook!(conn, signWooWebhook('order.created', JSON.stringify(broken)), http);
      assert.ok(outcome.ok);
      assert.deepEqual(outcome.events, []);
      assert.equal(outcome.unreadable[0]!.dedupeKey, 'unreadable:1701:2026-12-01T10:00:00');
      assert.match(outcome.unreadable[0]!.reason, /subtotal/);
    } finally {
      await fake.close();
    }
  });

  test('polling pages by X-WP-TotalPages with orderby=modified asc and moves the cursor to the last change', async () => {
    const fake = await startWooFake();
    try {
      const conn = connectionFor(fake);
      for (let index = 0; index < 205; index++)
        fake.putOrder(
          wooFixtureOrder(
            2000 + index,
            `2026-12-01T10:${String(Math.floor(index / 60)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}`,
          ),
        );
      fake.putOrder({ ...wooFixtureOrder(2999, '2026-12-01T11:00:00'), currency: 'zł' });
      const since = JSON.stringify({ since: '2026-12-01T00:00:00.000Z' });
      const { pages, ids, unreadable, cursor } = await pollToEnd(connector, conn, since, http);
      assert.equal(pages, 3);
      assert.equal(ids.length, 205);
      assert.equal(new Set(ids).size, 205);
      assert.deepEqual(unreadable, ['unknown currency zł']);
      assert.deepEqual(JSON.parse(cursor!), { since: '2026-12-01T10:59:59.000Z' });
      const first = fake.server.requests.find((req) => req.path.endsWith('/orders'))!;
      assert.equal(first.query.get('modified_after'), '2026-12-01T00:00:00');
      assert.equal(first.query.get('per_page'), '100');
      assert.equal(first.query.get('orderby'), 'modified');
      assert.equal(first.query.get('order'), 'asc');
      assert.equal(
        first.headers.authorization,
        `Basic ${Buffer.from(`${WOO_FAKE_KEY}:${WOO_FAKE_SECRET}`).toString('base64')}`,
      );
      // the next run overlaps by a second: only the boundary order comes again, under the same key
      const again = await connector.poll!(conn, cursor, http);
      assert.ok(again.ok);
      assert.deepEqual(
        again.value.unreadable.map((item) => item.dedupeKey),
        ['unreadable:2999:2026-12-01T11:00:00'],
      );
    } finally {
      await fake.close();
    }
  });

  test('query-string auth sends the keys as consumer_key/consumer_secret', async () => {
    const fake = await startWooFake();
    try {
      const result = await connector.testConnection(connectionFor(fake, { queryStringAuth: true }), http);
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      const req = fake.server.requests.at(-1)!;
      assert.equal(req.headers.authorization, undefined);
      assert.equal(req.query.get('consumer_key'), WOO_FAKE_KEY);
    } finally {
      await fake.close();
    }
  });
});
