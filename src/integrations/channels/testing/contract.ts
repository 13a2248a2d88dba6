/**
 * The contract every channel connector keeps, run against its local server that speaks the
 * channel's published format. One `*.test.ts` per connector calls `channelContract(harness)`
 * and adds the channel's own cases (its fixtures mapped field by field).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type {
  ChannelConnection,
  ChannelConnector,
  ChannelEvent,
  ChannelHttpOptions,
  ChannelOrder,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  StockItem,
  WebhookRequest,
} from '../types.js';
import type { FakeChannelServer } from './fake-http.js';

export interface StartedChannel {
  connector: ChannelConnector;
  /** Points at the local server, with valid credentials. */
  connection: ChannelConnection;
  server: FakeChannelServer;
  /**
   * Puts one new order (built from the channel's fixture, with this external id) at the
   * channel. When the channel has webhooks, returns the signed delivery it would send.
   */
  addOrder(externalId: string): Promise<{ webhook?: WebhookRequest }>;
  /** Cancels the order at the channel's side (buyer cancelled); returns the webhook when there is one. */
  cancelAtChannel(externalId: string): Promise<{ webhook?: WebhookRequest }>;
  /** Shipment confirmations the channel has recorded, by its order id. */
  confirmedShipments(): { externalId: string; trackingNumber: string | null; carrier: string }[];
  /** Cancellations the seller sent, with the channel's reason code. */
  sellerCancellations(): { externalId: string; reasonCode: string }[];
  /** The quantity the channel holds now for an offer (after stock pushes). */
  stockOf(offerId: string): number | undefined;
  /** An offer the channel knows, for stock pushes. */
  knownOffers: string[];
  close(): Promise<void>;
}

export interface ChannelHarness {
  name: string;
  start(): Promise<StartedChannel>;
  /** A reason code the channel accepts for seller cancellations. */
  cancelReasonCode: string;
}

const http: ChannelHttpOptions = { timeoutMs: 1_500 };
const MONEY = /^-?\d+(\.\d+)?$/;

function orderEvents(events: ReceivedEvent[]): { key: string; order: ChannelOrder }[] {
  return events.flatMap((received) =>
    received.event.type === 'order' ? [{ key: received.dedupeKey, order: received.event.order }] : [],
  );
}

/** Reads everything the channel has now: the webhook when given, else polls until no more pages. */
async function readAll(channel: StartedChannel, webhook?: WebhookRequest): Promise<ReceivedEvent[]> {
  const { connector, connection } = channel;
  if (webhook && connector.receiveWebhook) {
    const outcome = connector.receiveWebhook(connection, webhook, http);
    assert.ok(outcome.ok, `webhook refused: ${outcome.ok ? '' : outcome.reason}`);
    assert.deepEqual(outcome.unreadable, []);
    return outcome.events;
  }
  assert.ok(connector.poll, `${connector.kind} has neither a webhook for this nor polling`);
  const events: ReceivedEvent[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const result: ChannelResult<PollPage> = await connector.poll(connection, cursor, http);
    assert.ok(result.ok, `poll failed: ${result.ok ? '' : result.error.message}`);
    events.push(...result.value.events);
    assert.deepEqual(result.value.unreadable, []);
    cursor = result.value.cursor;
    if (!result.value.more) break;
  }
  return events;
}

function checkCanonical(order: ChannelOrder) {
  assert.ok(order.externalId.length > 0);
  assert.match(order.currency, /^[A-Z]{3}$/);
  assert.ok(!Number.isNaN(Date.parse(order.placedAt)), `placedAt ${order.placedAt}`);
  assert.ok(order.lines.length > 0, 'an order has lines');
  for (const line of order.lines) {
    assert.ok(line.offerId.length > 0 && line.externalLineId.length > 0);
    assert.ok(Number.isInteger(line.quantity) && line.quantity > 0);
    assert.match(line.unitPrice, MONEY);
    if (line.discount !== undefined) assert.match(line.discount, MONEY);
  }
  for (const shipping of order.shippingLines) assert.match(shipping.amount, MONEY);
  for (const discount of order.discounts) assert.match(discount.amount, MONEY);
  for (const payment of order.payments) assert.match(payment.amount, MONEY);
}

