import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { channelContract } from '../testing/contract.js';
import {
  fixtureOrder,
  SHOPIFY_FAKE_LOCATION,
  SHOPIFY_FAKE_SECRET,
  SHOPIFY_FAKE_TOKEN,
  shopifyFixture,
  signShopifyWebhook,
  startShopifyFake,
  type ShopifyFake,
} from '../testing/shopify-fake.js';
import type { ChannelConnection, ChannelOrder, ReceivedEvent } from '../types.js';
import { parseMoney } from '../../../shared/money.js';
import { createShopifyConnector, verifyShopifyHmac } from './shopify-connector.js';
import { fractionToPercent, mapShopifyOrder } from './shopify-order.js';
import { parseShopifyJson } from './shopify-schemas.js';

const connector = createShopifyConnector();
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

function connectionFor(fake: ShopifyFake, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-shopify',
    code: 'shopify-main',
    kind: 'shopify',
    baseUrl: fake.baseUrl,
    credentials: { accessToken: SHOPIFY_FAKE_TOKEN, webhookSecret: SHOPIFY_FAKE_SECRET },
    settings: { locationId: SHOPIFY_FAKE_LOCATION, ...settings },
  };
}

function mapped(raw: unknown, settings: Record<string, unknown> = {}): ChannelOrder {
  const result = mapShopifyOrder(raw, settings);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.order;
}

channelContract({
  name: 'Shopify',
  cancelReasonCode: 'inventory',
  async start() {
    const fake = await startShopifyFake();
    return {
      connector,
      connection: connectionFor(fake),
      server: fake.server,
      addOrder: async (externalId) => ({ webhook: fake.addOrder(externalId) }),
      cancelAtChannel: async (externalId) => ({ webhook: fake.cancelAtChannel(externalId) }),
      confirmedShipments: () => fake.shipments,
      sellerCancellations: () => fake.cancellations,
      stockOf: (offerId) => fake.levels.get(`${offerId}@${SHOPIFY_FAKE_LOCATION}`),
      // one inventory item: a Shopify stock batch is a single item (batchSize 1)
      knownOffers: ['39072856'],
      close: () => fake.close(),
    };
  },
});

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
      const ids: string[] = [];
      const unreadable: string[] = [];
      let cursor: string | null = since;
      let pages = 0;
      for (;;) {
        const page = await connector.poll!(conn, cursor, http);
        assert.ok(page.ok, page.ok ? '' : page.error.message);
        pages++;
        ids.push(...page.value.events.map((item) => (item.event as { order: ChannelOrder }).order.externalId));
        unreadable.push(...page.value.unreadable.map((item) => item.reason));
        cursor = page.value.cursor;
        if (!page.value.more) break;
        assert.ok(JSON.parse(cursor!).pageInfo, 'mid-pagination the cursor carries page_info');
      }
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
