import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { grandTotal, sharedFixtures } from '../testing/order-checks.js';
import { fixtureOrder, shopifyFixture, startShopifyFake } from '../testing/shopify-fake.js';
import type { ChannelConnection, ChannelOrder } from '../types.js';
import { verifyShopifyHmac } from './shopify-connector.js';
import { fractionToPercent } from './shopify-order.js';
import { connectionFor, connector, http, mapped } from './test-fixtures.js';

describe('Shopify fixtures map field by field', () => {
  test('python_api order.json (MIT): ids, lines, money, addresses, customer, payments', () => {
    const raw = (JSON.parse(shopifyFixture('shopify_python_api__order.json')) as { order: unknown }).order;
    const order = mapped(raw);
    assert.equal(order.externalId, '450789469');
    assert.equal(order.displayNumber, '#1001');
    assert.equal(order.externalVersion, '2008-01-10T16:00:00.000Z');
    assert.equal(order.placedAt, '2008-01-10T16:00:00.000Z');
    assert.equal(order.currency, 'USD');
    assert.equal(order.pricesIncludeTax, false);
    assert.deepEqual(
      order.lines.map((line) => [
        line.externalLineId,
        line.offerId,
        line.sellerSku,
        line.quantity,
        line.unitPrice,
        line.kind,
      ]),
      [
        ['466157049', '39072856', 'IPOD2008GREEN', 1, '199.00', 'product'],
        ['518995019', '49148385', 'IPOD2008RED', 1, '199.00', 'product'],
        ['703073504', '457924702', 'IPOD2008BLACK', 1, '199.00', 'product'],
      ],
    );
    assert.equal(order.lines[0]!.name, 'IPod Nano - 8gb - green');
    assert.deepEqual(order.lines[0]!.attributes?.properties, [{ name: 'Custom Engraving', value: 'Happy Birthday' }]);
    assert.deepEqual(order.shippingLines, [{ code: 'Free Shipping', title: 'Free Shipping', amount: '0.00' }]);
    // total_discounts is 0.00 (the TENOFF code did not apply): no discount invented from discount_codes
    assert.deepEqual(order.discounts, []);
    assert.deepEqual(order.payments, [
      { method: 'card', amount: '409.94', status: 'authorized', provider: 'authorize_net' },
    ]);
    assert.deepEqual(order.customer, { externalId: '207119551', name: 'Bob Norman', email: 'bob.norman@hostmail.com' });
    assert.deepEqual(order.shippingAddress, {
      name: 'Bob Norman',
      line1: 'Chestnut Street 92',
      city: 'Louisville',
      postalCode: '40202',
      region: 'KY',
      country: 'US',
      phone: '555-625-1199',
      email: 'bob.norman@hostmail.com',
    });
    assert.equal(order.delivery.method, 'ship');
    assert.equal(order.channelStatus, 'authorized/unfulfilled');
    // (this test fixture does not add up by itself: three lines of 199.00 against total_line_items_price 398.00)
  });

  test('fulfillment_integration order.json (MIT) maps the same order with its tax rate', () => {
    const raw = (JSON.parse(shopifyFixture('fulfillment_integration__order.json')) as { order: unknown }).order;
    const order = mapped(raw);
    assert.equal(order.externalId, '450789469');
    assert.equal(order.lines.length, 3);
    assert.equal(order.lines[2]!.sellerSku, 'IPOD2008BLACK');
    assert.equal(order.billingAddress?.name, 'Bob Norman');
  });

  test('the published 2025 orders/* sample (docs, read from ../shared): 64-bit ids exact, total_discounts as order discount, cancellation', (t) => {
    const dir = sharedFixtures();
    const file = dir && path.join(dir, 'shopify/shopify_webhook_orders_sample_payload_2025.json');
    if (!file || !existsSync(file))
      return t.skip(
        'shared fixture shopify_webhook_orders_sample_payload_2025.json is absent (docs-only, not in the repo)',
      );
    const rawBody = readFileSync(file);
    const vectors = JSON.parse(
      readFileSync(path.join(dir!, 'webhook-signatures/computed_test_vectors.json'), 'utf8'),
    ) as {
      secret?: string;
      expected_header_value?: string;
      body_file?: string;
      hmac_of_minified?: string;
    }[];
    const vector = vectors.find(
      (item) => item.body_file === 'shopify/shopify_webhook_orders_sample_payload_2025.json',
    )!;
    const conn: ChannelConnection = {
      id: 'c',
      code: 'shopify',
      kind: 'shopify',
      baseUrl: connector.defaultBaseUrl,
      credentials: { accessToken: 'x', webhookSecret: vector.secret! },
      settings: {},
    };
    const outcome = connector.receiveWebhook!(
      conn,
      {
        headers: { 'X-Shopify-Hmac-Sha256': vector.expected_header_value!, 'X-Shopify-Topic': 'orders/cancelled' },
        raw: rawBody,
      },
      http,
    );
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
    assert.deepEqual(outcome.unreadable, []);
    const orderEvent = outcome.events.find((item) => item.event.type === 'order')!;
    assert.equal(orderEvent.dedupeKey, 'order:820982911946154508:2022-01-01T00:00:00.000Z');
    const order = (orderEvent.event as { order: ChannelOrder }).order;
    assert.equal(order.externalId, '820982911946154508');
    assert.equal(order.displayNumber, '#9999');
    assert.equal(order.customer?.externalId, '115310627314723954');
    assert.deepEqual(
      order.lines.map((line) => [line.externalLineId, line.offerId, line.sellerSku, line.unitPrice]),
      [
        ['487817672276298554', '788032119674292922', 'SKU2006-001', '89.99'],
        ['789012345678901234', 'line:789012345678901234', 'LENS-PROTECT-2YR', '19.99'],
        ['890123456789012345', 'line:890123456789012345', 'CASE-LEATHER-PREM', '24.99'],
        ['976318377106520349', '788032119674292922', 'SKU2006-020', '159.99'],
        ['315789986012684393', '788032119674292922', 'SKU2006-035', '119.99'],
      ],
    );
    assert.equal(order.lines[1]!.attributes?.customItem, true);
    assert.deepEqual(order.shippingLines, [{ code: '271878346596884015', title: 'Generic Shipping', amount: '10.00' }]);
    // 414.95 of lines + 10.00 shipping − 20.00 = 404.95 total_price: the 20.00 is an order-level discount
    assert.deepEqual(order.discounts, [{ target: 'order', amount: '20.00' }]);
    assert.equal(grandTotal(order), 40495n, 'the order adds up to total_price');
    assert.deepEqual(order.payments, [{ method: 'card', amount: '404.95', status: 'pending', provider: 'visa+bogus' }]);
    assert.equal(order.shippingAddress?.company, 'Shipping Company');
    assert.equal(order.channelStatus, 'cancelled');
    const cancelled = outcome.events.find((item) => item.event.type === 'cancelled')!;
    assert.equal(cancelled.dedupeKey, 'cancel:820982911946154508');
    assert.deepEqual(cancelled.event, {
      type: 'cancelled',
      externalId: '820982911946154508',
      reason: 'customer',
      at: '2022-01-01T00:00:00.000Z',
    });
    // the negative vector: the HMAC of a minified re-serialisation does not verify the original bytes,
    // and a minified copy of the body does not verify against the original header
    const negative = vectors.find((item) => item.hmac_of_minified)!;
    assert.equal(verifyShopifyHmac(rawBody, vector.secret!, negative.hmac_of_minified), false);
    const minified = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8'))));
    assert.equal(verifyShopifyHmac(minified, vector.secret!, vector.expected_header_value), false);
    assert.notEqual(
      createHmac('sha256', vector.secret!).update(minified).digest('base64'),
      vector.expected_header_value,
    );
  });
});