export function channelContract(harness: ChannelHarness): void {
  describe(`${harness.name} keeps the channel contract`, () => {
    let channel: StartedChannel;
    before(async () => {
      channel = await harness.start();
    });
    after(async () => {
      await channel.close();
    });

    test('test connection succeeds with good credentials and says why with bad ones', async () => {
      const good = await channel.connector.testConnection(channel.connection, http);
      assert.ok(good.ok, good.ok ? '' : good.error.message);
      channel.server.failNext('unauthorized');
      const bad = await channel.connector.testConnection(channel.connection, http);
      assert.ok(!bad.ok);
      assert.equal(bad.error.code, 'CHANNEL_AUTH_FAILED');
      assert.equal(bad.error.retryable, false);
    });

    test('a new order comes in as a canonical order with exact money', async () => {
      const { webhook } = await channel.addOrder('9000000001');
      const orders = orderEvents(await readAll(channel, webhook));
      const mine = orders.filter((found) => found.order.externalId === '9000000001');
      assert.equal(mine.length, 1, `expected the new order once, got ${orders.map((o) => o.order.externalId)}`);
      checkCanonical(mine[0]!.order);
    });

    test('redelivery and overlapping polls yield the same dedupe keys', async () => {
      const { webhook } = await channel.addOrder('9000000002');
      const first = orderEvents(await readAll(channel, webhook)).filter((o) => o.order.externalId === '9000000002');
      const again = orderEvents(await readAll(channel, webhook)).filter((o) => o.order.externalId === '9000000002');
      assert.equal(first.length, 1);
      assert.deepEqual(
        again.map((o) => o.key),
        first.map((o) => o.key),
      );
    });

    test('a bad native signature is refused, nothing read', async (t) => {
      const { connector, connection } = channel;
      if (!connector.receiveWebhook) return t.skip(`${connector.kind} has no native webhooks: it is polled`);
      const { webhook } = await channel.addOrder('9000000003');
      assert.ok(webhook, 'a channel with receiveWebhook returns the delivery');
      const tampered: WebhookRequest = { headers: webhook.headers, raw: Buffer.from(webhook.raw.toString() + ' ') };
      assert.equal(connector.receiveWebhook(connection, tampered, http).ok, false);
      const unsigned: WebhookRequest = { headers: {}, raw: webhook.raw };
      assert.equal(connector.receiveWebhook(connection, unsigned, http).ok, false);
    });

    test('a cancellation at the channel comes in as a cancelled event', async () => {
      await readAll(channel, (await channel.addOrder('9000000004')).webhook);
      const { webhook } = await channel.cancelAtChannel('9000000004');
      const events = await readAll(channel, webhook);
      const cancelled = events.filter(
        (received): received is ReceivedEvent & { event: Extract<ChannelEvent, { type: 'cancelled' }> } =>
          received.event.type === 'cancelled' && received.event.externalId === '9000000004',
      );
      const cancelledOrder = orderEvents(events).filter(
        (o) => o.order.externalId === '9000000004' && /cancel/i.test(o.order.channelStatus ?? ''),
      );
      assert.ok(cancelled.length + cancelledOrder.length >= 1, 'the cancellation is reported');
    });

    test('shipment confirmation and seller cancellation reach the channel', async () => {
      const events = orderEvents(await readAll(channel, (await channel.addOrder('9000000005')).webhook));
      const order = events.find((o) => o.order.externalId === '9000000005')!.order;
      const lines = order.lines.map((line) => ({
        externalLineId: line.externalLineId,
        offerId: line.offerId,
        quantity: line.quantity,
      }));
      const shipped = await channel.connector.confirmShipment(
        channel.connection,
        {
          externalId: '9000000005',
          lines,
          carrier: 'inpost',
          trackingNumber: '620000000000123456789012',
          shippedAt: '2026-12-01T10:00:00Z',
        },
        http,
      );
      assert.ok(shipped.ok, shipped.ok ? '' : shipped.error.message);
      assert.ok(
        channel.confirmedShipments().some((s) => s.externalId === '9000000005'),
        'the channel recorded the shipment',
      );

      await channel.addOrder('9000000006');
      const cancelled = await channel.connector.cancel(
        channel.connection,
        { externalId: '9000000006', reasonCode: harness.cancelReasonCode, lines },
        http,
      );
      assert.ok(cancelled.ok, cancelled.ok ? '' : cancelled.error.message);
      assert.ok(channel.sellerCancellations().some((c) => c.externalId === '9000000006'));
    });

    test('stock push sends exact quantities and reports 429 as retryable with its wait', async (t) => {
      const { connector, connection } = channel;
      if (!connector.pushStock || !connector.stockPush) return t.skip(`${connector.kind} takes no stock from sellers`);
      const items: StockItem[] = channel.knownOffers.map((offerId, index) => ({
        offerId,
        sellerSku: offerId,
        quantity: index + 3,
      }));
      const pushed = await connector.pushStock(connection, items.slice(0, connector.stockPush.batchSize), http);
      assert.ok(pushed.ok, pushed.ok ? '' : pushed.error.message);
      items.forEach((item) => assert.equal(channel.stockOf(item.offerId), item.quantity));
      channel.server.failNext('rate-limited');
      const limited = await connector.pushStock(connection, items.slice(0, 1), http);
      assert.ok(!limited.ok);
      assert.equal(limited.error.code, 'CHANNEL_RATE_LIMITED');
      assert.equal(limited.error.retryable, true);
      assert.equal(limited.error.retryAfterMs, 1000);
    });

    test('outages, timeouts and garbage are values the caller can act on', async () => {
      const { connector, connection } = channel;
      channel.server.failNext('server-error');
      const down = await connector.testConnection(connection, http);
      assert.ok(!down.ok);
      assert.equal(down.error.code, 'CHANNEL_UNAVAILABLE');
      assert.equal(down.error.retryable, true);
      if (connector.poll) {
        channel.server.failNext('malformed');
        const garbage = await connector.poll(connection, null, http);
        assert.ok(!garbage.ok);
        assert.equal(garbage.error.code, 'CHANNEL_BAD_RESPONSE');
        channel.server.failNext('hang');
        const slow = await connector.poll(connection, null, { timeoutMs: 200 });
        assert.ok(!slow.ok);
        assert.equal(slow.error.code, 'CHANNEL_TIMEOUT');
      }
    });
  });
}
