import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startWooFake } from '../testing/woocommerce-fake.js';
import { connectionFor, connector, http } from './test-fixtures.js';

describe('WooCommerce outbound', () => {
  test('confirmShipment completes the order, notes carrier and tracking, and writes Shipment Tracking meta when enabled', async () => {
    const fake = await startWooFake();
    try {
      fake.addOrder(3000);
      const conn = connectionFor(fake, { shipmentTrackingExtension: true });
      const result = await connector.confirmShipment(
        conn,
        {
          externalId: '3000',
          lines: [],
          carrier: 'inpost',
          trackingNumber: '620000000000123456789012',
          trackingUrl: 'https://inpost.pl/sledzenie-przesylek?number=620000000000123456789012',
          shippedAt: '2026-12-01T10:00:00Z',
        },
        http,
      );
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      assert.equal(fake.orders.get(3000)!.status, 'completed');
      const items = (fake.orders.get(3000)!.meta_data as { key: string; value: Record<string, string>[] }[]).find(
        (meta) => meta.key === '_wc_shipment_tracking_items',
      )!.value;
      assert.equal(items[0]!.tracking_provider, 'InPost');
      assert.equal(items[0]!.tracking_number, '620000000000123456789012');
      assert.equal(items[0]!.date_shipped, '1796119200');
      assert.deepEqual(fake.notes.at(-1), {
        orderId: 3000,
        note: 'Shipped with InPost, tracking number 620000000000123456789012 (https://inpost.pl/sledzenie-przesylek?number=620000000000123456789012).',
        customerNote: true,
      });
      const missing = await connector.confirmShipment(
        conn,
        { externalId: '404404', lines: [], carrier: 'dpd', trackingNumber: 'X', shippedAt: '2026-12-01T10:00:00Z' },
        http,
      );
      assert.ok(!missing.ok);
      assert.equal(missing.error.code, 'CHANNEL_REJECTED');
      assert.deepEqual(missing.error.channelMessages, ['woocommerce_rest_shop_order_invalid_id: Invalid ID.']);
    } finally {
      await fake.close();
    }
  });

  test('cancel sets status cancelled and writes the reason (Polish text intact) in a note', async () => {
    const fake = await startWooFake();
    try {
      fake.addOrder(3100);
      const result = await connector.cancel(
        connectionFor(fake, { customerNote: false }),
        { externalId: '3100', reasonCode: 'out_of_stock', reasonText: 'Brak towaru — przepraszamy, źle policzyliśmy' },
        http,
      );
      assert.ok(result.ok);
      assert.equal(fake.orders.get(3100)!.status, 'cancelled');
      assert.deepEqual(fake.notes.at(-1), {
        orderId: 3100,
        note: 'Order cancelled by the seller (reason: out_of_stock): Brak towaru — przepraszamy, źle policzyliśmy',
        customerNote: false,
      });
    } finally {
      await fake.close();
    }
  });

  test('stock: products and variations go to their batch endpoints, at most 100 per request; unknown ids are refused', async () => {
    const fake = await startWooFake();
    try {
      assert.deepEqual(connector.stockPush, { batchSize: 100, requestsPerMinute: 60 });
      for (let index = 0; index < 150; index++) fake.stock.set(String(5000 + index), 0);
      const items = [
        ...Array.from({ length: 150 }, (_, index) => ({
          offerId: String(5000 + index),
          sellerSku: `S${index}`,
          quantity: index,
        })),
        { offerId: '22:23', sellerSku: 'Bar3', quantity: 7 },
        { offerId: '22:99', sellerSku: 'Bar9', quantity: 1 },
        { offerId: 'abc', sellerSku: 'ABC', quantity: 1 },
      ];
      const result = await connector.pushStock!(connectionFor(fake), items, http);
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      assert.equal(result.value.accepted, 151);
      assert.deepEqual(result.value.refused, [
        { offerId: 'abc', reason: 'not a WooCommerce product id ("123" or "parent:variation")' },
        { offerId: '22:99', reason: 'Invalid ID.' },
      ]);
      assert.equal(fake.stock.get('5149'), 149);
      assert.equal(fake.stock.get('22:23'), 7);
      const batches = fake.server.requests.filter((req) => req.path.endsWith('/batch'));
      assert.deepEqual(
        batches.map((req) => [
          req.path.replace('/wp-json/wc/v3', ''),
          (JSON.parse(req.body) as { update: unknown[] }).update.length,
        ]),
        [
          ['/products/batch', 100],
          ['/products/batch', 50],
          ['/products/22/variations/batch', 2],
        ],
      );
      assert.deepEqual((JSON.parse(batches[2]!.body) as { update: unknown[] }).update[0], {
        id: 23,
        stock_quantity: 7,
        manage_stock: true,
      });
    } finally {
      await fake.close();
    }
  });
});
