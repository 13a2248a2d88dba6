/**
 * Ozon Seller API, FBS/rFBS postings. One posting (отправление) is one Ordo order: externalId =
 * posting_number, the Ozon order id/number go along as displayNumber and line attributes.
 * Inbound by polling /v3/posting/fbs/list and by Ozon push notifications; Ozon signs nothing,
 * so pushes are checked against a shared token (see receiveWebhook).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { err, ok } from '../../../shared/result.js';
import { formatMoney, isCurrency, minorUnits, parseMoney } from '../../../shared/money.js';
import { channelError, httpStatusError, parseJson, send, tryJson, type HttpResponse } from '../http.js';
import type {
  Cancellation,
  ChannelAddress,
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  ChannelOrder,
  ChannelOrderRef,
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
import { header, intSetting } from '../inputs.js';
import {
  ozonBoolResult,
  ozonError,
  ozonPosting,
  ozonPostingGet,
  ozonPostingPage,
  ozonPush,
  ozonPushPosting,
  ozonShipResult,
  ozonStockResult,
  ozonTrackingResult,
  ozonWarehouses,
  type OzonPosting,
} from './ozon-schemas.js';

export const OZON_BASE_URL = 'https://api-seller.ozon.ru';

/**
 * POST /v2/products/stocks (Ozon Seller API reference): "up to 100 product–warehouse pairs in
 * one request; up to 80 requests a minute per seller account".
 */
const STOCK_BATCH = 100;
const STOCK_RPM = 80;
/** /v3/posting/fbs/list: limit 1…1000. */
const LIST_MAX_LIMIT = 1000;
const DEFAULT_WEBHOOK_HEADER = 'x-ordo-webhook-token';

/** Where a posting is in its life, so externalVersion grows with it. */
const STATUS_RANK: Record<string, number> = {
  acceptance_in_progress: 1,
  awaiting_registration: 1,
  awaiting_approve: 2,
  awaiting_packaging: 3,
  awaiting_verification: 3,
  awaiting_deliver: 4,
  arbitration: 5,
  client_arbitration: 5,
  driver_pickup: 6,
  delivering: 6,
  delivered: 7,
  not_accepted: 8,
  cancelled: 9,
};
const CANCELLED = new Set(['cancelled', 'not_accepted']);
/** analytics_data.delivery_type values where the buyer collects the parcel. */
const PICKUP_TYPES = new Set(['pvz', 'postamat', 'pickpoint', 'pick_point']);

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

/**
 * An Ozon amount ("1390.000000", "279.0000", 1888, 33.32) as an exact string in the currency's
 * minor unit: trailing zeros beyond it are dropped, anything else that would need rounding is
 * refused. JSON numbers are read by their shortest decimal text (what Ozon wrote), not computed.
 */
export function ozonAmount(value: string | number, currency: string): string | null {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  const match = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const exp = minorUnits(currency);
  const frac = (match[2] ?? '').replace(/0+$/, '');
  if (frac.length > exp) return null;
  const units = parseMoney(frac ? `${match[1]!.replace('-', '')}.${frac}` : match[1]!.replace('-', ''), currency);
  if (typeof units !== 'bigint') return null;
  return formatMoney(match[1]!.startsWith('-') ? -units : units, currency);
}

function addAmounts(amounts: string[], currency: string): string {
  let total = 0n;
  for (const item of amounts) total += parseMoney(item, currency) as bigint;
  return formatMoney(total, currency);
}

function timesQuantity(price: string, quantity: number, currency: string): string {
  return formatMoney((parseMoney(price, currency) as bigint) * BigInt(quantity), currency);
}

// ---------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------

