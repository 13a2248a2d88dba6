/**
 * Shopify (Admin REST API 2024-10): orders arrive by the orders/* webhooks (HMAC-SHA256 of the
 * raw body, base64, in X-Shopify-Hmac-Sha256) and by polling GET /orders.json with Link-header
 * pagination; shipments go out through the fulfillment-orders flow, cancellations through
 * POST /orders/{id}/cancel.json, stock through POST /inventory_levels/set.json.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok } from '../../../shared/result.js';
import {
  channelError,
  checkShape,
  notJsonError,
  httpStatusError,
  send,
  type HttpRequest,
  type HttpResponse,
} from '../http.js';
import type {
  Cancellation,
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
  UnreadableItem,
  WebhookOutcome,
} from '../types.js';
import { header } from '../inputs.js';
import {
  parseShopifyJson,
  shopifyErrorMessages,
  shopifyFulfillmentOrders,
  shopifyOrderPage,
  shopifyShop,
  shopifyTransactions,
} from './shopify-schemas.js';
import { shopifyOrderEvents } from './shopify-order.js';

export const SHOPIFY_API_VERSION = '2024-10';

/** Reasons POST /orders/{id}/cancel.json accepts (Order resource, `cancel_reason`). */
export const SHOPIFY_CANCEL_REASONS = ['customer', 'inventory', 'fraud', 'declined', 'other'] as const;

/** Ordo carrier codes → the tracking company names Shopify recognises (anything else is sent as given). */
const TRACKING_COMPANIES: Record<string, string> = {
  inpost: 'InPost',
  dhl: 'DHL Express',
  'dhl-parcel': 'DHL',
  dpd: 'DPD',
  ups: 'UPS',
  fedex: 'FedEx',
  gls: 'GLS',
  usps: 'USPS',
  cdek: 'CDEK',
  'poczta-polska': 'Poczta Polska',
  'russian-post': 'Russian Post',
};

const DAY_MS = 86_400_000;
const PAGE_LIMIT = 250;

// ------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------

function baseUrl(conn: ChannelConnection): string {
  const shop = typeof conn.settings.shop === 'string' ? conn.settings.shop.replace(/\.myshopify\.com$/, '') : '';
  return conn.baseUrl.replace('{shop}', shop).replace(/\/+$/, '');
}

async function call(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  request: Omit<HttpRequest, 'url' | 'headers'> & { path: string },
  what: string,
): Promise<ChannelResult<{ res: HttpResponse; body: unknown }>> {
  const sent = await send(http, {
    method: request.method,
    url: `${baseUrl(conn)}${request.path}`,
    headers: { 'x-shopify-access-token': conn.credentials.accessToken ?? '' },
    ...(request.json !== undefined ? { json: request.json } : {}),
  });
  if (!sent.ok) return sent;
  const res = sent.value;
  let body: unknown;
  try {
    body = res.body.length ? parseShopifyJson(res.body.toString('utf8')) : undefined;
  } catch {
    body = Symbol.for('not-json');
  }
  if (res.status < 200 || res.status > 299) {
    return err(httpStatusError(res, what, shopifyErrorMessages(body), http.now?.()));
  }
  if (body === Symbol.for('not-json')) return err(notJsonError(res, what));
  return ok({ res, body });
}

/** page_info of the rel="next" link in Shopify's Link header, if any. */
export function nextPageInfo(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return new URL(match[1]!).searchParams.get('page_info') ?? undefined;
  }
  return undefined;
}

interface ShopifyCursor {
  /** updated_at_min of the current run. */
  since: string;
  /** Set mid-pagination: Shopify's page_info of the next page. */
  pageInfo?: string;
  /** Latest updated_at seen in the current run; becomes `since` when the run ends. */
  maxSeen?: string;
}

