import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixtureOrder, shopifyFixture, signShopifyWebhook, startShopifyFake } from '../testing/shopify-fake.js';
import { pollToEnd } from '../testing/poll-to-end.js';
import type { ReceivedEvent } from '../types.js';
import { parseShopifyJson } from './shopify-schemas.js';
import { connectionFor, connector, http } from './test-fixtures.js';

describe('Shopify webhooks and polling', () => {
  test('redelivery with a new X-Shopify-Webhook-Id keeps the dedupe key; an update makes a new one', async () => {
    const fake = await startShopifyFake();
    try {
      const conn = connectionFor(fake);
      const first = fake.addOrder('7001');
      const body = first.raw.toString('utf8');
      const again = signShopifyWebhook('orders/create', body); // fresh webhook id
      const keys = (delivery: typeof first) => {
        const outcome = connector.receiveWebhook!(conn, delivery, http);
        assert.ok(outcome.ok);
        return outcome.events.map((item: ReceivedEvent) => item.dedupeKey);
      };
      assert.deepEqual(keys(again), keys(first));
      const updated = { ...(JSON.parse(body) as Record<string, unknown>), updated_at: '2030-01-01T00:00:00Z' };
      assert.deepEqual(keys(signShopifyWebhook('orders/updated', JSON.stringify(updated))), [
        'order:7001:2030-01-01T00:00:00.000Z',
      ]);
      const ignored = connector.receiveWebhook!(conn, signShopifyWebhook('products/update', '{"id": 1}'), http);
      assert.ok(ignored.ok);
      assert.equal(ignored.events[0]!.event.type, 'ignored');
      const wrongSecret = signShopifyWebhook('orders/create', body, 'another-secret');
      assert.equal(connector.receiveWebhook!(conn, wrongSecret, http).ok, false);
    } finally {
      await fake.close();
    }
  });

  test('a webhook order that cannot be read goes to unreadable, not thrown', async () => {
    const fake = await startShopifyFake();
    try {
      const broken = { ...fixtureOrder(7002), currency: 'dollars' };
      const outcome = connector.receiveWebhook!(
        connectionFor(fake),
        signShopifyWebhook('orders/create', JSON.stringify(broken)),
        http,
      );
      assert.ok(outcome.ok);
      assert.deepEqual(outcome.events, []);
      assert.equal(outcome.unreadable.length, 1);
      assert.match(outcome.unreadable[0]!.reason, /currency/);
    } finally {
      await fake.close();
    }
  });

  test('polling follows Link page_info, keeps the window while paginating, then moves the cursor to the last updated_at', async () => {
    const fake = await startShopifyFake({ pageSize: 2 });
    try {
      const conn = connectionFor(fake);
      for (let index = 0; index < 5; index++) fake.putOrder(fixtureOrder(8000 + index, `2026-12-01T10:0${index}:00Z`));
      // python_api orders.json (MIT): an order without line_items is unreadable, the page goes on
      const listed = (
        JSON.parse(shopifyFixture('shopify_python_api__orders.json')) as { orders: Record<string, unknown>[] }
      ).orders[0]!;
      fake.putOrder({ ...listed, id: 8100, updated_at: '2026-12-01T10:09:00Z' } as Record<string, unknown> & {
        id: number;
        updated_at: string;
      });
      const since = JSON.stringify({ since: '2026-12-01T00:00:00.000Z' });
      const { pages, ids, unreadable, cursor } = await pollToEnd(connector, conn, since, http, (next) =>
        assert.ok(JSON.parse(next!).pageInfo, 'mid-pagination the cursor carries page_info'),
      );
      assert.equal(pages, 3);
      assert.deepEqual(ids, ['8000', '8001', '8002', '8003', '8004']);
      assert.deepEqual(unreadable, ['the order has no line items']);
      assert.deepEqual(JSON.parse(cursor!), { since: '2026-12-01T10:09:00.000Z' });
      const pageRequests = fake.server.requests.filter((req) => req.path.endsWith('/orders.json'));
      assert.equal(pageRequests[0]!.query.get('updated_at_min'), '2026-12-01T00:00:00.000Z');
      assert.equal(pageRequests[0]!.query.get('status'), 'any');
      assert.equal(pageRequests[0]!.query.get('limit'), '250');
      assert.equal(pageRequests[1]!.query.get('updated_at_min'), null, 'page_info goes alone');
      // the next poll overlaps at the boundary: the same fact gives the same key
      const again = await connector.poll!(conn, cursor, http);
      assert.ok(again.ok);
      assert.deepEqual(
        again.value.unreadable.map((item) => item.dedupeKey),
        ['unreadable:8100:2026-12-01T10:09:00Z'],
      );
    } finally {
      await fake.close();
    }
  });

  test('a page_info Shopify refuses restarts the run from its window instead of stalling', async () => {
    const fake = await startShopifyFake();
    try {
      fake.putOrder(fixtureOrder(8200, '2026-12-01T10:00:00Z'));
      const page = await connector.poll!(
        connectionFor(fake),
        JSON.stringify({
          since: '2026-12-01T00:00:00.000Z',
          pageInfo: 'expired-token',
          maxSeen: '2026-12-01T09:00:00.000Z',
        }),
        http,
      );
      assert.ok(page.ok, page.ok ? '' : page.error.message);
      assert.deepEqual(
        page.value.events.map((item) => item.dedupeKey),
        ['order:8200:2026-12-01T10:00:00.000Z'],
      );
      assert.deepEqual(JSON.parse(page.value.cursor!), { since: '2026-12-01T10:00:00.000Z' });
    } finally {
      await fake.close();
    }
  });

  test('big ids survive JSON: integers of 16+ digits become strings, others stay numbers', () => {
    assert.deepEqual(
      parseShopifyJson(
        '{"id": 820982911946154508, "n": 12, "s": "9007199254740993123", "f": -1.5, "a":[1234567890123456789]}',
      ),
      {
        id: '820982911946154508',
        n: 12,
        s: '9007199254740993123',
        f: -1.5,
        a: ['1234567890123456789'],
      },
    );
  });
});