function iso(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

export function ozonVersion(posting: Pick<OzonPosting, 'status' | 'substatus' | 'shipment_date' | 'tracking_number'>) {
  return [
    STATUS_RANK[posting.status] ?? 0,
    posting.status,
    posting.substatus ?? '',
    iso(posting.shipment_date) ?? '',
    posting.tracking_number ?? '',
  ].join('|');
}

function country(text: string | null | undefined, fallback: string): string {
  if (!text) return fallback;
  if (/^[A-Z]{2}$/.test(text)) return text;
  const known: Record<string, string> = {
    россия: 'RU',
    беларусь: 'BY',
    казахстан: 'KZ',
    армения: 'AM',
    кыргызстан: 'KG',
  };
  return known[text.trim().toLowerCase()] ?? fallback;
}

/** One posting as a canonical order; a string says why it cannot be read. */
export function mapOzonPosting(
  conn: ChannelConnection,
  raw: unknown,
): { ok: true; order: ChannelOrder; posting: OzonPosting } | { ok: false; reason: string } {
  const parsed = ozonPosting.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `not an Ozon posting: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim(),
    };
  }
  const posting = parsed.data;
  const pn = posting.posting_number;
  const currencies = new Set(posting.products.map((product) => product.currency_code || 'RUB'));
  if (currencies.size !== 1) return { ok: false, reason: `posting ${pn}: products in several currencies` };
  const currency = [...currencies][0]!;
  if (!isCurrency(currency)) return { ok: false, reason: `posting ${pn}: unknown currency ${currency}` };
  const placedAt = iso(posting.in_process_at);
  if (!placedAt) return { ok: false, reason: `posting ${pn}: in_process_at ${posting.in_process_at} is not a date` };

  const financial = new Map((posting.financial_data?.products ?? []).map((item) => [item.product_id, item]));
  const commissions: string[] = [];
  const lines: ChannelOrder['lines'] = [];
  for (const product of posting.products) {
    const unitPrice = ozonAmount(product.price, currency);
    if (unitPrice === null)
      return { ok: false, reason: `posting ${pn}: price "${product.price}" of ${product.offer_id}` };
    const money = financial.get(product.sku);
    const attributes: Record<string, unknown> = { sku: product.sku, orderId: posting.order_id };
    if (money) {
      for (const key of ['old_price', 'total_discount_value', 'commission_amount', 'payout'] as const) {
        const value = money[key];
        if (value === null || value === undefined) continue;
        const exact = ozonAmount(value, currency);
        if (exact === null) return { ok: false, reason: `posting ${pn}: financial_data ${key} ${String(value)}` };
        attributes[key] = exact;
      }
      if (money.commission_percent !== null && money.commission_percent !== undefined) {
        attributes.commission_percent = String(money.commission_percent);
      }
      if (money.actions?.length) attributes.actions = money.actions;
      if (typeof attributes.commission_amount === 'string') commissions.push(attributes.commission_amount);
    }
    lines.push({
      externalLineId: product.sku,
      kind: 'product',
      offerId: product.offer_id,
      sellerSku: product.offer_id,
      name: product.name.trim(),
      quantity: product.quantity,
      unitPrice,
      attributes,
    });
  }
  const total = addAmounts(
    lines.map((line) => timesQuantity(line.unitPrice, line.quantity, currency)),
    currency,
  );

  const defaultCountry = typeof conn.settings.country === 'string' ? conn.settings.country : 'RU';
  const customer = posting.customer;
  const address = customer?.address;
  const name = customer?.name ?? posting.addressee?.name ?? '';
  const shippingAddress: ChannelAddress | undefined =
    address && (address.address_tail || address.city)
      ? {
          name,
          line1: address.address_tail ?? '',
          city: address.city ?? '',
          ...(address.zip_code ? { postalCode: address.zip_code } : {}),
          ...(address.region ? { region: address.region } : {}),
          country: country(address.country, defaultCountry),
          ...(customer?.phone ? { phone: customer.phone } : {}),
        }
      : undefined;

  const method = posting.delivery_method;
  const provider = method?.tpl_provider || 'Ozon';
  const pointId = address?.pvz_code ? String(address.pvz_code) : (address?.provider_pvz_code ?? '');
  const deliveryType = posting.analytics_data?.delivery_type?.toLowerCase() ?? '';
  const atPoint = pointId !== '' || PICKUP_TYPES.has(deliveryType);
  const city = address?.city ?? posting.analytics_data?.city ?? undefined;
  const region = address?.region ?? posting.analytics_data?.region ?? undefined;

  const rfbs = posting.tpl_integration_type === 'non_integrated' || posting.tpl_integration_type === 'aggregator';
  const shipBy = iso(posting.shipment_date);
  const deliverBy = iso(posting.analytics_data?.delivery_date_end) ?? iso(posting.delivering_date);
  const version = ozonVersion(posting);

  const order: ChannelOrder = {
    externalId: pn,
    externalVersion: version,
    ...(posting.order_number ? { displayNumber: posting.order_number } : {}),
    currency,
    pricesIncludeTax: true,
    placedAt,
    customer:
      customer && (customer.name || customer.phone || customer.customer_email)
        ? {
            ...(customer.customer_id ? { externalId: customer.customer_id } : {}),
            ...(customer.name ? { name: customer.name } : {}),
            ...(customer.customer_email ? { email: customer.customer_email } : {}),
            ...(customer.phone ? { phone: customer.phone } : {}),
          }
        : { masked: true },
    lines,
    shippingLines: [],
    discounts: [],
    payments: [
      {
        method: 'marketplace',
        amount: total,
        status: 'paid',
        provider: 'Ozon',
        ...(posting.order_id ? { reference: posting.order_id } : {}),
      },
    ],
    ...(shippingAddress ? { shippingAddress } : {}),
    delivery: {
      method: atPoint ? 'pickup_point' : 'ship',
      ...(atPoint && pointId
        ? {
            pickupPoint: {
              provider,
              id: pointId,
              address: {
                ...(city ? { city } : {}),
                ...(region ? { region } : {}),
                ...(address?.address_tail ? { line1: address.address_tail } : {}),
              },
            },
          }
        : {}),
      ...(method?.warehouse_id ? { channelWarehouseId: method.warehouse_id } : {}),
      carrier: provider,
      ...(method?.name ? { service: method.name } : {}),
    },
    marketplace: {
      fulfilmentModel: rfbs ? 'RFBS' : 'FBS',
      ...(shipBy ? { shipBy } : {}),
      ...(deliverBy ? { deliverBy } : {}),
      ...(commissions.length ? { commission: addAmounts(commissions, currency) } : {}),
      marketplaceId: 'ozon',
    },
    ...(address?.comment ? { notes: address.comment } : {}),
    channelStatus: posting.substatus ? `${posting.status}/${posting.substatus}` : posting.status,
  };
  return { ok: true, order, posting };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

function ozonMessages(res: HttpResponse): string[] {
  const parsed = ozonError.safeParse(tryJson(res));
  if (!parsed.success || !parsed.data.message) return [];
  return [parsed.data.code !== undefined ? `${parsed.data.code}: ${parsed.data.message}` : parsed.data.message];
}

async function call(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  path: string,
  body: unknown,
  what: string,
): Promise<ChannelResult<HttpResponse>> {
  const res = await send(http, {
    method: 'POST',
    url: new URL(path, conn.baseUrl || OZON_BASE_URL).toString(),
    headers: { 'client-id': conn.credentials.clientId ?? '', 'api-key': conn.credentials.apiKey ?? '' },
    json: body,
  });
  if (!res.ok) return res;
  if (res.value.status !== 200) return err(httpStatusError(res.value, what, ozonMessages(res.value), http.now?.()));
  return res;
}

// ---------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------

interface OzonCursor {
  since: string;
  to: string;
  offset: number;
}

function readCursor(text: string | null): OzonCursor | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<OzonCursor>;
    if (typeof value.since === 'string' && typeof value.to === 'string' && Number.isSafeInteger(value.offset)) {
      return value as OzonCursor;
    }
  } catch {
    // unreadable cursor: start a new window, dedupe keys absorb the overlap
  }
  return null;
}

export function ozonPostingEvents(
  conn: ChannelConnection,
  raw: unknown,
): { event?: ReceivedEvent; unreadable?: UnreadableItem } {
  const mapped = mapOzonPosting(conn, raw);
  if (!mapped.ok) {
    const pn = (raw as { posting_number?: unknown } | null)?.posting_number;
    return { unreadable: { dedupeKey: `ozon:unreadable:${String(pn)}`, reason: mapped.reason, raw } };
  }
  const { order, posting } = mapped;
  if (CANCELLED.has(posting.status)) {
    const reasonId = posting.cancellation?.cancel_reason_id;
    return {
      event: {
        dedupeKey: `cancel:${order.externalId}`,
        event: {
          type: 'cancelled',
          externalId: order.externalId,
          ...(reasonId ? { reason: String(reasonId) } : {}),
          ...(posting.cancellation?.cancel_reason ? { reasonText: posting.cancellation.cancel_reason } : {}),
        },
        raw,
      },
    };
  }
  return {
    event: { dedupeKey: `order:${order.externalId}:${order.externalVersion}`, event: { type: 'order', order }, raw },
  };
}

async function poll(
  conn: ChannelConnection,
  cursorText: string | null,
  http: ChannelHttpOptions,
): Promise<ChannelResult<PollPage>> {
  const now = http.now?.() ?? new Date();
  const lookbackDays = intSetting(conn, 'lookbackDays', 7, 1, 90);
  const cursor = readCursor(cursorText) ?? {
    since: new Date(now.getTime() - lookbackDays * 86_400_000).toISOString(),
    to: now.toISOString(),
    offset: 0,
  };
  const limit = intSetting(conn, 'pageSize', LIST_MAX_LIMIT, 1, LIST_MAX_LIMIT);
  const warehouses = Array.isArray(conn.settings.warehouseIds)
    ? conn.settings.warehouseIds.map(Number).filter((value) => Number.isSafeInteger(value))
    : [];
  const res = await call(
    conn,
    http,
    '/v3/posting/fbs/list',
    {
      dir: 'ASC',
      filter: { since: cursor.since, to: cursor.to, ...(warehouses.length ? { warehouse_id: warehouses } : {}) },
      limit,
      offset: cursor.offset,
      with: { analytics_data: true, financial_data: true, barcodes: false, translit: false },
    },
    'Ozon postings',
  );
  if (!res.ok) return res;
  const page = parseJson(res.value, ozonPostingPage, 'Ozon postings');
  if (!page.ok) return page;
  const events: ReceivedEvent[] = [];
  const unreadable: UnreadableItem[] = [];
  for (const raw of page.value.result.postings) {
    const read = ozonPostingEvents(conn, raw);
    if (read.event) events.push(read.event);
    if (read.unreadable) unreadable.push(read.unreadable);
  }
  if (page.value.result.has_next && page.value.result.postings.length > 0) {
    const next: OzonCursor = { ...cursor, offset: cursor.offset + page.value.result.postings.length };
    return ok({ events, unreadable, cursor: JSON.stringify(next), more: true });
  }
  // Window read: the next poll re-reads the last `lookbackDays` for status changes.
  return ok({ events, unreadable, cursor: null, more: false });
}

// ---------------------------------------------------------------------------------------------
// Push notifications
// ---------------------------------------------------------------------------------------------

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Ozon push notifications carry no signature and no auth header. The push URL registered at
 * Ozon must therefore carry a secret that reaches us as a header (default `X-Ordo-Webhook-Token`,
 * e.g. set by the reverse proxy from a `?token=` query or a path segment): it is compared in
 * constant time with `credentials.webhookSecret`. The token proves the sender knows the secret;
 * it does not protect the body, and Ozon offers nothing that would.
 */
function receiveWebhook(conn: ChannelConnection, req: WebhookRequest, http: ChannelHttpOptions): WebhookOutcome {
  const secret = conn.credentials.webhookSecret;
  if (!secret) return { ok: false, reason: 'no credentials.webhookSecret configured for Ozon pushes' };
  const headerName =
    typeof conn.settings.webhookTokenHeader === 'string' && conn.settings.webhookTokenHeader
      ? conn.settings.webhookTokenHeader
      : DEFAULT_WEBHOOK_HEADER;
  const token = header(req, headerName);
  if (!token) return { ok: false, reason: `missing ${headerName} header` };
  if (!timingSafeEqual(digest(token), digest(secret))) return { ok: false, reason: `wrong ${headerName}` };

  const text = req.raw.toString('utf8');
  const keyOfBody = `ozon:push:${createHash('sha256').update(req.raw).digest('hex').slice(0, 32)}`;
  const received = { result: true };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      ok: true,
      events: [],
      unreadable: [{ dedupeKey: keyOfBody, reason: 'push body is not JSON', raw: text }],
      reply: { status: 200, body: received },
    };
  }
  const kind = ozonPush.safeParse(body);
  if (!kind.success) {
    return {
      ok: true,
      events: [],
      unreadable: [{ dedupeKey: keyOfBody, reason: 'push without message_type', raw: body }],
      reply: { status: 200, body: received },
    };
  }
  const type = kind.data.message_type;
  if (type === 'TYPE_PING') {
    // Ozon checks the endpoint with a ping and expects { version, name, time } back.
    const name = typeof conn.settings.pushAppName === 'string' ? conn.settings.pushAppName : 'ordo';
    const version = typeof conn.settings.pushAppVersion === 'string' ? conn.settings.pushAppVersion : '1.0';
    const time = (http.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ok: true, events: [], unreadable: [], reply: { status: 200, body: { version, name, time } } };
  }
  const handled = ['TYPE_NEW_POSTING', 'TYPE_POSTING_CANCELLED', 'TYPE_STATE_CHANGED', 'TYPE_CUTOFF_DATE_CHANGED'];
  if (!handled.includes(type)) {
    return {
      ok: true,
      events: [{ dedupeKey: `${keyOfBody}:ignored`, event: { type: 'ignored', reason: `Ozon ${type}` }, raw: body }],
      unreadable: [],
      reply: { status: 200, body: received },
    };
  }
  const parsed = ozonPushPosting.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: true,
      events: [],
      unreadable: [
        { dedupeKey: keyOfBody, reason: `${type}: ${issue?.path.join('.')} ${issue?.message ?? ''}`.trim(), raw: body },
      ],
      reply: { status: 200, body: received },
    };
  }
  const push = parsed.data;
  const pn = push.posting_number;
  let event: ReceivedEvent;
  switch (type) {
    case 'TYPE_NEW_POSTING':
      // Only ids arrive: the posting itself comes with the next poll (the push tells Ordo to poll now).
      event = {
        dedupeKey: `push:new:${pn}`,
        event: { type: 'status', externalId: pn, status: 'awaiting_packaging', ...atOf(push.in_process_at) },
        raw: body,
      };
      break;
    case 'TYPE_POSTING_CANCELLED':
      event = {
        dedupeKey: `cancel:${pn}`,
        event: {
          type: 'cancelled',
          externalId: pn,
          ...(push.reason?.id !== undefined ? { reason: String(push.reason.id) } : {}),
          ...(push.reason?.message ? { reasonText: push.reason.message } : {}),
          ...atOf(push.changed_state_date),
        },
        raw: body,
      };
      break;
    case 'TYPE_STATE_CHANGED':
      event = {
        dedupeKey: `push:state:${pn}:${push.new_state ?? ''}:${push.changed_state_date ?? ''}`,
        event: {
          type: 'status',
          externalId: pn,
          status: push.new_state ?? 'unknown',
          ...atOf(push.changed_state_date),
        },
        raw: body,
      };
      break;
    default:
      // TYPE_CUTOFF_DATE_CHANGED: the new ship-by. A status event records it at once (`at` = the new
      // cutoff); the posting, re-read by the next poll, carries the new shipment_date as a new version.
      event = {
        dedupeKey: `push:cutoff:${pn}:${push.new_cutoff_date ?? ''}`,
        event: { type: 'status', externalId: pn, status: 'cutoff_date_changed', ...atOf(push.new_cutoff_date) },
        raw: body,
      };
  }
  return { ok: true, events: [event], unreadable: [], reply: { status: 200, body: received } };
}

function atOf(text: string | undefined): { at?: string } {
  const at = iso(text);
  return at ? { at } : {};
}

// ---------------------------------------------------------------------------------------------
// Outbound
// ---------------------------------------------------------------------------------------------

async function getPosting(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  pn: string,
): Promise<ChannelResult<OzonPosting>> {
  const res = await call(
    conn,
    http,
    '/v3/posting/fbs/get',
    { posting_number: pn, with: { analytics_data: false, financial_data: false } },
    'Ozon posting',
  );
  if (!res.ok) return res;
  const body = parseJson(res.value, ozonPostingGet, 'Ozon posting');
  return body.ok ? ok(body.value.result) : body;
}

/** Packs the whole posting as one package (/v4/posting/fbs/ship) when it still awaits packaging. */
async function pack(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  posting: OzonPosting,
): Promise<ChannelResult<void>> {
  if (CANCELLED.has(posting.status)) {
    return err(channelError('CHANNEL_REJECTED', `posting ${posting.posting_number} is cancelled at Ozon`));
  }
  if (posting.status !== 'awaiting_packaging') return ok(undefined);
  const res = await call(
    conn,
    http,
    '/v4/posting/fbs/ship',
    {
      posting_number: posting.posting_number,
      packages: [
        {
          products: posting.products.map((product) => ({
            product_id: Number(product.sku),
            quantity: product.quantity,
          })),
        },
      ],
      with: { additional_data: false },
    },
    'Ozon ship',
  );
  if (!res.ok) return res;
  const body = parseJson(res.value, ozonShipResult, 'Ozon ship');
  return body.ok ? ok(undefined) : body;
}

async function prepareShipment(
  conn: ChannelConnection,
  ref: ChannelOrderRef,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ trackingNumber: string | null; label?: { contentType: string; data: Buffer } }>> {
  const posting = await getPosting(conn, http, ref.externalId);
  if (!posting.ok) return posting;
  const packed = await pack(conn, http, posting.value);
  if (!packed.ok) return packed;
  // Ozon owns the label: one PDF per posting (≤ 20 postings a request). A retry after a failed
  // label skips the pack, which is done.
  const res = await call(
    conn,
    http,
    '/v2/posting/fbs/package-label',
    { posting_number: [ref.externalId] },
    'Ozon label',
  );
  if (!res.ok) return res;
  if (!res.value.contentType.startsWith('application/pdf') || res.value.body.subarray(0, 4).toString() !== '%PDF') {
    return err(channelError('CHANNEL_BAD_RESPONSE', 'Ozon label: the answer is not a PDF', { retryable: true }));
  }
  return ok({
    trackingNumber: posting.value.tracking_number || null,
    label: { contentType: 'application/pdf', data: res.value.body },
  });
}

async function confirmShipment(
  conn: ChannelConnection,
  shipment: ShipmentConfirmation,
  http: ChannelHttpOptions,
): Promise<ChannelResult<void>> {
  const posting = await getPosting(conn, http, shipment.externalId);
  if (!posting.ok) return posting;
  const packed = await pack(conn, http, posting.value);
  if (!packed.ok) return packed;
  // With Ozon's own logistics (tpl_integration_type "ozon", "3pl_tracking") packing is the
  // confirmation: Ozon tracks the parcel. rFBS (the seller's carrier) reports the tracking number.
  const sellerCarrier =
    posting.value.tpl_integration_type === 'non_integrated' || posting.value.tpl_integration_type === 'aggregator';
  if (!sellerCarrier || !shipment.trackingNumber) return ok(undefined);
  const res = await call(
    conn,
    http,
    '/v2/fbs/posting/tracking-number/set',
    { tracking_numbers: [{ posting_number: shipment.externalId, tracking_number: shipment.trackingNumber }] },
    'Ozon tracking number',
  );
  if (!res.ok) return res;
  const body = parseJson(res.value, ozonTrackingResult, 'Ozon tracking number');
  if (!body.ok) return body;
  const refused = body.value.result.find((item) => item.result === false);
  return refused
    ? err(
        channelError('CHANNEL_REJECTED', `Ozon refused the tracking number: ${(refused.error ?? []).join('; ')}`, {
          channelMessages: refused.error ?? [],
        }),
      )
    : ok(undefined);
}

async function cancel(
  conn: ChannelConnection,
  cancellation: Cancellation,
  http: ChannelHttpOptions,
): Promise<ChannelResult<void>> {
  const map = (conn.settings.cancelReasons ?? {}) as Record<string, unknown>;
  const code = /^\d+$/.test(cancellation.reasonCode)
    ? cancellation.reasonCode
    : String(map[cancellation.reasonCode] ?? '');
  if (!/^\d+$/.test(code)) {
    return err(
      channelError(
        'CHANNEL_REJECTED',
        `"${cancellation.reasonCode}" is not an Ozon cancel_reason_id and settings.cancelReasons has no mapping for it`,
      ),
    );
  }
  const res = await call(
    conn,
    http,
    '/v2/posting/fbs/cancel',
    {
      cancel_reason_id: Number(code),
      // Required by Ozon for reason 402 ("other"); harmless for the others.
      cancel_reason_message: cancellation.reasonText ?? 'Cancelled by the seller',
      posting_number: cancellation.externalId,
    },
    'Ozon cancel',
  );
  if (!res.ok) return res;
  const body = parseJson(res.value, ozonBoolResult, 'Ozon cancel');
  if (!body.ok) return body;
  return body.value.result ? ok(undefined) : err(channelError('CHANNEL_REJECTED', 'Ozon cancel: result false'));
}

async function pushStock(
  conn: ChannelConnection,
  items: StockItem[],
  http: ChannelHttpOptions,
): Promise<ChannelResult<StockPushOutcome>> {
  const refused: StockPushOutcome['refused'] = [];
  const entries: { offer_id: string; stock: number; warehouse_id: number }[] = [];
  for (const item of items) {
    const warehouse =
      item.channelWarehouseId ?? (conn.settings.warehouseId !== undefined ? String(conn.settings.warehouseId) : '');
    if (!/^\d{1,15}$/.test(warehouse)) {
      refused.push({
        offerId: item.offerId,
        reason: 'no Ozon warehouse id (item channelWarehouseId or settings.warehouseId)',
      });
      continue;
    }
    entries.push({
      offer_id: item.offerId,
      stock: Math.max(0, Math.floor(item.quantity)),
      warehouse_id: Number(warehouse),
    });
  }
  let accepted = 0;
  for (let start = 0; start < entries.length; start += STOCK_BATCH) {
    const batch = entries.slice(start, start + STOCK_BATCH);
    const res = await call(conn, http, '/v2/products/stocks', { stocks: batch }, 'Ozon stocks');
    if (!res.ok) return res;
    const body = parseJson(res.value, ozonStockResult, 'Ozon stocks');
    if (!body.ok) return body;
    for (const result of body.value.result) {
      if (result.updated) accepted += 1;
      else {
        const reason = (result.errors ?? [])
          .map((problem) => [problem.code, problem.message].filter(Boolean).join(': '))
          .join('; ');
        refused.push({ offerId: result.offer_id, reason: reason || 'not updated' });
      }
    }
  }
  return ok({ accepted, refused });
}

async function testConnection(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ detail: string }>> {
  const res = await call(conn, http, '/v1/warehouse/list', {}, 'Ozon warehouses');
  if (!res.ok) return res;
  const body = parseJson(res.value, ozonWarehouses, 'Ozon warehouses');
  if (!body.ok) return body;
  return ok({ detail: `Ozon: ${body.value.result.length} warehouse(s)` });
}

export function createOzonConnector(): ChannelConnector {
  return {
    kind: 'ozon',
    defaultBaseUrl: OZON_BASE_URL,
    requiredCredentials: ['clientId', 'apiKey'],
    settingsHelp: {
      warehouseId: 'Ozon warehouse id for stock pushes when an item names none',
      warehouseIds: 'Poll only postings of these Ozon warehouses (default: all)',
      lookbackDays: 'Days of postings re-read each poll cycle for status changes (1–90, default 7)',
      pageSize: 'Postings per page (1–1000, default 1000)',
      cancelReasons: 'Ordo reason code → Ozon cancel_reason_id, e.g. {"out_of_stock": 352}',
      country: 'Country (ISO alpha-2) of buyer addresses when Ozon does not say (default RU)',
      webhookTokenHeader:
        'Header carrying the push token (default X-Ordo-Webhook-Token); the secret is credentials.webhookSecret',
      pushAppName: 'Name in the reply to Ozon TYPE_PING (default "ordo")',
      pushAppVersion: 'Version in the reply to Ozon TYPE_PING (default "1.0")',
    },
    stockPush: { batchSize: STOCK_BATCH, requestsPerMinute: STOCK_RPM },
    testConnection,
    receiveWebhook,
    poll,
    prepareShipment,
    confirmShipment,
    cancel,
    pushStock,
  };
}
