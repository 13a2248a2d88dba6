import { formatMoney, parseMoney } from '../../shared/money.js';
import { summarizePayments } from '../money/payment-status.js';
import { returnFactsFrom, type ReturnFactRow } from '../returns/facts.js';
import {
  budgetRemaining,
  companyApproval,
  placedByFact,
  type BudgetFactRow,
  type MemberFactRow,
} from '../company/company-facts.js';

/**
 * The facts a process's conditions read (docs/process.md), computed from the order's rows:
 * pure, so intake builds them from what it just wrote and the app from what it loaded
 * (app/process/load-facts.ts). The result fits the engine's FactsInput.
 */

type Dict = Record<string, unknown>;

/** A money amount from free-form attributes ("15000.00" or 15000) as minor units; absent or bad → undefined. */
function money(value: unknown, currency: string): bigint | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const money = parseMoney(String(value), currency);
  return typeof money === 'bigint' ? money : undefined;
}

const PAYMENT_TERMS: Record<string, string> = { cash_on_delivery: 'cod', partial_prepayment: 'prepaid' };

/** The order row fields facts read (as the database returns them: int8 as text, json parsed). */
export interface OrderFactRow {
  id: string;
  number: string;
  order_type: string;
  currency: string;
  grand_total: string | bigint;
  subtotal: string | bigint;
  discount_total: string | bigint;
  tax_total: string | bigint;
  shipping_total: string | bigint;
  line_count: number;
  payment_terms: unknown;
  attributes: unknown;
  delivery_method: string;
  placed_at: Date | string;
  shipping_address: unknown;
  customer_id: string | null;
  company_id: string | null;
  channel_code: string;
  channel_kind: string;
  channel_settings: unknown;
  /** 0015: { fulfilmentModel, shipBy, deliverBy, … } as received from a marketplace */
  marketplace?: unknown;
  display_number?: string | null;
}
export interface LineFactRow {
  id: string;
  /** the line's number (absent where the rows were built without it) */
  line_no?: number;
  /** 'product' or 'service' (absent: product); service lines hold no stock and count in no stock fact */
  kind?: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price: string | bigint;
  discount: string | bigint;
  total: string | bigint;
  attributes: unknown;
}
export interface StockFactRows {
  reserved: Array<{ order_line_id: string | null; qty: string | number }>;
  backorders: Array<{ order_line_id: string; quantity: number }>;
}
/** The order's payments as facts need them (int8 as text). */
export interface PaymentFactRow {
  method: string;
  status: string;
  authorized: string | bigint;
  captured: string | bigint;
  refunded: string | bigint;
  voided: string | bigint;
}
/** The company's credit position (int8 as text): open orders' unpaid amounts, holds, overdue invoices. */
export interface CreditFactRow {
  exposure: string | bigint;
  on_hold: boolean;
  overdue_count: number | string;
  overdue_amount: string | bigint;
}
/** Everything facts are computed from: loaded here, or handed over by intake from what it just wrote. */
export interface FactRows extends StockFactRows {
  order: OrderFactRow;
  lines: LineFactRow[];
  customer: { segment: string | null; attributes: unknown } | undefined;
  company: { segment: string | null; terms: unknown } | undefined;
  /** Absent at intake (a new order has none). */
  payments?: PaymentFactRow[];
  /** Absent at intake and for orders without a company. */
  credit?: CreditFactRow | undefined;
  /** A return order's own rows (absent on every other order). */
  ret?: ReturnFactRow | undefined;
  /** 0020: the company member who placed the order, with the company's approval rule. */
  member?: MemberFactRow | undefined;
  /** 0020: the budget of the order's cost centre and period. */
  budget?: BudgetFactRow | undefined;
}

/** Fulfilment models where the marketplace takes the parcel to the buyer (the seller hands it over). */
export const MARKETPLACE_DELIVERS: ReadonlySet<string> = new Set(['FBS', 'FBO', 'FBA']);

