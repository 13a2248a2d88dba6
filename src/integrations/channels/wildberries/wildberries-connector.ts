/**
 * Wildberries marketplace API (FBS and DBS assembly tasks). WB has no webhooks for orders: the
 * connector polls. Each WB order (сборочное задание) is one unit of one article, so a canonical
 * order has exactly one line of quantity 1. The buyer is never disclosed by these endpoints.
 *
 * Money: WB sends integers "multiplied by 100" in the sale currency (`currencyCode`, ISO 4217
 * numeric); they are turned into decimal strings with integer arithmetic only.
 */
import { err, ok } from '../../../shared/result.js';
import { formatMoney, isCurrency, minorUnits } from '../../../shared/money.js';
import { channelError, httpStatusError, parseJson, send, tryJson, type HttpResponse } from '../http.js';
import type {
  Cancellation,
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
} from '../types.js';
import { intSetting } from '../inputs.js';
import {
  wbError,
  wbNewOrders,
  wbOrder,
  wbOrderPage,
  wbStatuses,
  wbStickers,
  wbStockErrors,
  wbSupplyCreated,
  wbSupplyOrderIds,
  wbSupplyPage,
  wbWarehouses,
  type WbOrder,
} from './wildberries-schemas.js';

export const WB_BASE_URL = 'https://marketplace-api.wildberries.ru';

export type WbModel = 'fbs' | 'dbs';
const ORDERS_PATH: Record<WbModel, string> = { fbs: '/api/v3/orders', dbs: '/api/v3/dbs/orders' };

/**
 * Sale currencies WB reports (ISO 4217 numeric → alpha-3) and the country they are sold in,
 * for the DBS address country. Unknown codes make the order unreadable rather than guessed.
 */
const CURRENCIES: Record<number, { code: string; country: string }> = {
  643: { code: 'RUB', country: 'RU' },
  933: { code: 'BYN', country: 'BY' },
  398: { code: 'KZT', country: 'KZ' },
  51: { code: 'AMD', country: 'AM' },
  417: { code: 'KGS', country: 'KG' },
  860: { code: 'UZS', country: 'UZ' },
  981: { code: 'GEL', country: 'GE' },
  944: { code: 'AZN', country: 'AZ' },
  972: { code: 'TJS', country: 'TJ' },
  156: { code: 'CNY', country: 'CN' },
  949: { code: 'TRY', country: 'TR' },
  840: { code: 'USD', country: 'US' },
  978: { code: 'EUR', country: 'DE' },
};

/** wbStatus values that mean the order will not be fulfilled (FBS and DBS lists in the specs). */
const CANCELLED_WB = new Set([
  'canceled',
  'canceled_by_client',
  'declined_by_client',
  'defect',
  'canceled_by_missed_call',
]);
const CANCELLED_SUPPLIER = new Set(['cancel', 'cancel_missed_call']);
/** Progress of supplierStatus, so externalVersion grows as the order moves on. */
const SUPPLIER_RANK: Record<string, number> = {
  new: 1,
  confirm: 2,
  complete: 3,
  deliver: 3,
  receive: 4,
  cancel: 9,
  cancel_missed_call: 9,
};

/**
 * Published limit (03-orders-fbs.yaml, 02-products.yaml "Лимит запросов"): 300 requests a
 * minute per seller account for assembly tasks, supplies and stocks (a 409 counts as 10);
 * PUT /api/v3/stocks/{warehouseId} takes at most 1000 items (maxItems: 1000), amount ≤ 100000.
 */
const STOCK_BATCH = 1000;
const STOCK_RPM = 300;
const STOCK_MAX_AMOUNT = 100_000;
const HISTORY_MAX_LIMIT = 1000;
const SUPPLY_PAGES_MAX = 20;

