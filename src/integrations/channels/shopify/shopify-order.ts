/**
 * Shopify orders read into the canonical order: dates, money, addresses, payments from the
 * transactions or the financial status, delivery (pickup points from note attributes), lines,
 * shipping, discounts; and the events an order body becomes (order, cancellation), with its key.
 */
import { createHash } from 'node:crypto';
import { formatMoney, isCurrency, parseMoney } from '../../../shared/money.js';
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
import { shopifyOrder, type ShopifyOrder, type ShopifyTransaction } from './shopify-schemas.js';

/** Note attributes that checkout apps use for a chosen parcel locker / pickup point. */
export const DEFAULT_PICKUP_POINT_ATTRIBUTES = [
  'paczkomat',
  '_paczkomat_id',
  'paczkomat_id',
  'inpost_locker',
  'inpost_point',
  'pickup_point_id',
  'pickup_point',
  'parcel_locker',
];

class Unreadable extends Error {}

// ------------------------------------------------------------------------------------------
// Mapping
// ------------------------------------------------------------------------------------------

function utc(text: string, what: string): string {
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Unreadable(`${what} is not a date: ${text}`);
  return new Date(at).toISOString();
}

function units(text: string, currency: string, what: string): bigint {
  const parsed = parseMoney(text, currency);
  if (typeof parsed === 'string') throw new Unreadable(`${what} "${text}" is not an amount in ${currency} (${parsed})`);
  return parsed;
}

