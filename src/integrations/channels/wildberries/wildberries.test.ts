import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { channelContract } from '../testing/contract.js';
import { startWildberriesFake, type WildberriesFake } from '../testing/wildberries-fake.js';
import type { ChannelConnection, ChannelHttpOptions, PollPage, ReceivedEvent } from '../types.js';
import { createWildberriesConnector } from './wildberries-connector.js';
import { mapWbOrder, wbAmount, wbDateEndOfDay } from './wildberries-order.js';

const TOKEN = 'wb-token-eyJhbGciOi';
const WAREHOUSE = 658434;
const http: ChannelHttpOptions = { timeoutMs: 2_000 };
const connector = createWildberriesConnector();

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/wildberries/${name}`, import.meta.url), 'utf8'));

function sharedFixtures(): string | undefined {
  const candidates = [
    process.env.ORDO_SHARED_FIXTURES,
    path.resolve(process.cwd(), '../shared/fixtures/external'),
    path.resolve(process.cwd(), '../../shared/fixtures/external'),
    '/work/shared/fixtures/external',
  ].filter((dir): dir is string => Boolean(dir));
  return candidates.find((dir) => existsSync(path.join(dir, 'wildberries')));
}

function connectionFor(fake: WildberriesFake, settings: Record<string, unknown> = {}): ChannelConnection {
  return {
    id: 'conn-wb',
    code: 'wb-main',
    kind: 'wildberries',
    baseUrl: fake.server.url,
    credentials: { apiToken: TOKEN },
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

channelContract({
  name: 'Wildberries',
  cancelReasonCode: 'seller',
  async start() {
    const fake = await startWildberriesFake({ token: TOKEN, warehouseId: WAREHOUSE });
    return {
      connector,
      connection: connectionFor(fake),
      server: fake.server,
      async addOrder(externalId) {
        fake.addOrder(externalId);
        return {};
      },
      async cancelAtChannel(externalId) {
        fake.setStatus(externalId, 'new', 'declined_by_client');
        return {};
      },
      confirmedShipments: () => fake.shipments,
      sellerCancellations: () => fake.cancellations,
      stockOf: (offerId) => fake.stockOf(String(WAREHOUSE), offerId),
      knownOffers: fake.knownOffers,
      close: () => fake.server.close(),
    };
  },
});

describe('Wildberries fixtures map field by field', () => {
  const conn: ChannelConnection = {
    id: 'c',
    code: 'wb',
    kind: 'wildberries',
    baseUrl: 'http://127.0.0.1:9',
    credentials: { apiToken: TOKEN },
    settings: {},
  };

  test('a new FBS order (OrderNew example): kopecks to exact decimals, BYN sale currency, article as seller SKU', () => {
    const raw = fixture('example_orders_new.response.json').orders[0];
    const mapped = mapWbOrder(conn, raw, 'fbs');
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.reason);
    const order = mapped.order;
    assert.equal(order.externalId, '13833711');
    assert.equal(order.externalVersion, '1:new:waiting');
    assert.equal(order.displayNumber, 'f884001e44e511edb8780242ac120002');
    assert.equal(order.currency, 'BYN'); // currencyCode 933
    assert.equal(order.placedAt, '2022-05-04T07:56:29.000Z');
    assert.deepEqual(order.customer, { masked: true });
    assert.equal(order.lines.length, 1);
    const line = order.lines[0]!;
    assert.equal(line.externalLineId, '13833711');
    assert.equal(line.kind, 'product');
    assert.equal(line.offerId, '987654321'); // chrtId: the size, not the card
    assert.equal(line.sellerSku, 'one-ring-7548');
    assert.equal(line.quantity, 1);
    assert.equal(line.unitPrice, '10.14'); // price 1014 = 10.14 × 100
    assert.equal(line.discount, undefined);
    assert.equal(line.attributes?.nmId, '123456789');
    assert.equal(line.attributes?.salePrice, '5046.00');
    assert.equal(line.attributes?.finalPrice, '10.14');
    assert.equal(line.attributes?.convertedPrice, '283.22');
    assert.equal(line.attributes?.convertedCurrency, 'RUB'); // convertedCurrencyCode 643
    assert.deepEqual(line.attributes?.barcodes, ['6665956397512']);
    assert.deepEqual(line.attributes?.requiredMeta, ['uin']);
    assert.equal(line.attributes?.cargoType, 1);
    assert.deepEqual(order.payments, [
      { method: 'marketplace', amount: '10.14', status: 'paid', provider: 'Wildberries' },
    ]);
    assert.deepEqual(order.discounts, []);
    assert.deepEqual(order.shippingLines, []);
    assert.equal(
      order.shippingAddress?.line1,
      'Челябинская область, г. Челябинск, 51-я улица Арабкира, д. 10А, кв. 42',
    );
    assert.equal(order.shippingAddress?.country, 'BY');
    assert.deepEqual(order.delivery, {
      method: 'ship',
      channelWarehouseId: '658434',
      carrier: 'Wildberries',
      service: 'Калуга',
    });
    assert.equal(order.marketplace?.fulfilmentModel, 'FBS');
    assert.equal(order.marketplace?.shipBy, '2025-06-02T20:59:59.000Z'); // sellerDate 02.06.2025, end of day MSK
    assert.equal(order.marketplace?.deliverBy, '2024-05-17T20:59:59.000Z'); // ddate
    assert.equal(order.notes, 'Упакуйте в плёнку, пожалуйста');
    assert.equal(order.channelStatus, 'new/waiting');
  });

  test('a history order (Order example) with its status: ship-by from the configured window, barcode as offer id', () => {
    const raw = fixture('example_orders.response.json').orders[0];
    const withBarcode = { ...conn, settings: { offerIdField: 'barcode', shipByHours: 48 } };
    const mapped = mapWbOrder(withBarcode, raw, 'dbs', { supplierStatus: 'confirm', wbStatus: 'sorted' });
    assert.ok(mapped.ok, mapped.ok ? '' : mapped.reason);
    const order = mapped.order;
    assert.equal(order.externalVersion, '2:confirm:sorted');
    assert.equal(order.channelStatus, 'confirm/sorted');
    assert.equal(order.lines[0]!.offerId, '6665956397512');
    assert.equal(order.lines[0]!.attributes?.salePrice, undefined); // only /orders/new sends it
    assert.equal(order.marketplace?.fulfilmentModel, 'DBS');
    assert.equal(order.marketplace?.shipBy, '2022-05-06T07:56:29.000Z'); // createdAt + 48 h
    assert.equal(order.delivery.carrier, undefined);
  });

  test('money and dates are converted without floats', () => {
    assert.equal(wbAmount(1014, 'RUB'), '10.14');
    assert.equal(wbAmount(5, 'RUB'), '0.05');
    assert.equal(wbAmount(-250, 'RUB'), '-2.50');
    assert.equal(wbAmount(123456789012345, 'RUB'), '1234567890123.45');
    assert.equal(wbAmount(1.5, 'RUB'), null);
    assert.equal(wbAmount(1500, 'JPY'), '15');
    assert.equal(wbAmount(1550, 'JPY'), null);
    assert.equal(wbDateEndOfDay('31.12.2026'), '2026-12-31T20:59:59.000Z');
    assert.equal(wbDateEndOfDay('2026-12-31'), undefined);
  });

  test('the published spec still has the fields, statuses and limits the connector relies on', (t) => {
    const dir = sharedFixtures();
    if (!dir) return t.skip('WB specs absent: set ORDO_SHARED_FIXTURES to ../shared/fixtures/external');
    const fbs = parseYaml(readFileSync(path.join(dir, 'wildberries/03-orders-fbs.yaml'), 'utf8'));
    const orderProps = Object.keys(fbs.components.schemas.OrderNew.properties);
    for (const field of ['id', 'rid', 'createdAt', 'article', 'nmId', 'chrtId', 'skus', 'price', 'currencyCode']) {
      assert.ok(orderProps.includes(field), `OrderNew.${field}`);
    }
    const statusSchema =
      fbs.paths['/api/v3/orders/status'].post.responses['200'].content['application/json'].schema.properties.orders
        .items.properties;
    for (const status of ['canceled', 'canceled_by_client', 'declined_by_client', 'defect']) {
      assert.ok(statusSchema.wbStatus.enum.includes(status), status);
    }
    assert.equal(fbs.components.parameters.Limit.schema.maximum, 1000);
    const products = parseYaml(readFileSync(path.join(dir, 'wildberries/02-products.yaml'), 'utf8'));
    const stocks = products.paths['/api/v3/stocks/{warehouseId}'].put;
    assert.equal(
      stocks.requestBody.content['application/json'].schema.properties.stocks.maxItems,
      connector.stockPush?.batchSize,
    );
    assert.match(stocks.description, new RegExp(`${connector.stockPush?.requestsPerMinute} запросов`));
  });
});

describe('Wildberries against its local API', () => {
  let fake: WildberriesFake;
  before(async () => {
    fake = await startWildberriesFake({ token: TOKEN, warehouseId: WAREHOUSE });
  });
  after(() => fake.server.close());

  test('history pages follow `next` within the window and status changes give new dedupe keys', async () => {
    for (let index = 0; index < 5; index++) {
      fake.addOrder(String(7_100_000 + index));
      fake.setStatus(String(7_100_000 + index), 'confirm', 'waiting');
    }
    const conn = connectionFor(fake, { pageSize: 2 });
    const before = fake.server.requests.length;
    const { events, pages } = await pollAll(conn);
    const history = fake.server.requests.slice(before).filter((req) => req.path === '/api/v3/orders');
    assert.deepEqual(
      history.map((req) => req.query.get('next')),
      ['0', '7100001', '7100003'],
    );
    assert.ok(
      history.every((req) => req.query.get('limit') === '2' && req.query.get('dateFrom') && req.query.get('dateTo')),
    );
    const ids = events.filter((item) => item.event.type === 'order').map((item) => item.dedupeKey);
    assert.equal(ids.filter((key) => key.startsWith('order:71000')).length, 5);
    assert.ok(ids.includes('order:7100000:2:confirm:waiting'));
    assert.equal(JSON.parse(pages[1]!.cursor!).next, 7_100_001);
    assert.equal(pages[pages.length - 1]!.cursor, null);

    fake.setStatus('7100000', 'complete', 'sorted');
    const again = await pollAll(conn);
    const keys = again.events.map((item) => item.dedupeKey);
    assert.ok(keys.includes('order:7100000:3:complete:sorted'));
    assert.ok(keys.includes('order:7100001:2:confirm:waiting'), 'unchanged orders keep their key');
  });

  test('a bad item goes to unreadable with its reason; the rest of the page is read', async () => {
    const good = fixture('example_orders.response.json').orders[0];
    fake.addRawOrder({ ...good, id: 7_200_001, createdAt: new Date().toISOString(), currencyCode: 999 });
    fake.addRawOrder({ ...good, id: 7_200_002, createdAt: new Date().toISOString(), price: '10.14' });
    fake.addOrder('7200003');
    fake.setStatus('7200003', 'confirm', 'waiting');
    const { events, pages } = await pollAll(connectionFor(fake));
    const unreadable = pages.flatMap((page) => page.unreadable);
    assert.deepEqual(unreadable.map((item) => item.dedupeKey).sort(), [
      'wb:fbs:unreadable:7200001',
      'wb:fbs:unreadable:7200002',
    ]);
    assert.match(unreadable.find((item) => item.dedupeKey.endsWith('7200001'))!.reason, /currencyCode 999/);
    assert.match(unreadable.find((item) => item.dedupeKey.endsWith('7200002'))!.reason, /price/);
    assert.ok(events.some((item) => item.dedupeKey === 'order:7200003:2:confirm:waiting'));
  });

  test('buyer and WB cancellations become cancelled events with WB status as the reason', async () => {
    fake.addOrder('7300001');
    fake.addOrder('7300002');
    fake.setStatus('7300001', 'new', 'declined_by_client');
    fake.setStatus('7300002', 'complete', 'canceled_by_client');
    const { events } = await pollAll(connectionFor(fake));
    const cancelled = events.filter((item) => item.event.type === 'cancelled');
    const first = cancelled.find((item) => item.dedupeKey === 'cancel:7300001');
    assert.deepEqual(first?.event, {
      type: 'cancelled',
      externalId: '7300001',
      reason: 'declined_by_client',
      reasonText: 'new/declined_by_client',
    });
    assert.ok(cancelled.some((item) => item.dedupeKey === 'cancel:7300002'));
    assert.ok(!events.some((item) => item.event.type === 'order' && item.event.order.externalId === '7300001'));
  });

  test('acknowledge puts orders into one open supply, and a new one when the cargo type differs', async () => {
    const conn = connectionFor(fake);
    fake.addOrder('7400001');
    fake.addOrder('7400002');
    fake.addOrder('7400003', { patch: { cargoType: 2 } });
    const supplies = fake.supplies.length;
    for (const id of ['7400001', '7400002']) {
      const done = await connector.acknowledge!(conn, { externalId: id, lines: [] }, http);
      assert.ok(done.ok, done.ok ? '' : done.error.message);
    }
    assert.equal(fake.supplies.length, supplies + 1);
    const supply = fake.supplies[fake.supplies.length - 1]!;
    assert.deepEqual(supply.orders, [7_400_001, 7_400_002]);
    assert.equal(fake.statusOf('7400001')?.supplierStatus, 'confirm');
    const again = await connector.acknowledge!(conn, { externalId: '7400001', lines: [] }, http);
    assert.ok(again.ok);
    assert.deepEqual(supply.orders, [7_400_001, 7_400_002], 'acknowledging twice does not move the order');

    const bulky = await connector.acknowledge!(conn, { externalId: '7400003', lines: [] }, http);
    assert.ok(bulky.ok, bulky.ok ? '' : bulky.error.message);
    assert.equal(fake.supplies.length, supplies + 2);
    assert.deepEqual(fake.supplies[fake.supplies.length - 1]!.orders, [7_400_003]);
    const body = fake.server.requests.find((req) => req.method === 'POST' && req.path === '/api/v3/supplies')!.body;
    assert.match(JSON.parse(body).name, /^Ordo \d{4}-\d{2}-\d{2}$/);
  });

  test('prepareShipment returns the WB sticker (the marketplace owns the label) in the configured format', async () => {
    fake.addOrder('7500001');
    const conn = connectionFor(fake, { stickerType: 'png' });
    const label = await connector.prepareShipment!(conn, { externalId: '7500001', lines: [] }, http);
    assert.ok(label.ok, label.ok ? '' : label.error.message);
    assert.equal(label.value.trackingNumber, '0007500001');
    assert.equal(label.value.label?.contentType, 'image/png');
    assert.deepEqual(label.value.label?.data.subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const sticker = fake.server.requests.find((req) => req.path === '/api/v3/orders/stickers')!;
    assert.equal(sticker.query.toString(), 'type=png&width=58&height=40');
    assert.deepEqual(JSON.parse(sticker.body), { orders: [7_500_001] });
    assert.equal(fake.statusOf('7500001')?.supplierStatus, 'confirm', 'stickers need the order on assembly');

    const confirmed = await connector.confirmShipment(
      conn,
      { externalId: '7500001', lines: [], carrier: 'wb', trackingNumber: null, shippedAt: '2026-12-01T10:00:00Z' },
      http,
    );
    assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.error.message);
    assert.equal(fake.statusOf('7500001')?.supplierStatus, 'complete');
    const delivered = fake.server.requests.filter((req) => /\/api\/v3\/supplies\/[^/]+\/deliver$/.test(req.path));
    assert.ok(delivered.length >= 1);
  });

  test('cancel sends no reason (WB takes none) and is refused once the order is in delivery', async () => {
    const conn = connectionFor(fake);
    fake.addOrder('7600001');
    const done = await connector.cancel(conn, { externalId: '7600001', reasonCode: 'out_of_stock' }, http);
    assert.ok(done.ok);
    const sent = fake.server.requests.find((req) => req.path === '/api/v3/orders/7600001/cancel')!;
    assert.equal(sent.method, 'PATCH');
    assert.equal(sent.body, '');
    fake.addOrder('7600002');
    fake.setStatus('7600002', 'complete', 'sorted');
    const late = await connector.cancel(conn, { externalId: '7600002', reasonCode: 'seller' }, http);
    assert.ok(!late.ok);
    assert.equal(late.error.code, 'CHANNEL_REJECTED');
    assert.deepEqual(late.error.channelMessages, [
      'StatusMismatch: Несоответствие статусов, проверьте их правильность',
    ]);
    const unknown = await connector.cancel(conn, { externalId: 'abc', reasonCode: 'seller' }, http);
    assert.ok(!unknown.ok);
  });

  test('DBS orders are polled from the DBS paths and confirmed there', async () => {
    const conn = connectionFor(fake, { deliveryTypes: ['fbs', 'dbs'] });
    fake.addOrder('7700001', { model: 'dbs' });
    const { events } = await pollAll(conn);
    const order = events.find((item) => item.event.type === 'order' && item.event.order.externalId === '7700001');
    assert.ok(order && order.event.type === 'order');
    assert.equal(order.event.order.marketplace?.fulfilmentModel, 'DBS');
    assert.ok(fake.server.requests.some((req) => req.path === '/api/v3/dbs/orders/new'));
    const shipped = await connector.confirmShipment(
      conn,
      { externalId: '7700001', lines: [], carrier: 'own', trackingNumber: 'X1', shippedAt: '2026-12-01T10:00:00Z' },
      http,
    );
    assert.ok(shipped.ok, shipped.ok ? '' : shipped.error.message);
    assert.equal(fake.statusOf('7700001')?.supplierStatus, 'deliver');
    const labels = await connector.prepareShipment!(conn, { externalId: '7700001', lines: [] }, http);
    assert.ok(!labels.ok);
    assert.equal(labels.error.code, 'CHANNEL_UNSUPPORTED');
  });
});

describe('Wildberries stock pushes', () => {
  let fake: WildberriesFake;
  const offers: Record<string, string> = {};
  for (let index = 0; index < 1200; index++) offers[String(500_000_000 + index)] = String(4_600_000_000_000 + index);
  before(async () => {
    fake = await startWildberriesFake({ token: TOKEN, warehouseId: WAREHOUSE, offers });
  });
  after(() => fake.server.close());

  test('a batch never exceeds 1000 items per request and unknown offers are refused, the rest applied', async () => {
    const conn = connectionFor(fake);
    const items = Object.keys(offers)
      .slice(0, 1100)
      .map((offerId, index) => ({ offerId, sellerSku: `АРТ-${index}`, quantity: index }));
    items.push({ offerId: '999999999', sellerSku: 'нет', quantity: 4 });
    const before = fake.server.requests.length;
    const pushed = await connector.pushStock!(conn, items, http);
    assert.ok(pushed.ok, pushed.ok ? '' : pushed.error.message);
    const puts = fake.server.requests.slice(before).filter((req) => req.method === 'PUT');
    assert.ok(puts.every((req) => JSON.parse(req.body).stocks.length <= 1000));
    assert.equal(puts[0]!.path, `/api/v3/stocks/${WAREHOUSE}`);
    assert.deepEqual(JSON.parse(puts[0]!.body).stocks[1], { chrtId: 500_000_001, amount: 1 });
    assert.equal(pushed.value.accepted, 1100);
    assert.deepEqual(pushed.value.refused, [{ offerId: '999999999', reason: 'NotFound: Not found' }]);
    assert.equal(fake.stockOf(String(WAREHOUSE), '500001099'), 1099);
  });

  test('WB 429 with X-Ratelimit-Retry is rate limited with that wait', async () => {
    fake.throttleNext(3);
    const limited = await connector.pushStock!(
      connectionFor(fake),
      [{ offerId: '500000000', sellerSku: 'a', quantity: 1 }],
      http,
    );
    assert.ok(!limited.ok);
    assert.equal(limited.error.code, 'CHANNEL_RATE_LIMITED');
    assert.equal(limited.error.retryAfterMs, 3000);
    assert.deepEqual(limited.error.channelMessages, [
      'too many requests: limited by c122a060-a7fb-4bb4-abb0-32fd4e18d489',
    ]);
  });

  test('barcodes as offer ids go as `sku`; an item with no warehouse is refused locally', async () => {
    const conn = { ...connectionFor(fake, { offerIdField: 'barcode' }), settings: { offerIdField: 'barcode' } };
    const pushed = await connector.pushStock!(
      conn,
      [
        { offerId: '4600000000000', sellerSku: 'a', quantity: 7, channelWarehouseId: String(WAREHOUSE) },
        { offerId: '4600000000001', sellerSku: 'b', quantity: 2 },
      ],
      http,
    );
    assert.ok(pushed.ok);
    assert.equal(fake.stockOf(String(WAREHOUSE), '4600000000000'), 7);
    assert.equal(pushed.value.accepted, 1);
    assert.equal(pushed.value.refused[0]?.offerId, '4600000000001');
  });
});