describe('Shopify discounts, service lines, gift cards and pickup', () => {
  const base = () => fixtureOrder('1001', '2026-12-01T10:00:00Z') as Record<string, unknown>;

  test('discount_applications: across → order discount, each → line discount, shipping_line → shipping discount', () => {
    const raw = base();
    raw.discount_applications = [
      {
        target_type: 'line_item',
        type: 'discount_code',
        allocation_method: 'across',
        target_selection: 'all',
        code: 'RABAT10',
      },
      {
        target_type: 'line_item',
        type: 'automatic',
        allocation_method: 'each',
        target_selection: 'entitled',
        title: 'Zielone −5',
      },
      {
        target_type: 'shipping_line',
        type: 'discount_code',
        allocation_method: 'each',
        target_selection: 'all',
        code: 'FREESHIP',
      },
    ];
    const lines = raw.line_items as Record<string, unknown>[];
    lines[0]!.discount_allocations = [
      { amount: '3.34', discount_application_index: 0 },
      { amount: '5.00', discount_application_index: 1 },
    ];
    lines[1]!.discount_allocations = [{ amount: '3.33', discount_application_index: 0 }];
    lines[2]!.discount_allocations = [{ amount: '3.33', discount_application_index: 0 }];
    raw.shipping_lines = [
      {
        id: 1,
        code: 'DPD',
        title: 'Kurier DPD',
        price: '15.99',
        discount_allocations: [{ amount: '15.99', discount_application_index: 2 }],
      },
      { id: 2, code: 'INSURANCE', title: 'Ubezpieczenie', price: '2.50' },
      { id: 3, code: 'DHL', title: 'Kurier DHL (zmieniony)', price: '19.99', is_removed: true },
    ];
    const order = mapped(raw);
    assert.deepEqual(order.discounts, [
      { target: 'order', amount: '10.00', code: 'RABAT10' },
      { target: 'shipping', amount: '15.99', code: 'FREESHIP' },
    ]);
    assert.equal(order.lines[0]!.discount, '5.00');
    assert.equal(order.lines[1]!.discount, undefined);
    assert.deepEqual(
      order.shippingLines.map((line) => [line.code, line.title, line.amount]),
      [
        ['DPD', 'Kurier DPD', '15.99'],
        ['INSURANCE', 'Ubezpieczenie', '2.50'],
      ],
    );
  });

  test('requires_shipping false and gift card lines are service lines; tax rate as a percentage string', () => {
    const raw = base();
    const lines = raw.line_items as Record<string, unknown>[];
    lines[1]!.requires_shipping = false;
    lines[1]!.name = 'Montaż — usługa';
    lines[2]!.gift_card = true;
    lines[0]!.tax_lines = [{ price: '37.21', rate: 0.23, title: 'VAT' }];
    raw.taxes_included = true;
    const order = mapped(raw);
    assert.deepEqual(
      order.lines.map((line) => line.kind),
      ['product', 'service', 'service'],
    );
    assert.equal(order.lines[1]!.name, 'Montaż — usługa');
    assert.equal(order.lines[0]!.taxRate, '23');
    assert.equal(order.pricesIncludeTax, true);
    assert.equal(fractionToPercent(0.07), '7');
    assert.equal(fractionToPercent(0.085), '8.5');
    assert.equal(fractionToPercent(0.2), '20');
  });

  test('no customer is allowed; a locker from note attributes becomes the pickup point; local pickup is a store pickup', () => {
    const raw = base();
    delete raw.customer;
    raw.email = null;
    raw.note_attributes = [{ name: 'Paczkomat', value: 'KRA01M' }];
    raw.shipping_lines = [{ code: 'inpost_locker', title: 'InPost Paczkomat 24/7', price: '12.99' }];
    const order = mapped(raw);
    assert.equal(order.customer, undefined);
    assert.deepEqual(order.delivery.pickupPoint, { provider: 'inpost', id: 'KRA01M' });
    assert.equal(order.delivery.method, 'pickup_point');

    const custom = base();
    custom.note_attributes = [{ name: 'punkt_odbioru', value: 'WAW22A' }];
    const configured = mapped(custom, { pickupPointAttributes: ['punkt_odbioru'], pickupPointProvider: 'orlen' });
    assert.deepEqual(configured.delivery.pickupPoint, { provider: 'orlen', id: 'WAW22A' });

    const pickup = base();
    pickup.shipping_address = null;
    pickup.location_id = 905684977;
    pickup.shipping_lines = [
      { code: 'Pickup', title: 'Odbiór osobisty — sklep Kraków', price: '0.00', source: 'shopify' },
    ];
    const store = mapped(pickup);
    assert.equal(store.delivery.method, 'store');
    assert.equal(store.delivery.channelWarehouseId, '905684977');
  });

  test('a gift card with a card: poll fetches the transactions and splits the payments', async () => {
    const fake = await startShopifyFake();
    try {
      const raw = fixtureOrder(5005, '2026-12-01T10:00:00Z');
      raw.payment_gateway_names = ['gift_card', 'shopify_payments'];
      raw.financial_status = 'paid';
      const tx = (
        JSON.parse(shopifyFixture('shopify_python_api__transaction.json')) as { transaction: Record<string, unknown> }
      ).transaction;
      fake.putOrder(raw, [
        { ...tx, id: 1, kind: 'sale', gateway: 'gift_card', amount: '100.00', status: 'success' },
        { ...tx, id: 2, kind: 'authorization', gateway: 'shopify_payments', amount: '309.94', status: 'success' },
        {
          ...tx,
          id: 3,
          kind: 'capture',
          parent_id: 2,
          gateway: 'shopify_payments',
          amount: '309.94',
          status: 'success',
        },
        { ...tx, id: 4, kind: 'sale', gateway: 'shopify_payments', amount: '5.00', status: 'failure' },
      ]);
      const page = await connector.poll!(
        connectionFor(fake),
        JSON.stringify({ since: '2026-11-30T00:00:00.000Z' }),
        http,
      );
      assert.ok(page.ok, page.ok ? '' : page.error.message);
      const order = (page.value.events[0]!.event as { order: ChannelOrder }).order;
      assert.deepEqual(order.payments, [
        { method: 'gift_card', amount: '100.00', status: 'paid', provider: 'gift_card', reference: '1' },
        { method: 'card', amount: '309.94', status: 'paid', provider: 'shopify_payments', reference: '3' },
      ]);
    } finally {
      await fake.close();
    }
  });
});
