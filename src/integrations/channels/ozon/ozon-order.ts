/**
 * Ozon postings read into the canonical order: money as decimal strings without floats, the
 * status pair as a growing version, pickup or courier delivery, the buyer's address when Ozon
 * discloses it, one line per product.
 */
import { formatMoney, isCurrency, minorUnits, parseMoney } from '../../../shared/money.js';
import type { ChannelAddress, ChannelConnection, ChannelOrder } from '../types.js';
import { ozonPosting, type OzonPosting } from './ozon-schemas.js';

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
export const CANCELLED = new Set(['cancelled', 'not_accepted']);
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

export function iso(text: string | null | undefined): string | undefined {
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

export function country(text: string | null | undefined, fallback: string): string {
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
