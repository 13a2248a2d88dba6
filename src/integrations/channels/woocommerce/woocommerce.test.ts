import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { channelContract } from '../testing/contract.js';
import {
  signWooWebhook,
  startWooFake,
  WOO_FAKE_KEY,
  WOO_FAKE_SECRET,
  WOO_FAKE_WEBHOOK_SECRET,
  wooFixture,
  wooFixtureOrder,
  type WooFake,
} from '../testing/woocommerce-fake.js';
import type { ChannelConnection, ChannelOrder } from '../types.js';
import { parseMoney } from '../../../shared/money.js';
import { createWooCommerceConnector, verifyWooSignature } from './woocommerce-connector.js';
import { mapWooOrder } from './woocommerce-order.js';

const connector = createWooCommerceConnector();
const http = { timeoutMs: 1_500 };

/** Lines − line discounts + shipping − discounts (+ tax when prices exclude it), in minor units. */
function grandTotal(order: ChannelOrder, tax = '0'): bigint {
  const units = (value: string) => {
    const parsed = parseMoney(value, order.currency);
    assert.equal(typeof parsed, 'bigint', `${value} is money`);
    return parsed as bigint;
  };
  let sum = order.pricesIncludeTax ? 0n : units(tax);
  for (const line of order.lines) sum += units(line.unitPrice) * BigInt(line.quantity) - units(line.discount ?? '0');
  for (const shipping of order.shippingLines) sum += units(shipping.amount);
  for (const discount of order.discounts) sum -= units(discount.amount);
  return sum;
}

function sharedFixtures(): string | undefined {
  const candidates = [
    process.env.ORDO_SHARED_FIXTURES,
    path.resolve(process.cwd(), '../shared/fixtures/external'),
    path.resolve(process.cwd(), '../../shared/fixtures/external'),
    '/work/shared/fixtures/external',
  ];
  return candidates.find((dir): dir is string => !!dir && existsSync(dir));
}

function connectionFor(fake: WooFake, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-woo',
    code: 'woo-main',
    kind: 'woocommerce',
    baseUrl: fake.baseUrl,
    credentials: { consumerKey: WOO_FAKE_KEY, consumerSecret: WOO_FAKE_SECRET, webhookSecret: WOO_FAKE_WEBHOOK_SECRET },
    settings,
  };
}

function mapped(raw: unknown, settings: Record<string, unknown> = {}): ChannelOrder {
  const result = mapWooOrder(raw, settings);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.order;
}

function lastNote(fake: WooFake, orderId: number): string {
  return [...fake.notes].reverse().find((note) => note.orderId === orderId)?.note ?? '';
}

channelContract({
  name: 'WooCommerce',
  cancelReasonCode: 'out_of_stock',
  async start() {
    const fake = await startWooFake();
    return {
      connector,
      connection: connectionFor(fake),
      server: fake.server,
      addOrder: async (externalId) => ({ webhook: fake.addOrder(Number(externalId)) }),
      cancelAtChannel: async (externalId) => ({ webhook: fake.cancelAtChannel(Number(externalId)) }),
      confirmedShipments: () =>
        fake.statusChanges
          .filter((change) => change.status === 'completed')
          .map((change) => {
            const note = /^Shipped with (.+?)(?:, tracking number ([^ .]+))?(?: \(|\.$)/.exec(
              lastNote(fake, change.orderId),
            );
            return { externalId: String(change.orderId), carrier: note?.[1] ?? '', trackingNumber: note?.[2] ?? null };
          }),
      sellerCancellations: () =>
        fake.statusChanges
          .filter((change) => change.status === 'cancelled')
          .map((change) => ({
            externalId: String(change.orderId),
            reasonCode: /\(reason: ([^)]+)\)/.exec(lastNote(fake, change.orderId))?.[1] ?? '',
          })),
      stockOf: (offerId) => fake.stock.get(offerId),
      knownOffers: ['93', '22:23', '87'],
      close: () => fake.close(),
    };
  },
});

