/**
 * Shopify (Admin REST API 2024-10): orders arrive by the orders/* webhooks (HMAC-SHA256 of the
 * raw body, base64, in X-Shopify-Hmac-Sha256) and by polling GET /orders.json with Link-header
 * pagination; shipments go out through the fulfillment-orders flow, cancellations through
 * POST /orders/{id}/cancel.json, stock through POST /inventory_levels/set.json.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { formatMoney, isCurrency, parseMoney } from '../../../shared/money.js';
import { err, ok } from '../../../shared/result.js';
import { channelError, notJsonError, httpStatusError, send, type HttpRequest, type HttpResponse } from '../http.js';
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
  parseShopifyJson,
  shopifyErrorMessages,
  shopifyFulfillmentOrders,
  shopifyOrder,
  shopifyOrderPage,
  shopifyShop,
  shopifyTransactions,
  type ShopifyOrder,
  type ShopifyTransaction,
} from './shopify-schemas.js';

export const SHOPIFY_API_VERSION = '2024-10';

/** Reasons POST /orders/{id}/cancel.json accepts (Order resource, `cancel_reason`). */
export const SHOPIFY_CANCEL_REASONS = ['customer', 'inventory', 'fraud', 'declined', 'other'] as const;

/** Note attributes that checkout apps use for a chosen parcel locker / pickup point. */
export const DEFAULT_PICKUP_POINT_ATTRIBUTES = [
  'paczkomat',
  '_paczkomat_id',
  'paczkomat_id',
  'inpost_locker',
  'inpost_point',
  'pickup_point_id',
  'pickup_point',
  'parcel_locker',
];

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

class Unreadable extends Error {}

// ------------------------------------------------------------------------------------------
// Mapping
// ------------------------------------------------------------------------------------------

function utc(text: string, what: string): string {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Unreadable(`${what} is not a date: ${text}`);
  return new Date(at).toISOString();
}

function units(text: string, currency: string, what: string): bigint {
  const parsed = parseMoney(text, currency);
  if (typeof parsed === 'string') throw new Unreadable(`${what} "${text}" is not an amount in ${currency} (${parsed})`);
  return parsed;
}

