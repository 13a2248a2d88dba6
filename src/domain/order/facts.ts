import { parseMoney } from '../../shared/money.js';

/**
 * The facts a process's conditions read (docs/process.md), computed from the order's rows:
 * pure, so intake builds them from what it just wrote and the app from what it loaded
 * (app/process/load-facts.ts). The result fits the engine's FactsInput.
 */

type Dict = Record<string, unknown>;

/** A money amount from free-form attributes ("15000.00" or 15000) as minor units; absent or bad → undefined. */
function money(v: unknown, currency: string): bigint | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const r = parseMoney(String(v), currency);
  return typeof r === 'bigint' ? r : undefined;
}

const PAYMENT_TERMS: Record<string, string> = { cash_on_delivery: 'cod', partial_prepayment: 'prepaid' };

/** The order row fields facts read (as the database returns them: int8 as text, json parsed). */
export interface OrderFactRow {
  id: string; number: string; order_type: string; currency: string; grand_total: string | bigint; subtotal: string | bigint;
  discount_total: string | bigint; tax_total: string | bigint; shipping_total: string | bigint; line_count: number;
  payment_terms: unknown; attributes: unknown; delivery_method: string; placed_at: Date | string; shipping_address: unknown;
  customer_id: string | null; company_id: string | null; channel_code: string; channel_kind: string; channel_settings: unknown;
}
export interface LineFactRow { id: string; sku: string; name: string; quantity: number; unit_price: string | bigint; discount: string | bigint; total: string | bigint; attributes: unknown }
export interface StockFactRows {
  reserved: Array<{ order_line_id: string | null; qty: string | number }>;
  backorders: Array<{ order_line_id: string; quantity: number }>;
}
/** Everything facts are computed from: loaded here, or handed over by intake from what it just wrote. */
export interface FactRows extends StockFactRows {
  order: OrderFactRow;
  lines: LineFactRow[];
  customer: { segment: string | null; attributes: unknown } | undefined;
  company: { segment: string | null; terms: unknown } | undefined;
}

/** The verification result's errors (the `validation` fact): what makes a stored order unfit to proceed. */
export function orderValidationErrors(o: Pick<OrderFactRow, 'delivery_method' | 'shipping_address' | 'grand_total'>, lines: readonly unknown[]): string[] {
  const errors: string[] = [];
  if (lines.length === 0) errors.push('the order has no lines');
  if (o.delivery_method === 'ship' && !o.shipping_address) errors.push('a shipped order needs a shipping address');
  if (BigInt(o.grand_total) < 0n) errors.push('the total is negative');
  return errors;
}

/** The facts from their rows: pure, so intake computes them from what it wrote without reading it back. */
export function factsFrom(r: FactRows) {
  const { order: o, lines, customer, company, reserved, backorders } = r;
  const cur = o.currency;
  const attrs = (o.attributes ?? {}) as Dict;
  const ca = (customer?.attributes ?? {}) as Dict;
  const terms = (company?.terms ?? {}) as Dict;
  const pick = (k: string) => ca[k] ?? terms[k];
  const heldBy = new Map(reserved.map((r) => [r.order_line_id, Number(r.qty)]));

  let maxDiscountPct = 0;
  const factLines = lines.map((l) => {
    const gross = BigInt(l.unit_price) * BigInt(l.quantity);
    const disc = BigInt(l.discount);
    if (gross > 0n) maxDiscountPct = Math.max(maxDiscountPct, Number((disc * 1_000_000n) / gross) / 10_000);
    const held = Math.min(heldBy.get(l.id) ?? 0, l.quantity);
    const la = l.attributes as Dict;
    return {
      sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unit_price, lineTotal: l.total,
      minBatch: typeof la.minBatch === 'number' ? la.minBatch : 0, reserved: held, shortBy: l.quantity - held,
    };
  });
  const wanted = factLines.reduce((a, l) => a + l.quantity, 0);
  const held = factLines.reduce((a, l) => a + l.reserved, 0);
  const outcome = reserved.length === 0 && backorders.length === 0 ? 'unknown' : held >= wanted ? 'reserved' : held === 0 ? 'shortage' : 'partial';

  const errors = orderValidationErrors(o, lines);
  const paymentKind = String((o.payment_terms as Dict).kind ?? 'prepaid');
  const creditLimit = money(pick('creditLimit'), cur);
  const availableCredit = money(pick('availableCredit'), cur) ?? creditLimit;

  return {
    order: {
      id: o.id, number: o.number, type: o.order_type, currency: cur,
      total: o.grand_total, subtotal: o.subtotal, discountTotal: o.discount_total, maxDiscountPct, lineCount: o.line_count,
      paymentTerms: PAYMENT_TERMS[paymentKind] ?? paymentKind, paymentMethod: attrs.paymentMethod, deliveryMethod: o.delivery_method,
      createdAt: o.placed_at, shipBy: attrs.shipBy, tags: attrs.tags, allowPartial: attrs.allowPartial ?? pick('allowsPartialShipments') ?? terms.allowPartialShipments,
      cycle: attrs.cycle, cyclesLeft: attrs.cyclesLeft,
    },
    lines: factLines,
    totals: { net: BigInt(o.subtotal) - BigInt(o.discount_total), tax: o.tax_total, gross: o.grand_total, discount: o.discount_total, shipping: o.shipping_total },
    customer: {
      id: o.customer_id ?? '', segment: customer?.segment ?? company?.segment ?? '',
      creditLimit, availableCredit,
      allowsPartialShipments: pick('allowsPartialShipments') ?? terms.allowPartialShipments, riskScore: pick('riskScore'), tags: ca.tags,
      requiresBuyerApproval: pick('requiresBuyerApproval'),
    },
    company: {
      id: o.company_id ?? '', department: terms.department, costCentre: terms.costCentre, budgetRemaining: money(terms.budgetRemaining, cur),
    },
    channel: { code: o.channel_code, kind: o.channel_kind, marketplace: ((o.channel_settings ?? {}) as Dict).marketplace },
    stock: { outcome, shortLines: factLines.filter((l) => l.shortBy > 0).length, allInStock: outcome === 'reserved', producible: attrs.producible },
    validation: { ok: errors.length === 0, errors, warnings: [] },
  };
}
