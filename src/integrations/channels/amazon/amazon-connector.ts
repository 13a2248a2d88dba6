/**
 * Amazon Selling Partner API (Orders v0, Listings Items 2021-08-01, Feeds 2021-06-30,
 * Sellers v1). Orders are polled (GET /orders/v0/orders by LastUpdatedAfter, then each order's
 * items); ORDER_CHANGE notifications reach Ordo through a relay (SQS/EventBridge → HTTPS POST
 * with a shared secret header) and only say *that* something changed: buyer cancellation
 * requests and status changes. Seller cancellation goes through the order acknowledgement feed.
 *
 * Auth: a Login with Amazon access token (refresh_token grant at `settings.tokenUrl`, default
 * https://api.amazon.com/auth/o2/token) in `x-amz-access-token`. SP-API stopped requiring AWS
 * SigV4 signing in 2023, so no AWS keys are needed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { formatMoney, parseMoney } from '../../../shared/money.js';
import { err, ok } from '../../../shared/result.js';
import { channelError, httpStatusError, parseJson, send, tryJson, type HttpResponse } from '../http.js';
import type {
  Cancellation,
  ChannelAddress,
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  ChannelOrder,
  ChannelOrderLine,
  ChannelPayment,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
  UnreadableItem,
  WebhookOutcome,
  WebhookRequest,
} from '../types.js';
import {
  amazonErrors,
  amazonFeed,
  amazonFeedDocument,
  amazonListingsSubmission,
  amazonOrder,
  amazonOrderChangeNotification,
  amazonOrderItem,
  amazonOrderItemsResponse,
  amazonOrdersResponse,
  amazonParticipations,
  lwaToken,
  type AmazonMoney,
  type AmazonOrder,
  type AmazonOrderItem,
} from './amazon-schemas.js';

export const AMAZON_DEFAULT_BASE_URL = 'https://sellingpartnerapi-eu.amazon.com';
export const AMAZON_DEFAULT_TOKEN_URL = 'https://api.amazon.com/auth/o2/token';
export const AMAZON_RELAY_SECRET_HEADER = 'x-ordo-relay-secret';
/** The first poll looks this far back when the connection sets no `initialLookbackDays`. */
const DEFAULT_LOOKBACK_DAYS = 7;

/**
 * Seller cancellation reasons of the OrderAcknowledgement feed (`CancelReason`), as Amazon's
 * feed documentation lists them. Cancellation reason codes in Ordo's connections map to these.
 */
export const AMAZON_CANCEL_REASONS = [
  'NoInventory',
  'ShippingAddressUndeliverable',
  'CustomerExchange',
  'BuyerCanceled',
  'GeneralAdjustment',
  'CarrierCreditDecision',
  'RiskAssessmentInformationNotValid',
  'CarrierCoverageFailure',
  'CustomerReturn',
  'MerchandiseNotReceived',
  'CannotVerifyInformation',
  'PricingError',
  'RejectOrder',
  'WeatherDelay',
] as const;

/** Marketplaces whose prices exclude sales tax (US, Canada); elsewhere Amazon prices include VAT/GST. */
const TAX_EXCLUSIVE_MARKETPLACES = new Set(['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2']);

/** Amazon `CarrierCode` values for Ordo carrier codes; anything else is `Other` with a carrierName. */
const CARRIER_CODES: Record<string, string> = {
  dhl: 'DHL',
  dhl_express: 'DHL',
  ups: 'UPS',
  fedex: 'FedEx',
  usps: 'USPS',
  dpd: 'DPD',
  gls: 'GLS',
  hermes: 'Hermes',
  royal_mail: 'Royal Mail',
  tnt: 'TNT',
  amazon_shipping: 'Amazon Shipping',
};

export function amazonCarrier(carrier: string): { carrierCode: string; carrierName?: string } {
  const code =
    CARRIER_CODES[
      carrier
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_')
    ];
  return code ? { carrierCode: code } : { carrierCode: 'Other', carrierName: carrier.trim() };
}

/**
 * `packageReferenceId` must be a positive number unique within the order: derived from the
 * tracking number so a retried confirmation names the same package.
 */
export function amazonPackageReference(trackingNumber: string): string {
  const digest = createHash('sha256').update(trackingNumber).digest('hex').slice(0, 12);
  return (BigInt(`0x${digest}`) + 1n).toString();
}

// --- mapping --------------------------------------------------------------------------------

class UnreadableOrder extends Error {}

function units(value: AmazonMoney, currency: string, where: string): bigint {
  if (value.CurrencyCode !== currency)
    throw new UnreadableOrder(`${where} is in ${value.CurrencyCode}, the order in ${currency}`);
  const parsed = parseMoney(value.Amount, currency);
  if (typeof parsed === 'string') throw new UnreadableOrder(`${where}: ${value.Amount} ${currency} (${parsed})`);
  return parsed;
}

const abs = (value: bigint) => (value < 0n ? -value : value);

