import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHOPIFY_FAKE_LOCATION, startShopifyFake } from '../testing/shopify-fake.js';
import { connectionFor, connector, http } from './test-fixtures.js';

describe('Shopify outbound', () => {
  test('confirmShipment walks fulfillment orders and sends tracking_info {company, number, url} for the given lines', async () => {
    const fake = await startShopifyFake();
    try {
      const conn = connectionFor(fake);
      fake.addOrder('9100');
      const result = await connector.confirmShipment(
        conn,
        {
          externalId: '9100',
          lines: [{ externalLineId: '518995019', offerId: '49148385', quantity: 1 }],
          carrier: 'inpost',
          trackingNumber: '620000000000123456789012',
          trackingUrl: 'https://inpost.pl/sledzenie-przesylek?number=620000000000123456789012',
          shippedAt: '2026-12-01T10:00:00Z',
        },
        http,
      );
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      const post = fake.server.requests.find((req) => req.path.endsWith('/fulfillments.json'))!;
      assert.deepEqual(JSON.parse(post.body), {
        fulfillment: {
          line_items_by_fulfillment_order: [
            { fulfillment_order_id: 91001, fulfillment_order_line_items: [{ id: 518995026, quantity: 1 }] },
          ],
          tracking_info: {
            company: 'InPost',
            number: '620000000000123456789012',
            url: 'https://inpost.pl/sledzenie-przesylek?number=620000000000123456789012',
          },
          notify_customer: true,
        },
      });
      // the same line again: nothing left to fulfil
      const twice = await connector.confirmShipment(
        conn,
        {
          externalId: '9100',
          lines: [{ externalLineId: '518995019', offerId: '49148385', quantity: 1 }],
          carrier: 'dpd',
          trackingNumber: null,
          shippedAt: '2026-12-01T10:00:00Z',
        },
        http,
      );
      assert.ok(!twice.ok);
      assert.equal(twice.error.code, 'CHANNEL_REJECTED');
    } finally {
      await fake.close();
    }
  });

  test('cancel sends Shopify reason codes and refuses others before calling', async () => {
    const fake = await startShopifyFake();
    try {
      const conn = connectionFor(fake);
      fake.addOrder('9200');
      const bad = await connector.cancel(conn, { externalId: '9200', reasonCode: 'changed_mind' }, http);
      assert.ok(!bad.ok);
      assert.equal(bad.error.code, 'CHANNEL_REJECTED');
      assert.equal(fake.server.requests.filter((req) => req.path.endsWith('/cancel.json')).length, 0);
      const good = await connector.cancel(conn, { externalId: '9200', reasonCode: 'fraud' }, http);
      assert.ok(good.ok);
      assert.deepEqual(fake.cancellations, [{ externalId: '9200', reasonCode: 'fraud' }]);
      const again = await connector.cancel(conn, { externalId: '9200', reasonCode: 'fraud' }, http);
      assert.ok(!again.ok);
      assert.deepEqual(again.error.channelMessages, ['Order has already been cancelled']);
    } finally {
      await fake.close();
    }
  });

  test('stock: one item per call at the configured location; unknown items are refused, not retried', async () => {
    const fake = await startShopifyFake();
    try {
      assert.deepEqual(connector.stockPush, { batchSize: 1, requestsPerMinute: 120 });
      const conn = connectionFor(fake);
      const result = await connector.pushStock!(
        conn,
        [
          { offerId: '808950810', sellerSku: 'X', quantity: 4, channelWarehouseId: '905684977' },
          { offerId: '111', sellerSku: 'Y', quantity: 1 },
        ],
        http,
      );
      assert.ok(result.ok);
      assert.equal(result.value.accepted, 1);
      assert.deepEqual(result.value.refused, [
        { offerId: '111', reason: 'Inventory item does not have inventory tracking enabled' },
      ]);
      assert.equal(fake.levels.get('808950810@905684977'), 4);
      const sets = fake.server.requests.filter((req) => req.path.endsWith('/inventory_levels/set.json'));
      assert.equal(sets.length, 2);
      assert.deepEqual(JSON.parse(sets[0]!.body), {
        location_id: 905684977,
        inventory_item_id: 808950810,
        available: 4,
      });
      assert.deepEqual(JSON.parse(sets[1]!.body).location_id, Number(SHOPIFY_FAKE_LOCATION));
    } finally {
      await fake.close();
    }
  });
});