interface WbCursor {
  model: WbModel;
  phase: 'new' | 'history';
  next: number;
  dateFrom: number;
  dateTo: number;
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

function models(conn: ChannelConnection): WbModel[] {
  const raw = conn.settings.deliveryTypes;
  const list = Array.isArray(raw) ? raw.filter((item): item is WbModel => item === 'fbs' || item === 'dbs') : [];
  return list.length ? [...new Set(list)] : ['fbs'];
}

function offerIdField(conn: ChannelConnection): 'chrtId' | 'barcode' {
  return conn.settings.offerIdField === 'barcode' ? 'barcode' : 'chrtId';
}

// ---------------------------------------------------------------------------------------------
// Money and dates
// ---------------------------------------------------------------------------------------------

/** WB's "× 100" integer → a decimal string in the currency's minor unit, without floats. */
export function wbAmount(hundredths: number, currency: string): string | null {
  if (!Number.isSafeInteger(hundredths)) return null;
  const exp = minorUnits(currency);
  if (exp === 2) return formatMoney(BigInt(hundredths), currency);
  const units = BigInt(hundredths);
  if (exp > 2) return formatMoney(units * 10n ** BigInt(exp - 2), currency);
  const divisor = 10n ** BigInt(2 - exp);
  return units % divisor === 0n ? formatMoney(units / divisor, currency) : null;
}

/** "17.05.2024" (a date without time) → the end of that day in Moscow time (UTC+3), as UTC ISO. */
export function wbDateEndOfDay(text: string | null | undefined): string | undefined {
  const match = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text ?? '');
  if (!match) return undefined;
  const at = Date.UTC(Number(match[3]), Number(match[2]) - 1, Number(match[1]), 20, 59, 59);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Mapping
// ---------------------------------------------------------------------------------------------

export interface WbStatus {
  supplierStatus: string;
  wbStatus: string;
}

export function wbStatusText(status: WbStatus): string {
  return `${status.supplierStatus}/${status.wbStatus}`;
}

function versionOf(status: WbStatus): string {
  return `${SUPPLIER_RANK[status.supplierStatus] ?? 5}:${status.supplierStatus}:${status.wbStatus}`;
}

export function isCancelled(status: WbStatus): boolean {
  return CANCELLED_WB.has(status.wbStatus) || CANCELLED_SUPPLIER.has(status.supplierStatus);
}

/** One WB order (either list shape) as a canonical order; a string says why it cannot be read. */
export function mapWbOrder(
  conn: ChannelConnection,
  raw: unknown,
  model: WbModel,
  status: WbStatus = { supplierStatus: 'new', wbStatus: 'waiting' },
): { ok: true; order: ChannelOrder } | { ok: false; reason: string } {
  const parsed = wbOrder.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a WB order: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim() };
  }
  const order: WbOrder = parsed.data;
  const currencyInfo = CURRENCIES[order.currencyCode];
  if (!currencyInfo || !isCurrency(currencyInfo.code)) {
    return { ok: false, reason: `order ${order.id}: unknown currencyCode ${order.currencyCode}` };
  }
  const currency = currencyInfo.code;
  const unitPrice = wbAmount(order.price, currency);
  if (unitPrice === null || order.price < 0)
    return { ok: false, reason: `order ${order.id}: price ${order.price} unreadable` };
  const placed = Date.parse(order.createdAt);
  if (Number.isNaN(placed))
    return { ok: false, reason: `order ${order.id}: createdAt ${order.createdAt} is not a date` };
  const barcodes = order.skus ?? [];
  const offerId = offerIdField(conn) === 'barcode' ? barcodes[0] : String(order.chrtId);
  if (!offerId) return { ok: false, reason: `order ${order.id}: no barcode (skus) to use as the offer id` };

  const converted = order.convertedCurrencyCode ? CURRENCIES[order.convertedCurrencyCode]?.code : undefined;
  const optionalAmount = (value: number | null | undefined, cur: string | undefined) =>
    value === null || value === undefined || !cur ? undefined : (wbAmount(value, cur) ?? undefined);
  const attributes: Record<string, unknown> = {
    nmId: String(order.nmId),
    chrtId: String(order.chrtId),
    article: order.article,
    barcodes,
    ...(order.rid ? { rid: order.rid } : {}),
    ...(order.orderUid ? { orderUid: order.orderUid } : {}),
    ...(order.cargoType !== undefined ? { cargoType: order.cargoType } : {}),
    ...(order.colorCode ? { colorCode: order.colorCode } : {}),
    ...(order.isZeroOrder !== undefined ? { isZeroOrder: order.isZeroOrder } : {}),
    ...(order.requiredMeta?.length ? { requiredMeta: order.requiredMeta } : {}),
  };
  const salePrice = optionalAmount(order.salePrice, currency);
  const finalPrice = optionalAmount(order.finalPrice, currency);
  const convertedPrice = optionalAmount(order.convertedPrice, converted);
  if (salePrice) attributes.salePrice = salePrice;
  if (finalPrice) attributes.finalPrice = finalPrice;
  if (convertedPrice && converted) {
    attributes.convertedPrice = convertedPrice;
    attributes.convertedCurrency = converted;
  }

  const shipBy =
    wbDateEndOfDay(order.sellerDate) ??
    new Date(placed + intSetting(conn, 'shipByHours', 36, 1, 24 * 30) * 3_600_000).toISOString();
  const deliverBy = wbDateEndOfDay(order.ddate);
  const fullAddress = order.address?.fullAddress?.trim();

  const mapped: ChannelOrder = {
    externalId: String(order.id),
    externalVersion: versionOf(status),
    ...(order.rid ? { displayNumber: order.rid } : {}),
    currency,
    pricesIncludeTax: true,
    placedAt: new Date(placed).toISOString(),
    customer: { masked: true },
    lines: [
      {
        externalLineId: String(order.id),
        kind: 'product',
        offerId,
        sellerSku: order.article,
        name: order.article,
        quantity: 1,
        unitPrice,
        attributes,
      },
    ],
    shippingLines: [],
    discounts: [],
    payments: [{ method: 'marketplace', amount: unitPrice, status: 'paid', provider: 'Wildberries' }],
    ...(fullAddress
      ? {
          shippingAddress: { name: '', line1: fullAddress, city: '', country: currencyInfo.country },
        }
      : {}),
    delivery: {
      method: 'ship',
      ...(order.warehouseId !== null && order.warehouseId !== undefined
        ? { channelWarehouseId: String(order.warehouseId) }
        : {}),
      ...(model === 'fbs' ? { carrier: 'Wildberries' } : {}),
      ...(model === 'fbs' && order.offices?.length ? { service: order.offices.join(', ') } : {}),
    },
    marketplace: {
      fulfilmentModel: model === 'dbs' ? 'DBS' : 'FBS',
      shipBy,
      ...(deliverBy ? { deliverBy } : {}),
      marketplaceId: 'wildberries',
    },
    ...(order.comment ? { notes: order.comment } : {}),
    channelStatus: wbStatusText(status),
  };
  return { ok: true, order: mapped };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

