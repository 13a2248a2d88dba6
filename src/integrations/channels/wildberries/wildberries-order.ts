/**
 * Wildberries orders read into the canonical order: WB's "× 100" integers in the sale currency
 * turned into decimal strings, dates in Moscow time, the status pair (wbStatus, supplierStatus)
 * as a version and a cancellation, and one order (one unit of one article) as one line.
 */
import { formatMoney, isCurrency, minorUnits } from '../../../shared/money.js';
import type { ChannelConnection, ChannelOrder } from '../types.js';
import { intSetting } from '../inputs.js';
import { wbOrder, type WbOrder } from './wildberries-schemas.js';
import { offerIdField, type WbModel, type WbStatus } from './wildberries-client.js';

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