function iso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

function truthy(value: string | boolean | null | undefined): boolean {
  return value === true || value === 'true';
}

function executionMethod(method: string): ChannelPayment['method'] {
  if (method === 'COD') return 'cash_on_delivery';
  if (method === 'GC') return 'gift_card';
  return 'other';
}

/**
 * An order and its items as a canonical order. `ItemPrice` is the price of the whole quantity:
 * the unit price is ItemPrice / quantity when that divides to the currency's minor unit; when it
 * does not, the unit price is rounded up to the next minor unit and the few minor units over
 * the total become part of the line's discount, so unit × quantity − discount is exactly
 * ItemPrice − PromotionDiscount. Shipping prices (per item at Amazon) add up to one shipping
 * line, shipping discounts to one shipping discount.
 */
export function mapAmazonOrder(order: AmazonOrder, items: AmazonOrderItem[]): ChannelOrder {
  const currency = order.OrderTotal?.CurrencyCode ?? items.find((item) => item.ItemPrice)?.ItemPrice?.CurrencyCode;
  if (!currency) throw new UnreadableOrder('neither OrderTotal nor any ItemPrice names a currency');
  if (order.OrderTotal) units(order.OrderTotal, currency, 'OrderTotal');

  const lines: ChannelOrderLine[] = [];
  let shipping = 0n;
  let shippingDiscount = 0n;
  let anyShipping = false;
  const shippingPromotions = new Set<string>();
  for (const item of items) {
    if (item.ShippingPrice) {
      shipping += units(item.ShippingPrice, currency, `item ${item.OrderItemId} ShippingPrice`);
      anyShipping = true;
    }
    if (item.ShippingDiscount) {
      const off = abs(units(item.ShippingDiscount, currency, `item ${item.OrderItemId} ShippingDiscount`));
      if (off > 0n) for (const id of item.PromotionIds ?? []) shippingPromotions.add(id);
      shippingDiscount += off;
    }
    // A line whose whole quantity was cancelled has nothing to ship.
    if (item.QuantityOrdered === 0) continue;
    if (!item.ItemPrice) throw new UnreadableOrder(`item ${item.OrderItemId} has no ItemPrice`);
    const total = units(item.ItemPrice, currency, `item ${item.OrderItemId} ItemPrice`);
    const quantity = BigInt(item.QuantityOrdered);
    const unit = (total + quantity - 1n) / quantity;
    const rounding = unit * quantity - total;
    const promotion = item.PromotionDiscount
      ? abs(units(item.PromotionDiscount, currency, `item ${item.OrderItemId} PromotionDiscount`))
      : 0n;
    const discount = promotion + rounding;
    lines.push({
      externalLineId: item.OrderItemId,
      kind: 'product',
      offerId: item.ASIN,
      ...(item.SellerSKU ? { sellerSku: item.SellerSKU } : {}),
      name: item.Title ?? item.SellerSKU ?? item.ASIN,
      quantity: item.QuantityOrdered,
      unitPrice: formatMoney(unit, currency),
      ...(discount > 0n ? { discount: formatMoney(discount, currency) } : {}),
      attributes: {
        asin: item.ASIN,
        itemPriceTotal: item.ItemPrice.Amount,
        ...(rounding > 0n ? { roundingInDiscount: formatMoney(rounding, currency) } : {}),
        ...(item.ItemTax ? { itemTax: item.ItemTax.Amount } : {}),
        ...(item.ShippingTax ? { shippingTax: item.ShippingTax.Amount } : {}),
        ...(item.PromotionIds?.length ? { promotionIds: item.PromotionIds } : {}),
        ...(item.ConditionId ? { condition: item.ConditionId } : {}),
        ...(item.IsGift !== undefined && item.IsGift !== null ? { isGift: truthy(item.IsGift) } : {}),
      },
    });
  }
  if (lines.length === 0) throw new UnreadableOrder('no item with a quantity ordered');

  const payments: ChannelPayment[] = [];
  const execution = (order.PaymentExecutionDetail ?? []).filter((detail) => detail.Payment.CurrencyCode === currency);
  if (execution.length > 0) {
    for (const detail of execution) {
      units(detail.Payment, currency, 'PaymentExecutionDetail');
      const method = executionMethod(detail.PaymentMethod);
      payments.push({
        method,
        amount: detail.Payment.Amount,
        status: method === 'cash_on_delivery' ? 'pending' : 'paid',
        provider: detail.PaymentMethod,
      });
    }
  } else if (order.OrderTotal) {
    const cod = order.PaymentMethod === 'COD';
    payments.push({
      method: cod ? 'cash_on_delivery' : 'marketplace',
      amount: order.OrderTotal.Amount,
      status: cod ? 'pending' : 'paid',
      provider: 'Amazon',
      reference: order.AmazonOrderId,
    });
  }

  const address = order.ShippingAddress;
  const shippingAddress: ChannelAddress | undefined =
    address?.City && address.CountryCode
      ? {
          // Without the PII role Amazon leaves out the name and street: kept empty, never invented.
          name: address.Name ?? '',
          ...(address.CompanyName ? { company: address.CompanyName } : {}),
          line1: address.AddressLine1 ?? '',
          ...(address.AddressLine2 || address.AddressLine3
            ? { line2: [address.AddressLine2, address.AddressLine3].filter(Boolean).join(', ') }
            : {}),
          city: address.City,
          ...(address.PostalCode ? { postalCode: address.PostalCode } : {}),
          ...(address.StateOrRegion ? { region: address.StateOrRegion } : {}),
          country: address.CountryCode,
          ...(address.Phone ? { phone: address.Phone } : {}),
        }
      : undefined;

  const first = lines[0]!;
  // ChannelOrder has no order-level attributes: they ride on the first line (docs/channels/amazon.md).
  first.attributes = {
    ...first.attributes,
    order: {
      fulfillmentChannel: order.FulfillmentChannel ?? null,
      isBusinessOrder: order.IsBusinessOrder ?? false,
      isPrime: order.IsPrime ?? false,
      ...(order.IsPremiumOrder !== undefined && order.IsPremiumOrder !== null
        ? { isPremiumOrder: order.IsPremiumOrder }
        : {}),
      ...(order.SalesChannel ? { salesChannel: order.SalesChannel } : {}),
      ...(order.OrderType ? { orderType: order.OrderType } : {}),
      ...(order.IsReplacementOrder !== undefined && order.IsReplacementOrder !== null
        ? { isReplacementOrder: truthy(order.IsReplacementOrder) }
        : {}),
      ...(order.PaymentMethodDetails?.length ? { paymentMethodDetails: order.PaymentMethodDetails } : {}),
      ...(order.IsAccessPointOrder ? { isAccessPointOrder: true } : {}),
      ...(order.OrderTotal ? { orderTotal: order.OrderTotal.Amount } : {}),
    },
  };

  const afn = order.FulfillmentChannel === 'AFN';
  const buyer = order.BuyerInfo;
  const shipBy = iso(order.LatestShipDate);
  const deliverBy = iso(order.LatestDeliveryDate);
  return {
    externalId: order.AmazonOrderId,
    externalVersion: order.LastUpdateDate,
    currency,
    pricesIncludeTax: !TAX_EXCLUSIVE_MARKETPLACES.has(order.MarketplaceId ?? ''),
    placedAt: iso(order.PurchaseDate) ?? order.PurchaseDate,
    // Amazon never shows the buyer's own address: the e-mail (with the PII role) is a relay alias.
    customer: {
      ...(buyer?.BuyerName ? { name: buyer.BuyerName } : {}),
      ...(buyer?.BuyerEmail ? { email: buyer.BuyerEmail } : {}),
      masked: true,
    },
    lines,
    shippingLines: anyShipping
      ? [
          {
            ...(order.ShipServiceLevel ? { code: order.ShipServiceLevel } : {}),
            ...(order.ShipmentServiceLevelCategory ? { title: order.ShipmentServiceLevelCategory } : {}),
            amount: formatMoney(shipping, currency),
          },
        ]
      : [],
    discounts:
      shippingDiscount > 0n
        ? [
            {
              target: 'shipping',
              amount: formatMoney(shippingDiscount, currency),
              ...(shippingPromotions.size ? { code: [...shippingPromotions].join(',') } : {}),
            },
          ]
        : [],
    payments,
    ...(shippingAddress ? { shippingAddress } : {}),
    delivery: {
      method: order.IsISPU ? 'store' : 'ship',
      ...(order.FulfillmentInstruction?.FulfillmentSupplySourceId
        ? { channelWarehouseId: order.FulfillmentInstruction.FulfillmentSupplySourceId }
        : {}),
      ...(order.ShipServiceLevel ? { service: order.ShipServiceLevel } : {}),
    },
    marketplace: {
      // AFN orders are shipped by Amazon (FBA): informational, Ordo does not fulfil them.
      fulfilmentModel: afn ? 'FBA' : 'MFN',
      ...(shipBy ? { shipBy } : {}),
      ...(deliverBy ? { deliverBy } : {}),
      ...(order.MarketplaceId ? { marketplaceId: order.MarketplaceId } : {}),
    },
    channelStatus: order.OrderStatus,
  };
}

