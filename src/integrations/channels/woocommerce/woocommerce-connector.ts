/**
 * WooCommerce (REST API v3, /wp-json/wc/v3): orders arrive by the order.* webhooks
 * (X-WC-Webhook-Signature = base64 HMAC-SHA256 of the raw body) and by polling GET /orders by
 * modification date; shipments and cancellations are status changes plus an order note; stock
 * goes through the products (and variations) batch endpoints.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok } from '../../../shared/result.js';
import {
  badShapeError,
  channelError,
  notJsonError,
  httpStatusError,
  send,
  tryJson,
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
import { wooBatchAnswer, wooErrorMessages, wooOrderPage } from './woocommerce-schemas.js';
import { DEFAULT_PICKUP_POINT_META_KEYS, gmt, wooOrderEvents } from './woocommerce-order.js';

/** Woo's batch endpoints take at most 100 objects per request ("Batch update", REST API v3 docs). */
const BATCH_LIMIT = 100;
const PAGE_SIZE = 100;
const DAY_MS = 86_400_000;

// ------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------

function apiUrl(conn: ChannelConnection, path: string, query: Record<string, string> = {}): string {
  const site =
    typeof conn.settings.site === 'string' ? conn.settings.site.replace(/^https?:\/\//, '').replace(/\/+$/, '') : '';
  const params = new URLSearchParams(query);
  if (conn.settings.queryStringAuth === true) {
    params.set('consumer_key', conn.credentials.consumerKey ?? '');
    params.set('consumer_secret', conn.credentials.consumerSecret ?? '');
  }
  const search = params.toString();
  return `${conn.baseUrl.replace('{site}', site).replace(/\/+$/, '')}${path}${search ? `?${search}` : ''}`;
}

async function call(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  request: { method: 'GET' | 'POST' | 'PUT'; path: string; query?: Record<string, string>; json?: unknown },
  what: string,
): Promise<ChannelResult<{ res: HttpResponse; body: unknown }>> {
  const basic = Buffer.from(
    `${conn.credentials.consumerKey ?? ''}:${conn.credentials.consumerSecret ?? ''}`,
    'utf8',
  ).toString('base64');
  const sent = await send(http, {
    method: request.method,
    url: apiUrl(conn, request.path, request.query),
    headers: conn.settings.queryStringAuth === true ? {} : { authorization: `Basic ${basic}` },
    ...(request.json !== undefined ? { json: request.json } : {}),
  });
  if (!sent.ok) return sent;
  const res = sent.value;
  if (res.status < 200 || res.status > 299)
    return err(httpStatusError(res, what, wooErrorMessages(tryJson(res)), http.now?.()));
  try {
    return ok({ res, body: JSON.parse(res.body.toString('utf8')) as unknown });
  } catch {
    return err(notJsonError(res, what));
  }
}

interface WooCursor {
  /** modified_after of the current run (UTC, ISO). */
  since: string;
  /** Next page of the current run. */
  page?: number;
  maxSeen?: string;
}

function readCursor(cursor: string | null, now: Date, settings: Readonly<Record<string, unknown>>): WooCursor {
  if (cursor) {
    try {
      const parsed = JSON.parse(cursor) as Partial<WooCursor>;
      if (typeof parsed.since === 'string' && !Number.isNaN(Date.parse(parsed.since))) return parsed as WooCursor;
    } catch {
      // not ours: start from the default window (overlap is harmless)
    }
  }
  const days =
    typeof settings.initialSyncDays === 'number' && settings.initialSyncDays > 0 ? settings.initialSyncDays : 7;
  return { since: new Date(now.getTime() - days * DAY_MS).toISOString() };
}

/** base64(HMAC-SHA256(secret, raw body)) compared in constant time. */
export function verifyWooSignature(raw: Buffer, secret: string, given: string | undefined): boolean {
  if (!given || !secret) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const received = Buffer.from(given, 'base64');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

const ORDER_TOPICS = new Set(['order.created', 'order.updated', 'order.restored', 'order.deleted']);

/** Ordo carrier codes → names buyers recognise in the order note (anything else is written as given). */
const CARRIER_NAMES: Record<string, string> = {
  inpost: 'InPost',
  dhl: 'DHL',
  dpd: 'DPD',
  ups: 'UPS',
  fedex: 'FedEx',
  gls: 'GLS',
  cdek: 'СДЭК',
  'poczta-polska': 'Poczta Polska',
};

function parseOfferId(offerId: string): { parent?: string; id: string } | undefined {
  const variation = /^(\d+):(\d+)$/.exec(offerId);
  if (variation) return { parent: variation[1]!, id: variation[2]! };
  return /^\d+$/.test(offerId) ? { id: offerId } : undefined;
}

// ------------------------------------------------------------------------------------------
// The connector
// ------------------------------------------------------------------------------------------

export function createWooCommerceConnector(): ChannelConnector {
  return {
    kind: 'woocommerce',
    defaultBaseUrl: 'https://{site}/wp-json/wc/v3',
    requiredCredentials: ['consumerKey', 'consumerSecret', 'webhookSecret'],
    settingsHelp: {
      site: 'Shop host (and path), fills {site} in the base URL https://{site}/wp-json/wc/v3',
      queryStringAuth:
        'true when the server strips the Authorization header: keys go as consumer_key/consumer_secret query parameters (HTTPS only)',
      pickupPointMetaKeys: `Order / shipping-line meta keys holding a parcel locker or pickup point id (default: ${DEFAULT_PICKUP_POINT_META_KEYS.slice(0, 4).join(', ')} …)`,
      pickupPointProvider:
        'Provider of those pickup points (default: guessed from the key / shipping method, e.g. inpost)',
      shipmentTrackingExtension: 'true: also write the Shipment Tracking extension meta _wc_shipment_tracking_items',
      customerNote: 'true (default): shipment and cancellation notes are sent to the buyer as customer notes',
      initialSyncDays: 'How many days back the first poll reads (default 7)',
    },
    // POST /products/batch and /products/{id}/variations/batch take at most 100 objects per request
    // (WooCommerce REST API v3 docs, "Batch update products"). WooCommerce publishes no request
    // rate for REST v3 (it depends on the host): 60 requests a minute is a conservative pace.
    stockPush: { batchSize: BATCH_LIMIT, requestsPerMinute: 60 },

    async testConnection(conn, http) {
      const answered = await call(
        conn,
        http,
        { method: 'GET', path: '/orders', query: { per_page: '1' } },
        'WooCommerce orders',
      );
      if (!answered.ok) return answered;
      if (!Array.isArray(answered.value.body))
        return err(badShapeError('WooCommerce orders', answered.value.res.status, 'not a list'));
      const total = answered.value.res.headers.get('x-wp-total');
      return ok({ detail: `WooCommerce REST v3 answered${total ? `: ${total} orders` : ''}` });
    },

    receiveWebhook(conn, req): WebhookOutcome {
      const body = req.raw.toString('utf8');
      // On creation WooCommerce pings the delivery URL with a form body `webhook_id=<id>`; it must get a 2xx.
      if (/^webhook_id=\d+$/.test(body.trim()))
        return {
          ok: true,
          events: [{ dedupeKey: `ping:${body.trim()}`, event: { type: 'ignored', reason: 'webhook ping' }, raw: body }],
          unreadable: [],
          reply: { status: 200, body: { ok: true } },
        };
      const secret = conn.credentials.webhookSecret;
      if (!secret) return { ok: false, reason: 'the connection has no webhookSecret to check X-WC-Webhook-Signature' };
      if (!verifyWooSignature(req.raw, secret, header(req, 'x-wc-webhook-signature')))
        return { ok: false, reason: 'X-WC-Webhook-Signature missing or wrong' };
      const topic = header(req, 'x-wc-webhook-topic') ?? '';
      const deliveryKey = header(req, 'x-wc-webhook-delivery-id') ?? createHash('sha256').update(req.raw).digest('hex');
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return {
          ok: true,
          events: [],
          unreadable: [{ dedupeKey: `webhook:${deliveryKey}`, reason: 'the body is not JSON', raw: body }],
        };
      }
      if (!ORDER_TOPICS.has(topic))
        return {
          ok: true,
          events: [
            {
              dedupeKey: `ignored:${deliveryKey}`,
              event: { type: 'ignored', reason: `topic ${topic || '(none)'}` },
              raw: parsed,
            },
          ],
          unreadable: [],
        };
      if (topic === 'order.deleted') {
        // A permanently deleted order is sent as {"id": …}; one moved to the trash as the order with status "trash".
        const orderId = (parsed as { id?: unknown } | null)?.id;
        if (typeof orderId !== 'number')
          return {
            ok: true,
            events: [],
            unreadable: [{ dedupeKey: `webhook:${deliveryKey}`, reason: 'order.deleted without id', raw: parsed }],
          };
        return {
          ok: true,
          events: [
            {
              dedupeKey: `delete:${orderId}`,
              event: { type: 'status', externalId: String(orderId), status: 'deleted' },
              raw: parsed,
            },
          ],
          unreadable: [],
        };
      }
      return { ok: true, ...wooOrderEvents(parsed, conn.settings) };
    },

    async poll(conn, cursor, http): Promise<ChannelResult<PollPage>> {
      const now = http.now?.() ?? new Date();
      const state = readCursor(cursor, now, conn.settings);
      const page = state.page ?? 1;
      const answered = await call(
        conn,
        http,
        {
          method: 'GET',
          path: '/orders',
          query: {
            modified_after: state.since.replace(/\.\d{3}Z$/, '').replace(/Z$/, ''),
            dates_are_gmt: 'true',
            per_page: String(PAGE_SIZE),
            page: String(page),
            orderby: 'modified',
            order: 'asc',
          },
        },
        'WooCommerce orders',
      );
      if (!answered.ok) return answered;
      const list = wooOrderPage.safeParse(answered.value.body);
      if (!list.success)
        return err(badShapeError('WooCommerce orders', answered.value.res.status, 'not a list of orders'));
      const events: ReceivedEvent[] = [];
      const unreadable: UnreadableItem[] = [];
      let maxSeen = state.maxSeen;
      for (const raw of list.data) {
        const read = wooOrderEvents(raw, conn.settings);
        events.push(...read.events);
        unreadable.push(...read.unreadable);
        const modified = (raw as { date_modified_gmt?: unknown } | null)?.date_modified_gmt;
        if (typeof modified === 'string') {
          try {
            const seen = gmt(modified, 'date_modified_gmt');
            if (!maxSeen || seen > maxSeen) maxSeen = seen;
          } catch {
            // already reported as unreadable
          }
        }
      }
      const totalPages = Number(answered.value.res.headers.get('x-wp-totalpages') ?? '1');
      const more = Number.isFinite(totalPages) && page < totalPages;
      // modified_after is exclusive and to the second: the next run starts a second before the
      // latest change seen, so a change in that same second is not lost (dedupe keys absorb the overlap).
      const nextSince = maxSeen ? new Date(Date.parse(maxSeen) - 1000).toISOString() : state.since;
      const next: WooCursor = more
        ? { since: state.since, page: page + 1, ...(maxSeen ? { maxSeen } : {}) }
        : { since: nextSince > state.since ? nextSince : state.since };
      return ok({ events, unreadable, cursor: JSON.stringify(next), more });
    },

    async confirmShipment(conn, shipment: ShipmentConfirmation, http) {
      const what = `WooCommerce shipment of order ${shipment.externalId}`;
      const path = `/orders/${encodeURIComponent(shipment.externalId)}`;
      const carrier = CARRIER_NAMES[shipment.carrier.toLowerCase()] ?? shipment.carrier;
      const update: Record<string, unknown> = { status: 'completed' };
      if (conn.settings.shipmentTrackingExtension === true && shipment.trackingNumber) {
        const known = ['inpost', 'dhl', 'dpd', 'ups', 'fedex', 'gls', 'poczta-polska'].includes(
          shipment.carrier.toLowerCase(),
        );
        update.meta_data = [
          {
            key: '_wc_shipment_tracking_items',
            value: [
              {
                tracking_provider: known ? carrier : '',
                custom_tracking_provider: known ? '' : carrier,
                custom_tracking_link: shipment.trackingUrl ?? '',
                tracking_number: shipment.trackingNumber,
                date_shipped: String(Math.floor(Date.parse(shipment.shippedAt) / 1000)),
                tracking_id: createHash('md5')
                  .update(`${shipment.externalId}:${shipment.trackingNumber}`)
                  .digest('hex'),
              },
            ],
          },
        ];
      }
      const updated = await call(conn, http, { method: 'PUT', path, json: update }, what);
      if (!updated.ok) return updated;
      const note = [
        `Shipped with ${carrier}`,
        shipment.trackingNumber ? `, tracking number ${shipment.trackingNumber}` : '',
        shipment.trackingUrl ? ` (${shipment.trackingUrl})` : '',
        '.',
      ].join('');
      const noted = await call(
        conn,
        http,
        { method: 'POST', path: `${path}/notes`, json: { note, customer_note: conn.settings.customerNote !== false } },
        what,
      );
      return noted.ok ? ok(undefined) : noted;
    },

    async cancel(conn, cancellation: Cancellation, http) {
      const what = `WooCommerce cancellation of order ${cancellation.externalId}`;
      if (!cancellation.reasonCode.trim())
        return err(
          channelError('CHANNEL_REJECTED', `${what}: a reason code is required (it is written in the order note)`),
        );
      const path = `/orders/${encodeURIComponent(cancellation.externalId)}`;
      const updated = await call(conn, http, { method: 'PUT', path, json: { status: 'cancelled' } }, what);
      if (!updated.ok) return updated;
      const note = `Order cancelled by the seller (reason: ${cancellation.reasonCode})${cancellation.reasonText ? `: ${cancellation.reasonText}` : ''}`;
      const noted = await call(
        conn,
        http,
        { method: 'POST', path: `${path}/notes`, json: { note, customer_note: conn.settings.customerNote !== false } },
        what,
      );
      return noted.ok ? ok(undefined) : noted;
    },

    async pushStock(conn, items: StockItem[], http): Promise<ChannelResult<StockPushOutcome>> {
      const outcome: StockPushOutcome = { accepted: 0, refused: [] };
      // Simple products go to /products/batch, variations to /products/{parent}/variations/batch.
      const groups = new Map<string, { id: number; stock_quantity: number; manage_stock: true; offerId: string }[]>();
      for (const item of items) {
        const offer = parseOfferId(item.offerId);
        if (!offer) {
          outcome.refused.push({
            offerId: item.offerId,
            reason: 'not a WooCommerce product id ("123" or "parent:variation")',
          });
          continue;
        }
        const path = offer.parent ? `/products/${offer.parent}/variations/batch` : '/products/batch';
        const group = groups.get(path) ?? [];
        group.push({
          id: Number(offer.id),
          stock_quantity: Math.max(0, Math.trunc(item.quantity)),
          manage_stock: true,
          offerId: item.offerId,
        });
        groups.set(path, group);
      }
      for (const [path, group] of groups) {
        for (let start = 0; start < group.length; start += BATCH_LIMIT) {
          const chunk = group.slice(start, start + BATCH_LIMIT);
          const answered = await call(
            conn,
            http,
            { method: 'POST', path, json: { update: chunk.map(({ offerId: _offer, ...update }) => update) } },
            'WooCommerce stock',
          );
          if (!answered.ok) return answered;
          const parsed = wooBatchAnswer.safeParse(answered.value.body);
          if (!parsed.success)
            return err(badShapeError('WooCommerce stock', answered.value.res.status, 'no update list'));
          const answers = parsed.data.update ?? [];
          chunk.forEach((sent, index) => {
            const answer = answers.find((candidate) => candidate.id === sent.id) ?? answers[index];
            if (!answer)
              outcome.refused.push({ offerId: sent.offerId, reason: 'no answer for this product in the batch' });
            else if (answer.error) outcome.refused.push({ offerId: sent.offerId, reason: answer.error.message });
            else outcome.accepted++;
          });
        }
      }
      return ok(outcome);
    },
  };
}
