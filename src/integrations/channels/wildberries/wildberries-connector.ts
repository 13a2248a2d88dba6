/**
 * Wildberries marketplace API (FBS and DBS assembly tasks). WB has no webhooks for orders: the
 * connector polls. Each WB order (сборочное задание) is one unit of one article, so a canonical
 * order has exactly one line of quantity 1. The buyer is never disclosed by these endpoints.
 *
 * Money: WB sends integers "multiplied by 100" in the sale currency (`currencyCode`, ISO 4217
 * numeric); they are turned into decimal strings with integer arithmetic only.
 */
import { ok } from '../../../shared/result.js';
import { parseJson } from '../http.js';
import type {
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  UnreadableItem,
} from '../types.js';
import { intSetting } from '../inputs.js';
import { wbNewOrders, wbOrderPage } from './wildberries-schemas.js';
import {
  WB_BASE_URL,
  type WbModel,
  type WbStatus,
  ORDERS_PATH,
  fetchStatuses,
  models,
  call,
} from './wildberries-client.js';
import { isCancelled, mapWbOrder, wbStatusText } from './wildberries-order.js';
import {
  STOCK_BATCH,
  STOCK_RPM,
  acknowledge,
  prepareShipment,
  confirmShipment,
  cancel,
  pushStock,
  testConnection,
} from './wildberries-outbound.js';

const HISTORY_MAX_LIMIT = 1000;

interface WbCursor {
  model: WbModel;
  phase: 'new' | 'history';
  next: number;
  dateFrom: number;
  dateTo: number;
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
