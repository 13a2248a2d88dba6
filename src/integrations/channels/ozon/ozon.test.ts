import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { channelContract } from '../testing/contract.js';
import { startOzonFake, type OzonFake } from '../testing/ozon-fake.js';
import type {
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  PollPage,
  ReceivedEvent,
  WebhookRequest,
} from '../types.js';
import { createOzonConnector } from './ozon-connector.js';
import { mapOzonPosting, ozonAmount } from './ozon-order.js';

const CLIENT_ID = '836243';
const API_KEY = 'ozon-api-key-7c0e';
const WAREHOUSE = '15110442724000';
const SECRET = 'push-secret-4f9c2a7e';
const http: ChannelHttpOptions = { timeoutMs: 2_000 };
const connector = createOzonConnector();

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/ozon/${name}`, import.meta.url), 'utf8'));
const fixtureBytes = (name: string): Buffer => readFileSync(new URL(`../fixtures/ozon/${name}`, import.meta.url));

function connectionFor(fake: OzonFake | undefined, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-ozon',
    code: 'ozon-main',
    kind: 'ozon',
    baseUrl: fake?.server.url ?? 'http://127.0.0.1:9',
    credentials: { clientId: CLIENT_ID, apiKey: API_KEY, webhookSecret: SECRET },
    settings: { warehouseId: WAREHOUSE, ...settings },
  };
}

async function pollAll(conn: ChannelConnection): Promise<{ events: ReceivedEvent[]; pages: PollPage[] }> {
  const events: ReceivedEvent[] = [];
  const pages: PollPage[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const result = await connector.poll!(conn, cursor, http);
    assert.ok(result.ok, result.ok ? '' : result.error.message);
    pages.push(result.value);
    events.push(...result.value.events);
    cursor = result.value.cursor;
    if (!result.value.more) break;
  }
  return { events, pages };
}

/**
 * The contract runs Ozon in its polled mode. Ozon pushes cannot meet the contract's webhook
 * cases by construction: TYPE_NEW_POSTING carries only ids (no order to read), and Ozon signs
 * nothing, so a body changed in transit cannot be told from the original — only the shared
 * token is checked. Pushes are tested below on their own terms.
 */
const { receiveWebhook: _pushes, ...polledConnector } = connector;
const polledOnly: ChannelConnector = polledConnector;

channelContract({
  name: 'Ozon (polled)',
  cancelReasonCode: '352',
  async start() {
    const fake = await startOzonFake({ clientId: CLIENT_ID, apiKey: API_KEY, warehouseId: WAREHOUSE });
    return {
      connector: polledOnly,
      connection: connectionFor(fake),
      server: fake.server,
      async addOrder(externalId) {
        fake.addPosting(externalId);
        return {};
      },
      async cancelAtChannel(externalId) {
        fake.cancelByBuyer(externalId);
        return {};
      },
      confirmedShipments: () => fake.shipments,
      sellerCancellations: () => fake.cancellations,
      stockOf: (offerId) => fake.stockOf(offerId),
      knownOffers: fake.knownOffers,
      close: () => fake.server.close(),
    };
  },
});

describe('Ozon fixtures map field by field', () => {
  const conn = connectionFor(undefined);

  test('an unfulfilled FBS posting: Unicode offer_id, exact prices, commission, PVZ delivery, masked buyer', () => {
    const raw = fixture('fbs__TestListUnprocessedShipments_0.json').result.postings[0];
    const mapped = mapOzonPosting(conn, raw);
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.reason);
    const order = mapped.order;
    assert.equal(order.externalId, '23713478-0018-3');
    assert.equal(order.displayNumber, '33713378-0051');
    assert.equal(order.externalVersion, '3|awaiting_packaging||2021-08-26T10:00:00.000Z|');
    assert.equal(order.currency, 'RUB');
    assert.equal(order.pricesIncludeTax, true);
    assert.equal(order.placedAt, '2021-08-25T10:48:38.000Z');
    assert.deepEqual(order.customer, { masked: true });
    assert.equal(order.lines.length, 1);
    const line = order.lines[0]!;
    assert.equal(line.externalLineId, '140048123');
    assert.equal(line.kind, 'product');
    assert.equal(line.offerId, 'УТ-0001365');
    assert.equal(line.sellerSku, 'УТ-0001365');
    assert.equal(line.name, 'Мяч, цвет: черный, 5 кг');
    assert.equal(line.quantity, 1);
    assert.equal(line.unitPrice, '1259.00');
    assert.equal(line.discount, undefined, 'price is already after the seller discount');
    assert.deepEqual(line.attributes, {
      sku: '140048123',
      orderId: '559293114',
      old_price: '1888.00',
      total_discount_value: '629.00',
      commission_amount: '0.00',
      payout: '0.00',
      commission_percent: '0',
      actions: ['Системная виртуальная скидка селлера'],
    });
    assert.deepEqual(order.discounts, []);
    assert.deepEqual(order.shippingLines, []);
    assert.deepEqual(order.payments, [
      { method: 'marketplace', amount: '1259.00', status: 'paid', provider: 'Ozon', reference: '559293114' },
    ]);
    assert.deepEqual(order.delivery, {
      method: 'pickup_point',
      channelWarehouseId: '15110442724000',
      carrier: 'Ozon Логистика',
      service: 'Ozon Логистика курьеру, Москва',
    });
    assert.deepEqual(order.marketplace, {
      fulfilmentModel: 'FBS',
      shipBy: '2021-08-26T10:00:00.000Z',
      deliverBy: '2022-08-28T18:00:00.000Z',
      commission: '0.00',
      marketplaceId: 'ozon',
    });
    assert.equal(order.channelStatus, 'awaiting_packaging');
  });

  test('list and get fixtures: six- and four-decimal price strings become exact kopecks, names trimmed', () => {
    const listed = mapOzonPosting(conn, fixture('fbs__TestGetFBSShipmentsList_0.json').result.postings[0]);
    assert.ok(listed.ok);
    assert.equal(listed.order.lines[0]!.unitPrice, '1390.00');
    assert.equal(listed.order.lines[0]!.name, 'Электронный конструктор PinLab Позитроник');
    assert.equal(listed.order.lines[0]!.offerId, '205953');
    assert.equal(listed.order.channelStatus, 'awaiting_deliver/posting_awaiting_passport_data');
    assert.equal(listed.order.delivery.method, 'ship');
    assert.equal(listed.order.marketplace?.commission, undefined);
    const got = mapOzonPosting(conn, fixture('fbs__TestGetShipmentDataByIdentifier_0.json').result);
    assert.ok(got.ok);
    assert.equal(got.order.lines[0]!.unitPrice, '279.00');
    assert.equal(got.order.lines[0]!.name, 'Кофе ароматизированный "Шоколадный апельсин" 250 гр');
    assert.equal(got.order.marketplace?.shipBy, '2021-11-23T10:00:00.000Z');
  });

  test('rFBS with a disclosed buyer at a pickup point: customer, address and pickupPoint', () => {
    const raw = {
      ...fixture('fbs__TestGetShipmentDataByIdentifier_0.json').result,
      tpl_integration_type: 'non_integrated',
      customer: {
        customer_id: 7_777_001,
        name: 'Анна Ковальская',
        phone: '+79990001122',
        customer_email: 'anna@example.com',
        address: {
          address_tail: 'ул. Ленина, д. 5',
          city: 'Казань',
          region: 'Татарстан',
          zip_code: '420000',
          country: 'Россия',
          comment: 'Позвонить за час',
          pvz_code: 17_010,
          provider_pvz_code: 'KZN-17',
        },
      },
      products: [
        { price: '100.50', offer_id: 'ŻÓŁĆ-1', name: 'Żółć', sku: 1, quantity: 3, currency_code: 'RUB' },
        { price: '0.10', offer_id: 'B', name: 'B', sku: 2, quantity: 1, currency_code: 'RUB' },
      ],
      financial_data: {
        products: [
          { product_id: 1, commission_amount: 12.06, price: 100.5 },
          { product_id: 2, commission_amount: 0.01, price: 0.1 },
        ],
      },
    };
    const mapped = mapOzonPosting(conn, raw);
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.reason);
    const order = mapped.order;
    assert.deepEqual(order.customer, {
      externalId: '7777001',
      name: 'Анна Ковальская',
      email: 'anna@example.com',
      phone: '+79990001122',
    });
    assert.deepEqual(order.shippingAddress, {
      name: 'Анна Ковальская',
      line1: 'ул. Ленина, д. 5',
      city: 'Казань',
      postalCode: '420000',
      region: 'Татарстан',
      country: 'RU',
      phone: '+79990001122',
    });
    assert.equal(order.delivery.method, 'pickup_point');
    assert.deepEqual(order.delivery.pickupPoint, {
      provider: 'Ozon Логистика',
      id: '17010',
      address: { city: 'Казань', region: 'Татарстан', line1: 'ул. Ленина, д. 5' },
    });
    assert.equal(order.marketplace?.fulfilmentModel, 'RFBS');
    assert.equal(order.marketplace?.commission, '12.07');
    assert.equal(order.payments[0]!.amount, '301.60'); // 3 × 100.50 + 0.10, no float drift
    assert.equal(order.notes, 'Позвонить за час');
    assert.equal(order.lines[0]!.sellerSku, 'ŻÓŁĆ-1');
  });

  test('amounts: trailing zeros dropped, real sub-kopeck values refused, numbers read by their text', () => {
    assert.equal(ozonAmount('1390.000000', 'RUB'), '1390.00');
    assert.equal(ozonAmount('1259', 'RUB'), '1259.00');
    assert.equal(ozonAmount('0.1', 'RUB'), '0.10');
    assert.equal(ozonAmount('-5.5', 'RUB'), '-5.50');
    assert.equal(ozonAmount('12.345', 'RUB'), null);
    assert.equal(ozonAmount('1e3', 'RUB'), null);
    assert.equal(ozonAmount(33.32, 'RUB'), '33.32');
    assert.equal(ozonAmount(0.1 + 0.2, 'RUB'), null, 'a computed float is refused, not rounded');
  });
});

describe('Ozon against its local API', () => {
  let fake: OzonFake;
  before(async () => {
    fake = await startOzonFake({ clientId: CLIENT_ID, apiKey: API_KEY, warehouseId: WAREHOUSE });
  });
  after(() => fake.server.close());

  test('pages follow offset inside one since/to window; a status change is a new dedupe key', async () => {
    for (let index = 0; index < 5; index++) fake.addPosting(`71000000-000${index}-1`);
    const conn = connectionFor(fake, { pageSize: 2 });
    const start = fake.server.requests.length;
    const { events, pages } = await pollAll(conn);
    const lists = fake.server.requests.slice(start).map((req) => JSON.parse(req.body));
    assert.deepEqual(
      lists.map((body) => body.offset),
      [0, 2, 4],
    );
    assert.equal(new Set(lists.map((body) => `${body.filter.since}|${body.filter.to}`)).size, 1);
    assert.equal(lists[0].dir, 'ASC');
    assert.equal(lists[0].limit, 2);
    assert.equal(lists[0].with.financial_data, true);
    assert.equal(JSON.parse(pages[0]!.cursor!).offset, 2);
    assert.equal(pages[2]!.cursor, null);
    assert.equal(events.length, 5);
    const key = events[0]!.dedupeKey;
    assert.match(key, /^order:71000000-0000-1:3\|awaiting_packaging\|/);

    fake.postings.get('71000000-0000-1')!.shipment_date = '2030-01-01T10:00:00Z';
    const again = await pollAll(conn);
    const changed = again.events.find((item) => item.dedupeKey.startsWith('order:71000000-0000-1:'))!;
    assert.notEqual(changed.dedupeKey, key, 'a new cutoff makes a new version');
    assert.equal(changed.event.type === 'order' && changed.event.order.marketplace?.shipBy, '2030-01-01T10:00:00.000Z');
  });

  test('a posting that cannot be read goes to unreadable; a cancelled one to a cancelled event', async () => {
    const good = fake.addPosting('72000000-0001-1');
    fake.addRawPosting({
      ...structuredClone(good),
      posting_number: '72000000-0002-1',
      products: [{ ...good.products[0], price: '12.345' }],
    });
    fake.addRawPosting({
      posting_number: '72000000-0003-1',
      status: 'awaiting_packaging',
      in_process_at: new Date().toISOString(),
    });
    fake.addPosting('72000000-0004-1');
    fake.cancelByBuyer('72000000-0004-1');
    const { events, pages } = await pollAll(connectionFor(fake));
    const unreadable = pages.flatMap((page) => page.unreadable);
    assert.deepEqual(unreadable.map((item) => item.dedupeKey).sort(), [
      'ozon:unreadable:72000000-0002-1',
      'ozon:unreadable:72000000-0003-1',
    ]);
    assert.match(unreadable.find((item) => item.dedupeKey.endsWith('0002-1'))!.reason, /12\.345/);
    assert.match(unreadable.find((item) => item.dedupeKey.endsWith('0003-1'))!.reason, /products/);
    assert.ok(events.some((item) => item.dedupeKey.startsWith('order:72000000-0001-1:')));
    const cancelled = events.find((item) => item.dedupeKey === 'cancel:72000000-0004-1');
    assert.deepEqual(cancelled?.event, {
      type: 'cancelled',
      externalId: '72000000-0004-1',
      reasonText: 'Покупатель отменил заказ',
    });
  });

  test('prepareShipment packs the posting (v4 ship) once and returns Ozon’s PDF label', async () => {
    fake.addPosting('73000000-0001-1');
    const conn = connectionFor(fake);
    const first = await connector.prepareShipment!(conn, { externalId: '73000000-0001-1', lines: [] }, http);
    assert.ok(first.ok, first.ok ? '' : first.error.message);
    assert.equal(first.value.label?.contentType, 'application/pdf');
    assert.equal(first.value.label?.data.subarray(0, 5).toString(), '%PDF-');
    const ship = fake.server.requests.filter((req) => req.path === '/v4/posting/fbs/ship');
    assert.equal(ship.length, 1);
    assert.deepEqual(JSON.parse(ship[0]!.body).packages, [{ products: [{ product_id: 140048123, quantity: 1 }] }]);
    const label = fake.server.requests.find((req) => req.path === '/v2/posting/fbs/package-label')!;
    assert.deepEqual(JSON.parse(label.body), { posting_number: ['73000000-0001-1'] });
    const again = await connector.prepareShipment!(conn, { externalId: '73000000-0001-1', lines: [] }, http);
    assert.ok(again.ok);
    assert.equal(fake.server.requests.filter((req) => req.path === '/v4/posting/fbs/ship').length, 1, 'packed once');
  });

  test('confirmShipment: Ozon logistics is confirmed by packing; rFBS sends the tracking number', async () => {
    const conn = connectionFor(fake);
    fake.addPosting('74000000-0001-1');
    const ozonDelivery = await connector.confirmShipment(
      conn,
      {
        externalId: '74000000-0001-1',
        lines: [],
        carrier: 'ozon',
        trackingNumber: 'X',
        shippedAt: '2026-12-01T10:00:00Z',
      },
      http,
    );
    assert.ok(ozonDelivery.ok);
    assert.equal(fake.postings.get('74000000-0001-1')!.status, 'awaiting_deliver');
    assert.ok(!fake.server.requests.some((req) => req.path === '/v2/fbs/posting/tracking-number/set'));

    fake.addPosting('74000000-0002-1', { tpl_integration_type: 'non_integrated' });
    const own = await connector.confirmShipment(
      conn,
      {
        externalId: '74000000-0002-1',
        lines: [],
        carrier: 'cdek',
        trackingNumber: 'CDEK-123',
        shippedAt: '2026-12-01T10:00:00Z',
      },
      http,
    );
    assert.ok(own.ok, own.ok ? '' : own.error.message);
    const set = fake.server.requests.find((req) => req.path === '/v2/fbs/posting/tracking-number/set')!;
    assert.deepEqual(JSON.parse(set.body), {
      tracking_numbers: [{ posting_number: '74000000-0002-1', tracking_number: 'CDEK-123' }],
    });
    assert.equal(fake.shipments.find((item) => item.externalId === '74000000-0002-1')?.trackingNumber, 'CDEK-123');
  });

  test('cancel maps Ordo codes to Ozon reason ids and reports Ozon’s refusal', async () => {
    const conn = connectionFor(fake, { cancelReasons: { out_of_stock: 352 } });
    fake.addPosting('75000000-0001-1');
    const mapped = await connector.cancel(conn, { externalId: '75000000-0001-1', reasonCode: 'out_of_stock' }, http);
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.error.message);
    const sent = JSON.parse(fake.server.requests.find((req) => req.path === '/v2/posting/fbs/cancel')!.body);
    assert.equal(sent.cancel_reason_id, 352);
    assert.equal(sent.posting_number, '75000000-0001-1');
    assert.deepEqual(fake.cancellations.at(-1), { externalId: '75000000-0001-1', reasonCode: '352' });

    const before = fake.server.requests.length;
    const unmapped = await connector.cancel(conn, { externalId: '75000000-0001-1', reasonCode: 'whim' }, http);
    assert.ok(!unmapped.ok);
    assert.equal(unmapped.error.code, 'CHANNEL_REJECTED');
    assert.equal(fake.server.requests.length, before, 'nothing sent for an unmapped reason');

    fake.addPosting('75000000-0002-1');
    const refused = await connector.cancel(conn, { externalId: '75000000-0002-1', reasonCode: '999' }, http);
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, 'CHANNEL_REJECTED');
    assert.deepEqual(refused.error.channelMessages, ['3: invalid cancel_reason_id']);
  });

  test('stock goes in batches of at most 100 in the published request shape; unknown offers are refused', async () => {
    const conn = connectionFor(fake);
    const items = Array.from({ length: 250 }, (_, index) => ({
      offerId: index % 2 ? 'УТ-0001365' : `NOPE-${index}`,
      sellerSku: 'x',
      quantity: index,
    }));
    const start = fake.server.requests.length;
    const pushed = await connector.pushStock!(conn, items, http);
    assert.ok(pushed.ok, pushed.ok ? '' : pushed.error.message);
    const sent = fake.server.requests.slice(start).map((req) => JSON.parse(req.body).stocks);
    assert.deepEqual(
      sent.map((batch) => batch.length),
      [100, 100, 50],
    );
    const published = fixture('products__TestUpdateQuantityStockProducts_request_v2_products_stocks.json').stocks[0];
    for (const key of Object.keys(sent[0][0])) assert.ok(key in published, `${key} is in Ozon's request format`);
    assert.deepEqual(sent[0][1], { offer_id: 'УТ-0001365', stock: 1, warehouse_id: 15110442724000 });
    assert.equal(pushed.value.accepted, 125);
    assert.equal(pushed.value.refused.length, 125);
    assert.deepEqual(pushed.value.refused[0], { offerId: 'NOPE-0', reason: 'NOT_FOUND: Product not found' });
    assert.equal(fake.stockOf('УТ-0001365'), 249);
  });
});

