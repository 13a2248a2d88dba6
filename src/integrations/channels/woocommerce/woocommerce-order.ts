/**
 * WooCommerce orders read into the canonical order: UTC dates, money, addresses, tax rates per
 * line, payments (gift-card fees among them), delivery (pickup points from meta data), lines,
 * shipping, discounts; and the events an order body becomes (order, cancellation, deletion).
 */
import { createHash } from 'node:crypto';
import { divRound, formatMoney, isCurrency, parseMoney, parseRate, percentOf } from '../../../shared/money.js';
import { describeIssues } from '../../describe-issues.js';
import type {
  ChannelAddress,
  ChannelDiscount,
  ChannelOrder,
  ChannelOrderLine,
  ChannelPayment,
  ChannelShippingLine,
  ReceivedEvent,
  UnreadableItem,
} from '../types.js';
import { settingList } from '../inputs.js';
import { wooOrder, type WooAddress, type WooOrder } from './woocommerce-schemas.js';

/** Meta keys where pickup-point / parcel-locker plugins keep the chosen point (InPost, Paczkomaty, Easypack …). */
export const DEFAULT_PICKUP_POINT_META_KEYS = [
  '_paczkomat_id',
  'paczkomat',
  '_paczkomat',
  'paczkomat_id',
  '_inpost_point',
  'inpost_point',
  '_parcel_machine_id',
  'parcel_machine_id',
  'easypack_parcel_machine_id',
  '_pickup_point_id',
  'pickup_point_id',
];
class Unreadable extends Error {}

// ------------------------------------------------------------------------------------------
// Mapping
// ------------------------------------------------------------------------------------------

/** Woo's *_gmt dates come without a zone ("2017-03-22T19:28:08"): they are UTC. */
export function gmt(value: string, what: string): string {
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
  const at = Date.parse(withZone);
  if (Number.isNaN(at)) throw new Unreadable(`${what} is not a date: ${value}`);
  return new Date(at).toISOString();
}

function units(value: string, currency: string, what: string): bigint {
  const parsed = parseMoney(value, currency);
  if (typeof parsed === 'string')
    throw new Unreadable(`${what} "${value}" is not an amount in ${currency} (${parsed})`);
  return parsed;
}