/** The verification result's errors (the `validation` fact): what makes a stored order unfit to proceed. */
export function orderValidationErrors(
  value: Pick<OrderFactRow, 'delivery_method' | 'shipping_address' | 'grand_total' | 'marketplace'>,
  lines: readonly unknown[],
): string[] {
  const errors: string[] = [];
  if (lines.length === 0) errors.push('the order has no lines');
  const model = (value.marketplace as { fulfilmentModel?: unknown } | null | undefined)?.fulfilmentModel;
  if (value.delivery_method === 'ship' && !value.shipping_address && !MARKETPLACE_DELIVERS.has(String(model ?? '')))
    errors.push('a shipped order needs a shipping address');
  if (BigInt(value.grand_total) < 0n) errors.push('the total is negative');
  return errors;
}

/** The facts from their rows: pure, so intake computes them from what it wrote without reading it back. */
export function factsFrom(factRows: FactRows) {
  const { order, lines, customer, company, reserved, backorders } = factRows;
  const cur = order.currency;
  const attrs = (order.attributes ?? {}) as Dict;
  const marketplace = (order.marketplace ?? {}) as Dict;
  const ca = (customer?.attributes ?? {}) as Dict;
  const terms = (company?.terms ?? {}) as Dict;
  const pick = (k: string) => ca[k] ?? terms[k];
  const heldBy = new Map(reserved.map((r) => [r.order_line_id, Number(r.qty)]));

  let maxDiscountPct = 0;
  const factLines = lines.map((line) => {
    const gross = BigInt(line.unit_price) * BigInt(line.quantity);
    const disc = BigInt(line.discount);
    if (gross > 0n) maxDiscountPct = Math.max(maxDiscountPct, Number((disc * 1_000_000n) / gross) / 10_000);
    const kind = line.kind ?? 'product';
    // a service line holds no stock: nothing to reserve, never short
    const held = Math.min(heldBy.get(line.id) ?? 0, line.quantity);
    const la = line.attributes as Dict;
    return {
      sku: line.sku,
      kind,
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unit_price,
      lineTotal: line.total,
      minBatch: typeof la.minBatch === 'number' ? la.minBatch : 0,
      reserved: held,
      shortBy: kind === 'product' ? line.quantity - held : 0,
    };
  });
  const stocked = factLines.filter((l) => l.kind === 'product');
  const wanted = stocked.reduce((a, l) => a + l.quantity, 0);
  const held = stocked.reduce((a, l) => a + l.reserved, 0);
  const outcome =
    reserved.length === 0 && backorders.length === 0
      ? 'unknown'
      : held >= wanted
        ? 'reserved'
        : held === 0
          ? 'shortage'
          : 'partial';

  const errors = orderValidationErrors(order, lines);
  const pricing = (attrs.pricing ?? {}) as Dict;
  const deviations = Number(pricing.deviations ?? 0);
  const warnings = lines.flatMap((line) => {
    const linePricing = ((line.attributes ?? {}) as Dict).pricing as Dict | undefined;
    return linePricing?.outsideTolerance
      ? [
          `SKU ${line.sku}: ${formatMoney(BigInt(line.unit_price), cur)} is ${String(linePricing.deviationPct)}% from list ${String(linePricing.list)}'s ${String(linePricing.listPrice)}`,
        ]
      : [];
  });
  const paymentKind = String((order.payment_terms as Dict).kind ?? 'prepaid');
  const creditLimit = money(pick('creditLimit'), cur);
  const credit = factRows.credit;
  const pay = summarizePayments(
    BigInt(order.grand_total),
    (factRows.payments ?? []).map((p) => ({
      status: p.status,
      authorized: BigInt(p.authorized),
      captured: BigInt(p.captured),
      refunded: BigInt(p.refunded),
      voided: BigInt(p.voided),
    })),
  );
  // Exposure counts every open order's unpaid amount, this one's included; `customer.availableCredit`
  // is what the limit leaves before this order (so `order.total > customer.availableCredit` reads
  // as before), `credit.available` what it leaves after it. A stated availableCredit (an ERP's) wins.
  const exposure = credit ? BigInt(credit.exposure) : 0n;
  const others = exposure > pay.outstanding ? exposure - pay.outstanding : 0n;
  const availableCredit =
    money(pick('availableCredit'), cur) ?? (creditLimit === undefined ? undefined : creditLimit - others);
  // a real budget (0020) wins over a stored terms.budgetRemaining
  const budgetLeft = budgetRemaining(factRows.budget, cur) ?? money(terms.budgetRemaining, cur);

  return {
    order: {
      id: order.id,
      number: order.number,
      type: order.order_type,
      currency: cur,
      total: order.grand_total,
      subtotal: order.subtotal,
      discountTotal: order.discount_total,
      maxDiscountPct,
      lineCount: order.line_count,
      paymentTerms: PAYMENT_TERMS[paymentKind] ?? paymentKind,
      paymentMethod: attrs.paymentMethod,
      deliveryMethod: order.delivery_method,
      createdAt: order.placed_at,
      // a marketplace's ship-by (hand-over deadline) wins over a free-form attribute
      shipBy: marketplace.shipBy ?? attrs.shipBy,
      deliverBy: marketplace.deliverBy ?? attrs.deliverBy,
      fulfilmentModel: marketplace.fulfilmentModel ?? undefined,
      displayNumber: order.display_number ?? undefined,
      tags: attrs.tags,
      allowPartial: attrs.allowPartial ?? pick('allowsPartialShipments') ?? terms.allowPartialShipments,
      cycle: attrs.cycle,
      cyclesLeft: attrs.cyclesLeft,
      placedBy: placedByFact(factRows.member),
      companyApproval: companyApproval(factRows.member, BigInt(order.grand_total), cur),
      costCentre: factRows.budget?.cost_centre ?? factRows.member?.cost_centre ?? attrs.costCentre ?? terms.costCentre,
      budgetRemaining: budgetLeft,
      // a quote's validity (docs/quotes.md): its expiry timer fires at this time
      validUntil: (attrs.quote as Dict | undefined)?.validUntil,
    },
    lines: factLines,
    totals: {
      net: BigInt(order.subtotal) - BigInt(order.discount_total),
      tax: order.tax_total,
      gross: order.grand_total,
      discount: order.discount_total,
      shipping: order.shipping_total,
    },
    customer: {
      id: order.customer_id ?? '',
      segment: customer?.segment ?? company?.segment ?? '',
      creditLimit,
      availableCredit,
      allowsPartialShipments: pick('allowsPartialShipments') ?? terms.allowPartialShipments,
      riskScore: pick('riskScore'),
      tags: ca.tags,
      requiresBuyerApproval: pick('requiresBuyerApproval'),
    },
    company: {
      id: order.company_id ?? '',
      department: terms.department,
      costCentre: terms.costCentre,
      budgetRemaining: budgetLeft,
    },
    payment: {
      status: pay.status,
      method: factRows.payments?.[0]?.method ?? '',
      authorized: pay.authorized,
      captured: pay.captured,
      refunded: pay.refunded,
      paid: pay.paid,
      outstanding: pay.outstanding,
    },
    credit: {
      limit: creditLimit,
      exposure,
      available: creditLimit === undefined ? undefined : creditLimit - exposure,
      onHold: credit?.on_hold ?? false,
      overdueInvoices: BigInt(credit?.overdue_count ?? 0),
      overdueAmount: BigInt(credit?.overdue_amount ?? 0),
    },
    channel: {
      code: order.channel_code,
      kind: order.channel_kind,
      marketplace: ((order.channel_settings ?? {}) as Dict).marketplace,
    },
    stock: {
      outcome,
      shortLines: factLines.filter((l) => l.shortBy > 0).length,
      allInStock: outcome === 'reserved',
      producible: attrs.producible,
    },
    pricing: { linesFromLists: Number(pricing.linesFromLists ?? 0), deviations, ok: deviations === 0 },
    validation: { ok: errors.length === 0, errors, warnings },
    rma: returnFactsFrom(factRows.ret),
  };
}
