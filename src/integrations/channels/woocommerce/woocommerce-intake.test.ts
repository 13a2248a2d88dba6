import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { grandTotal, sharedFixtures } from '../testing/order-checks.js';
import { wooFixture, wooFixtureOrder } from '../testing/woocommerce-fake.js';
import type { ChannelConnection } from '../types.js';
import { verifyWooSignature } from './woocommerce-connector.js';
import { connector, http, mapped } from './test-fixtures.js';

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