function wbMessages(res: HttpResponse): string[] {
  const body = tryJson(res);
  const list = Array.isArray(body) ? body : [body];
  return list.flatMap((item) => {
    const parsed = wbError.safeParse(item);
    if (!parsed.success) return [];
    // Two shapes: { code, message } from the marketplace API, { title, detail, code, … } from WB's
    // gateway (401, 429), whose code is an opaque trace id.
    const { title, detail } = item as { title?: unknown; detail?: unknown };
    const text =
      typeof title === 'string' || typeof detail === 'string'
        ? [title, detail].filter((part) => typeof part === 'string' && part).join(': ')
        : [parsed.data.code, parsed.data.message].filter(Boolean).join(': ');
    return text ? [text] : [];
  });
}

async function call(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  path: string,
  what: string,
  options: { json?: unknown; query?: Record<string, string | number> } = {},
  okStatuses: number[] = [200, 201, 204],
): Promise<ChannelResult<HttpResponse>> {
  const url = new URL(path, conn.baseUrl || WB_BASE_URL);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
  const res = await send(http, {
    method,
    url: url.toString(),
    headers: { authorization: conn.credentials.apiToken ?? '' },
    ...(options.json !== undefined ? { json: options.json } : {}),
  });
  if (!res.ok) return res;
  if (!okStatuses.includes(res.value.status)) {
    const error = httpStatusError(res.value, what, wbMessages(res.value), http.now?.());
    // WB says how long to wait in X-Ratelimit-Retry (seconds) rather than Retry-After.
    const wait = Number(res.value.headers.get('x-ratelimit-retry') ?? 'NaN');
    if (
      error.code === 'CHANNEL_RATE_LIMITED' &&
      error.retryAfterMs === undefined &&
      Number.isFinite(wait) &&
      wait >= 0
    ) {
      return err({ ...error, retryAfterMs: Math.round(wait * 1000) });
    }
    return err(error);
  }
  return res;
}