describe('WooCommerce fixtures map field by field', () => {
  test('retrieve-order fixture (Apache-2.0 docs): ids, lines, money, shipping, payment, addresses', () => {
    const order = mapped(JSON.parse(wooFixture('woo_v3_order_retrieve_response.json')));
    assert.equal(order.externalId, '727');
    assert.equal(order.displayNumber, undefined, 'number equals the id');
    assert.equal(order.externalVersion, '2017-03-22T19:28:08.000Z');
    assert.equal(order.placedAt, '2017-03-22T19:28:02.000Z');
    assert.equal(order.currency, 'USD');
    assert.equal(order.pricesIncludeTax, false);
    assert.equal(order.channelStatus, 'processing');
    assert.deepEqual(
      order.lines.map((line) => [
        line.externalLineId,
        line.offerId,
        line.sellerSku,
        line.name,
        line.quantity,
        line.unitPrice,
        line.discount,
        line.kind,
      ]),
      [
        ['315', '93', undefined, 'Woo Single #1', 2, '3.00', undefined, 'product'],
        ['316', '22:23', 'Bar3', 'Ship Your Idea &ndash; Color: Black, Size: M Test', 1, '12.00', undefined, 'product'],
      ],
    );
    assert.deepEqual(order.lines[1]!.attributes, {
      productId: '22',
      variationId: '23',
      meta: { pa_color: 'black', size: 'M Test' },
    });
    assert.deepEqual(order.shippingLines, [{ code: 'flat_rate', title: 'Flat Rate', amount: '10.00' }]);
    assert.deepEqual(order.discounts, []);
    assert.deepEqual(order.payments, [
      { method: 'bank_transfer', amount: '29.35', status: 'paid', provider: 'Direct Bank Transfer' },
    ]);
    assert.deepEqual(order.customer, { name: 'John Doe', email: 'john.doe@example.com', phone: '(555) 555-5555' });
    assert.deepEqual(order.shippingAddress, {
      name: 'John Doe',
      line1: '969 Market',
      city: 'San Francisco',
      postalCode: '94103',
      region: 'CA',
      country: 'US',
      phone: '(555) 555-5555',
      email: 'john.doe@example.com',
    });
    assert.equal(order.billingAddress?.email, 'john.doe@example.com');
    assert.deepEqual(order.delivery, { method: 'ship', service: 'Flat Rate' });
    assert.equal(grandTotal(order, '1.35'), 2935n, 'the order adds up to total');
  });

  test('list, batch and update fixtures: every order readable; an unpaid completed order has a pending payment', () => {
    const list = JSON.parse(wooFixture('woo_v3_orders_list_response.json')) as unknown[];
    const second = mapped(list[1]);
    assert.equal(second.externalId, '723');
    assert.equal(second.customer?.externalId, '26');
    assert.equal(second.channelStatus, 'completed');
    assert.deepEqual(second.payments, [
      { method: 'bank_transfer', amount: '39.00', status: 'pending', provider: 'Direct bank transfer' },
    ]);
    assert.deepEqual(second.shippingLines, [{ code: 'flat_rate:25', title: 'Flat rate', amount: '10.00' }]);
    const batch = JSON.parse(wooFixture('woo_v3_orders_batch_response.json')) as Record<string, unknown[]>;
    for (const raw of [...batch.create!, ...batch.update!, ...batch.delete!]) mapped(raw);
    const updated = mapped(JSON.parse(wooFixture('woo_v3_order_update_response.json')));
    assert.equal(updated.externalVersion, '2017-03-22T19:30:35.000Z');
  });

  test('the computed HMAC vector (secret my-woo-secret) verifies over the repo copy of the fixture, byte for byte', () => {
    const raw = Buffer.from(wooFixture('woo_v3_order_retrieve_response.json'), 'utf8');
    assert.equal(raw.length, 3467);
    assert.equal(verifyWooSignature(raw, 'my-woo-secret', 'eWs3+AJ4HUtw26XS+WNCRNa+lAC3cYGAswscsFlB3rM='), true);
    assert.equal(verifyWooSignature(raw, 'my-woo-secreT', 'eWs3+AJ4HUtw26XS+WNCRNa+lAC3cYGAswscsFlB3rM='), false);
    assert.equal(verifyWooSignature(raw, 'my-woo-secret', 'eWs3+AJ4HUtw26XS'), false, 'a truncated signature');
  });

  test('the shared HMAC vector verifies over the raw fixture bytes', (t) => {
    const dir = sharedFixtures();
    if (!dir) return t.skip('shared fixtures (webhook-signatures/computed_test_vectors.json) are absent');
    const vectors = JSON.parse(
      readFileSync(path.join(dir, 'webhook-signatures/computed_test_vectors.json'), 'utf8'),
    ) as {
      body_file?: string;
      secret?: string;
      expected_header_value?: string;
    }[];
    const vector = vectors.find((item) => item.body_file === 'woocommerce/woo_v3_order_retrieve_response.json')!;
    const raw = readFileSync(path.join(dir, vector.body_file!));
    assert.equal(verifyWooSignature(raw, vector.secret!, vector.expected_header_value), true);
    const conn: ChannelConnection = {
      id: 'c',
      code: 'woo',
      kind: 'woocommerce',
      baseUrl: connector.defaultBaseUrl,
      credentials: { consumerKey: 'k', consumerSecret: 's', webhookSecret: vector.secret! },
      settings: {},
    };
    const outcome = connector.receiveWebhook!(
      conn,
      {
        headers: { 'X-WC-Webhook-Signature': vector.expected_header_value!, 'X-WC-Webhook-Topic': 'order.created' },
        raw,
      },
      http,
    );
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
    assert.deepEqual(
      outcome.events.map((item) => item.dedupeKey),
      ['order:727:2017-03-22T19:28:08.000Z'],
    );
    const minified = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    assert.equal(verifyWooSignature(minified, vector.secret!, vector.expected_header_value), false);
  });
});