function readCursor(cursor: string | null, now: Date, settings: Readonly<Record<string, unknown>>): ShopifyCursor {
  if (cursor) {
    try {
      const parsed = JSON.parse(cursor) as Partial<ShopifyCursor>;
      if (typeof parsed.since === 'string' && !Number.isNaN(Date.parse(parsed.since))) return parsed as ShopifyCursor;
    } catch {
      // an old or hand-edited cursor: start again from the default window (overlap is harmless)
    }
    if (!Number.isNaN(Date.parse(cursor))) return { since: new Date(cursor).toISOString() };
  }
  const days =
    typeof settings.initialSyncDays === 'number' && settings.initialSyncDays > 0 ? settings.initialSyncDays : 7;
  return { since: new Date(now.getTime() - days * DAY_MS).toISOString() };
}

/** base64(HMAC-SHA256(secret, raw body)) compared in constant time. */
export function verifyShopifyHmac(raw: Buffer, secret: string, given: string | undefined): boolean {
  if (!given || !secret) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const received = Buffer.from(given, 'base64');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

const ORDER_TOPICS = new Set([
  'orders/create',
  'orders/updated',
  'orders/cancelled',
  'orders/paid',
  'orders/fulfilled',
  'orders/partially_fulfilled',
]);

// ------------------------------------------------------------------------------------------
// The connector
// ------------------------------------------------------------------------------------------

export function createShopifyConnector(): ChannelConnector {
  const connector: ChannelConnector = {
    kind: 'shopify',
    defaultBaseUrl: `https://{shop}.myshopify.com/admin/api/${SHOPIFY_API_VERSION}`,
    requiredCredentials: ['accessToken', 'webhookSecret'],
    settingsHelp: {
      shop: 'Shop name, as in {shop}.myshopify.com (fills {shop} in the base URL)',
      locationId: 'Shopify location id stock is set at when a stock item names no location',
      notifyCustomer:
        'true/false: Shopify e-mails the buyer on fulfilment (default true) and on cancellation (default false)',
      pickupPointAttributes:
        'Order note attribute names holding a chosen parcel locker / pickup point id (default: paczkomat, _paczkomat_id, inpost_locker, pickup_point_id …)',
      pickupPointProvider: 'Provider of those pickup points (default: guessed from the shipping line, e.g. inpost)',
      initialSyncDays: 'How many days back the first poll reads (default 7)',
    },
    // POST /inventory_levels/set.json sets one inventory item at one location per call; the REST
    // Admin API's leaky bucket leaks 2 requests/s for standard shops (shopify.dev, "REST Admin
    // API rate limits"), so 120 calls a minute.
    stockPush: { batchSize: 1, requestsPerMinute: 120 },

    async testConnection(conn, http) {
      const answered = await call(conn, http, { method: 'GET', path: '/shop.json' }, 'Shopify shop');
      if (!answered.ok) return answered;
      const shop = checkShape(shopifyShop, answered.value.body, 'Shopify shop', answered.value.res.status);
      if (!shop.ok) return shop;
      const domain = shop.value.shop.myshopify_domain;
      return ok({ detail: `Shopify shop ${shop.value.shop.name}${domain ? ` (${domain})` : ''}` });
    },

    receiveWebhook(conn, req): WebhookOutcome {
      const secret = conn.credentials.webhookSecret;
      if (!secret) return { ok: false, reason: 'the connection has no webhookSecret to check X-Shopify-Hmac-Sha256' };
      if (!verifyShopifyHmac(req.raw, secret, header(req, 'x-shopify-hmac-sha256')))
        return { ok: false, reason: 'X-Shopify-Hmac-Sha256 missing or wrong' };
      const topic = header(req, 'x-shopify-topic') ?? '';
      const deliveryKey = header(req, 'x-shopify-webhook-id') ?? createHash('sha256').update(req.raw).digest('hex');
      let body: unknown;
      try {
        body = parseShopifyJson(req.raw.toString('utf8'));
      } catch {
        return {
          ok: true,
          events: [],
          unreadable: [
            { dedupeKey: `webhook:${deliveryKey}`, reason: 'the body is not JSON', raw: req.raw.toString('utf8') },
          ],
        };
      }
      if (topic === 'orders/delete') {
        const id = (body as { id?: unknown } | null)?.id;
        if (typeof id !== 'string' && typeof id !== 'number')
          return {
            ok: true,
            events: [],
            unreadable: [{ dedupeKey: `webhook:${deliveryKey}`, reason: 'orders/delete without id', raw: body }],
          };
        return {
          ok: true,
          events: [
            {
              dedupeKey: `delete:${id}`,
              event: { type: 'status', externalId: String(id), status: 'deleted' },
              raw: body,
            },
          ],
          unreadable: [],
        };
      }
      if (!ORDER_TOPICS.has(topic))
        return {
          ok: true,
          events: [
            {
              dedupeKey: `ignored:${deliveryKey}`,
              event: { type: 'ignored', reason: `topic ${topic || '(none)'}` },
              raw: body,
            },
          ],
          unreadable: [],
        };
      return { ok: true, ...shopifyOrderEvents(body, conn.settings) };
    },

    async poll(conn, cursor, http): Promise<ChannelResult<PollPage>> {
      const now = http.now?.() ?? new Date();
      const state = readCursor(cursor, now, conn.settings);
      const query = state.pageInfo
        ? new URLSearchParams({ limit: String(PAGE_LIMIT), page_info: state.pageInfo })
        : new URLSearchParams({ status: 'any', updated_at_min: state.since, limit: String(PAGE_LIMIT) });
      const answered = await call(conn, http, { method: 'GET', path: `/orders.json?${query}` }, 'Shopify orders');
      if (!answered.ok) {
        // A page_info Shopify no longer accepts would stall polling for good: the run starts again
        // from its window instead (what was already read comes again under the same keys).
        if (state.pageInfo && answered.error.code === 'CHANNEL_REJECTED')
          return connector.poll!(conn, JSON.stringify({ since: state.since }), http);
        return answered;
      }
      const page = checkShape(shopifyOrderPage, answered.value.body, 'Shopify orders', answered.value.res.status);
      if (!page.ok) return page;
      const events: ReceivedEvent[] = [];
      const unreadable: UnreadableItem[] = [];
      let maxSeen = state.maxSeen;
      for (const raw of page.value.orders) {
        const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
        let withPayments = raw;
        const gateways = record.payment_gateway_names;
        if (
          Array.isArray(gateways) &&
          gateways.includes('gift_card') &&
          (typeof record.id === 'string' || typeof record.id === 'number')
        ) {
          // A gift card shares the order with another gateway: only the transactions say how much each paid.
          const fetched = await call(
            conn,
            http,
            { method: 'GET', path: `/orders/${record.id}/transactions.json` },
            'Shopify transactions',
          );
          if (!fetched.ok) return fetched;
          const transactions = checkShape(
            shopifyTransactions,
            fetched.value.body,
            'Shopify transactions',
            fetched.value.res.status,
          );
          if (!transactions.ok) return transactions;
          withPayments = { ...record, transactions: (fetched.value.body as { transactions: unknown[] }).transactions };
        }
        const read = shopifyOrderEvents(withPayments, conn.settings);
        events.push(...read.events);
        unreadable.push(...read.unreadable);
        if (typeof record.updated_at === 'string' && !Number.isNaN(Date.parse(record.updated_at))) {
          const seen = new Date(record.updated_at).toISOString();
          if (!maxSeen || seen > maxSeen) maxSeen = seen;
        }
      }
      const next = nextPageInfo(answered.value.res.headers.get('link'));
      const nextCursor: ShopifyCursor = next
        ? { since: state.since, pageInfo: next, ...(maxSeen ? { maxSeen } : {}) }
        : { since: maxSeen ?? state.since };
      return ok({ events, unreadable, cursor: JSON.stringify(nextCursor), more: next !== undefined });
    },

    async confirmShipment(conn, shipment: ShipmentConfirmation, http) {
      const what = `Shopify fulfillment of order ${shipment.externalId}`;
      const listed = await call(
        conn,
        http,
        { method: 'GET', path: `/orders/${encodeURIComponent(shipment.externalId)}/fulfillment_orders.json` },
        what,
      );
      if (!listed.ok) return listed;
      const orders = checkShape(shopifyFulfillmentOrders, listed.value.body, what, listed.value.res.status);
      if (!orders.ok) return orders;
      const wanted = new Map<string, number>();
      for (const line of shipment.lines)
        wanted.set(line.externalLineId, (wanted.get(line.externalLineId) ?? 0) + line.quantity);
      const everything = wanted.size === 0;
      const company = TRACKING_COMPANIES[shipment.carrier.toLowerCase()] ?? shipment.carrier;
      const trackingInfo = {
        company,
        ...(shipment.trackingNumber ? { number: shipment.trackingNumber } : {}),
        ...(shipment.trackingUrl ? { url: shipment.trackingUrl } : {}),
      };
      let sent = 0;
      for (const fulfillmentOrder of orders.value.fulfillment_orders) {
        if (fulfillmentOrder.status !== 'open' && fulfillmentOrder.status !== 'in_progress') continue;
        const items: { id: string | number; quantity: number }[] = [];
        for (const item of fulfillmentOrder.line_items) {
          const remaining = everything ? item.fulfillable_quantity : (wanted.get(item.line_item_id) ?? 0);
          const quantity = Math.min(remaining, item.fulfillable_quantity);
          if (quantity <= 0) continue;
          if (!everything) wanted.set(item.line_item_id, remaining - quantity);
          items.push({ id: jsonId(item.id), quantity });
        }
        if (items.length === 0) continue;
        const posted = await call(
          conn,
          http,
          {
            method: 'POST',
            path: '/fulfillments.json',
            json: {
              fulfillment: {
                line_items_by_fulfillment_order: [
                  { fulfillment_order_id: jsonId(fulfillmentOrder.id), fulfillment_order_line_items: items },
                ],
                tracking_info: trackingInfo,
                notify_customer: conn.settings.notifyCustomer !== false,
              },
            },
          },
          what,
        );
        if (!posted.ok) return posted;
        sent++;
      }
      if (sent === 0)
        return err(
          channelError(
            'CHANNEL_REJECTED',
            `${what}: no open fulfillment order holds these lines (already fulfilled or cancelled?)`,
          ),
        );
      return ok(undefined);
    },

    async cancel(conn, cancellation: Cancellation, http) {
      const what = `Shopify cancellation of order ${cancellation.externalId}`;
      if (!(SHOPIFY_CANCEL_REASONS as readonly string[]).includes(cancellation.reasonCode))
        return err(
          channelError(
            'CHANNEL_REJECTED',
            `${what}: reason "${cancellation.reasonCode}" is not one of ${SHOPIFY_CANCEL_REASONS.join(', ')}`,
          ),
        );
      const answered = await call(
        conn,
        http,
        {
          method: 'POST',
          path: `/orders/${encodeURIComponent(cancellation.externalId)}/cancel.json`,
          json: { reason: cancellation.reasonCode, email: conn.settings.notifyCustomer === true },
        },
        what,
      );
      return answered.ok ? ok(undefined) : answered;
    },

    async pushStock(conn, items: StockItem[], http): Promise<ChannelResult<StockPushOutcome>> {
      const outcome: StockPushOutcome = { accepted: 0, refused: [] };
      for (const item of items) {
        const location = item.channelWarehouseId ?? conn.settings.locationId;
        if ((typeof location !== 'string' && typeof location !== 'number') || String(location) === '') {
          outcome.refused.push({ offerId: item.offerId, reason: 'no Shopify location: set settings.locationId' });
          continue;
        }
        const answered = await call(
          conn,
          http,
          {
            method: 'POST',
            path: '/inventory_levels/set.json',
            json: {
              location_id: jsonId(String(location)),
              inventory_item_id: jsonId(item.offerId),
              available: Math.max(0, Math.trunc(item.quantity)),
            },
          },
          `Shopify stock of ${item.offerId}`,
        );
        if (answered.ok) outcome.accepted++;
        else if (answered.error.code === 'CHANNEL_REJECTED')
          outcome.refused.push({
            offerId: item.offerId,
            reason: answered.error.channelMessages.join('; ') || answered.error.message,
          });
        else return answered;
      }
      return ok(outcome);
    },
  };
  return connector;
}

/** Ids go out as JSON numbers while they fit exactly, as digit strings beyond that. */
function jsonId(id: string): string | number {
  const value = Number(id);
  return /^\d+$/.test(id) && Number.isSafeInteger(value) ? value : id;
}
