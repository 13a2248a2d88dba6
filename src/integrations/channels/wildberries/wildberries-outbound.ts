/**
 * What Ordo sends Wildberries: acknowledging an order (FBS: into a supply, DBS: confirm), stickers
 * when a shipment is prepared, handing over or delivering, cancelling, and stock per warehouse in
 * the published batch and rate limits; the connection test.
 */
import { err, ok } from '../../../shared/result.js';
import { channelError, parseJson, tryJson } from '../http.js';
import type {
  Cancellation,
  ChannelConnection,
  ChannelHttpOptions,
  ChannelOrderRef,
  ChannelResult,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
} from '../types.js';
import {
  wbStickers,
  wbStockErrors,
  wbSupplyCreated,
  wbSupplyOrderIds,
  wbSupplyPage,
  wbWarehouses,
} from './wildberries-schemas.js';
import {
  type WbModel,
  type WbStatus,
  ORDERS_PATH,
  fetchStatuses,
  models,
  offerIdField,
  wbMessages,
  call,
} from './wildberries-client.js';
import { isCancelled, wbStatusText } from './wildberries-order.js';

/**
 * Published limit (03-orders-fbs.yaml, 02-products.yaml "Лимит запросов"): 300 requests a
 * minute per seller account for assembly tasks, supplies and stocks (a 409 counts as 10);
 * PUT /api/v3/stocks/{warehouseId} takes at most 1000 items (maxItems: 1000), amount ≤ 100000.
 */
export const STOCK_BATCH = 1000;
export const STOCK_RPM = 300;
const STOCK_MAX_AMOUNT = 100_000;
const SUPPLY_PAGES_MAX = 20;

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

export async function acknowledge(
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

export async function prepareShipment(
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

export async function confirmShipment(
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

export async function cancel(
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

export async function pushStock(
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

export async function testConnection(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ detail: string }>> {
  const res = await call(conn, http, 'GET', '/api/v3/warehouses', 'WB warehouses');
  if (!res.ok) return res;
  const body = parseJson(res.value, wbWarehouses, 'WB warehouses');
  if (!body.ok) return body;
  return ok({ detail: `Wildberries: ${body.value.length} seller warehouse(s)` });
}
