/**
 * WooCommerce (REST API v3, /wp-json/wc/v3): orders arrive by the order.* webhooks
 * (X-WC-Webhook-Signature = base64 HMAC-SHA256 of the raw body) and by polling GET /orders by
 * modification date; shipments and cancellations are status changes plus an order note; stock
 * goes through the products (and variations) batch endpoints.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { divRound, formatMoney, isCurrency, parseMoney, parseRate, percentOf } from '../../../shared/money.js';
import { err, ok } from '../../../shared/result.js';
import { channelError, notJsonError, httpStatusError, send, tryJson, type HttpResponse } from '../http.js';
import type {
  Cancellation,
  ChannelAddress,
  ChannelConnection,
  ChannelConnector,
  ChannelDiscount,
  ChannelHttpOptions,
  ChannelOrder,
  ChannelOrderLine,
  ChannelPayment,
  ChannelResult,
  ChannelShippingLine,
  PollPage,
  ReceivedEvent,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
  UnreadableItem,
  WebhookOutcome,
} from '../types.js';
import { header, settingList } from '../inputs.js';
import {
  wooBatchAnswer,
  wooErrorMessages,
  wooOrder,
  wooOrderPage,
  type WooAddress,
  type WooOrder,
} from './woocommerce-schemas.js';

/** Meta keys where pickup-point / parcel-locker plugins keep the chosen point (InPost, Paczkomaty, Easypack …). */
export const DEFAULT_PICKUP_POINT_META_KEYS = [
  '_paczkomat_id',
  'paczkomat',
  '_paczkomat',
  'paczkomat_id',
  '_inpost_point',
  'inpost_point',
  '_parcel_machine_id',
  'parcel_machine_id',
  'easypack_parcel_machine_id',
  '_pickup_point_id',
  'pickup_point_id',
];

/** Woo's batch endpoints take at most 100 objects per request ("Batch update", REST API v3 docs). */
const BATCH_LIMIT = 100;
const PAGE_SIZE = 100;
const DAY_MS = 86_400_000;

class Unreadable extends Error {}

// ------------------------------------------------------------------------------------------
// Mapping
// ------------------------------------------------------------------------------------------

/** Woo's *_gmt dates come without a zone ("2017-03-22T19:28:08"): they are UTC. */
function gmt(value: string, what: string): string {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const at = Date.parse(withZone);
  if (Number.isNaN(at)) throw new Unreadable(`${what} is not a date: ${value}`);
  return new Date(at).toISOString();
}

function units(value: string, currency: string, what: string): bigint {
  const parsed = parseMoney(value, currency);
  if (typeof parsed === 'string')
    throw new Unreadable(`${what} "${value}" is not an amount in ${currency} (${parsed})`);
  return parsed;
}