describe('Ozon push notifications', () => {
  const conn = connectionFor(undefined);
  const now = () => new Date('2026-12-03T12:00:00.123Z');
  const deliver = (name: string, token: string | null = SECRET): WebhookRequest => ({
    headers: { 'content-type': 'application/json', ...(token !== null ? { 'x-ordo-webhook-token': token } : {}) },
    raw: fixtureBytes(name),
  });

  test('without the shared token (Ozon signs nothing) a push is refused', () => {
    const name = 'notifications_server__newPostingTest_0.json';
    assert.equal(connector.receiveWebhook!(conn, deliver(name, null), http).ok, false);
    assert.equal(connector.receiveWebhook!(conn, deliver(name, 'push-secret'), http).ok, false);
    assert.equal(connector.receiveWebhook!(conn, deliver(name, `${SECRET} `), http).ok, false);
    const noSecret = { ...conn, credentials: { clientId: CLIENT_ID, apiKey: API_KEY } };
    assert.equal(connector.receiveWebhook!(noSecret, deliver(name), http).ok, false);
    const custom = { ...conn, settings: { webhookTokenHeader: 'X-Push-Token' } };
    const viaCustom = connector.receiveWebhook!(
      custom,
      { headers: { 'X-Push-Token': SECRET }, raw: fixtureBytes(name) },
      http,
    );
    assert.ok(viaCustom.ok);
  });

  test('TYPE_PING is answered with { version, name, time }', () => {
    const outcome = connector.receiveWebhook!(conn, deliver('notifications_server__pingTest_0.json'), { now });
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.events, []);
    assert.deepEqual(outcome.reply, {
      status: 200,
      body: { version: '1.0', name: 'ordo', time: '2026-12-03T12:00:00Z' },
    });
  });

  test('posting pushes become status and cancelled events with stable keys', () => {
    const read = (name: string) => {
      const outcome = connector.receiveWebhook!(conn, deliver(name), http);
      assert.ok(outcome.ok);
      assert.deepEqual(outcome.unreadable, []);
      assert.deepEqual(outcome.reply, { status: 200, body: { result: true } });
      assert.equal(outcome.events.length, 1);
      return outcome.events[0]!;
    };
    const created = read('notifications_server__newPostingTest_0.json');
    assert.equal(created.dedupeKey, 'push:new:24219509-0020-1');
    assert.deepEqual(created.event, {
      type: 'status',
      externalId: '24219509-0020-1',
      status: 'awaiting_packaging',
      at: '2021-01-26T06:56:36.294Z',
    });
    const cancelled = read('notifications_server__postingCancelledTest_0.json');
    assert.equal(cancelled.dedupeKey, 'cancel:24219509-0020-1', 'the same key as the polled cancellation');
    assert.deepEqual(cancelled.event, {
      type: 'cancelled',
      externalId: '24219509-0020-1',
      reason: '1',
      reasonText: 'message',
      at: '2021-01-26T06:56:36.294Z',
    });
    const state = read('notifications_server__stateChangedTest_0.json');
    assert.deepEqual(state.event, {
      type: 'status',
      externalId: '24219509-0020-2',
      status: 'posting_delivered',
      at: '2021-02-02T15:07:46.765Z',
    });
    const cutoff = read('notifications_server__cutoffDateChangedTest_0.json');
    assert.equal(cutoff.dedupeKey, 'push:cutoff:24219509-0020-2:2021-11-24T07:00:00Z');
    assert.deepEqual(cutoff.event, {
      type: 'status',
      externalId: '24219509-0020-2',
      status: 'cutoff_date_changed',
      at: '2021-11-24T07:00:00.000Z',
    });
    assert.deepEqual(read('notifications_server__newPostingTest_0.json'), created, 'redelivery: same key');
  });

  test('chat, price, stock and item pushes are ignored; garbage is unreadable, not thrown', () => {
    for (const name of [
      'notifications_server__chatClosedTest_0.json',
      'notifications_server__newMessageTest_0.json',
      'notifications_server__messageReadTest_0.json',
      'notifications_server__updateMessageTest_0.json',
      'notifications_server__priceIndexChangedTest_0.json',
      'notifications_server__stocksChangedTest_0.json',
      'notifications_server__createUpdateItemTest_0.json',
      'notifications_server__deliveryDateChangedTest_0.json',
    ]) {
      const outcome = connector.receiveWebhook!(conn, deliver(name), http);
      assert.ok(outcome.ok, name);
      assert.equal(outcome.events.length, 1, name);
      assert.equal(outcome.events[0]!.event.type, 'ignored', name);
    }
    const garbage = connector.receiveWebhook!(
      conn,
      { headers: { 'x-ordo-webhook-token': SECRET }, raw: Buffer.from('{"message_type": "TYPE_NEW_POSTING"') },
      http,
    );
    assert.ok(garbage.ok);
    assert.equal(garbage.unreadable.length, 1);
    const noNumber = connector.receiveWebhook!(
      conn,
      { headers: { 'x-ordo-webhook-token': SECRET }, raw: Buffer.from('{"message_type":"TYPE_NEW_POSTING"}') },
      http,
    );
    assert.ok(noNumber.ok);
    assert.match(noNumber.unreadable[0]!.reason, /posting_number/);
  });
});
