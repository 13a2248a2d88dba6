import { sql } from 'kysely';
import type { FactsInput } from '../../process/index.js';
import { parseMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-inventory.js';

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

// What the order's lines hold (active or shipped reservations) and what is backordered, as JSON
// sub-selects, so they ride along with whatever statement needs them.
const reservedJson = (t: string, orderId: string) => sql<StockFactRows['reserved']>`(select coalesce(json_agg(json_build_object('order_line_id', r.order_line_id, 'qty', r.qty)), '[]')
  from (select order_line_id, sum(quantity)::text as qty from stock_reservations
    where tenant_id = ${t} and order_id = ${orderId} and status in ('active', 'consumed') group by order_line_id) r)`;
const backordersJson = (t: string, orderId: string) => sql<StockFactRows['backorders']>`(select coalesce(json_agg(json_build_object('order_line_id', b.order_line_id, 'quantity', b.quantity)), '[]')
  from stock_backorders b where b.tenant_id = ${t} and b.order_id = ${orderId} and b.status = 'open')`;

/** What the order's lines hold and what is backordered: the part of the facts actions change. */
export async function loadStockFactRows(s: TenantScope, orderId: string): Promise<StockFactRows> {
  const { rows } = await sql<StockFactRows>`select ${reservedJson(s.tenantId, orderId)} as reserved, ${backordersJson(s.tenantId, orderId)} as backorders`.execute(s.conn);
  return rows[0]!;
}

/** Loads the rows the facts are made of, in one statement: the order with its channel, lines, customer, company and stock. */
export async function loadFactRows(s: TenantScope, orderId: string): Promise<FactRows> {
  const t = s.tenantId;
  const row = await s.selectFrom('orders')
    .innerJoin('channels', (j) => j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'))
    .selectAll('orders').select(['channels.code as channel_code', 'channels.kind as channel_kind', 'channels.settings as channel_settings'])
    .select([
      sql<LineFactRow[]>`(select coalesce(json_agg(json_build_object('id', l.id, 'sku', l.sku, 'name', l.name, 'quantity', l.quantity,
        'unit_price', l.unit_price::text, 'discount', l.discount::text, 'total', l.total::text, 'attributes', l.attributes) order by l.line_no), '[]')
        from order_lines l where l.tenant_id = orders.tenant_id and l.order_id = orders.id)`.as('fact_lines'),
      sql<FactRows['customer'] | null>`(select json_build_object('segment', cu.segment, 'attributes', cu.attributes) from customers cu
        where cu.tenant_id = orders.tenant_id and cu.id = orders.customer_id)`.as('fact_customer'),
      sql<FactRows['company'] | null>`(select json_build_object('segment', co.segment, 'terms', co.terms) from companies co
        where co.tenant_id = orders.tenant_id and co.id = orders.company_id)`.as('fact_company'),
      reservedJson(t, orderId).as('fact_reserved'), backordersJson(t, orderId).as('fact_backorders'),
    ])
    .where('orders.id', '=', orderId).executeTakeFirstOrThrow();
  const { fact_lines: lines, fact_customer: customer, fact_company: company, fact_reserved: reserved, fact_backorders: backorders, ...order } = row;
  return { order, lines, customer: customer ?? undefined, company: company ?? undefined, reserved, backorders };
}

/**
 * The facts conditions read (docs/process.md), loaded once before the engine runs: the order,
 * its lines and totals, the customer and company terms, the channel, the stock outcome, and the
 * verification result. Money is minor units. Customer and company terms come from their
 * attributes/terms (creditLimit, availableCredit, riskScore, allowsPartialShipments, …).
 */
export async function loadOrderFacts(s: TenantScope, orderId: string): Promise<FactsInput> {
  return factsFrom(await loadFactRows(s, orderId));
}

/** The facts from their rows: pure, so intake computes them from what it wrote without reading it back. */
export function factsFrom(r: FactRows): FactsInput {
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

  const errors: string[] = [];
  if (lines.length === 0) errors.push('the order has no lines');
  if (o.delivery_method === 'ship' && !o.shipping_address) errors.push('a shipped order needs a shipping address');
  if (BigInt(o.grand_total) < 0n) errors.push('the total is negative');
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