export function readAmazonOrder(
  rawOrder: unknown,
  rawItems: unknown[],
): { ok: true; order: ChannelOrder } | { ok: false; reason: string } {
  const order = amazonOrder.safeParse(rawOrder);
  if (!order.success) return { ok: false, reason: `order: ${describeIssues(order.error.issues)}` };
  const items: AmazonOrderItem[] = [];
  for (const raw of rawItems) {
    const item = amazonOrderItem.safeParse(raw);
    if (!item.success) return { ok: false, reason: `order item: ${describeIssues(item.error.issues)}` };
    items.push(item.data);
  }
  try {
    return { ok: true, order: mapAmazonOrder(order.data, items) };
  } catch (error) {
    if (error instanceof UnreadableOrder) return { ok: false, reason: error.message };
    throw error;
  }
}

function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Same order state → same key: the id and Amazon's LastUpdateDate. */
export const amazonOrderKey = (orderId: string, lastUpdateDate: string) => `order:${orderId}:${lastUpdateDate}`;

function buyerCancelRequest(items: AmazonOrderItem[]): { reasonText?: string } | null {
  const asked = items.find((item) => truthy(item.BuyerRequestedCancel?.IsBuyerRequestedCancel));
  if (!asked) return null;
  const reason = asked.BuyerRequestedCancel?.BuyerCancelReason;
  return reason ? { reasonText: reason } : {};
}