function text(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

function mapAddress(address: WooAddress | undefined, fallback?: WooAddress): ChannelAddress | undefined {
  if (!address || !text(address.country)) return undefined;
  const name = [address.first_name, address.last_name].filter((part) => text(part)).join(' ');
  const email = text(address.email) ?? text(fallback?.email);
  const phone = text(address.phone) ?? text(fallback?.phone);
  return {
    name,
    ...(text(address.company) ? { company: address.company! } : {}),
    line1: address.address_1 ?? '',
    ...(text(address.address_2) ? { line2: address.address_2! } : {}),
    city: address.city ?? '',
    ...(text(address.postcode) ? { postalCode: address.postcode! } : {}),
    ...(text(address.state) ? { region: address.state! } : {}),
    country: address.country!.toUpperCase(),
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
  };
}

function paymentMethod(method: string): ChannelPayment['method'] {
  const name = method.toLowerCase();
  if (name === 'cod') return 'cash_on_delivery';
  if (name === 'bacs' || name.includes('przelew') || name.includes('bank')) return 'bank_transfer';
  if (name.includes('gift')) return 'gift_card';
  if (
    name.includes('paypal') ||
    name === 'ppcp-gateway' ||
    name.includes('blik') ||
    name.includes('apple') ||
    name.includes('google')
  )
    return 'wallet';
  if (
    name.includes('stripe') ||
    name.includes('card') ||
    name.includes('square') ||
    name.includes('woocommerce_payments')
  )
    return 'card';
  return 'other';
}

/**
 * Rates by tax rate id from the order's tax_lines (rate_percent is there since WooCommerce 5.7).
 * Older shops send no rate: it is read back from the taxed lines (tax ÷ net, to 0.01 %) and kept
 * only when it reproduces every such line's tax to the cent, so the order's VAT is what the shop
 * charged; otherwise the lines stay without a rate.
 */
function taxRates(order: WooOrder): Map<number, string> {
  const rates = new Map<number, string>();
  for (const line of order.tax_lines ?? [])
    if (typeof line.rate_percent === 'number' && Number.isFinite(line.rate_percent))
      rates.set(line.rate_id, String(line.rate_percent));
  const currency = order.currency;
  if (!isCurrency(currency)) return rates;
  const taxed = new Map<number, { net: bigint; tax: bigint }[]>();
  const rows = [...order.line_items, ...(order.shipping_lines ?? []), ...(order.fee_lines ?? [])];
  for (const row of rows) {
    if (!row.taxes || row.taxes.length !== 1 || row.total_tax === undefined) continue;
    const net = parseMoney(row.total, currency);
    const tax = parseMoney(row.total_tax, currency);
    if (typeof net !== 'bigint' || typeof tax !== 'bigint' || net <= 0n) continue;
    const id = row.taxes[0]!.id;
    taxed.set(id, [...(taxed.get(id) ?? []), { net, tax }]);
  }
  for (const line of order.tax_lines ?? []) {
    const pairs = taxed.get(line.rate_id);
    if (rates.has(line.rate_id) || !pairs?.length) continue;
    const largest = pairs.reduce((best, pair) => (pair.net > best.net ? pair : best));
    const hundredths = divRound(largest.tax * 10_000n, largest.net);
    const text = `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
    const rate = parseRate(text);
    if (rate && pairs.every((pair) => percentOf(pair.net, rate) === pair.tax))
      rates.set(line.rate_id, text.replace(/\.?0+$/, ''));
  }
  return rates;
}

function rateOf(taxes: { id: number }[] | undefined, rates: Map<number, string>): string | undefined {
  if (!taxes || taxes.length !== 1) return undefined;
  return rates.get(taxes[0]!.id);
}

function metaString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value.trim();
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of ['id', 'name', 'code', 'point_id'])
      if (typeof record[key] === 'string' && record[key]) return record[key];
  }
  return undefined;
}

function mapDelivery(order: WooOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder['delivery'] {
  const shipping = order.shipping_lines ?? [];
  const first = shipping[0];
  const service = text(first?.method_title) ?? undefined;
  const common = service ? { service } : {};
  const keys = settingList(settings.pickupPointMetaKeys, DEFAULT_PICKUP_POINT_META_KEYS).map((key) =>
    key.toLowerCase(),
  );
  const metas = [...(order.meta_data ?? []), ...shipping.flatMap((line) => line.meta_data ?? [])];
  for (const meta of metas) {
    if (!keys.includes(meta.key.toLowerCase())) continue;
    const pointId = metaString(meta.value);
    if (!pointId) continue;
    const hint = `${meta.key} ${first?.method_id ?? ''} ${first?.method_title ?? ''}`.toLowerCase();
    const provider =
      (typeof settings.pickupPointProvider === 'string' && settings.pickupPointProvider) ||
      (/inpost|paczkomat|easypack|parcel_machine/.test(hint) ? 'inpost' : (text(first?.method_id) ?? 'unknown'));
    return { method: 'pickup_point', pickupPoint: { provider, id: pointId }, ...common };
  }
  if (shipping.some((line) => /^(local_pickup|pickup_location)/.test(line.method_id ?? '')))
    return { method: 'store', ...common };
  return { method: 'ship', ...common };
}

/** Negative fees named like a gift card are a payment by gift card, other negative fees are discounts. */
const GIFT_CARD_FEE = /gift ?card|karta podarunkowa|bon podarunkowy|подарочн/i;

/** Reads one WooCommerce order (webhook body or one element of GET /orders). */
export function mapWooOrder(
  raw: unknown,
  settings: Readonly<Record<string, unknown>> = {},
): { ok: true; order: ChannelOrder; source: WooOrder } | { ok: false; reason: string } {
  const parsed = wooOrder.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `not a WooCommerce order: ${issues}` };
  }
  try {
    return { ok: true, order: buildOrder(parsed.data, settings), source: parsed.data };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, reason: error.message };
    throw error;
  }
}

function buildOrder(source: WooOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder {
  const currency = source.currency;
  if (!isCurrency(currency)) throw new Unreadable(`unknown currency ${currency}`);
  const money = (value: bigint) => formatMoney(value, currency);
  const gross = source.prices_include_tax;
  const amount = (net: string, tax: string | undefined, what: string) =>
    units(net, currency, what) + (gross && tax ? units(tax, currency, `${what} tax`) : 0n);
  const rates = taxRates(source);

  const lines: ChannelOrderLine[] = [];
  for (const item of source.line_items) {
    if (item.quantity <= 0) throw new Unreadable(`line ${item.id} has quantity ${item.quantity}`);
    // subtotal is the line before coupons (coupons are order-level discounts below); a unit price
    // that does not divide evenly is rounded up and the difference kept as the line's discount,
    // so quantity × unitPrice − discount is the subtotal to the cent.
    const subtotal = amount(item.subtotal, item.subtotal_tax, `line ${item.id} subtotal`);
    const quantity = BigInt(item.quantity);
    if (subtotal < 0n) throw new Unreadable(`line ${item.id} has a negative subtotal`);
    const unit = (subtotal + quantity - 1n) / quantity;
    const rounding = unit * quantity - subtotal;
    const variation = item.variation_id ?? 0;
    const offerId =
      item.product_id === 0
        ? `line:${item.id}`
        : variation > 0
          ? `${item.product_id}:${variation}`
          : String(item.product_id);
    const taxRate = rateOf(item.taxes, rates);
    const meta = (item.meta_data ?? []).filter((entry) => !entry.key.startsWith('_'));
    lines.push({
      externalLineId: String(item.id),
      kind: 'product',
      offerId,
      ...(text(item.sku) ? { sellerSku: item.sku! } : {}),
      name: item.name,
      quantity: item.quantity,
      unitPrice: money(unit),
      ...(rounding > 0n ? { discount: money(rounding) } : {}),
      ...(taxRate !== undefined ? { taxRate } : {}),
      attributes: {
        productId: String(item.product_id),
        ...(variation > 0 ? { variationId: String(variation) } : {}),
        ...(meta.length > 0 ? { meta: Object.fromEntries(meta.map((entry) => [entry.key, entry.value])) } : {}),
      },
    });
  }

  const discounts: ChannelDiscount[] = [];
  const giftCards: ChannelPayment[] = [];
  for (const fee of source.fee_lines ?? []) {
    const value = amount(fee.total, fee.total_tax, `fee ${fee.id}`);
    if (value < 0n) {
      if (GIFT_CARD_FEE.test(fee.name))
        giftCards.push({
          method: 'gift_card',
          amount: money(-value),
          status: 'paid',
          provider: fee.name,
          reference: String(fee.id),
        });
      else discounts.push({ target: 'order', amount: money(-value), title: fee.name });
      continue;
    }
    const taxRate = rateOf(fee.taxes, rates);
    lines.push({
      externalLineId: String(fee.id),
      kind: 'service',
      offerId: `fee:${fee.name}`,
      name: fee.name,
      quantity: 1,
      unitPrice: money(value),
      ...(taxRate !== undefined ? { taxRate } : {}),
      attributes: { feeLine: true },
    });
  }
  if (lines.length === 0) throw new Unreadable('the order has no line items');

  for (const coupon of source.coupon_lines ?? []) {
    const value = amount(coupon.discount, coupon.discount_tax, `coupon ${coupon.code}`);
    if (value > 0n) discounts.push({ target: 'order', amount: money(value), code: coupon.code });
  }

  const shippingLines: ChannelShippingLine[] = (source.shipping_lines ?? []).map((line) => {
    const taxRate = rateOf(line.taxes, rates);
    const code = text(line.method_id);
    return {
      ...(code ? { code } : {}),
      ...(text(line.method_title) ? { title: line.method_title! } : {}),
      amount: money(amount(line.total, line.total_tax, `shipping ${line.id}`)),
      ...(taxRate !== undefined ? { taxRate } : {}),
    };
  });

  const payments: ChannelPayment[] = [...giftCards];
  const total = units(source.total, currency, 'total');
  const method = text(source.payment_method);
  if (total > 0n && (method || giftCards.length === 0)) {
    payments.push({
      method: paymentMethod(method ?? ''),
      amount: money(total),
      status: text(source.date_paid_gmt) ? 'paid' : 'pending',
      ...(text(source.payment_method_title) || method
        ? { provider: (text(source.payment_method_title) ?? method)! }
        : {}),
      ...(text(source.transaction_id) ? { reference: source.transaction_id! } : {}),
    });
  }

  const billing = source.billing;
  const name = [billing?.first_name, billing?.last_name].filter((part) => text(part)).join(' ');
  const email = text(billing?.email);
  const phone = text(billing?.phone);
  const customerId = source.customer_id && source.customer_id > 0 ? String(source.customer_id) : undefined;
  const customer =
    customerId || name || email
      ? {
          ...(customerId ? { externalId: customerId } : {}),
          ...(name ? { name } : {}),
          ...(email ? { email } : {}),
          ...(phone ? { phone } : {}),
        }
      : undefined;
  const shippingAddress = mapAddress(source.shipping, billing);
  const billingAddress = mapAddress(billing);
  const number = text(source.number);

  return {
    externalId: String(source.id),
    externalVersion: gmt(source.date_modified_gmt, 'date_modified_gmt'),
    ...(number && number !== String(source.id) ? { displayNumber: number } : {}),
    currency,
    pricesIncludeTax: gross,
    placedAt: gmt(source.date_created_gmt, 'date_created_gmt'),
    ...(customer ? { customer } : {}),
    lines,
    shippingLines,
    discounts,
    payments,
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(billingAddress ? { billingAddress } : {}),
    delivery: mapDelivery(source, settings),
    ...(text(source.customer_note) ? { notes: source.customer_note! } : {}),
    channelStatus: source.status,
  };
}

function rawKey(raw: unknown): string {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  if (typeof record.id === 'number' && typeof record.date_modified_gmt === 'string')
    return `${record.id}:${record.date_modified_gmt}`;
  return createHash('sha256')
    .update(JSON.stringify(raw ?? null))
    .digest('hex')
    .slice(0, 32);
}

/** One order → its events: the order (keyed by its modification time), a cancellation, a deletion. */
export function wooOrderEvents(
  raw: unknown,
  settings: Readonly<Record<string, unknown>>,
): { events: ReceivedEvent[]; unreadable: UnreadableItem[] } {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  if (record.status === 'trash' && typeof record.id === 'number')
    return {
      events: [
        {
          dedupeKey: `delete:${record.id}`,
          event: { type: 'status', externalId: String(record.id), status: 'deleted' },
          raw,
        },
      ],
      unreadable: [],
    };
  if (record.status === 'checkout-draft' && typeof record.id === 'number')
    // The block checkout saves the cart as a draft order before the buyer places it: not an order yet.
    return {
      events: [
        {
          dedupeKey: `draft:${record.id}:${String(record.date_modified_gmt)}`,
          event: { type: 'ignored', reason: 'checkout draft (not placed yet)' },
          raw,
        },
      ],
      unreadable: [],
    };
  const mapped = mapWooOrder(raw, settings);
  if (!mapped.ok)
    return { events: [], unreadable: [{ dedupeKey: `unreadable:${rawKey(raw)}`, reason: mapped.reason, raw }] };
  const { order } = mapped;
  const events: ReceivedEvent[] = [
    { dedupeKey: `order:${order.externalId}:${order.externalVersion}`, event: { type: 'order', order }, raw },
  ];
  if (order.channelStatus === 'cancelled')
    events.push({
      dedupeKey: `cancel:${order.externalId}`,
      event: { type: 'cancelled', externalId: order.externalId, at: order.externalVersion! },
      raw,
    });
  return { events, unreadable: [] };
}

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

function badShape(what: string, status: number, detail: string) {
  return err(
    channelError('CHANNEL_BAD_RESPONSE', `${what}: unexpected response shape (${detail})`, {
      retryable: true,
      httpStatus: status,
    }),
  );
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
        return badShape('WooCommerce orders', answered.value.res.status, 'not a list');
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
      if (!list.success) return badShape('WooCommerce orders', answered.value.res.status, 'not a list of orders');
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
          if (!parsed.success) return badShape('WooCommerce stock', answered.value.res.status, 'no update list');
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
