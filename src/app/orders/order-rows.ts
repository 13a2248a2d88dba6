import type { FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { priceOrder } from '../../domain/order/totals.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { HistoryEntry } from '../../store/history.js';
import { companyFactRowsAtIntake } from '../companies/company-facts-sql.js';
import { orderAcceptedPayload } from '../../domain/events/order-payloads.js';
import type { PricedInput } from '../pricing/price-order.js';
import type { Refs } from './intake-references.js';

/** The initial state of an order before a process takes it (the process engine moves it on). */
export const ACCEPTED = 'accepted';

export type Priced = Exclude<ReturnType<typeof priceOrder>, { errors: unknown }>;
type ChannelMoney = Exclude<ReturnType<typeof channelMoney>, { errors: unknown }>;

/**
 * The payments and the marketplace commission in minor units, checked: amounts exact in the
 * currency, not negative, and the payments together at most the grand total (/payments/i/amount
 * names the first payment past it).
 */
export function channelMoney(input: PricedInput, grandTotal: bigint) {
  const errors: FieldError[] = [];
  const amount = (text: string, path: string) => {
    const value = parseMoney(text, input.currency);
    if (typeof value === 'string') {
      errors.push({ path, message: "must be a decimal string with the currency's decimal places", code: value });
      return 0n;
    }
    if (value < 0n) errors.push({ path, message: 'must not be negative', code: 'NEGATIVE' });
    return value;
  };
  const payments = (input.payments ?? []).map((payment, index) => ({
    ...payment,
    amount: amount(payment.amount, `/payments/${index}/amount`),
  }));
  let paid = 0n;
  for (const [index, payment] of payments.entries()) {
    paid += payment.amount;
    if (paid > grandTotal) {
      errors.push({
        path: `/payments/${index}/amount`,
        message: `the payments add up to more than the grand total ${formatMoney(grandTotal, input.currency)}`,
        code: 'PAYMENTS_EXCEED_TOTAL',
      });
      break;
    }
  }
  const commission =
    input.marketplace?.commission === undefined
      ? null
      : amount(input.marketplace.commission, '/marketplace/commission');
  if (errors.length) return { errors };
  return { payments, commission };
}
export type NewOrder = ReturnType<typeof orderRows>;

/** The order and line rows to insert, built from the input, its prices and its references. */
export function orderRows(
  scope: TenantScope,
  now: Date,
  input: PricedInput,
  priced: Priced,
  money: ChannelMoney,
  refs: Refs,
  company: Awaited<ReturnType<typeof companyFactRowsAtIntake>> = {},
) {
  const id = newId();
  const number = refs.number;
  const customerName = refs.customer?.name ?? input.customer?.name ?? null;
  const customerEmail = refs.customer?.email ?? input.customer?.email ?? null;
  const str = (v: bigint) => v.toString();
  const shares = (allocations: { index: number; amount: bigint }[]) =>
    allocations.map((share) => ({ index: share.index, amount: str(share.amount) }));
  const shippingInput = input.shippingLines ?? (input.shipping ? [input.shipping] : []);
  const shippingRates = new Set(shippingInput.map((l) => l.taxRate ?? null));
  const shippingTaxRate = shippingRates.size === 1 ? [...shippingRates][0] : null;
  const totals = priced.totals;
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const order = {
    id,
    number,
    channel_id: refs.channel.id,
    external_id: input.externalId ?? null,
    order_type: input.orderType,
    customer_id: refs.customer?.id ?? null,
    customer_name: customerName,
    customer_email: customerEmail,
    company_id: refs.customer?.company_id ?? null,
    currency: input.currency,
    state: ACCEPTED,
    process_key: refs.channel.process_key,
    process_version: null as number | null,
    subtotal: totals.subtotal,
    discount_total: totals.discountTotal,
    tax_total: totals.taxTotal,
    shipping_total: totals.shippingTotal,
    grand_total: totals.grandTotal,
    delivery_method: input.delivery.method,
    pickup_location_id: refs.pickupLocationId,
    shipping_address: input.shippingAddress ?? null,
    billing_address: input.billingAddress ?? null,
    payment_terms: input.paymentTerms as Record<string, unknown>,
    attributes: {
      ...(input.attributes ?? {}),
      ...(input.delivery.carrier || input.delivery.service
        ? {
            delivery: {
              ...(input.attributes?.delivery as object | undefined),
              carrier: input.delivery.carrier,
              service: input.delivery.service,
            },
          }
        : {}),
      ...(input.pricesIncludeTax ? { pricesIncludeTax: true } : {}),
      // The shipping's rate goes on its invoice line (its tax is in tax_total with the lines'):
      // one rate for all shipping lines, or none when they differ (shipping_lines keep each).
      ...(shippingTaxRate ? { shippingTaxRate } : {}),
    } as Record<string, unknown>,
    notes: input.notes ?? null,
    line_count: input.lines.length,
    search_text: [
      number,
      input.externalId,
      input.displayNumber,
      customerName,
      customerEmail,
      input.customer?.externalId,
    ]
      .filter(Boolean)
      .join(' ')
      .toLowerCase(),
    placed_at: placedAt,
    created_at: now,
    updated_at: now,
    version: 1,
    display_number: input.displayNumber ?? null,
    customer_external_id: input.customer?.externalId ?? null,
    customer_masked: input.customer?.masked ?? false,
    placed_by_member_id: company.member?.id ?? null,
    pickup_point:
      input.delivery.method === 'pickup_point' && input.delivery.pickupPoint
        ? (input.delivery.pickupPoint as Record<string, unknown>)
        : null,
    shipping_lines: shippingInput.map((line, index) => {
      const pricedShipping = priced.shipping[index]!;
      return {
        code: 'code' in line ? (line.code ?? null) : null,
        title: 'title' in line ? (line.title ?? null) : null,
        carrier: 'carrier' in line ? (line.carrier ?? null) : null,
        amount: str(pricedShipping.amount),
        discount: str(pricedShipping.discount),
        allocatedDiscount: str(pricedShipping.allocatedDiscount),
        allocations: shares(pricedShipping.allocations),
        taxRate: pricedShipping.taxRate,
        tax: str(pricedShipping.tax),
        net: str(pricedShipping.net),
        total: str(pricedShipping.total),
      };
    }) as Record<string, unknown>[],
    discounts: (input.discounts ?? []).map((d) => ({
      target: d.target,
      amount: str(parseMoney(d.amount, input.currency) as bigint),
      code: d.code ?? null,
      title: d.title ?? null,
    })) as Record<string, unknown>[],
    payments: money.payments.map((p) => ({
      method: p.method,
      amount: str(p.amount),
      status: p.status,
      provider: p.provider ?? null,
      reference: p.reference ?? null,
    })) as Record<string, unknown>[],
    marketplace: input.marketplace
      ? ({
          fulfilmentModel: input.marketplace.fulfilmentModel ?? null,
          shipBy: input.marketplace.shipBy ? new Date(input.marketplace.shipBy).toISOString() : null,
          deliverBy: input.marketplace.deliverBy ? new Date(input.marketplace.deliverBy).toISOString() : null,
          commission: money.commission === null ? null : str(money.commission),
          marketplaceId: input.marketplace.marketplaceId ?? null,
        } as Record<string, unknown>)
      : null,
  };
  const lines = input.lines.map((line, index) => {
    const pricedLine = priced.lines[index]!;
    const product = refs.bySku.get(line.sku)!;
    return {
      order_id: id,
      id: newId(),
      line_no: index + 1,
      external_line_id: line.id ?? null,
      kind: line.kind ?? 'product',
      product_id: product.id,
      sku: line.sku,
      name: line.name ?? product.name,
      quantity: line.quantity,
      unit_price: pricedLine.unitPrice,
      discount: pricedLine.discount,
      allocated_discount: pricedLine.allocatedDiscount,
      discount_allocations: shares(pricedLine.allocations),
      tax_rate: pricedLine.taxRate,
      tax: pricedLine.tax,
      net: pricedLine.net,
      total: pricedLine.total,
      attributes: line.attributes ?? {},
    };
  });
  const orderRow = {
    ...order,
    channel_code: refs.channel.code,
    channel_kind: refs.channel.kind,
    channel_settings: refs.channel.settings ?? {},
  };
  const accepted: HistoryEntry = {
    orderId: id,
    action: 'order.accepted',
    toState: ACCEPTED,
    changes: {
      number,
      lines: input.lines.length,
      grandTotal: formatMoney(totals.grandTotal, input.currency),
      currency: input.currency,
    },
    reason: { channel: input.channel, externalId: input.externalId ?? null },
  };
  const event = {
    type: 'order.accepted' as const,
    subject: id,
    time: now,
    payload: orderAcceptedPayload({
      id,
      number,
      channelId: refs.channel.id,
      channel: refs.channel.code,
      externalId: input.externalId ?? null,
      state: ACCEPTED,
      currency: input.currency,
      grandTotal: totals.grandTotal,
      lineCount: input.lines.length,
      customerId: refs.customer?.id ?? null,
      placedAt,
    }),
  };
  const start = {
    order: { state: ACCEPTED, process_key: refs.channel.process_key, channel_code: refs.channel.code },
    rows: {
      order: orderRow,
      lines,
      customer: refs.customer ? { segment: refs.customer.segment, attributes: refs.customer.attributes } : undefined,
      company: refs.customer?.company_id
        ? { segment: refs.customer.company_segment, terms: refs.customer.company_terms ?? {} }
        : undefined,
      // This order counts towards the company's exposure from the moment it is accepted.
      credit: refs.customer?.company_credit
        ? {
            ...refs.customer.company_credit,
            exposure: BigInt(refs.customer.company_credit.exposure) + totals.grandTotal,
          }
        : undefined,
      ...company,
    },
    rules: refs.rules,
    published: refs.published,
  };
  return { id, now, input, totals, refs, order, orderRow, lines, accepted, event, start, payments: money.payments };
}