function parseCursor(text: string | null, first: WbModel, now: Date, lookbackDays: number): WbCursor {
  const fresh: WbCursor = {
    model: first,
    phase: 'new',
    next: 0,
    dateFrom: Math.floor(now.getTime() / 1000) - lookbackDays * 86_400,
    dateTo: Math.ceil(now.getTime() / 1000),
  };
  if (!text) return fresh;
  try {
    const value = JSON.parse(text) as Partial<WbCursor>;
    if (
      (value.model === 'fbs' || value.model === 'dbs') &&
      (value.phase === 'new' || value.phase === 'history') &&
      Number.isSafeInteger(value.next) &&
      Number.isSafeInteger(value.dateFrom) &&
      Number.isSafeInteger(value.dateTo)
    ) {
      return value as WbCursor;
    }
  } catch {
    // a cursor from an older version: start over, dedupe keys make the overlap harmless
  }
  return fresh;
}

async function fetchStatuses(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  model: WbModel,
  ids: number[],
): Promise<ChannelResult<Map<number, WbStatus>>> {
  const found = new Map<number, WbStatus>();
  for (let start = 0; start < ids.length; start += 1000) {
    const res = await call(conn, http, 'POST', `${ORDERS_PATH[model]}/status`, 'WB order statuses', {
      json: { orders: ids.slice(start, start + 1000) },
    });
    if (!res.ok) return res;
    const body = parseJson(res.value, wbStatuses, 'WB order statuses');
    if (!body.ok) return body;
    for (const item of body.value.orders) found.set(item.id, item);
  }
  return ok(found);
}

async function poll(
  conn: ChannelConnection,
  cursorText: string | null,
  http: ChannelHttpOptions,
): Promise<ChannelResult<PollPage>> {
  const enabled = models(conn);
  const now = http.now?.() ?? new Date();
  const lookbackDays = intSetting(conn, 'lookbackDays', 7, 1, 30);
  const cursor = parseCursor(cursorText, enabled[0]!, now, lookbackDays);
  const events: ReceivedEvent[] = [];
  const unreadable: UnreadableItem[] = [];
  const base = ORDERS_PATH[cursor.model];

  if (cursor.phase === 'new') {
    const res = await call(conn, http, 'GET', `${base}/new`, 'WB new orders');
    if (!res.ok) return res;
    const page = parseJson(res.value, wbNewOrders, 'WB new orders');
    if (!page.ok) return page;
    for (const raw of page.value.orders) {
      const mapped = mapWbOrder(conn, raw, cursor.model);
      const id = (raw as { id?: unknown } | null)?.id;
      if (!mapped.ok) {
        unreadable.push({ dedupeKey: `wb:${cursor.model}:unreadable:${String(id)}`, reason: mapped.reason, raw });
        continue;
      }
      const { order } = mapped;
      events.push({
        dedupeKey: `order:${order.externalId}:${order.externalVersion}`,
        event: { type: 'order', order },
        raw,
      });
    }
    // Rounded up so an order placed in this very second is inside the window.
    const nowSeconds = Math.ceil(now.getTime() / 1000);
    const next: WbCursor = {
      model: cursor.model,
      phase: 'history',
      next: 0,
      dateFrom: nowSeconds - lookbackDays * 86_400,
      dateTo: nowSeconds,
    };
    return ok({ events, unreadable, cursor: JSON.stringify(next), more: true });
  }

  const limit = intSetting(conn, 'pageSize', HISTORY_MAX_LIMIT, 1, HISTORY_MAX_LIMIT);
  const res = await call(conn, http, 'GET', base, 'WB orders', {
    query: { limit, next: cursor.next, dateFrom: cursor.dateFrom, dateTo: cursor.dateTo },
  });
  if (!res.ok) return res;
  const page = parseJson(res.value, wbOrderPage, 'WB orders');
  if (!page.ok) return page;
  const ids = page.value.orders.flatMap((raw) => {
    const id = (raw as { id?: unknown } | null)?.id;
    return typeof id === 'number' && Number.isSafeInteger(id) ? [id] : [];
  });
  const statuses = ids.length ? await fetchStatuses(conn, http, cursor.model, ids) : ok(new Map<number, WbStatus>());
  if (!statuses.ok) return statuses;
  for (const raw of page.value.orders) {
    const id = (raw as { id?: unknown } | null)?.id;
    const status = typeof id === 'number' ? statuses.value.get(id) : undefined;
    if (!status) {
      unreadable.push({
        dedupeKey: `wb:${cursor.model}:unreadable:${String(id)}`,
        reason: `order ${String(id)}: no id or WB returned no status for it`,
        raw,
      });
      continue;
    }
    // Still new and waiting: /orders/new already reported it, with more fields.
    if (status.supplierStatus === 'new' && status.wbStatus === 'waiting') continue;
    if (isCancelled(status)) {
      events.push({
        dedupeKey: `cancel:${String(id)}`,
        event: { type: 'cancelled', externalId: String(id), reason: status.wbStatus, reasonText: wbStatusText(status) },
        raw: { order: raw, status },
      });
      continue;
    }
    const mapped = mapWbOrder(conn, raw, cursor.model, status);
    if (!mapped.ok) {
      unreadable.push({ dedupeKey: `wb:${cursor.model}:unreadable:${String(id)}`, reason: mapped.reason, raw });
      continue;
    }
    const { order } = mapped;
    events.push({
      dedupeKey: `order:${order.externalId}:${order.externalVersion}`,
      event: { type: 'order', order },
      raw: { order: raw, status },
    });
  }

  const full = page.value.orders.length >= limit && page.value.next !== 0 && page.value.next !== cursor.next;
  if (full) {
    return ok({ events, unreadable, cursor: JSON.stringify({ ...cursor, next: page.value.next }), more: true });
  }
  const following = enabled[enabled.indexOf(cursor.model) + 1];
  if (following) {
    const next: WbCursor = { ...cursor, model: following, phase: 'new', next: 0 };
    return ok({ events, unreadable, cursor: JSON.stringify(next), more: true });
  }
  // The cycle is done: the next poll starts again with the new orders and a fresh window.
  return ok({ events, unreadable, cursor: null, more: false });
}