describe('WooCommerce coupons, fees, pickup points, taxes', () => {
  test('coupons are order discounts, positive fees service lines, negative fees discounts or gift-card payments', () => {
    const raw = wooFixtureOrder(1500, '2026-12-01T10:00:00') as Record<string, unknown>;
    raw.currency = 'PLN';
    raw.total = '60.55'; // 68.00 lines + 15.00 shipping − 2.00 − 1.80 + 1.35 tax − 20.00 gift card
    raw.payment_method = 'cod';
    raw.payment_method_title = 'Płatność przy odbiorze';
    raw.date_paid_gmt = null;
    raw.coupon_lines = [{ id: 401, code: 'rabat-10', discount: '1.80', discount_tax: '0.00', meta_data: [] }];
    raw.fee_lines = [
      {
        id: 402,
        name: 'Wniesienie na piętro',
        tax_class: '',
        tax_status: 'taxable',
        total: '50.00',
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
      },
      { id: 403, name: 'Rabat lojalnościowy', total: '-2.00', total_tax: '0.00', taxes: [], meta_data: [] },
      { id: 404, name: 'Karta podarunkowa XY12', total: '-20.00', total_tax: '0.00', taxes: [], meta_data: [] },
    ];
    raw.shipping_lines = [
      {
        id: 317,
        method_title: 'Kurier DPD',
        method_id: 'flat_rate',
        instance_id: '3',
        total: '10.00',
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
      },
      {
        id: 318,
        method_title: 'Dopłata za gabaryt',
        method_id: 'flat_rate',
        instance_id: '4',
        total: '5.00',
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
      },
    ];
    (raw.line_items as Record<string, unknown>[])[0]!.sku = 'ŻÓŁW-001';
    const order = mapped(raw);
    assert.deepEqual(
      order.lines.map((line) => [line.externalLineId, line.kind, line.offerId, line.sellerSku, line.unitPrice]),
      [
        ['315', 'product', '93', 'ŻÓŁW-001', '3.00'],
        ['316', 'product', '22:23', 'Bar3', '12.00'],
        ['402', 'service', 'fee:Wniesienie na piętro', undefined, '50.00'],
      ],
    );
    assert.deepEqual(order.discounts, [
      { target: 'order', amount: '2.00', title: 'Rabat lojalnościowy' },
      { target: 'order', amount: '1.80', code: 'rabat-10' },
    ]);
    assert.deepEqual(order.payments, [
      { method: 'gift_card', amount: '20.00', status: 'paid', provider: 'Karta podarunkowa XY12', reference: '404' },
      { method: 'cash_on_delivery', amount: '60.55', status: 'pending', provider: 'Płatność przy odbiorze' },
    ]);
    assert.equal(
      grandTotal(order, '1.35'),
      8055n,
      'lines, shipping, discounts and tax add up to what the payments cover',
    );
    assert.deepEqual(
      order.shippingLines.map((line) => [line.title, line.amount]),
      [
        ['Kurier DPD', '10.00'],
        ['Dopłata za gabaryt', '5.00'],
      ],
    );
  });

  test('prices_include_tax adds the taxes; rates come from tax_lines rate_percent; uneven unit prices keep the exact subtotal', () => {
    const raw = wooFixtureOrder(1501, '2026-12-01T10:00:00') as Record<string, unknown>;
    raw.prices_include_tax = true;
    raw.tax_lines = [
      {
        id: 318,
        rate_code: 'PL-VAT-1',
        rate_id: 75,
        label: 'VAT',
        compound: false,
        tax_total: '1.35',
        shipping_tax_total: '0.00',
        rate_percent: 23,
      },
    ];
    const lines = raw.line_items as Record<string, unknown>[];
    lines[0]!.quantity = 3;
    lines[0]!.subtotal = '8.13';
    lines[0]!.subtotal_tax = '1.87'; // 10.00 gross for 3 units
    const order = mapped(raw);
    assert.equal(order.pricesIncludeTax, true);
    assert.equal(order.lines[0]!.unitPrice, '3.34');
    assert.equal(order.lines[0]!.discount, '0.02');
    assert.equal(order.lines[0]!.taxRate, '23');
    assert.equal(order.lines[1]!.unitPrice, '12.90');
  });

  test('a parcel locker in order meta becomes the pickup point; the meta key list is configurable; local pickup is a store pickup', () => {
    const raw = wooFixtureOrder(1502, '2026-12-01T10:00:00') as Record<string, unknown>;
    raw.meta_data = [{ id: 1, key: '_paczkomat_id', value: 'KRA01M' }];
    raw.shipping_lines = [
      {
        id: 317,
        method_title: 'InPost Paczkomat 24/7',
        method_id: 'easypack_parcel_machines',
        total: '12.99',
        total_tax: '0.00',
        taxes: [],
        meta_data: [],
      },
    ];
    assert.deepEqual(mapped(raw).delivery, {
      method: 'pickup_point',
      pickupPoint: { provider: 'inpost', id: 'KRA01M' },
      service: 'InPost Paczkomat 24/7',
    });
    const custom = wooFixtureOrder(1503, '2026-12-01T10:00:00') as Record<string, unknown>;
    custom.shipping_lines = [
      {
        id: 317,
        method_title: 'Orlen Paczka',
        method_id: 'orlen',
        total: '9.99',
        meta_data: [{ id: 9, key: 'orlen_point', value: { id: 'POP-WAW123', name: 'Żabka' } }],
      },
    ];
    assert.deepEqual(mapped(custom, { pickupPointMetaKeys: ['orlen_point'] }).delivery.pickupPoint, {
      provider: 'orlen',
      id: 'POP-WAW123',
    });
    const pickup = wooFixtureOrder(1504, '2026-12-01T10:00:00') as Record<string, unknown>;
    pickup.shipping_lines = [
      { id: 317, method_title: 'Odbiór osobisty', method_id: 'local_pickup', total: '0.00', meta_data: [] },
    ];
    assert.equal(mapped(pickup).delivery.method, 'store');
  });
});

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
      let cursor: string | null = JSON.stringify({ since: '2026-12-01T00:00:00.000Z' });
      const ids: string[] = [];
      const unreadable: string[] = [];
      let pages = 0;
      for (;;) {
        const page = await connector.poll!(conn, cursor, http);
        assert.ok(page.ok, page.ok ? '' : page.error.message);
        pages++;
        ids.push(...page.value.events.map((item) => (item.event as { order: ChannelOrder }).order.externalId));
        unreadable.push(...page.value.unreadable.map((item) => item.reason));
        cursor = page.value.cursor;
        if (!page.value.more) break;
      }
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