// --- ORDER_CHANGE notifications through the relay ------------------------------------------

/** Unwraps what a relay may post: the notification itself, an EventBridge event or an SQS message. */
function unwrapNotification(body: unknown): unknown {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (record.detail && typeof record.detail === 'object') return record.detail;
    if (typeof record.Body === 'string') {
      try {
        return JSON.parse(record.Body) as unknown;
      } catch {
        return body;
      }
    }
  }
  return body;
}

function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name] ?? req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function readOrderChangeNotification(raw: unknown): { events: ReceivedEvent[]; unreadable: UnreadableItem[] } {
  const parsed = amazonOrderChangeNotification.safeParse(unwrapNotification(raw));
  if (!parsed.success)
    return {
      events: [],
      unreadable: [
        {
          dedupeKey: `notification:${createHash('sha256')
            .update(JSON.stringify(raw ?? null))
            .digest('hex')
            .slice(0, 32)}`,
          reason: `not an ORDER_CHANGE notification (${describeIssues(parsed.error.issues)})`,
          raw,
        },
      ],
    };
  const notification = parsed.data;
  const change = notification.Payload.OrderChangeNotification;
  const orderId = change.AmazonOrderId;
  const at = iso(change.OrderChangeTrigger.TimeOfOrderChange) ?? iso(notification.EventTime);
  const base = { raw: notification };
  if (notification.NotificationType !== 'ORDER_CHANGE')
    return {
      events: [
        {
          ...base,
          dedupeKey: `notification:${notification.NotificationMetadata.NotificationId}`,
          event: { type: 'ignored', reason: `${notification.NotificationType} notifications are not read` },
        },
      ],
      unreadable: [],
    };
  if (change.OrderChangeType === 'BuyerRequestedChange') {
    const cancelItems = (change.Summary.OrderItems ?? []).some((item) => item.IsBuyerRequestedCancel === true);
    if (cancelItems || /cancel/i.test(change.OrderChangeTrigger.ChangeReason))
      return {
        events: [
          {
            ...base,
            dedupeKey: `buyer-cancel:${orderId}`,
            event: {
              type: 'cancelled',
              externalId: orderId,
              reason: 'BuyerRequestedCancel',
              reasonText: change.OrderChangeTrigger.ChangeReason,
              ...(at ? { at } : {}),
            },
          },
        ],
        unreadable: [],
      };
  }
  if (change.OrderChangeType === 'OrderStatusChange' && change.Summary.OrderStatus) {
    const status = change.Summary.OrderStatus;
    if (status === 'Canceled')
      return {
        events: [
          {
            ...base,
            dedupeKey: `cancel:${orderId}`,
            event: { type: 'cancelled', externalId: orderId, reason: 'Canceled', ...(at ? { at } : {}) },
          },
        ],
        unreadable: [],
      };
    return {
      events: [
        {
          ...base,
          dedupeKey: `status:${orderId}:${status}:${at ?? notification.NotificationMetadata.NotificationId}`,
          event: { type: 'status', externalId: orderId, status, ...(at ? { at } : {}) },
        },
      ],
      unreadable: [],
    };
  }
  return {
    events: [
      {
        ...base,
        dedupeKey: `notification:${notification.NotificationMetadata.NotificationId}`,
        event: { type: 'ignored', reason: `${change.OrderChangeType}: ${change.OrderChangeTrigger.ChangeReason}` },
      },
    ],
    unreadable: [],
  };
}

// --- HTTP -----------------------------------------------------------------------------------

function amazonMessages(res: HttpResponse): string[] {
  const parsed = amazonErrors.safeParse(tryJson(res));
  if (!parsed.success) return [];
  const messages = (parsed.data.errors ?? []).map((error) =>
    [error.code, error.message, error.details].filter(Boolean).join(': '),
  );
  if (parsed.data.error) messages.push([parsed.data.error, parsed.data.error_description].filter(Boolean).join(': '));
  return messages;
}

function failed(res: HttpResponse, what: string, http: ChannelHttpOptions) {
  return err(httpStatusError(res, what, amazonMessages(res), http.now?.()));
}