// ---------------------------------------------------------------------------------------------
// Outbound
// ---------------------------------------------------------------------------------------------

function orderId(externalId: string): ChannelResult<number> {
  const id = Number(externalId);
  return /^\d{1,16}$/.test(externalId) && Number.isSafeInteger(id)
    ? ok(id)
    : err(channelError('CHANNEL_REJECTED', `"${externalId}" is not a Wildberries order id`));
}

/** Which model an order belongs to, and its status there (one status call per enabled model). */
async function locate(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  id: number,
  hint?: unknown,
): Promise<ChannelResult<{ model: WbModel; status: WbStatus }>> {
  const enabled = models(conn);
  const ordered = hint === 'dbs' || hint === 'DBS' ? [...enabled].reverse() : enabled;
  for (const model of ordered) {
    const found = await fetchStatuses(conn, http, model, [id]);
    if (!found.ok) return found;
    const status = found.value.get(id);
    if (status) return ok({ model, status });
  }
  return err(channelError('CHANNEL_REJECTED', `Wildberries does not know order ${id}`, { httpStatus: 404 }));
}

async function openSupplies(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ id: string; cargoType: number }[]>> {
  const open: { id: string; cargoType: number }[] = [];
  let next = 0;
  for (let page = 0; page < SUPPLY_PAGES_MAX; page++) {
    const res = await call(conn, http, 'GET', '/api/v3/supplies', 'WB supplies', { query: { limit: 1000, next } });
    if (!res.ok) return res;
    const body = parseJson(res.value, wbSupplyPage, 'WB supplies');
    if (!body.ok) return body;
    for (const supply of body.value.supplies) {
      if (!supply.done) open.push({ id: supply.id, cargoType: supply.cargoType ?? 0 });
    }
    if (body.value.supplies.length < 1000 || body.value.next === 0 || body.value.next === next) break;
    next = body.value.next;
  }
  return ok(open);
}

async function createSupply(conn: ChannelConnection, http: ChannelHttpOptions): Promise<ChannelResult<string>> {
  const day = (http.now?.() ?? new Date()).toISOString().slice(0, 10);
  const prefix =
    typeof conn.settings.supplyName === 'string' && conn.settings.supplyName ? conn.settings.supplyName : 'Ordo';
  const res = await call(conn, http, 'POST', '/api/v3/supplies', 'WB create supply', {
    json: { name: `${prefix} ${day}`.slice(0, 128) },
  });
  if (!res.ok) return res;
  const body = parseJson(res.value, wbSupplyCreated, 'WB create supply');
  return body.ok ? ok(body.value.id) : body;
}