function text(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

function mapAddress(address: WooAddress | undefined, fallback?: WooAddress): ChannelAddress | undefined {
  if (!address || !text(address.country)) return undefined;
  const name = [address.first_name, address.last_name].filter((part) => text(part)).join(' ');
  const email = text(address.email) ?? text(fallback?.email);
  const phone = text(address.phone) ?? text(fallback?.phone);
  return {
    name,
    ...(text(address.company) ? { company: address.company! } : {}),
    line1: address.address_1 ?? '',
    ...(text(address.address_2) ? { line2: address.address_2! } : {}),
    city: address.city ?? '',
    ...(text(address.postcode) ? { postalCode: address.postcode! } : {}),
    ...(text(address.state) ? { region: address.state! } : {}),
    country: address.country!.toUpperCase(),
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
  };
}

function paymentMethod(method: string): ChannelPayment['method'] {
  const name = method.toLowerCase();
  if (name === 'cod') return 'cash_on_delivery';
  if (name === 'bacs' || name.includes('przelew') || name.includes('bank')) return 'bank_transfer';
  if (name.includes('gift')) return 'gift_card';
  if (
    name.includes('paypal') ||
    name === 'ppcp-gateway' ||
    name.includes('blik') ||
    name.includes('apple') ||
    name.includes('google')
  )
    return 'wallet';
  if (
    name.includes('stripe') ||
    name.includes('card') ||
    name.includes('square') ||
    name.includes('woocommerce_payments')
  )
    return 'card';
  return 'other';
}

/**
 * Rates by tax rate id from the order's tax_lines (rate_percent is there since WooCommerce 5.7).
 * Older shops send no rate: it is read back from the taxed lines (tax ÷ net, to 0.01 %) and kept
 * only when it reproduces every such line's tax to the cent, so the order's VAT is what the shop
 * charged; otherwise the lines stay without a rate.
 */
function taxRates(order: WooOrder): Map<number, string> {
  const rates = new Map<number, string>();
  for (const line of order.tax_lines ?? [])
    if (typeof line.rate_percent === 'number' && Number.isFinite(line.rate_percent))
      rates.set(line.rate_id, String(line.rate_percent));
  const currency = order.currency;
  if (!isCurrency(currency)) return rates;
  const taxed = new Map<number, { net: bigint; tax: bigint }[]>();
  const rows = [...order.line_items, ...(order.shipping_lines ?? []), ...(order.fee_lines ?? [])];
  for (const row of rows) {
    if (!row.taxes || row.taxes.length !== 1 || row.total_tax === undefined) continue;
    const net = parseMoney(row.total, currency);
    const tax = parseMoney(row.total_tax, currency);
    if (typeof net !== 'bigint' || typeof tax !== 'bigint' || net <= 0n) continue;
    const id = row.taxes[0]!.id;
    taxed.set(id, [...(taxed.get(id) ?? []), { net, tax }]);
  }
  for (const line of order.tax_lines ?? []) {
    const pairs = taxed.get(line.rate_id);
    if (rates.has(line.rate_id) || !pairs?.length) continue;
    const largest = pairs.reduce((best, pair) => (pair.net > best.net ? pair : best));
    const hundredths = divRound(largest.tax * 10_000n, largest.net);
    const text = `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
    const rate = parseRate(text);
    if (rate && pairs.every((pair) => percentOf(pair.net, rate) === pair.tax))
      rates.set(line.rate_id, text.replace(/\.?0+$/, ''));
  }
  return rates;
}

function rateOf(taxes: { id: number }[] | undefined, rates: Map<number, string>): string | undefined {
  if (!taxes || taxes.length !== 1) return undefined;
  return rates.get(taxes[0]!.id);
}

function metaString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value.trim();
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of ['id', 'name', 'code', 'point_id'])
      if (typeof record[key] === 'string' && record[key]) return record[key];
  }
  return undefined;
}

function mapDelivery(order: WooOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder['delivery'] {
  const shipping = order.shipping_lines ?? [];
  const first = shipping[0];
  const service = text(first?.method_title) ?? undefined;
  const common = service ? { service } : {};
  const keys = settingList(settings.pickupPointMetaKeys, DEFAULT_PICKUP_POINT_META_KEYS).map((key) =>
    key.toLowerCase(),
  );
  const metas = [...(order.meta_data ?? []), ...shipping.flatMap((line) => line.meta_data ?? [])];
  for (const meta of metas) {
    if (!keys.includes(meta.key.toLowerCase())) continue;
    const pointId = metaString(meta.value);
    if (!pointId) continue;
    const hint = `${meta.key} ${first?.method_id ?? ''} ${first?.method_title ?? ''}`.toLowerCase();
    const provider =
      (typeof settings.pickupPointProvider === 'string' && settings.pickupPointProvider) ||
      (/inpost|paczkomat|easypack|parcel_machine/.test(hint) ? 'inpost' : (text(first?.method_id) ?? 'unknown'));
    return { method: 'pickup_point', pickupPoint: { provider, id: pointId }, ...common };
  }
  if (shipping.some((line) => /^(local_pickup|pickup_location)/.test(line.method_id ?? '')))
    return { method: 'store', ...common };
  return { method: 'ship', ...common };
}

/** Negative fees named like a gift card are a payment by gift card, other negative fees are discounts. */
const GIFT_CARD_FEE = /gift ?card|karta podarunkowa|bon podarunkowy|подарочн/i;

/** Reads one WooCommerce order (webhook body or one element of GET /orders). */
export function mapWooOrder(
  raw: unknown,
  settings: Readonly<Record<string, unknown>> = {},
): { ok: true; order: ChannelOrder; source: WooOrder } | { ok: false; reason: string } {
  const parsed = wooOrder.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    return { ok: false, reason: `not a WooCommerce order: ${issues}` };
  }
  try {
    return { ok: true, order: buildOrder(parsed.data, settings), source: parsed.data };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, reason: error.message };
    throw error;
  }
}

function buildOrder(source: WooOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder {
  const currency = source.currency;
  if (!isCurrency(currency)) throw new Unreadable(`unknown currency ${currency}`);
  const money = (value: bigint) => formatMoney(value, currency);
  const gross = source.prices_include_tax;
  const amount = (net: string, tax: string | undefined, what: string) =>
    units(net, currency, what) + (gross && tax ? units(tax, currency, `${what} tax`) : 0n);
  const rates = taxRates(source);

  const lines: ChannelOrderLine[] = [];
  for (const item of source.line_items) {
    if (item.quantity <= 0) throw new Unreadable(`line ${item.id} has quantity ${item.quantity}`);
    // subtotal is the line before coupons (coupons are order-level discounts below); a unit price
    // that does not divide evenly is rounded up and the difference kept as the line's discount,
    // so quantity × unitPrice − discount is the subtotal to the cent.
    const subtotal = amount(item.subtotal, item.subtotal_tax, `line ${item.id} subtotal`);
    const quantity = BigInt(item.quantity);
    if (subtotal < 0n) throw new Unreadable(`line ${item.id} has a negative subtotal`);
    const unit = (subtotal + quantity - 1n) / quantity;
    const rounding = unit * quantity - subtotal;
    const variation = item.variation_id ?? 0;
    const offerId =
      item.product_id === 0
        ? `line:${item.id}`
        : variation > 0
          ? `${item.product_id}:${variation}`
          : String(item.product_id);
    const taxRate = rateOf(item.taxes, rates);
    const meta = (item.meta_data ?? []).filter((entry) => !entry.key.startsWith('_'));
    lines.push({
      externalLineId: String(item.id),
      kind: 'product',
      offerId,
      ...(text(item.sku) ? { sellerSku: item.sku! } : {}),
      name: item.name,
      quantity: item.quantity,
      unitPrice: money(unit),
      ...(rounding > 0n ? { discount: money(rounding) } : {}),
      ...(taxRate !== undefined ? { taxRate } : {}),
      attributes: {
        productId: String(item.product_id),
        ...(variation > 0 ? { variationId: String(variation) } : {}),
        ...(meta.length > 0 ? { meta: Object.fromEntries(meta.map((entry) => [entry.key, entry.value])) } : {}),
      },
    });
  }

  const discounts: ChannelDiscount[] = [];
  const giftCards: ChannelPayment[] = [];
  for (const fee of source.fee_lines ?? []) {
    const value = amount(fee.total, fee.total_tax, `fee ${fee.id}`);
    if (value < 0n) {
      if (GIFT_CARD_FEE.test(fee.name))
        giftCards.push({
          method: 'gift_card',
          amount: money(-value),
          status: 'paid',
          provider: fee.name,
          reference: String(fee.id),
        });
      else discounts.push({ target: 'order', amount: money(-value), title: fee.name });
      continue;
    }
    const taxRate = rateOf(fee.taxes, rates);
    lines.push({
      externalLineId: String(fee.id),
      kind: 'service',
      offerId: `fee:${fee.name}`,
      name: fee.name,
      quantity: 1,
      unitPrice: money(value),
      ...(taxRate !== undefined ? { taxRate } : {}),
      attributes: { feeLine: true },
    });
  }
  if (lines.length === 0) throw new Unreadable('the order has no line items');

  for (const coupon of source.coupon_lines ?? []) {
    const value = amount(coupon.discount, coupon.discount_tax, `coupon ${coupon.code}`);
    if (value > 0n) discounts.push({ target: 'order', amount: money(value), code: coupon.code });
  }

  const shippingLines: ChannelShippingLine[] = (source.shipping_lines ?? []).map((line) => {
    const taxRate = rateOf(line.taxes, rates);
    const code = text(line.method_id);
    return {
      ...(code ? { code } : {}),
      ...(text(line.method_title) ? { title: line.method_title! } : {}),
      amount: money(amount(line.total, line.total_tax, `shipping ${line.id}`)),
      ...(taxRate !== undefined ? { taxRate } : {}),
    };
  });

  const payments: ChannelPayment[] = [...giftCards];
  const total = units(source.total, currency, 'total');
  const method = text(source.payment_method);
  if (total > 0n && (method || giftCards.length === 0)) {
    payments.push({
      method: paymentMethod(method ?? ''),
      amount: money(total),
      status: text(source.date_paid_gmt) ? 'paid' : 'pending',
      ...(text(source.payment_method_title) || method
        ? { provider: (text(source.payment_method_title) ?? method)! }
        : {}),
      ...(text(source.transaction_id) ? { reference: source.transaction_id! } : {}),
    });
  }

  const billing = source.billing;
  const name = [billing?.first_name, billing?.last_name].filter((part) => text(part)).join(' ');
  const email = text(billing?.email);
  const phone = text(billing?.phone);
  const customerId = source.customer_id && source.customer_id > 0 ? String(source.customer_id) : undefined;
  const customer =
    customerId || name || email
      ? {
          ...(customerId ? { externalId: customerId } : {}),
          ...(name ? { name } : {}),
          ...(email ? { email } : {}),
          ...(phone ? { phone } : {}),
        }
      : undefined;
  const shippingAddress = mapAddress(source.shipping, billing);
  const billingAddress = mapAddress(billing);
  const number = text(source.number);

  return {
    externalId: String(source.id),
    externalVersion: gmt(source.date_modified_gmt, 'date_modified_gmt'),
    ...(number && number !== String(source.id) ? { displayNumber: number } : {}),
    currency,
    pricesIncludeTax: gross,
    placedAt: gmt(source.date_created_gmt, 'date_created_gmt'),
    ...(customer ? { customer } : {}),
    lines,
    shippingLines,
    discounts,
    payments,
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(billingAddress ? { billingAddress } : {}),
    delivery: mapDelivery(source, settings),
    ...(text(source.customer_note) ? { notes: source.customer_note! } : {}),
    channelStatus: source.status,
  };
}

function rawKey(raw: unknown): string {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  if (typeof record.id === 'number' && typeof record.date_modified_gmt === 'string')
    return `${record.id}:${record.date_modified_gmt}`;
  return createHash('sha256')
    .update(JSON.stringify(raw ?? null))
    .digest('hex')
    .slice(0, 32);
}

/** One order → its events: the order (keyed by its modification time), a cancellation, a deletion. */
export function wooOrderEvents(
  raw: unknown,
  settings: Readonly<Record<string, unknown>>,
): { events: ReceivedEvent[]; unreadable: UnreadableItem[] } {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  if (record.status === 'trash' && typeof record.id === 'number')
    return {
      events: [
        {
          dedupeKey: `delete:${record.id}`,
          event: { type: 'status', externalId: String(record.id), status: 'deleted' },
          raw,
        },
      ],
      unreadable: [],
    };
  if (record.status === 'checkout-draft' && typeof record.id === 'number')
    // The block checkout saves the cart as a draft order before the buyer places it: not an order yet.
    return {
      events: [
        {
          dedupeKey: `draft:${record.id}:${String(record.date_modified_gmt)}`,
          event: { type: 'ignored', reason: 'checkout draft (not placed yet)' },
          raw,
        },
      ],
      unreadable: [],
    };
  const mapped = mapWooOrder(raw, settings);
  if (!mapped.ok)
    return { events: [], unreadable: [{ dedupeKey: `unreadable:${rawKey(raw)}`, reason: mapped.reason, raw }] };
  const { order } = mapped;
  const events: ReceivedEvent[] = [
    { dedupeKey: `order:${order.externalId}:${order.externalVersion}`, event: { type: 'order', order }, raw },
  ];
  if (order.channelStatus === 'cancelled')
    events.push({
      dedupeKey: `cancel:${order.externalId}`,
      event: { type: 'cancelled', externalId: order.externalId, at: order.externalVersion! },
      raw,
    });
  return { events, unreadable: [] };
}