/** Shopify tax rates are fractions as JSON numbers (0.06); Ordo wants the percentage as a string ("6"). */
export function fractionToPercent(rate: number): string | undefined {
  if (!Number.isFinite(rate) || rate < 0 || rate > 10) return undefined;
  const [whole = '0', frac = ''] = rate.toFixed(10).replace(/0+$/, '').split('.');
  const padded = frac.padEnd(2, '0');
  const integer = `${whole}${padded.slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = padded.slice(2);
  return rest ? `${integer}.${rest}` : integer;
}

function text(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

function mapAddress(address: ShopifyOrder['shipping_address'], email?: string | null): ChannelAddress | undefined {
  if (!address || !text(address.country_code)) return undefined;
  const name =
    text(address.name) ?? ([address.first_name, address.last_name].filter((part) => text(part)).join(' ') || '');
  return {
    name,
    ...(text(address.company) ? { company: address.company! } : {}),
    line1: address.address1 ?? '',
    ...(text(address.address2) ? { line2: address.address2! } : {}),
    city: address.city ?? '',
    ...(text(address.zip) ? { postalCode: address.zip! } : {}),
    ...(text(address.province_code) || text(address.province)
      ? { region: (text(address.province_code) ?? address.province)! }
      : {}),
    country: address.country_code!.toUpperCase(),
    ...(text(address.phone) ? { phone: address.phone! } : {}),
    ...(text(email) ? { email: email! } : {}),
  };
}

function paymentMethod(gateway: string): ChannelPayment['method'] {
  const name = gateway.toLowerCase();
  if (name === 'gift_card' || name.includes('gift card')) return 'gift_card';
  if (name.includes('cash on delivery') || name.includes('cod') || name.includes('pobranie')) return 'cash_on_delivery';
  if (name.includes('bank') || name.includes('manual') || name.includes('przelew')) return 'bank_transfer';
  if (name.includes('paypal') || name.includes('apple') || name.includes('google') || name.includes('shop_pay'))
    return 'wallet';
  if (
    ['shopify_payments', 'stripe', 'authorize_net', 'bogus', 'visa', 'mastercard', 'braintree', 'adyen'].some((known) =>
      name.includes(known),
    )
  )
    return 'card';
  return 'other';
}

function paymentStatus(financialStatus: string | null | undefined): ChannelPayment['status'] {
  switch (financialStatus) {
    case 'paid':
    case 'partially_paid':
    case 'partially_refunded':
    case 'refunded':
      return 'paid';
    case 'authorized':
      return 'authorized';
    default:
      return 'pending';
  }
}

/** Payments from the order's transactions (sales, captures, uncaptured authorisations) when we have them. */
function paymentsFromTransactions(transactions: ShopifyTransaction[], currency: string): ChannelPayment[] {
  const good = transactions.filter((tx) => tx.status === 'success');
  const captured = new Set(good.filter((tx) => tx.kind === 'capture' && tx.parent_id).map((tx) => tx.parent_id));
  return good
    .filter(
      (tx) => tx.kind === 'sale' || tx.kind === 'capture' || (tx.kind === 'authorization' && !captured.has(tx.id)),
    )
    .map((tx) => ({
      method: paymentMethod(tx.gateway ?? ''),
      amount: formatMoney(units(tx.amount, currency, 'transaction amount'), currency),
      status: tx.kind === 'authorization' ? ('authorized' as const) : ('paid' as const),
      ...(text(tx.gateway) ? { provider: tx.gateway! } : {}),
      reference: tx.id,
    }));
}

function mapPayments(order: ShopifyOrder): ChannelPayment[] {
  const currency = order.currency;
  if (order.transactions && order.transactions.length > 0) {
    const fromTransactions = paymentsFromTransactions(order.transactions, currency);
    if (fromTransactions.length > 0) return fromTransactions;
  }
  const gateways = order.payment_gateway_names ?? (text(order.gateway) ? [order.gateway!] : []);
  const total = order.total_price_set?.shop_money.amount ?? order.total_price;
  const amount = formatMoney(units(total, currency, 'total_price'), currency);
  if (gateways.length === 0) return [];
  // Without transactions the split between several gateways is unknown: one payment of the
  // total, named after every gateway, the first real (non gift card) one giving the method.
  const main = gateways.find((gateway) => paymentMethod(gateway) !== 'gift_card') ?? gateways[0]!;
  return [
    {
      method: paymentMethod(main),
      amount,
      status: paymentStatus(order.financial_status),
      provider: gateways.join('+'),
    },
  ];
}

/**
 * A shipping line's `source` names the app that rated it ("usps", "canada_post", a carrier app);
 * "shopify" means the shop's own rates, which say nothing about the carrier. `carrier_identifier`
 * is an opaque hash, not a name.
 */
function carrierOf(line: { source?: string | null } | undefined): string | undefined {
  const source = text(line?.source);
  return source && source !== 'shopify' ? source : undefined;
}

/** Shipping lines an order edit removed (`is_removed: true`) no longer count. */
function activeShipping(order: ShopifyOrder) {
  return (order.shipping_lines ?? []).filter((line) => line.is_removed !== true);
}

function mapDelivery(order: ShopifyOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder['delivery'] {
  const shipping = activeShipping(order);
  const first = shipping[0];
  const warehouse = order.location_id ? { channelWarehouseId: order.location_id } : {};
  const carrier = carrierOf(first);
  const service = text(first?.title) ?? text(first?.code);
  const common = { ...warehouse, ...(carrier ? { carrier } : {}), ...(service ? { service } : {}) };
  const keys = settingList(settings.pickupPointAttributes, DEFAULT_PICKUP_POINT_ATTRIBUTES).map((key) =>
    key.toLowerCase(),
  );
  const attribute = (order.note_attributes ?? []).find(
    (note) => keys.includes(note.name.toLowerCase()) && typeof note.value === 'string' && note.value.trim() !== '',
  );
  if (attribute) {
    const hint = `${first?.title ?? ''} ${first?.code ?? ''} ${attribute.name}`.toLowerCase();
    const provider =
      (typeof settings.pickupPointProvider === 'string' && settings.pickupPointProvider) ||
      (/inpost|paczkomat/.test(hint) ? 'inpost' : (text(first?.title) ?? 'unknown'));
    return {
      method: 'pickup_point',
      pickupPoint: { provider, id: String(attribute.value).trim() },
      ...common,
    };
  }
  const pickup = shipping.some((line) =>
    /\bpick[- ]?up\b|odbiór osobisty|самовывоз/i.test(`${line.code} ${line.title}`),
  );
  if (pickup && !order.shipping_address) return { method: 'store', ...common };
  return { method: 'ship', ...common };
}

/** Reads one Shopify order (webhook body or one element of GET /orders.json). */
export function mapShopifyOrder(
  raw: unknown,
  settings: Readonly<Record<string, unknown>> = {},
): { ok: true; order: ChannelOrder; source: ShopifyOrder } | { ok: false; reason: string } {
  const parsed = shopifyOrder.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    return { ok: false, reason: `not a Shopify order: ${issues}` };
  }
  const source = parsed.data;
  try {
    return { ok: true, order: buildOrder(source, settings), source };
  } catch (error) {
    if (error instanceof Unreadable) return { ok: false, reason: error.message };
    throw error;
  }
}

function buildOrder(source: ShopifyOrder, settings: Readonly<Record<string, unknown>>): ChannelOrder {
  const currency = source.currency;
  if (!isCurrency(currency)) throw new Unreadable(`unknown currency ${currency}`);
  const lineItems = source.line_items ?? [];
  if (lineItems.length === 0) throw new Unreadable('the order has no line items');
  const money = (value: bigint) => formatMoney(value, currency);
  const applications = source.discount_applications ?? [];
  // An application spread "across" line items is an order-level discount; "each"/"one" belong to the line.
  const isOrderLevel = (index: number) => {
    const application = applications[index];
    return application?.target_type === 'line_item' && application.allocation_method === 'across';
  };
  const orderTotals = new Map<number, bigint>();
  const shippingTotals = new Map<number, bigint>();
  let lineDiscountSum = 0n;

  const lines: ChannelOrderLine[] = lineItems.map((item) => {
    let discount = 0n;
    if (applications.length > 0) {
      for (const allocation of item.discount_allocations ?? []) {
        const value = units(allocation.amount, currency, `line ${item.id} discount`);
        const index = allocation.discount_application_index;
        if (isOrderLevel(index)) orderTotals.set(index, (orderTotals.get(index) ?? 0n) + value);
        else discount += value;
      }
    } else if (item.total_discount) {
      discount = units(item.total_discount, currency, `line ${item.id} total_discount`);
    }
    lineDiscountSum += discount;
    const taxLines = item.tax_lines ?? [];
    const taxRate =
      taxLines.length === 1 && typeof taxLines[0]!.rate === 'number' ? fractionToPercent(taxLines[0]!.rate) : undefined;
    const offerId = item.variant_id ?? item.product_id ?? `line:${item.id}`;
    const attributes: Record<string, unknown> = {};
    if (item.product_id) attributes.productId = item.product_id;
    if (item.variant_id) attributes.variantId = item.variant_id;
    if (!item.variant_id && !item.product_id) attributes.customItem = true;
    if (item.gift_card) attributes.giftCard = true;
    if (item.properties && item.properties.length > 0) attributes.properties = item.properties;
    if (taxLines.length > 1) attributes.taxLines = taxLines;
    return {
      externalLineId: item.id,
      kind: item.requires_shipping === false || item.gift_card === true ? 'service' : 'product',
      offerId,
      ...(text(item.sku) ? { sellerSku: item.sku! } : {}),
      name: text(item.name) ?? text(item.title) ?? text(item.sku) ?? item.id,
      quantity: item.quantity,
      unitPrice: money(units(item.price, currency, `line ${item.id} price`)),
      ...(discount > 0n ? { discount: money(discount) } : {}),
      ...(taxRate !== undefined ? { taxRate } : {}),
      ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
    };
  });

  const shippingLines: ChannelShippingLine[] = activeShipping(source).map((line) => {
    for (const allocation of line.discount_allocations ?? []) {
      const index = allocation.discount_application_index;
      shippingTotals.set(
        index,
        (shippingTotals.get(index) ?? 0n) + units(allocation.amount, currency, 'shipping discount'),
      );
    }
    const taxLines = line.tax_lines ?? [];
    const taxRate =
      taxLines.length === 1 && typeof taxLines[0]!.rate === 'number' ? fractionToPercent(taxLines[0]!.rate) : undefined;
    const code = text(line.code) ?? line.id;
    const carrier = carrierOf(line);
    return {
      ...(code ? { code } : {}),
      ...(text(line.title) ? { title: line.title! } : {}),
      ...(carrier ? { carrier } : {}),
      amount: money(units(line.price, currency, 'shipping price')),
      ...(taxRate !== undefined ? { taxRate } : {}),
    };
  });

  const discounts: ChannelDiscount[] = [];
  const describe = (index: number) => {
    const application = applications[index];
    const code = text(application?.code);
    const title = text(application?.title) ?? text(application?.description);
    return { ...(code ? { code } : {}), ...(title ? { title } : {}) };
  };
  for (const [index, total] of orderTotals)
    discounts.push({ target: 'order', amount: money(total), ...describe(index) });
  for (const [index, total] of shippingTotals)
    discounts.push({ target: 'shipping', amount: money(total), ...describe(index) });
  if (applications.length === 0 && source.total_discounts) {
    // Older payloads (and the published sample) carry no discount_applications: whatever
    // total_discounts holds beyond the lines' own discounts is an order-level discount.
    const rest = units(source.total_discounts, currency, 'total_discounts') - lineDiscountSum;
    if (rest > 0n) {
      const codes = source.discount_codes ?? [];
      const onShipping = codes.length > 0 && codes.every((code) => code.type === 'shipping');
      const code = codes.map((item) => item.code).join(',');
      discounts.push({ target: onShipping ? 'shipping' : 'order', amount: money(rest), ...(code ? { code } : {}) });
    }
  }

  const customer = source.customer;
  const name = customer ? [customer.first_name, customer.last_name].filter((part) => text(part)).join(' ') : '';
  const email = text(customer?.email) ?? text(source.email);
  const phone = text(customer?.phone) ?? text(source.phone);
  const customerOut =
    customer || email
      ? {
          ...(customer ? { externalId: customer.id } : {}),
          ...(name ? { name } : {}),
          ...(email ? { email } : {}),
          ...(phone ? { phone } : {}),
        }
      : undefined;
  const shippingAddress = mapAddress(source.shipping_address, email);
  const billingAddress = mapAddress(source.billing_address, email);

  return {
    externalId: source.id,
    externalVersion: utc(source.updated_at, 'updated_at'),
    ...(text(source.name) ? { displayNumber: source.name! } : {}),
    currency,
    pricesIncludeTax: source.taxes_included,
    placedAt: utc(text(source.processed_at) ?? source.created_at, 'processed_at'),
    ...(customerOut ? { customer: customerOut } : {}),
    lines,
    shippingLines,
    discounts,
    payments: mapPayments(source),
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(billingAddress ? { billingAddress } : {}),
    delivery: mapDelivery(source, settings),
    ...(text(source.note) ? { notes: source.note! } : {}),
    channelStatus: source.cancelled_at
      ? 'cancelled'
      : `${source.financial_status ?? 'pending'}/${source.fulfillment_status ?? 'unfulfilled'}`,
  };
}

function rawKey(raw: unknown): string {
  const record = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const id = record.id;
  if ((typeof id === 'string' || typeof id === 'number') && typeof record.updated_at === 'string')
    return `${id}:${record.updated_at}`;
  return createHash('sha256')
    .update(JSON.stringify(raw ?? null))
    .digest('hex')
    .slice(0, 32);
}

/** One order → its events: the order itself (keyed by its updated_at) and a cancellation when it is cancelled. */
export function shopifyOrderEvents(
  raw: unknown,
  settings: Readonly<Record<string, unknown>>,
): { events: ReceivedEvent[]; unreadable: UnreadableItem[] } {
  const mapped = mapShopifyOrder(raw, settings);
  if (!mapped.ok)
    return { events: [], unreadable: [{ dedupeKey: `unreadable:${rawKey(raw)}`, reason: mapped.reason, raw }] };
  const { order, source } = mapped;
  const events: ReceivedEvent[] = [
    { dedupeKey: `order:${order.externalId}:${order.externalVersion}`, event: { type: 'order', order }, raw },
  ];
  if (source.cancelled_at) {
    events.push({
      dedupeKey: `cancel:${order.externalId}`,
      event: {
        type: 'cancelled',
        externalId: order.externalId,
        ...(text(source.cancel_reason) ? { reason: source.cancel_reason! } : {}),
        at: utc(source.cancelled_at, 'cancelled_at'),
      },
      raw,
    });
  }
  return { events, unreadable: [] };
}