async function attach(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  supplyId: string,
  id: number,
): Promise<ChannelResult<void>> {
  const res = await call(
    conn,
    http,
    'PATCH',
    `/api/marketplace/v3/supplies/${encodeURIComponent(supplyId)}/orders`,
    'WB add order to supply',
    { json: { orders: [id] } },
  );
  return res.ok ? ok(undefined) : res;
}

/**
 * Puts a new FBS order into an open supply (moving it to `confirm`): the supply named in the
 * settings, else an open one of the same cargo type, else a new one. A 409 from a reused supply
 * (cargo type or warehouse mismatch) is answered by a fresh supply, once.
 */
async function addToSupply(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  id: number,
  cargoType: unknown,
): Promise<ChannelResult<string>> {
  const configured = typeof conn.settings.supplyId === 'string' ? conn.settings.supplyId : '';
  let supplyId = configured;
  if (!supplyId) {
    const open = await openSupplies(conn, http);
    if (!open.ok) return open;
    // Unknown cargo type: try the newest open supply; a mismatch comes back as 409 and a new one is made.
    const fits = open.value.filter(
      (supply) => cargoType === undefined || supply.cargoType === 0 || supply.cargoType === cargoType,
    );
    supplyId = fits[fits.length - 1]?.id ?? '';
  }
  const reused = supplyId !== '';
  if (!supplyId) {
    const created = await createSupply(conn, http);
    if (!created.ok) return created;
    supplyId = created.value;
  }
  const added = await attach(conn, http, supplyId, id);
  if (added.ok) return ok(supplyId);
  if (!reused || configured || added.error.httpStatus !== 409) return added;
  const created = await createSupply(conn, http);
  if (!created.ok) return created;
  const again = await attach(conn, http, created.value, id);
  return again.ok ? ok(created.value) : again;
}

async function supplyOf(conn: ChannelConnection, http: ChannelHttpOptions, id: number): Promise<ChannelResult<string>> {
  const open = await openSupplies(conn, http);
  if (!open.ok) return open;
  for (const supply of open.value) {
    const res = await call(
      conn,
      http,
      'GET',
      `/api/marketplace/v3/supplies/${encodeURIComponent(supply.id)}/order-ids`,
      'WB supply orders',
    );
    if (!res.ok) return res;
    const body = parseJson(res.value, wbSupplyOrderIds, 'WB supply orders');
    if (!body.ok) return body;
    if (body.value.orderIds.includes(id)) return ok(supply.id);
  }
  return err(channelError('CHANNEL_REJECTED', `order ${id} is on assembly but in no open supply`));
}

async function acknowledge(
  conn: ChannelConnection,
  ref: ChannelOrderRef,
  http: ChannelHttpOptions,
): Promise<ChannelResult<void>> {
  const id = orderId(ref.externalId);
  if (!id.ok) return id;
  const found = await locate(conn, http, id.value, ref.attributes?.fulfilmentModel);
  if (!found.ok) return found;
  const { model, status } = found.value;
  if (isCancelled(status)) {
    return err(channelError('CHANNEL_REJECTED', `order ${id.value} is cancelled at WB (${wbStatusText(status)})`));
  }
  if (status.supplierStatus !== 'new') return ok(undefined); // already accepted
  if (model === 'dbs') {
    const res = await call(conn, http, 'PATCH', `${ORDERS_PATH.dbs}/${id.value}/confirm`, 'WB DBS confirm');
    return res.ok ? ok(undefined) : res;
  }
  const added = await addToSupply(conn, http, id.value, ref.attributes?.cargoType);
  return added.ok ? ok(undefined) : added;
}

const STICKER_TYPES: Record<string, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  zplv: 'application/x-zpl',
  zplh: 'application/x-zpl',
};

