/**
 * What Ordo sends Ozon: packing a posting when it is shipped or prepared (labels), confirming the
 * handover, cancelling with Ozon's reason ids, stock per warehouse in the published limits; the
 * connection test.
 */
import { err, ok } from '../../../shared/result.js';
import { channelError, parseJson } from '../http.js';
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
  ozonBoolResult,
  ozonPostingGet,
  ozonShipResult,
  ozonStockResult,
  ozonTrackingResult,
  ozonWarehouses,
  type OzonPosting,
} from './ozon-schemas.js';
import { call } from './ozon-client.js';
import { CANCELLED } from './ozon-order.js';

/**
 * POST /v2/products/stocks (Ozon Seller API reference): "up to 100 product–warehouse pairs in
 * one request; up to 80 requests a minute per seller account".
 */
export const STOCK_BATCH = 100;
export const STOCK_RPM = 80;

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

export async function prepareShipment(
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

export async function confirmShipment(
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

export async function cancel(
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

export async function pushStock(
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

export async function testConnection(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
): Promise<ChannelResult<{ detail: string }>> {
  const res = await call(conn, http, '/v1/warehouse/list', {}, 'Ozon warehouses');
  if (!res.ok) return res;
  const body = parseJson(res.value, ozonWarehouses, 'Ozon warehouses');
  if (!body.ok) return body;
  return ok({ detail: `Ozon: ${body.value.result.length} warehouse(s)` });
}
