import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { channelContract } from '../testing/contract.js';
import { amazonSampleItems, amazonSampleOrder, startAmazonFake, type AmazonFake } from '../testing/amazon-fake.js';
import type { ChannelConnection, ChannelConnector, ChannelHttpOptions, ChannelOrder, ReceivedEvent } from '../types.js';
import { AMAZON_RELAY_SECRET_HEADER, createAmazonConnector } from './amazon-connector.js';
import { readOrderChangeNotification } from './amazon-notifications.js';
import { readAmazonOrder } from './amazon-order.js';
import { amazonCarrier } from './amazon-outbound.js';

const http: ChannelHttpOptions = { timeoutMs: 2_000 };
const CREDS = {
  clientId: 'amzn1.application-oa2-client.test',
  clientSecret: 'lwa-secret',
  refreshToken: 'Atzr|refresh-test',
};
const SELLER = 'A3TH9S8BH6GOGM';
const MARKET = 'ATVPDKIKX0DER';
const RELAY_SECRET = 'relay-shared-secret-ąę';

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/amazon/${name}`, import.meta.url), 'utf8'));

function startFake(extra: { skus?: string[]; itemsPageSize?: number } = {}): Promise<AmazonFake> {
  return startAmazonFake({ ...CREDS, sellerId: SELLER, marketplaceId: MARKET, ...extra });
}

function connectionFor(server: { url: string }, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-amazon',
    code: 'amazon-us',
    kind: 'amazon',
    baseUrl: server.url,
    credentials: { ...CREDS, webhookSecret: RELAY_SECRET },
    settings: { marketplaceIds: [MARKET], sellerId: SELLER, tokenUrl: `${server.url}/auth/o2/token`, ...settings },
  };
}

/**
 * ORDER_CHANGE notifications carry no prices, so they cannot bring a new order in: for the
 * contract Amazon is a polled channel and its relay intake is tested on its own below.
 */
function pollingView(connector: ChannelConnector): ChannelConnector {
  const { receiveWebhook: _relayOnly, ...polled } = connector;
  return polled;
}

channelContract({
  name: 'Amazon SP-API',
  cancelReasonCode: 'NoInventory',
  async start() {
    const server = await startFake();
    return {
      connector: pollingView(createAmazonConnector()),
      connection: connectionFor(server),
      server,
      async addOrder(externalId) {
        server.addOrder(externalId);
        return {};
      },
      async cancelAtChannel(externalId) {
        server.cancelOrder(externalId);
        return {};
      },
      confirmedShipments: () =>
        server.shipments.map((shipment) => ({
          externalId: shipment.orderId,
          trackingNumber: shipment.packageDetail.trackingNumber ?? null,
          carrier: shipment.packageDetail.carrierName ?? shipment.packageDetail.carrierCode,
        })),
      sellerCancellations: () =>
        server.cancellations.map((entry) => ({ externalId: entry.orderId, reasonCode: entry.reasonCode })),
      stockOf: (sku) => server.stock.get(sku),
      // Listings Items takes one SKU per request: the contract pushes one batch.
      knownOffers: server.knownSkus.slice(0, 1),
      close: () => server.close(),
    };
  },
});

describe('Amazon mapping of the SP-API sandbox payloads', () => {
  test('getOrders + getOrderItems sandbox payloads map field by field', () => {
    const order = fixture('getOrders_200_0.json').response.payload.Orders[0];
    const items = fixture('getOrderItems_200_0.json').response.payload.OrderItems;
    const read = readAmazonOrder(order, items);
    assert.ok(read.ok, read.ok ? '' : read.reason);
    const mapped = read.order;
    assert.equal(mapped.externalId, '902-1845936-5435065');
    assert.equal(mapped.externalVersion, '1970-01-19T03:58:32Z');
    assert.equal(mapped.currency, 'USD');
    assert.equal(mapped.pricesIncludeTax, false, 'US prices exclude sales tax');
    assert.equal(mapped.placedAt, '1970-01-19T03:58:30.000Z');
    assert.equal(mapped.channelStatus, 'Unshipped');
    assert.deepEqual(mapped.customer, { masked: true }, 'no BuyerInfo without the PII role');
    assert.equal(mapped.lines.length, 1);
    const line = mapped.lines[0]!;
    assert.equal(line.externalLineId, '05015851154158');
    assert.equal(line.kind, 'product');
    assert.equal(line.offerId, 'B00551Q3CS');
    assert.equal(line.sellerSku, 'NABetaASINB00551Q3CS');
    assert.equal(line.name, 'B00551Q3CS [Card Book]');
    assert.equal(line.quantity, 1);
    assert.equal(line.unitPrice, '10.00');
    assert.equal(line.discount, undefined, 'PromotionDiscount 0.00');
    assert.equal(line.attributes?.itemTax, '1.01');
    assert.deepEqual(line.attributes?.order, {
      fulfillmentChannel: 'MFN',
      isBusinessOrder: false,
      isPrime: false,
      isPremiumOrder: false,
      salesChannel: 'Amazon.com',
      orderType: 'StandardOrder',
      isReplacementOrder: false,
      paymentMethodDetails: ['Standard'],
      orderTotal: '11.01',
    });
    assert.deepEqual(mapped.shippingLines, []);
    assert.deepEqual(mapped.discounts, []);
    assert.deepEqual(mapped.payments, [
      { method: 'marketplace', amount: '11.01', status: 'paid', provider: 'Amazon', reference: '902-1845936-5435065' },
    ]);
    assert.deepEqual(mapped.delivery, {
      method: 'ship',
      channelWarehouseId: 'sampleSupplySourceId',
      service: 'Std US D2D Dom',
    });
    assert.deepEqual(mapped.marketplace, {
      fulfilmentModel: 'MFN',
      shipBy: '1970-01-19T04:05:13.000Z',
      deliverBy: '1970-01-19T04:15:17.000Z',
      marketplaceId: 'ATVPDKIKX0DER',
    });
    assert.equal(mapped.shippingAddress, undefined, 'the list has no ShippingAddress for this order');
  });

  test('the sandbox AFN business order is FBA and tax-inclusive; its items in another currency are unreadable', () => {
    const order = fixture('getOrder_200_1.json').response.payload;
    const items = fixture('getOrderItems_200_0.json').response.payload.OrderItems;
    // The sandbox pairs an EUR order with USD items: that is bad data, not a guess.
    const mismatch = readAmazonOrder(order, items);
    assert.ok(!mismatch.ok);
    assert.match(mismatch.reason, /ItemPrice is in USD, the order in EUR/);
    const euroItems = items.map((item: any) => ({
      ...item,
      ItemPrice: { CurrencyCode: 'EUR', Amount: '100.00' },
      ItemTax: { CurrencyCode: 'EUR', Amount: '15.97' },
      PromotionDiscount: { CurrencyCode: 'EUR', Amount: '0.00' },
    }));
    const read = readAmazonOrder(order, euroItems);
    assert.ok(read.ok, read.ok ? '' : read.reason);
    assert.equal(read.order.marketplace?.fulfilmentModel, 'FBA');
    assert.equal(read.order.marketplace?.marketplaceId, 'A1PA6795UKMFR9');
    assert.equal(read.order.pricesIncludeTax, true);
    assert.equal(read.order.channelStatus, 'Shipped');
    assert.equal((read.order.lines[0]!.attributes?.order as Record<string, unknown>).isBusinessOrder, true);
    // PaymentExecutionDetail in BRL is not a payment of this EUR order: Amazon's total is.
    assert.deepEqual(read.order.payments, [
      { method: 'marketplace', amount: '100.00', status: 'paid', provider: 'Amazon', reference: '921-3175655-0452641' },
    ]);
  });

  test('ItemPrice is the line total: an indivisible total keeps the line exact through the discount', () => {
    const order = {
      ...amazonSampleOrder(),
      MarketplaceId: 'A1C3SOZRARQ6R3',
      OrderTotal: { CurrencyCode: 'PLN', Amount: '68.99' },
    };
    const items = [
      {
        ASIN: 'B0TEST0001',
        OrderItemId: '11111111111111',
        SellerSKU: 'УТ-0001365',
        Title: 'Чайник «Заря» 1,7 л',
        QuantityOrdered: 3,
        ItemPrice: { CurrencyCode: 'PLN', Amount: '70.00' },
        ItemTax: { CurrencyCode: 'PLN', Amount: '13.09' },
        PromotionDiscount: { CurrencyCode: 'PLN', Amount: '6.00' },
        PromotionIds: ['PLN6OFF'],
        ShippingPrice: { CurrencyCode: 'PLN', Amount: '4.99' },
        ShippingDiscount: { CurrencyCode: 'PLN', Amount: '4.99' },
      },
      {
        ASIN: 'B0TEST0002',
        OrderItemId: '22222222222222',
        SellerSKU: 'KUB-ŻÓŁĆ',
        QuantityOrdered: 0,
        ItemPrice: { CurrencyCode: 'PLN', Amount: '0.00' },
      },
    ];
    const read = readAmazonOrder(order, items);
    assert.ok(read.ok, read.ok ? '' : read.reason);
    assert.equal(read.order.lines.length, 1, 'a fully cancelled item (quantity 0) is not a line');
    const line = read.order.lines[0]!;
    assert.equal(line.sellerSku, 'УТ-0001365');
    assert.equal(line.name, 'Чайник «Заря» 1,7 л');
    assert.equal(line.unitPrice, '23.34', '70.00 / 3 rounded up to the grosz');
    assert.equal(line.discount, '6.02', 'PromotionDiscount 6.00 + 0.02 over the total');
    assert.equal(line.attributes?.roundingInDiscount, '0.02');
    assert.equal(line.attributes?.itemPriceTotal, '70.00');
    // unit × quantity − discount = ItemPrice − PromotionDiscount, exactly.
    assert.equal(2334 * 3 - 602, 7000 - 600);
    assert.deepEqual(read.order.shippingLines, [{ code: 'Std US D2D Dom', title: 'Standard', amount: '4.99' }]);
    assert.deepEqual(read.order.discounts, [{ target: 'shipping', amount: '4.99', code: 'PLN6OFF' }]);
    assert.equal(read.order.pricesIncludeTax, true, 'amazon.pl prices include VAT');
  });

  test('carriers map to Amazon CarrierCode values, others to Other with the name', () => {
    assert.deepEqual(amazonCarrier('dhl'), { carrierCode: 'DHL' });
    assert.deepEqual(amazonCarrier('FedEx'), { carrierCode: 'FedEx' });
    assert.deepEqual(amazonCarrier('InPost'), { carrierCode: 'Other', carrierName: 'InPost' });
  });
});

describe('Amazon ORDER_CHANGE notifications through the relay', () => {
  const connector = createAmazonConnector();
  const conn = connectionFor({ url: 'http://127.0.0.1:9' });
  const example = fixture('OrderChangeNotification.schema.json').examples[0];
  const post = (body: unknown, secret: string | null = RELAY_SECRET) =>
    connector.receiveWebhook!(
      conn,
      {
        headers: secret === null ? {} : { [AMAZON_RELAY_SECRET_HEADER]: secret },
        raw: Buffer.from(JSON.stringify(body)),
      },
      http,
    );

  test('the published example (buyer asks to cancel) is a cancelled event with its reason', () => {
    const outcome = post(example);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.unreadable, []);
    assert.equal(outcome.events.length, 1);
    assert.equal(outcome.events[0]!.dedupeKey, 'buyer-cancel:903-8868176-2219830');
    assert.deepEqual(outcome.events[0]!.event, {
      type: 'cancelled',
      externalId: '903-8868176-2219830',
      reason: 'BuyerRequestedCancel',
      reasonText: 'Buyer Requested Cancel',
      at: '2022-11-29T19:42:04.284Z',
    });
  });

  test('a missing or wrong relay secret is refused; SQS and EventBridge envelopes give the same key', () => {
    assert.equal(post(example, null).ok, false);
    assert.equal(post(example, 'relay-shared-secret-ae').ok, false);
    assert.equal(post(example, `${RELAY_SECRET} `).ok, false);
    const sqs = post({ MessageId: 'm-1', Body: JSON.stringify(example) });
    const bridge = post({
      'detail-type': 'ORDER_CHANGE',
      source: 'aws.partner/sellingpartnerapi.amazon.com',
      detail: example,
    });
    assert.ok(sqs.ok && bridge.ok);
    assert.equal(sqs.events[0]!.dedupeKey, 'buyer-cancel:903-8868176-2219830');
    assert.equal(bridge.events[0]!.dedupeKey, 'buyer-cancel:903-8868176-2219830');
  });

  test('status changes: Canceled is a cancellation, others a status; unreadable bodies are kept, not thrown', () => {
    const statusChange = (status: string) => {
      const body = structuredClone(example);
      body.Payload.OrderChangeNotification.OrderChangeType = 'OrderStatusChange';
      body.Payload.OrderChangeNotification.OrderChangeTrigger.ChangeReason = 'Order status changed';
      body.Payload.OrderChangeNotification.Summary.OrderStatus = status;
      body.Payload.OrderChangeNotification.Summary.OrderItems[0].IsBuyerRequestedCancel = false;
      return body;
    };
    const shipped = post(statusChange('Shipped'));
    assert.ok(shipped.ok);
    assert.deepEqual(shipped.events[0]!.event, {
      type: 'status',
      externalId: '903-8868176-2219830',
      status: 'Shipped',
      at: '2022-11-29T19:42:04.284Z',
    });
    assert.equal(shipped.events[0]!.dedupeKey, 'status:903-8868176-2219830:Shipped:2022-11-29T19:42:04.284Z');
    const cancelled = readOrderChangeNotification(statusChange('Canceled'));
    assert.equal(cancelled.events[0]!.dedupeKey, 'cancel:903-8868176-2219830');
    assert.equal(cancelled.events[0]!.event.type, 'cancelled');
    const broken = connector.receiveWebhook!(
      conn,
      { headers: { [AMAZON_RELAY_SECRET_HEADER]: RELAY_SECRET }, raw: Buffer.from('{"Payload": ') },
      http,
    );
    assert.ok(broken.ok);
    assert.equal(broken.events.length, 0);
    assert.equal(broken.unreadable.length, 1);
    const wrongShape = post({ NotificationType: 'ORDER_CHANGE' });
    assert.ok(wrongShape.ok);
    assert.match(wrongShape.unreadable[0]!.reason, /not an ORDER_CHANGE notification/);
  });
});

describe('Amazon against its local SP-API', () => {
  let server: AmazonFake;
  let conn: ChannelConnection;
  const connector = createAmazonConnector();
  before(async () => {
    server = await startFake({ skus: ['УТ-0001365'], itemsPageSize: 1 });
    conn = connectionFor(server, { pageSize: 2 });
  });
  after(() => server.close());

  const orders = (events: ReceivedEvent[]): { key: string; order: ChannelOrder }[] =>
    events.flatMap((received) =>
      received.event.type === 'order' ? [{ key: received.dedupeKey, order: received.event.order }] : [],
    );

  async function readAll(cursor: string | null) {
    const events: ReceivedEvent[] = [];
    const unreadable: unknown[] = [];
    let pages = 0;
    let current = cursor;
    for (; pages < 20; pages++) {
      const page = await connector.poll!(conn, current, http);
      assert.ok(page.ok, page.ok ? '' : page.error.message);
      events.push(...page.value.events);
      unreadable.push(...page.value.unreadable);
      current = page.value.cursor;
      if (!page.value.more) break;
    }
    return { events, unreadable, cursor: current, pages: pages + 1 };
  }

  test('pages by NextToken, items by NextToken; Pending ignored, Canceled cancelled, buyer requests reported', async () => {
    server.addOrder('111-0000001-0000001', (_order, items) => {
      items.push({ ...items[0], OrderItemId: '05015851154159', SellerSKU: 'УТ-0001365' });
    });
    server.addOrder('111-0000001-0000002', (order) => {
      order.OrderStatus = 'Pending';
      delete order.OrderTotal;
    });
    server.addOrder('111-0000001-0000003');
    server.cancelOrder('111-0000001-0000003');
    server.addOrder('111-0000001-0000004', (_order, items) => {
      items[0]!.BuyerRequestedCancel = amazonSampleItems()[0]!.BuyerRequestedCancel;
    });
    const all = await readAll(null);
    assert.equal(all.pages, 2, 'four orders at two a page');
    const ordersQuery = server.requests.filter((req) => req.path === '/orders/v0/orders');
    assert.ok(ordersQuery.some((req) => req.query.get('NextToken')));
    assert.equal(ordersQuery[0]!.query.get('MarketplaceIds'), MARKET);
    assert.equal(ordersQuery[0]!.query.get('MaxResultsPerPage'), '2');
    const twoItems = orders(all.events).find((o) => o.order.externalId === '111-0000001-0000001')!;
    assert.deepEqual(
      twoItems.order.lines.map((line) => [line.externalLineId, line.sellerSku]),
      [
        ['05015851154158', 'NABetaASINB00551Q3CS'],
        ['05015851154159', 'УТ-0001365'],
      ],
    );
    assert.ok(server.requests.some((req) => req.path.endsWith('/orderItems') && req.query.get('NextToken')));
    assert.match(twoItems.key, /^order:111-0000001-0000001:\d{4}-/);
    const byId = (id: string) =>
      all.events.filter((received) => JSON.stringify([received.event, received.raw]).includes(id));
    assert.deepEqual(
      byId('111-0000001-0000002').map((received) => received.event.type),
      ['ignored'],
    );
    assert.deepEqual(
      byId('111-0000001-0000003').map((received) => [received.dedupeKey, received.event.type]),
      [['cancel:111-0000001-0000003', 'cancelled']],
    );
    const buyer = byId('111-0000001-0000004').find((received) => received.event.type === 'cancelled')!;
    assert.equal(buyer.dedupeKey, 'buyer-cancel:111-0000001-0000004');
    assert.deepEqual(buyer.event, {
      type: 'cancelled',
      externalId: '111-0000001-0000004',
      reason: 'BuyerRequestedCancel',
      reasonText: 'Found cheaper somewhere else.',
    });

    // The cursor moves to the last LastUpdateDate seen; re-reading from it repeats only that order, with the same key.
    const cursor = JSON.parse(all.cursor!) as { after: string; next?: string };
    assert.equal(cursor.next, undefined);
    const again = await readAll(all.cursor);
    const lastKeys = all.events
      .filter((received) => received.dedupeKey.includes('111-0000001-0000004'))
      .map((r) => r.dedupeKey);
    assert.deepEqual(
      again.events.map((received) => received.dedupeKey),
      lastKeys,
    );
  });

  test('an order with an unreadable price goes to unreadable; the others still come', async () => {
    const start = (await readAll(null)).cursor;
    server.addOrder('111-0000002-0000001', (_order, items) => {
      items[0]!.ItemPrice = { CurrencyCode: 'USD', Amount: '10,00' };
    });
    server.addOrder('111-0000002-0000002');
    const page = await readAll(start);
    assert.equal(page.unreadable.length, 1);
    assert.match((page.unreadable[0] as { reason: string }).reason, /111-0000002-0000001.*10,00/);
    assert.ok(orders(page.events).some((o) => o.order.externalId === '111-0000002-0000002'));
  });

  test('shipment confirmation: numeric package reference, CarrierCode, ISO ship date, order items', async () => {
    server.addOrder('111-0000003-0000001');
    const done = await connector.confirmShipment(
      conn,
      {
        externalId: '111-0000003-0000001',
        lines: [{ externalLineId: '05015851154158', offerId: 'B00551Q3CS', quantity: 1 }],
        carrier: 'dhl',
        trackingNumber: 'JJD000390007777',
        shippedAt: '2026-12-01T10:00:00+01:00',
      },
      http,
    );
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    const sent = server.shipments.at(-1)!;
    assert.equal(sent.marketplaceId, MARKET);
    assert.match(sent.packageDetail.packageReferenceId, /^[1-9]\d*$/);
    assert.equal(sent.packageDetail.carrierCode, 'DHL');
    assert.equal(sent.packageDetail.shipDate, '2026-12-01T09:00:00.000Z');
    assert.deepEqual(sent.packageDetail.orderItems, [{ orderItemId: '05015851154158', quantity: 1 }]);
    const noTracking = await connector.confirmShipment(
      conn,
      {
        externalId: '111-0000003-0000001',
        lines: [],
        carrier: 'dhl',
        trackingNumber: null,
        shippedAt: '2026-12-01T10:00:00Z',
      },
      http,
    );
    assert.ok(!noTracking.ok);
    assert.equal(noTracking.error.code, 'CHANNEL_REJECTED');
    const badItem = await connector.confirmShipment(
      conn,
      {
        externalId: '111-0000003-0000001',
        lines: [{ externalLineId: 'nope', offerId: 'B00551Q3CS', quantity: 1 }],
        carrier: 'dhl',
        trackingNumber: 'JJD1',
        shippedAt: '2026-12-01T10:00:00Z',
      },
      http,
    );
    assert.ok(!badItem.ok);
    assert.equal(badItem.error.code, 'CHANNEL_REJECTED');
    assert.deepEqual(badItem.error.channelMessages, ['InvalidInput: Invalid Input: orderItems']);
  });

  test('cancel: Amazon reason codes only, sent as an order acknowledgement feed through a pre-signed upload', async () => {
    server.addOrder('111-0000004-0000001');
    const before = server.requests.length;
    const unknown = await connector.cancel(
      conn,
      { externalId: '111-0000004-0000001', reasonCode: 'OUT_OF_STOCK' },
      http,
    );
    assert.ok(!unknown.ok);
    assert.equal(unknown.error.code, 'CHANNEL_REJECTED');
    assert.equal(server.requests.length, before, 'nothing sent for a reason Amazon does not know');

    const done = await connector.cancel(
      conn,
      {
        externalId: '111-0000004-0000001',
        reasonCode: 'NoInventory',
        lines: [{ externalLineId: '05015851154158', offerId: 'B00551Q3CS', quantity: 1 }],
      },
      http,
    );
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    const recorded = server.cancellations.at(-1)!;
    assert.equal(recorded.orderId, '111-0000004-0000001');
    assert.equal(recorded.reasonCode, 'NoInventory');
    assert.deepEqual(recorded.itemIds, ['05015851154158']);
    assert.match(recorded.xml, /<MerchantIdentifier>A3TH9S8BH6GOGM<\/MerchantIdentifier>/);
    assert.match(recorded.xml, /<StatusCode>Failure<\/StatusCode>/);
    const upload = server.requests.findLast((req) => req.path.startsWith('/feed-uploads/'))!;
    assert.equal(upload.headers['x-amz-access-token'], undefined, 'the pre-signed URL carries its own authorisation');
    assert.deepEqual(server.feeds.at(-1)?.marketplaceIds, [MARKET]);
    assert.equal(server.orders.get('111-0000004-0000001')?.order.OrderStatus, 'Canceled');
  });

  test('stock: one SKU per request (Unicode SKU path-encoded), refusals carry Amazon’s issue', async () => {
    assert.deepEqual(connector.stockPush, { batchSize: 1, requestsPerMinute: 300 });
    const done = await connector.pushStock!(
      conn,
      [{ offerId: 'B0TEST0001', sellerSku: 'УТ-0001365', quantity: 7 }],
      http,
    );
    assert.ok(done.ok);
    assert.deepEqual(done.value, { accepted: 1, refused: [] });
    assert.equal(server.stock.get('УТ-0001365'), 7);
    const patch = server.requests.findLast((req) => req.method === 'PATCH')!;
    assert.equal(patch.path, `/listings/2021-08-01/items/${SELLER}/${encodeURIComponent('УТ-0001365')}`);
    assert.equal(patch.query.get('marketplaceIds'), MARKET);
    assert.deepEqual(JSON.parse(patch.body).patches, [
      {
        op: 'replace',
        path: '/attributes/fulfillment_availability',
        value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }],
      },
    ]);
    const refused = await connector.pushStock!(conn, [{ offerId: 'B0GONE', sellerSku: 'GONE-1', quantity: 1 }], http);
    assert.ok(refused.ok);
    assert.deepEqual(refused.value.refused, [
      { offerId: 'B0GONE', reason: '4000001: SKU GONE-1 is not in the catalogue of this seller' },
    ]);
    await assert.rejects(
      connector.pushStock!(
        conn,
        [
          { offerId: 'a', sellerSku: 'a', quantity: 1 },
          { offerId: 'b', sellerSku: 'b', quantity: 1 },
        ],
        http,
      ),
      RangeError,
    );
  });

  test('the LWA token is fetched once and reused, dropped after a 403, and a refused refresh token is an auth failure', async () => {
    const fresh = createAmazonConnector();
    const tokensBefore = server.tokenRequests;
    assert.ok((await fresh.testConnection(conn, http)).ok);
    assert.ok((await fresh.testConnection(conn, http)).ok);
    assert.equal(server.tokenRequests - tokensBefore, 1);
    const lwa = server.requests.findLast((req) => req.path === '/auth/o2/token')!;
    assert.equal(new URLSearchParams(lwa.body).get('grant_type'), 'refresh_token');
    server.failNext('unauthorized');
    const refused = await fresh.testConnection(conn, http);
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'CHANNEL_AUTH_FAILED');
    assert.ok((await fresh.testConnection(conn, http)).ok);
    assert.equal(server.tokenRequests - tokensBefore, 2, 'a new token after the 403');

    const badRefresh = await createAmazonConnector().testConnection(
      { ...conn, credentials: { ...conn.credentials, refreshToken: 'Atzr|revoked' } },
      http,
    );
    assert.ok(!badRefresh.ok);
    assert.equal(badRefresh.error.code, 'CHANNEL_AUTH_FAILED');
    assert.match(badRefresh.error.message, /invalid_grant/);
  });
});