async function prepareShipment(
  conn: ChannelConnection,
  ref: ChannelOrderRef,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ trackingNumber: string | null; label?: { contentType: string; data: Buffer } }>> {
  const id = orderId(ref.externalId);
  if (!id.ok) return id;
  const found = await locate(conn, http, id.value, ref.attributes?.fulfilmentModel);
  if (!found.ok) return found;
  if (found.value.model === 'dbs') {
    return err(
      channelError('CHANNEL_UNSUPPORTED', 'DBS orders are delivered and labelled by the seller: WB has no sticker'),
    );
  }
  if (isCancelled(found.value.status)) {
    return err(
      channelError('CHANNEL_REJECTED', `order ${id.value} is cancelled at WB (${wbStatusText(found.value.status)})`),
    );
  }
  // Stickers exist only for orders on assembly (confirm) or in delivery (complete).
  if (found.value.status.supplierStatus === 'new') {
    const added = await addToSupply(conn, http, id.value, ref.attributes?.cargoType);
    if (!added.ok) return added;
  }
  const type =
    typeof conn.settings.stickerType === 'string' && STICKER_TYPES[conn.settings.stickerType]
      ? conn.settings.stickerType
      : 'png';
  const [width, height] = conn.settings.stickerSize === '40x30' ? [40, 30] : [58, 40];
  const res = await call(conn, http, 'POST', '/api/v3/orders/stickers', 'WB stickers', {
    query: { type, width, height },
    json: { orders: [id.value] },
  });
  if (!res.ok) return res;
  const body = parseJson(res.value, wbStickers, 'WB stickers');
  if (!body.ok) return body;
  const sticker = body.value.stickers.find((item) => item.orderId === id.value);
  if (!sticker) return err(channelError('CHANNEL_BAD_RESPONSE', `WB returned no sticker for order ${id.value}`));
  return ok({
    trackingNumber: `${sticker.partA}${sticker.partB}`,
    label: { contentType: STICKER_TYPES[type]!, data: Buffer.from(sticker.file, 'base64') },
  });
}

async function confirmShipment(
  conn: ChannelConnection,
  shipment: ShipmentConfirmation,
  http: ChannelHttpOptions,
): Promise<ChannelResult<void>> {
  const id = orderId(shipment.externalId);
  if (!id.ok) return id;
  const found = await locate(conn, http, id.value);
  if (!found.ok) return found;
  const { model, status } = found.value;
  if (isCancelled(status)) {
    return err(channelError('CHANNEL_REJECTED', `order ${id.value} is cancelled at WB (${wbStatusText(status)})`));
  }
  if (model === 'dbs') {
    if (status.supplierStatus === 'deliver' || status.supplierStatus === 'receive') return ok(undefined);
    if (status.supplierStatus === 'new') {
      const confirmed = await call(conn, http, 'PATCH', `${ORDERS_PATH.dbs}/${id.value}/confirm`, 'WB DBS confirm');
      if (!confirmed.ok) return confirmed;
    }
    const res = await call(conn, http, 'PATCH', `${ORDERS_PATH.dbs}/${id.value}/deliver`, 'WB DBS deliver');
    return res.ok ? ok(undefined) : res;
  }
  if (status.supplierStatus === 'complete') return ok(undefined); // its supply is already in delivery
  let supplyId: string;
  if (status.supplierStatus === 'new') {
    const added = await addToSupply(conn, http, id.value, undefined);
    if (!added.ok) return added;
    supplyId = added.value;
  } else {
    const owner = await supplyOf(conn, http, id.value);
    if (!owner.ok) return owner;
    supplyId = owner.value;
  }
  if (conn.settings.deliverSupplyOnConfirm === false) return ok(undefined);
  const res = await call(
    conn,
    http,
    'PATCH',
    `/api/v3/supplies/${encodeURIComponent(supplyId)}/deliver`,
    'WB deliver supply',
  );
  return res.ok ? ok(undefined) : res;
}

async function cancel(
  conn: ChannelConnection,
  cancellation: Cancellation,
  http: ChannelHttpOptions,
): Promise<ChannelResult<void>> {
  const id = orderId(cancellation.externalId);
  if (!id.ok) return id;
  const found = await locate(conn, http, id.value);
  if (!found.ok) return found;
  if (isCancelled(found.value.status)) return ok(undefined);
  // WB's cancel takes no reason: the code stays in Ordo's log only.
  const res = await call(conn, http, 'PATCH', `${ORDERS_PATH[found.value.model]}/${id.value}/cancel`, 'WB cancel');
  return res.ok ? ok(undefined) : res;
}