/** Shopify tax rates are fractions as JSON numbers (0.06); Ordo wants the percentage as a string ("6"). */
export function fractionToPercent(rate: number): string | undefined {
  if (!Number.isFinite(rate) || rate < 0 || rate > 10) return undefined;
  const [whole = '0', frac = ''] = rate.toFixed(10).replace(/0+$/, '').split('.');
  const padded = frac.padEnd(2, '0');
  const integer = `${whole}${padded.slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = padded.slice(2);
  return rest ? `${integer}.${rest}` : integer;
}

function text(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

function mapAddress(address: ShopifyOrder['shipping_address'], email?: string | null): ChannelAddress | undefined {
  if (!address || !text(address.country_code)) return undefined;
  const name =
    text(address.name) ?? ([address.first_name, address.last_name].filter((part) => text(part)).join(' ') || '');
  return {
    name,
    ...(text(address.company) ? { company: address.company! } : {}),
    line1: address.address1 ?? '',
    ...(text(address.address2) ? { line2: address.address2! } : {}),
    city: address.city ?? '',
    ...(text(address.zip) ? { postalCode: address.zip! } : {}),
    ...(text(address.province_code) || text(address.province)
      ? { region: (text(address.province_code) ?? address.province)! }
      : {}),
    country: address.country_code!.toUpperCase(),
    ...(text(address.phone) ? { phone: address.phone! } : {}),
    ...(text(email) ? { email: email! } : {}),
  };
}

function paymentMethod(gateway: string): ChannelPayment['method'] {
  const name = gateway.toLowerCase();
  if (name === 'gift_card' || name.includes('gift card')) return 'gift_card';
  if (name.includes('cash on delivery') || name.includes('cod') || name.includes('pobranie')) return 'cash_on_delivery';
  if (name.includes('bank') || name.includes('manual') || name.includes('przelew')) return 'bank_transfer';
  if (name.includes('paypal') || name.includes('apple') || name.includes('google') || name.includes('shop_pay'))
    return 'wallet';
  if (
    ['shopify_payments', 'stripe', 'authorize_net', 'bogus', 'visa', 'mastercard', 'braintree', 'adyen'].some((known) =>
      name.includes(known),
    )
  )
    return 'card';
  return 'other';
}

function paymentStatus(financialStatus: string | null | undefined): ChannelPayment['status'] {
  switch (financialStatus) {
    case 'paid':
    case 'partially_paid':
    case 'partially_refunded':
    case 'refunded':
      return 'paid';
    case 'authorized':
      return 'authorized';
    default:
      return 'pending';
  }
}

/** Payments from the order's transactions (sales, captures, uncaptured authorisations) when we have them. */
function paymentsFromTransactions(transactions: ShopifyTransaction[], currency: string): ChannelPayment[] {
  const good = transactions.filter((tx) => tx.status === 'success');
  const captured = new Set(good.filter((tx) => tx.kind === 'capture' && tx.parent_id).map((tx) => tx.parent_id));
  return good
    .filter(
      (tx) => tx.kind === 'sale' || tx.kind === 'capture' || (tx.kind === 'authorization' && !captured.has(tx.id)),
    )
    .map((tx) => ({
      method: paymentMethod(tx.gateway ?? ''),
      amount: formatMoney(units(tx.amount, currency, 'transaction amount'), currency),
      status: tx.kind === 'authorization' ? ('authorized' as const) : ('paid' as const),
      ...(text(tx.gateway) ? { provider: tx.gateway! } : {}),
      reference: tx.id,
    }));
}

function mapPayments(order: ShopifyOrder): ChannelPayment[] {
  const currency = order.currency;
  if (order.transactions && order.transactions.length > 0) {
    const fromTransactions = paymentsFromTransactions(order.transactions, currency);
    if (fromTransactions.length > 0) return fromTransactions;
  }
  const gateways = order.payment_gateway_names ?? (text(order.gateway) ? [order.gateway!] : []);
  const total = order.total_price_set?.shop_money.amount ?? order.total_price;
  const amount = formatMoney(units(total, currency, 'total_price'), currency);
  if (gateways.length === 0) return [];
  // Without transactions the split between several gateways is unknown: one payment of the
  // total, named after every gateway, the first real (non gift card) one giving the method.
  const main = gateways.find((gateway) => paymentMethod(gateway) !== 'gift_card') ?? gateways[0]!;
  return [
    {
      method: paymentMethod(main),
      amount,
      status: paymentStatus(order.financial_status),
      provider: gateways.join('+'),
    },
  ];
}

/**
 * A shipping line's `source` names the app that rated it ("usps", "canada_post", a carrier app);
 * "shopify" means the shop's own rates, which say nothing about the carrier. `carrier_identifier`
 * is an opaque hash, not a name.
 */
function carrierOf(line: { source?: string | null } | undefined): string | undefined {
  const source = text(line?.source);
  return source && source !== 'shopify' ? source : undefined;
}

/** Shipping lines an order edit removed (`is_removed: true`) no longer count. */
function activeShipping(order: ShopifyOrder) {
  return (order.shipping_lines ?? []).filter((line) => line.is_removed !== true);
}

function mapDelivery(order: ShopifyOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder['delivery'] {
  const shipping = activeShipping(order);
  const first = shipping[0];
  const warehouse = order.location_id ? { channelWarehouseId: order.location_id } : {};
  const carrier = carrierOf(first);
  const service = text(first?.title) ?? text(first?.code);
  const common = { ...warehouse, ...(carrier ? { carrier } : {}), ...(service ? { service } : {}) };
  const keys = settingList(settings.pickupPointAttributes, DEFAULT_PICKUP_POINT_ATTRIBUTES).map((key) =>
    key.toLowerCase(),
  );
  const attribute = (order.note_attributes ?? []).find(
    (note) => keys.includes(note.name.toLowerCase()) && typeof note.value === 'string' && note.value.trim() !== '',
  );
  if (attribute) {
    const hint = `${first?.title ?? ''} ${first?.code ?? ''} ${attribute.name}`.toLowerCase();
    const provider =
      (typeof settings.pickupPointProvider === 'string' && settings.pickupPointProvider) ||
      (/inpost|paczkomat/.test(hint) ? 'inpost' : (text(first?.title) ?? 'unknown'));
    return {
      method: 'pickup_point',
      pickupPoint: { provider, id: String(attribute.value).trim() },
      ...common,
    };
  }
  const pickup = shipping.some((line) =>
    /\bpick[- ]?up\b|odbiór osobisty|самовывоз/i.test(`${line.code} ${line.title}`),
  );
  if (pickup && !order.shipping_address) return { method: 'store', ...common };
  return { method: 'ship', ...common };
}

/** Reads one Shopify order (webhook body or one element of GET /orders.json). */
export function mapShopifyOrder(
  raw: unknown,
  settings: Readonly<Record<string, unknown>> = {},
): { ok: true; order: ChannelOrder; source: ShopifyOrder } | { ok: false; reason: string } {
  const parsed = shopifyOrder.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `not a Shopify order: ${issues}` };
  }
  const source = parsed.data;
  try {
    return { ok: true, order: buildOrder(source, settings), source };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, reason: error.message };
    throw error;
  }
}

function buildOrder(source: ShopifyOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder {
  const currency = source.currency;
  if (!isCurrency(currency)) throw new Unreadable(`unknown currency ${currency}`);
  const lineItems = source.line_items ?? [];
  if (lineItems.length === 0) throw new Unreadable('the order has no line items');
  const money = (value: bigint) => formatMoney(value, currency);
  const applications = source.discount_applications ?? [];
  // An application spread "across" line items is an order-level discount; "each"/"one" belong to the line.
  const isOrderLevel = (index: number) => {
    const application = applications[index];
    return application?.target_type === 'line_item' && application.allocation_method === 'across';
  };
  const orderTotals = new Map<number, bigint>();
  const shippingTotals = new Map<number, bigint>();
  let lineDiscountSum = 0n;

  const lines: ChannelOrderLine[] = lineItems.map((item) => {
    let discount = 0n;
    if (applications.length > 0) {
      for (const allocation of item.discount_allocations ?? []) {
        const value = units(allocation.amount, currency, `line ${item.id} discount`);
        const index = allocation.discount_application_index;
        if (isOrderLevel(index)) orderTotals.set(index, (orderTotals.get(index) ?? 0n) + value);
        else discount += value;
      }
    } else if (item.total_discount) {
      discount = units(item.total_discount, currency, `line ${item.id} total_discount`);
    }
    lineDiscountSum += discount;
    const taxLines = item.tax_lines ?? [];
    const taxRate =
      taxLines.length === 1 && typeof taxLines[0]!.rate === 'number' ? fractionToPercent(taxLines[0]!.rate) : undefined;
    const offerId = item.variant_id ?? item.product_id ?? `line:${item.id}`;
    const attributes: Record<string, unknown> = {};
    if (item.product_id) attributes.productId = item.product_id;
    if (item.variant_id) attributes.variantId = item.variant_id;
    if (!item.variant_id && !item.product_id) attributes.customItem = true;
    if (item.gift_card) attributes.giftCard = true;
    if (item.properties && item.properties.length > 0) attributes.properties = item.properties;
    if (taxLines.length > 1) attributes.taxLines = taxLines;
    return {
      externalLineId: item.id,
      kind: item.requires_shipping === false || item.gift_card === true ? 'service' : 'product',
      offerId,
      ...(text(item.sku) ? { sellerSku: item.sku! } : {}),
      name: text(item.name) ?? text(item.title) ?? text(item.sku) ?? item.id,
      quantity: item.quantity,
      unitPrice: money(units(item.price, currency, `line ${item.id} price`)),
      ...(discount > 0n ? { discount: money(discount) } : {}),
      ...(taxRate !== undefined ? { taxRate } : {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    };
  });

  const shippingLines: ChannelShippingLine[] = activeShipping(source).map((line) => {
    for (const allocation of line.discount_allocations ?? []) {
      const index = allocation.discount_application_index;
      shippingTotals.set(
        index,
        (shippingTotals.get(index) ?? 0n) + units(allocation.amount, currency, 'shipping discount'),
      );
    }
    const taxLines = line.tax_lines ?? [];
    const taxRate =
      taxLines.length === 1 && typeof taxLines[0]!.rate === 'number' ? fractionToPercent(taxLines[0]!.rate) : undefined;
    const code = text(line.code) ?? line.id;
    const carrier = carrierOf(line);
    return {
      ...(code ? { code } : {}),
      ...(text(line.title) ? { title: line.title! } : {}),
      ...(carrier ? { carrier } : {}),
      amount: money(units(line.price, currency, 'shipping price')),
      ...(taxRate !== undefined ? { taxRate } : {}),
    };
  });

  const discounts: ChannelDiscount[] = [];
  const describe = (index: number) => {
    const application = applications[index];
    const code = text(application?.code);
    const title = text(application?.title) ?? text(application?.description);
    return { ...(code ? { code } : {}), ...(title ? { title } : {}) };
  };
  for (const [index, total] of orderTotals)
    discounts.push({ target: 'order', amount: money(total), ...describe(index) });
  for (const [index, total] of shippingTotals)
    discounts.push({ target: 'shipping', amount: money(total), ...describe(index) });
  if (applications.length === 0 && source.total_discounts) {
    // Older payloads (and the published sample) carry no discount_applications: whatever
    // total_discounts holds beyond the lines' own discounts is an order-level discount.
    const rest = units(source.total_discounts, currency, 'total_discounts') - lineDiscountSum;
    if (rest > 0n) {
      const codes = source.discount_codes ?? [];
      const onShipping = codes.length > 0 && codes.every((code) => code.type === 'shipping');
      const code = codes.map((item) => item.code).join(',');
      discounts.push({ target: onShipping ? 'shipping' : 'order', amount: money(rest), ...(code ? { code } : {}) });
    }
  }

  const customer = source.customer;
  const name = customer ? [customer.first_name, customer.last_name].filter((part) => text(part)).join(' ') : '';
  const email = text(customer?.email) ?? text(source.email);
  const phone = text(customer?.phone) ?? text(source.phone);
  const customerOut =
    customer || email
      ? {
          ...(customer ? { externalId: customer.id } : {}),
          ...(name ? { name } : {}),
          ...(email ? { email } : {}),
          ...(phone ? { phone } : {}),
        }
      : undefined;
  const shippingAddress = mapAddress(source.shipping_address, email);
  const billingAddress = mapAddress(source.billing_address, email);

  return {
    externalId: source.id,
    externalVersion: utc(source.updated_at, 'updated_at'),
    ...(text(source.name) ? { displayNumber: source.name! } : {}),
    currency,
    pricesIncludeTax: source.taxes_included,
    placedAt: utc(text(source.processed_at) ?? source.created_at, 'processed_at'),
    ...(customerOut ? { customer: customerOut } : {}),
    lines,
    shippingLines,
    discounts,
    payments: mapPayments(source),
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(billingAddress ? { billingAddress } : {}),
    delivery: mapDelivery(source, settings),
    ...(text(source.note) ? { notes: source.note! } : {}),
    channelStatus: source.cancelled_at
      ? 'cancelled'
      : `${source.financial_status ?? 'pending'}/${source.fulfillment_status ?? 'unfulfilled'}`,
  };
}

function rawKey(raw: unknown): string {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const id = record.id;
  if ((typeof id === 'string' || typeof id === 'number') && typeof record.updated_at === 'string')
    return `${id}:${record.updated_at}`;
  return createHash('sha256')
    .update(JSON.stringify(raw ?? null))
    .digest('hex')
    .slice(0, 32);
}

/** One order → its events: the order itself (keyed by its updated_at) and a cancellation when it is cancelled. */
export function shopifyOrderEvents(
  raw: unknown,
  settings: Readonly<Record<string, unknown>>,
): { events: ReceivedEvent[]; unreadable: UnreadableItem[] } {
  const mapped = mapShopifyOrder(raw, settings);
  if (!mapped.ok)
    return { events: [], unreadable: [{ dedupeKey: `unreadable:${rawKey(raw)}`, reason: mapped.reason, raw }] };
  const { order, source } = mapped;
  const events: ReceivedEvent[] = [
    { dedupeKey: `order:${order.externalId}:${order.externalVersion}`, event: { type: 'order', order }, raw },
  ];
  if (source.cancelled_at) {
    events.push({
      dedupeKey: `cancel:${order.externalId}`,
      event: {
        type: 'cancelled',
        externalId: order.externalId,
        ...(text(source.cancel_reason) ? { reason: source.cancel_reason! } : {}),
        at: utc(source.cancelled_at, 'cancelled_at'),
      },
      raw,
    });
  }
  return { events, unreadable: [] };
}

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

function check<S extends z.ZodType>(schema: S, body: unknown, what: string, status: number): ChannelResult<z.infer<S>> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return err(
    channelError('CHANNEL_BAD_RESPONSE', `${what}: unexpected response shape (${issues})`, {
      retryable: true,
      httpStatus: status,
    }),
  );
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
      const shop = check(shopifyShop, answered.value.body, 'Shopify shop', answered.value.res.status);
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
      const page = check(shopifyOrderPage, answered.value.body, 'Shopify orders', answered.value.res.status);
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
          const transactions = check(
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
      const orders = check(shopifyFulfillmentOrders, listed.value.body, what, listed.value.res.status);
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