function setting(conn: ChannelConnection, key: string): string | undefined {
  const value = conn.settings[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function marketplaceIds(conn: ChannelConnection): string[] {
  const value = conn.settings.marketplaceIds ?? conn.settings.marketplaceId;
  if (Array.isArray(value)) return value.filter((id): id is string => typeof id === 'string' && id.length > 0);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  return [];
}

/** Sends a raw (non-JSON) body through `send`, keeping its timeout and error classification. */
function withRawBody(http: ChannelHttpOptions, body: string, contentType: string): ChannelHttpOptions {
  const base = http.fetch ?? fetch;
  const raw: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('content-type', contentType);
    return base(input, { ...init, headers, body });
  };
  return { ...http, fetch: raw };
}

interface PollCursor {
  after: string;
  next?: string;
  seen?: string;
}

function readCursor(cursor: string | null, now: Date, lookbackDays: number): PollCursor {
  if (cursor) {
    try {
      const parsed = JSON.parse(cursor) as Partial<PollCursor>;
      if (typeof parsed.after === 'string' && !Number.isNaN(Date.parse(parsed.after))) return parsed as PollCursor;
    } catch {
      // an ISO time alone is accepted too
    }
    if (!Number.isNaN(Date.parse(cursor))) return { after: new Date(cursor).toISOString() };
  }
  return { after: new Date(now.getTime() - lookbackDays * 86_400_000).toISOString() };
}

const later = (left: string | undefined, right: string | undefined): string | undefined =>
  !left ? right : !right ? left : Date.parse(right) > Date.parse(left) ? right : left;

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function orderAcknowledgementFeed(sellerId: string, cancellation: Cancellation): string {
  const items = (cancellation.lines ?? [])
    .map(
      (line) =>
        `<Item><AmazonOrderItemCode>${escapeXml(line.externalLineId)}</AmazonOrderItemCode>` +
        `<CancelReason>${escapeXml(cancellation.reasonCode)}</CancelReason></Item>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">' +
    `<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>${escapeXml(sellerId)}</MerchantIdentifier></Header>` +
    '<MessageType>OrderAcknowledgement</MessageType>' +
    '<Message><MessageID>1</MessageID><OrderAcknowledgement>' +
    `<AmazonOrderID>${escapeXml(cancellation.externalId)}</AmazonOrderID>` +
    '<StatusCode>Failure</StatusCode>' +
    items +
    '</OrderAcknowledgement></Message></AmazonEnvelope>'
  );
}

export function createAmazonConnector(): ChannelConnector {
  /** LWA tokens live an hour: kept per refresh token until a minute before expiry, dropped on 401/403. */
  const tokens = new Map<string, { token: string; expiresAt: number }>();

  async function accessToken(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
  ): Promise<ChannelResult<{ token: string; cacheKey: string }>> {
    const { clientId, clientSecret, refreshToken } = conn.credentials;
    if (!clientId || !clientSecret || !refreshToken)
      return err(channelError('CHANNEL_AUTH_FAILED', 'amazon: clientId, clientSecret and refreshToken are required'));
    const tokenUrl = setting(conn, 'tokenUrl') ?? AMAZON_DEFAULT_TOKEN_URL;
    const cacheKey = createHash('sha256').update(`${tokenUrl}\n${clientId}\n${refreshToken}`).digest('hex');
    const now = (http.now?.() ?? new Date()).getTime();
    const cached = tokens.get(cacheKey);
    if (cached && cached.expiresAt > now) return ok({ token: cached.token, cacheKey });
    const res = await send(http, {
      method: 'POST',
      url: tokenUrl,
      form: {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: clientSecret,
      },
    });
    if (!res.ok) return res;
    if (res.value.status === 400 || res.value.status === 401 || res.value.status === 403) {
      const messages = amazonMessages(res.value);
      return err(
        channelError(
          'CHANNEL_AUTH_FAILED',
          `amazon: Login with Amazon refused the refresh token: ${messages.join('; ')}`,
          {
            httpStatus: res.value.status,
            channelMessages: messages,
          },
        ),
      );
    }
    if (res.value.status !== 200) return failed(res.value, 'amazon: Login with Amazon token', http);
    const token = parseJson(res.value, lwaToken, 'amazon: Login with Amazon token');
    if (!token.ok) return token;
    const lifetimeMs = (token.value.expires_in ?? 3600) * 1000;
    tokens.set(cacheKey, { token: token.value.access_token, expiresAt: now + lifetimeMs - 60_000 });
    return ok({ token: token.value.access_token, cacheKey });
  }

  async function call(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    json?: unknown,
  ): Promise<ChannelResult<HttpResponse>> {
    const auth = await accessToken(conn, http);
    if (!auth.ok) return auth;
    const res = await send(http, {
      method,
      url: `${(conn.baseUrl || AMAZON_DEFAULT_BASE_URL).replace(/\/+$/, '')}${path}`,
      headers: { 'x-amz-access-token': auth.value.token },
      ...(json !== undefined ? { json } : {}),
    });
    // A refused token is not reused: the next call asks Login with Amazon for a new one.
    if (res.ok && (res.value.status === 401 || res.value.status === 403)) tokens.delete(auth.value.cacheKey);
    return res;
  }

  async function itemsOf(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
    orderId: string,
  ): Promise<ChannelResult<unknown[] | null>> {
    const items: unknown[] = [];
    let nextToken: string | null | undefined;
    for (let page = 0; page < 50; page++) {
      const query = nextToken ? `?NextToken=${encodeURIComponent(nextToken)}` : '';
      const res = await call(conn, http, 'GET', `/orders/v0/orders/${encodeURIComponent(orderId)}/orderItems${query}`);
      if (!res.ok) return res;
      if (res.value.status === 404) return ok(null);
      if (res.value.status !== 200) return failed(res.value, `amazon: items of order ${orderId}`, http);
      const body = parseJson(res.value, amazonOrderItemsResponse, `amazon: items of order ${orderId}`);
      if (!body.ok) return body;
      items.push(...body.value.payload.OrderItems);
      nextToken = body.value.payload.NextToken;
      if (!nextToken) return ok(items);
    }
    return err(channelError('CHANNEL_BAD_RESPONSE', `amazon: items of order ${orderId} never stop paging`));
  }

  return {
    kind: 'amazon',
    defaultBaseUrl: AMAZON_DEFAULT_BASE_URL,
    requiredCredentials: ['clientId', 'clientSecret', 'refreshToken'],
    settingsHelp: {
      marketplaceIds:
        'Amazon marketplace ids to read orders from (e.g. A1PA6795UKMFR9 for amazon.de); the first is used for shipment confirmations, feeds and stock',
      sellerId: 'Merchant token (seller id): needed for stock (Listings Items) and cancellation feeds',
      tokenUrl: 'Login with Amazon token endpoint (default https://api.amazon.com/auth/o2/token)',
      initialLookbackDays: 'How far back the first poll reads orders (default 7)',
      pageSize: 'Orders per page, 1–100 (default 100)',
    },
    // Listings Items patchListingsItem: one SKU per request, 5 requests per second (burst 5)
    // (SP-API Listings Items API v2021-08-01 usage plan).
    stockPush: { batchSize: 1, requestsPerMinute: 300 },

    async testConnection(conn, http) {
      const res = await call(conn, http, 'GET', '/sellers/v1/marketplaceParticipations');
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'amazon: marketplace participations', http);
      const body = parseJson(res.value, amazonParticipations, 'amazon: marketplace participations');
      if (!body.ok) return body;
      const ids = body.value.payload
        .filter((entry) => entry.participation?.isParticipating !== false)
        .map((entry) => entry.marketplace.id);
      return ok({ detail: `Amazon seller participating in ${ids.join(', ') || 'no marketplace'}` });
    },

    receiveWebhook(conn, req: WebhookRequest): WebhookOutcome {
      const secret = conn.credentials.webhookSecret;
      if (!secret) return { ok: false, reason: 'amazon: the connection has no webhookSecret for the relay' };
      const given = header(req, AMAZON_RELAY_SECRET_HEADER);
      if (!given) return { ok: false, reason: `amazon: ${AMAZON_RELAY_SECRET_HEADER} header missing` };
      const expected = createHash('sha256').update(secret).digest();
      const actual = createHash('sha256').update(given).digest();
      if (!timingSafeEqual(expected, actual))
        return { ok: false, reason: `amazon: ${AMAZON_RELAY_SECRET_HEADER} does not match` };
      let body: unknown;
      try {
        body = JSON.parse(req.raw.toString('utf8'));
      } catch {
        return {
          ok: true,
          events: [],
          unreadable: [
            {
              dedupeKey: `notification:${createHash('sha256').update(req.raw).digest('hex').slice(0, 32)}`,
              reason: 'relay body is not JSON',
              raw: req.raw.toString('utf8'),
            },
          ],
        };
      }
      return { ok: true, ...readOrderChangeNotification(body) };
    },

    async poll(conn, cursor, http): Promise<ChannelResult<PollPage>> {
      const markets = marketplaceIds(conn);
      if (markets.length === 0)
        return err(channelError('CHANNEL_REJECTED', 'amazon: settings.marketplaceIds is empty', { retryable: false }));
      const lookback = Number(conn.settings.initialLookbackDays ?? DEFAULT_LOOKBACK_DAYS);
      const state = readCursor(
        cursor,
        http.now?.() ?? new Date(),
        Number.isFinite(lookback) ? lookback : DEFAULT_LOOKBACK_DAYS,
      );
      const query = new URLSearchParams({ MarketplaceIds: markets.join(','), LastUpdatedAfter: state.after });
      const pageSize = Number(conn.settings.pageSize ?? 100);
      query.set(
        'MaxResultsPerPage',
        String(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 100 ? pageSize : 100),
      );
      if (state.next) query.set('NextToken', state.next);
      const res = await call(conn, http, 'GET', `/orders/v0/orders?${query.toString()}`);
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'amazon: getOrders', http);
      const page = parseJson(res.value, amazonOrdersResponse, 'amazon: getOrders');
      if (!page.ok) return page;

      const events: ReceivedEvent[] = [];
      const unreadable: UnreadableItem[] = [];
      let seen = state.seen;
      for (const rawOrder of page.value.payload.Orders) {
        const head = amazonOrder.safeParse(rawOrder);
        if (!head.success) {
          const id = (rawOrder as { AmazonOrderId?: unknown } | null)?.AmazonOrderId;
          unreadable.push({
            dedupeKey: `order:${typeof id === 'string' ? id : 'unknown'}:${createHash('sha256')
              .update(JSON.stringify(rawOrder ?? null))
              .digest('hex')
              .slice(0, 16)}`,
            reason: `order does not match Amazon's format (${describeIssues(head.error.issues)})`,
            raw: rawOrder,
          });
          continue;
        }
        const order = head.data;
        seen = later(seen, iso(order.LastUpdateDate));
        const key = amazonOrderKey(order.AmazonOrderId, order.LastUpdateDate);
        if (order.OrderStatus === 'Canceled') {
          events.push({
            dedupeKey: `cancel:${order.AmazonOrderId}`,
            event: {
              type: 'cancelled',
              externalId: order.AmazonOrderId,
              reason: 'Canceled',
              at: iso(order.LastUpdateDate) ?? order.LastUpdateDate,
            },
            raw: rawOrder,
          });
          continue;
        }
        if (order.OrderStatus === 'Pending' || order.OrderStatus === 'PendingAvailability') {
          events.push({
            dedupeKey: key,
            event: {
              type: 'ignored',
              reason: `${order.OrderStatus}: Amazon has not authorised the payment yet; the order comes in once it is Unshipped`,
            },
            raw: rawOrder,
          });
          continue;
        }
        const items = await itemsOf(conn, http, order.AmazonOrderId);
        if (!items.ok) return items;
        if (items.value === null) {
          unreadable.push({
            dedupeKey: key,
            reason: `items of order ${order.AmazonOrderId} not found (HTTP 404)`,
            raw: rawOrder,
          });
          continue;
        }
        const read = readAmazonOrder(rawOrder, items.value);
        const raw = { order: rawOrder, items: items.value };
        if (!read.ok) {
          unreadable.push({ dedupeKey: key, reason: `order ${order.AmazonOrderId}: ${read.reason}`, raw });
          continue;
        }
        events.push({ dedupeKey: key, event: { type: 'order', order: read.order }, raw });
        const parsedItems = items.value.flatMap((item) => {
          const parsed = amazonOrderItem.safeParse(item);
          return parsed.success ? [parsed.data] : [];
        });
        const request = buyerCancelRequest(parsedItems);
        if (request && (order.OrderStatus === 'Unshipped' || order.OrderStatus === 'PartiallyShipped'))
          events.push({
            dedupeKey: `buyer-cancel:${order.AmazonOrderId}`,
            event: { type: 'cancelled', externalId: order.AmazonOrderId, reason: 'BuyerRequestedCancel', ...request },
            raw,
          });
      }
      const nextToken = page.value.payload.NextToken;
      const next: PollCursor = nextToken
        ? { after: state.after, next: nextToken, ...(seen ? { seen } : {}) }
        : // LastUpdatedAfter is inclusive: the last order is read again next time, harmless by its key.
          { after: seen ?? state.after };
      return ok({ events, unreadable, cursor: JSON.stringify(next), more: !!nextToken });
    },

    async confirmShipment(conn, shipment: ShipmentConfirmation, http) {
      const marketplaceId = marketplaceIds(conn)[0];
      if (!marketplaceId)
        return err(channelError('CHANNEL_REJECTED', 'amazon: settings.marketplaceIds is empty', { retryable: false }));
      if (!shipment.trackingNumber)
        return err(
          channelError(
            'CHANNEL_REJECTED',
            'amazon: a shipment confirmation needs a tracking number (packageDetail.trackingNumber is required)',
            {
              retryable: false,
            },
          ),
        );
      const res = await call(
        conn,
        http,
        'POST',
        `/orders/v0/orders/${encodeURIComponent(shipment.externalId)}/shipmentConfirmation`,
        {
          marketplaceId,
          packageDetail: {
            packageReferenceId: amazonPackageReference(shipment.trackingNumber),
            ...amazonCarrier(shipment.carrier),
            trackingNumber: shipment.trackingNumber,
            shipDate: new Date(shipment.shippedAt).toISOString(),
            orderItems: shipment.lines.map((line) => ({ orderItemId: line.externalLineId, quantity: line.quantity })),
          },
        },
      );
      if (!res.ok) return res;
      if (res.value.status !== 204 && res.value.status !== 200)
        return failed(res.value, 'amazon: confirm shipment', http);
      return ok(undefined);
    },

    /**
     * Orders v0 has no seller cancel: the cancellation is an OrderAcknowledgement feed with
     * StatusCode Failure and a CancelReason per item (POST_ORDER_ACKNOWLEDGEMENT_DATA): create a
     * feed document, upload the XML to its pre-signed URL, create the feed. Amazon processes the
     * feed asynchronously; success here means the feed was accepted for processing.
     */
    async cancel(conn, cancellation: Cancellation, http) {
      if (!(AMAZON_CANCEL_REASONS as readonly string[]).includes(cancellation.reasonCode))
        return err(
          channelError(
            'CHANNEL_REJECTED',
            `amazon: cancel reason ${cancellation.reasonCode} is not one of Amazon's (${AMAZON_CANCEL_REASONS.join(', ')})`,
            { retryable: false },
          ),
        );
      const sellerId = setting(conn, 'sellerId');
      const marketplaceId = marketplaceIds(conn)[0];
      if (!sellerId || !marketplaceId)
        return err(
          channelError(
            'CHANNEL_REJECTED',
            'amazon: cancellation feeds need settings.sellerId and settings.marketplaceIds',
            {
              retryable: false,
            },
          ),
        );
      const contentType = 'text/xml; charset=UTF-8';
      const created = await call(conn, http, 'POST', '/feeds/2021-06-30/documents', { contentType });
      if (!created.ok) return created;
      if (created.value.status !== 201 && created.value.status !== 200)
        return failed(created.value, 'amazon: create feed document', http);
      const document = parseJson(created.value, amazonFeedDocument, 'amazon: create feed document');
      if (!document.ok) return document;
      const xml = orderAcknowledgementFeed(sellerId, cancellation);
      // The pre-signed URL carries its own authorisation: no access token on the upload.
      const upload = await send(withRawBody(http, xml, contentType), {
        method: 'PUT',
        url: document.value.url,
        json: xml,
      });
      if (!upload.ok) return upload;
      if (upload.value.status !== 200) return failed(upload.value, 'amazon: upload feed document', http);
      const feed = await call(conn, http, 'POST', '/feeds/2021-06-30/feeds', {
        feedType: 'POST_ORDER_ACKNOWLEDGEMENT_DATA',
        marketplaceIds: [marketplaceId],
        inputFeedDocumentId: document.value.feedDocumentId,
      });
      if (!feed.ok) return feed;
      if (feed.value.status !== 202 && feed.value.status !== 200)
        return failed(feed.value, 'amazon: create feed', http);
      const accepted = parseJson(feed.value, amazonFeed, 'amazon: create feed');
      if (!accepted.ok) return accepted;
      return ok(undefined);
    },

    async pushStock(conn, items: StockItem[], http): Promise<ChannelResult<StockPushOutcome>> {
      if (items.length > 1) throw new RangeError('amazon: Listings Items takes one SKU per request (batchSize 1)');
      const item = items[0];
      if (!item) return ok({ accepted: 0, refused: [] });
      const sellerId = setting(conn, 'sellerId');
      const marketplaceId = marketplaceIds(conn)[0];
      if (!sellerId || !marketplaceId)
        return err(
          channelError('CHANNEL_REJECTED', 'amazon: stock needs settings.sellerId and settings.marketplaceIds', {
            retryable: false,
          }),
        );
      const sku = item.sellerSku || item.offerId;
      const res = await call(
        conn,
        http,
        'PATCH',
        `/listings/2021-08-01/items/${encodeURIComponent(sellerId)}/${encodeURIComponent(sku)}?marketplaceIds=${encodeURIComponent(marketplaceId)}`,
        {
          productType: 'PRODUCT',
          patches: [
            {
              op: 'replace',
              path: '/attributes/fulfillment_availability',
              value: [{ fulfillment_channel_code: 'DEFAULT', quantity: Math.max(0, Math.trunc(item.quantity)) }],
            },
          ],
        },
      );
      if (!res.ok) return res;
      if (res.value.status === 404)
        return ok({
          accepted: 0,
          refused: [{ offerId: item.offerId, reason: amazonMessages(res.value).join('; ') || 'SKU not found' }],
        });
      if (res.value.status !== 200) return failed(res.value, `amazon: stock of ${sku}`, http);
      const submission = parseJson(res.value, amazonListingsSubmission, `amazon: stock of ${sku}`);
      if (!submission.ok) return submission;
      if (submission.value.status === 'ACCEPTED') return ok({ accepted: 1, refused: [] });
      const reason = (submission.value.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`).join('; ');
      return ok({ accepted: 0, refused: [{ offerId: item.offerId, reason: reason || submission.value.status }] });
    },
  };
}