async function pushStock(
  conn: ChannelConnection,
  items: StockItem[],
  http: ChannelHttpOptions,
): Promise<ChannelResult<StockPushOutcome>> {
  const field = offerIdField(conn);
  const fallbackWarehouse = conn.settings.warehouseId;
  const refused: StockPushOutcome['refused'] = [];
  const groups = new Map<string, { offerId: string; entry: Record<string, unknown> }[]>();
  for (const item of items) {
    const warehouse = item.channelWarehouseId ?? (fallbackWarehouse !== undefined ? String(fallbackWarehouse) : '');
    if (!/^\d+$/.test(warehouse)) {
      refused.push({
        offerId: item.offerId,
        reason: 'no WB warehouse id (item channelWarehouseId or settings.warehouseId)',
      });
      continue;
    }
    const amount = Math.min(Math.max(0, Math.floor(item.quantity)), STOCK_MAX_AMOUNT);
    let entry: Record<string, unknown>;
    if (field === 'chrtId') {
      if (!/^\d{1,15}$/.test(item.offerId)) {
        refused.push({ offerId: item.offerId, reason: 'offer id is not a WB chrtId' });
        continue;
      }
      entry = { chrtId: Number(item.offerId), amount };
    } else {
      entry = { sku: item.offerId, amount };
    }
    groups.set(warehouse, [...(groups.get(warehouse) ?? []), { offerId: item.offerId, entry }]);
  }
  let accepted = 0;
  for (const [warehouse, group] of groups) {
    for (let start = 0; start < group.length; start += STOCK_BATCH) {
      let batch = group.slice(start, start + STOCK_BATCH);
      // A 409 names the refused items and applies none: send the rest again once.
      for (let attempt = 0; attempt < 2 && batch.length; attempt++) {
        const res = await call(
          conn,
          http,
          'PUT',
          `/api/v3/stocks/${warehouse}`,
          'WB stocks',
          { json: { stocks: batch.map((item) => item.entry) } },
          [200, 204, 404, 409],
        );
        if (!res.ok) return res;
        if (res.value.status < 300) {
          accepted += batch.length;
          break;
        }
        const parsed = wbStockErrors.safeParse(tryJson(res.value));
        const named = new Map<string, string>();
        for (const problem of parsed.success ? parsed.data : []) {
          for (const data of problem.data ?? []) {
            const key = data.chrtId !== undefined ? String(data.chrtId) : (data.sku ?? '');
            named.set(key, [problem.code, problem.message].filter(Boolean).join(': '));
          }
        }
        const reason = wbMessages(res.value).join('; ') || `HTTP ${res.value.status}`;
        const offending = batch.filter((item) => named.has(item.offerId));
        if (!offending.length || attempt === 1) {
          for (const item of batch) refused.push({ offerId: item.offerId, reason: named.get(item.offerId) ?? reason });
          break;
        }
        for (const item of offending)
          refused.push({ offerId: item.offerId, reason: named.get(item.offerId) ?? reason });
        batch = batch.filter((item) => !named.has(item.offerId));
      }
    }
  }
  return ok({ accepted, refused });
}

async function testConnection(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ detail: string }>> {
  const res = await call(conn, http, 'GET', '/api/v3/warehouses', 'WB warehouses');
  if (!res.ok) return res;
  const body = parseJson(res.value, wbWarehouses, 'WB warehouses');
  if (!body.ok) return body;
  return ok({ detail: `Wildberries: ${body.value.length} seller warehouse(s)` });
}

export function createWildberriesConnector(): ChannelConnector {
  return {
    kind: 'wildberries',
    defaultBaseUrl: WB_BASE_URL,
    requiredCredentials: ['apiToken'],
    settingsHelp: {
      deliveryTypes: 'Models to poll: ["fbs"] (default) or ["fbs","dbs"]',
      warehouseId: 'WB seller warehouse id for stock pushes when an item names none',
      offerIdField: '"chrtId" (default, WB size id) or "barcode": the offer id of lines and stock pushes',
      lookbackDays: 'Days of order history re-read each poll cycle for status changes (1–30, default 7)',
      pageSize: 'Orders per history page (1–1000, default 1000)',
      shipByHours: 'Hours after the order is placed by which it must be handed over (default 36); WB does not send it',
      supplyId: 'Put accepted FBS orders into this supply instead of finding or creating one',
      supplyName: 'Name prefix of supplies the connector creates (default "Ordo")',
      stickerType: 'Sticker format: png (default), svg, zplv, zplh',
      stickerSize: '"58x40" (default) or "40x30"',
      deliverSupplyOnConfirm: 'false: confirmShipment leaves the supply open (close it in the WB portal)',
    },
    stockPush: { batchSize: STOCK_BATCH, requestsPerMinute: STOCK_RPM },
    testConnection,
    poll,
    acknowledge,
    prepareShipment,
    confirmShipment,
    cancel,
    pushStock,
  };
}
