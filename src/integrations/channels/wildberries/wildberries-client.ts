/**
 * Wildberries over HTTP: the models a connection polls, the offer id field, WB error messages
 * and the one call with the API token (429 and the published rate limits are the caller's).
 */
import { err, ok } from '../../../shared/result.js';
import { httpStatusError, parseJson, send, tryJson, type HttpResponse } from '../http.js';
import type { ChannelConnection, ChannelHttpOptions, ChannelResult } from '../types.js';
import { wbError, wbStatuses } from './wildberries-schemas.js';

export const WB_BASE_URL = 'https://marketplace-api.wildberries.ru';

export type WbModel = 'fbs' | 'dbs';
export const ORDERS_PATH: Record<WbModel, string> = { fbs: '/api/v3/orders', dbs: '/api/v3/dbs/orders' };

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export function models(conn: ChannelConnection): WbModel[] {
  const raw = conn.settings.deliveryTypes;
  const list = Array.isArray(raw) ? raw.filter((item): item is WbModel => item === 'fbs' || item === 'dbs') : [];
  return list.length ? [...new Set(list)] : ['fbs'];
}

export function offerIdField(conn: ChannelConnection): 'chrtId' | 'barcode' {
  return conn.settings.offerIdField === 'barcode' ? 'barcode' : 'chrtId';
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export function wbMessages(res: HttpResponse): string[] {
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

export async function call(
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

/** The status pair WB keeps per order: its own (wbStatus) and the seller's (supplierStatus). */
export interface WbStatus {
  supplierStatus: string;
  wbStatus: string;
}

/** The statuses of orders of one model, asked 1000 ids at a time. */
export async function fetchStatuses(
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
