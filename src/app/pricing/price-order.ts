import { sql, type RawBuilder } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import {
  choosePrice,
  deviationBasisPoints,
  minimumOrderErrors,
  onOrderBasis,
  percentText,
  toleranceBasisPoints,
  type PriceCandidate,
  type PriceListScope,
  type PricingParty,
} from '../../domain/pricing/price-rules.js';
import type { OrderInput } from '../orders/schemas.js';
import type { TenantScope } from '../../store/tenant-scope.js';

/** A price list entry as the intake query returns it (int8 as text). */
export interface PriceRow {
  list: string;
  list_version: number;
  scope: PriceListScope;
  scope_ref: string | null;
  priority: number;
  prices_include_tax: boolean;
  sku: string;
  min_quantity: number;
  unit_price: string;
  floor_price: string | null;
  tax_rate: string | null;
}

/**
 * The entries of `skus` in the tenant's active lists of `currency` valid at `at` (list and entry
 * dates), as one JSON array: a sub-select of intake's single reference query.
 */
export function priceRowsSql(tenantId: string, skus: string[], currency: string, at: Date): RawBuilder<unknown> {
  return sql`(select json_agg(x) from (select pl.code as list, pl.version as list_version, pl.scope, pl.scope_ref, pl.priority,
      pl.prices_include_tax, e.sku, e.min_quantity, e.unit_price::text as unit_price, e.floor_price::text as floor_price, e.tax_rate
    from price_list_entries e join price_lists pl on pl.tenant_id = e.tenant_id and pl.id = e.price_list_id
    where e.tenant_id = ${tenantId} and e.sku = any(${skus}::text[]) and pl.active and pl.currency = ${currency}
      and (pl.valid_from is null or pl.valid_from <= ${at}) and (pl.valid_to is null or pl.valid_to > ${at})
      and (e.valid_from is null or e.valid_from <= ${at}) and (e.valid_to is null or e.valid_to > ${at})) x)`;
}

export const candidatesOf = (rows: readonly PriceRow[] | null): PriceCandidate[] =>
  (rows ?? []).map((r) => ({
    list: r.list,
    listVersion: r.list_version,
    scope: r.scope,
    scopeRef: r.scope_ref,
    priority: r.priority,
    pricesIncludeTax: r.prices_include_tax,
    sku: r.sku,
    minQuantity: r.min_quantity,
    unitPrice: BigInt(r.unit_price),
    floorPrice: r.floor_price === null ? null : BigInt(r.floor_price),
    taxRate: r.tax_rate,
  }));

/** What intake knows that pricing needs. */
export interface PricingRefs {
  party: PricingParty;
  candidates: PriceCandidate[];
  channelKind: string;
  channelSettings: Record<string, unknown>;
  companyTerms: Record<string, unknown> | null;
  hasCompany: boolean;
  products: ReadonlyMap<string, { min_order_quantity?: number | null; order_multiple?: number | null }>;
}

type Line = OrderInput['lines'][number];
export type PricedLineInput = Line & { unitPrice: string };
export type PricedInput = Omit<OrderInput, 'lines'> & { lines: PricedLineInput[] };

/** Order types the minimum order rules do not apply to: the own organisation's requisitions and returns. */
const NO_MINIMUMS = new Set(['internal', 'return']);

/**
 * Prices the order from the applicable lists and checks it (docs/pricing.md): a line without a
 * price gets the list's (converted to the order's net or gross basis), recorded with the list and
 * rule on the line (`attributes.pricing`); a line with a price is checked against the floor (below
 * it → refused) and, when the channel sets `priceTolerancePct`, against the list price (outside the
 * tolerance → a deviation on the line and the order, which the process reads as
 * `pricing.deviations`). Lines marked `negotiated` (a quote's) are not compared. Refusals name
 * every line at fault.
 */
export function applyPriceLists(input: OrderInput, refs: PricingRefs): PricedInput {
  const errors: FieldError[] = [];
  const tolerance = toleranceBasisPoints(refs.channelSettings.priceTolerancePct);
  let deviations = 0;
  let fromLists = 0;
  const lines = input.lines.map((line, index): PricedLineInput => {
    const chosen = choosePrice(refs.candidates, refs.party, line.sku, line.quantity);
    const entry = chosen?.entry;
    const rate = line.taxRate ?? entry?.taxRate ?? undefined;
    const listed = entry ? onOrderBasis(entry.unitPrice, entry.pricesIncludeTax, input.pricesIncludeTax, rate) : null;
    const floor =
      entry?.floorPrice != null
        ? onOrderBasis(entry.floorPrice, entry.pricesIncludeTax, input.pricesIncludeTax, rate)
        : null;
    const path = `/lines/${index}/unitPrice`;
    if (line.unitPrice === undefined) {
      if (!entry) {
        errors.push({ path, message: `no price list gives SKU ${line.sku} a price for this order`, code: 'NO_PRICE' });
        return { ...line, unitPrice: '0' };
      }
      if (listed === null) {
        errors.push({
          path: `/lines/${index}/taxRate`,
          message: `list ${entry.list} prices SKU ${line.sku} ${entry.pricesIncludeTax ? 'with' : 'without'} tax; the line needs its tax rate to convert it`,
          code: 'NO_PRICE',
        });
        return { ...line, unitPrice: '0' };
      }
      fromLists++;
      return {
        ...line,
        unitPrice: formatMoney(listed, input.currency),
        ...(line.taxRate === undefined && entry.taxRate ? { taxRate: entry.taxRate } : {}),
        attributes: {
          ...line.attributes,
          pricing: { source: 'list', list: entry.list, version: entry.listVersion, rule: chosen!.rule },
        },
      };
    }
    const given = parseMoney(line.unitPrice, input.currency);
    if (typeof given !== 'bigint' || !entry) return line as PricedLineInput;
    if (floor !== null && given < floor) {
      errors.push({
        path,
        message: `${line.unitPrice} is below the floor price ${formatMoney(floor, input.currency)} of SKU ${line.sku} (list ${entry.list})`,
        code: 'PRICE_BELOW_FLOOR',
      });
      return line as PricedLineInput;
    }
    if (tolerance === null || listed === null || line.attributes?.negotiated === true) return line as PricedLineInput;
    const bp = deviationBasisPoints(given, listed);
    const outside = (bp < 0n ? -bp : bp) > tolerance;
    if (outside) deviations++;
    return {
      ...line,
      unitPrice: line.unitPrice,
      attributes: {
        ...line.attributes,
        pricing: {
          source: 'channel',
          list: entry.list,
          version: entry.listVersion,
          rule: chosen!.rule,
          listPrice: formatMoney(listed, input.currency),
          deviationPct: percentText(bp),
          ...(outside ? { outsideTolerance: true } : {}),
        },
      },
    };
  });
  if (errors.length) {
    const floorOnly = errors.every((e) => e.code === 'PRICE_BELOW_FLOOR');
    throw new AppError(
      floorOnly ? 'PRICE_BELOW_FLOOR' : 'NO_PRICE',
      `${errors.length} line(s) cannot be priced as sent`,
      errors,
    );
  }
  const pricing =
    fromLists || tolerance !== null
      ? {
          pricing: {
            linesFromLists: fromLists,
            deviations,
            ...(tolerance !== null ? { tolerancePct: percentText(tolerance) } : {}),
          },
        }
      : {};
  return {
    ...input,
    lines,
    ...(Object.keys(pricing).length ? { attributes: { ...input.attributes, ...pricing } } : {}),
  };
}

/** The strictest minimum order amount for the order: the company's terms' and the channel's, in the order's currency. */
function minimumAmount(input: Pick<OrderInput, 'currency'>, refs: PricingRefs) {
  const options: Array<{ amount: bigint; source: string }> = [];
  const add = (value: unknown, currency: unknown, source: string) => {
    if (value === undefined || value === null) return;
    if (currency !== undefined && currency !== null && currency !== input.currency) return;
    const amount = parseMoney(String(value), input.currency);
    if (typeof amount === 'bigint') options.push({ amount, source });
  };
  const terms = refs.companyTerms ?? {};
  if (refs.hasCompany) add(terms.minOrderAmount, terms.currency, `the company's minimum order`);
  add(
    refs.channelSettings.minOrderAmount,
    refs.channelSettings.minOrderCurrency,
    `channel ${refs.party.channel}'s minimum order`,
  );
  return options.sort((a, b) => (a.amount < b.amount ? 1 : a.amount > b.amount ? -1 : 0))[0];
}

/**
 * Whether an order's lines must meet the products' minimum batch and multiples: a company's
 * order, an order from a B2B portal or EDI channel, or any channel that sets `enforceMinimums`
 * (false turns them off). Marketplace and shop orders are taken as the buyer placed them.
 */
function enforcesLineMinimums(refs: PricingRefs): boolean {
  const setting = refs.channelSettings.enforceMinimums;
  if (typeof setting === 'boolean') return setting;
  return refs.hasCompany || refs.channelKind === 'b2b_portal' || refs.channelKind === 'edi';
}

/**
 * The minimum order rules (per company or channel: the goods amount after discounts; per SKU: the
 * minimum batch and the multiple), checked at intake and again when a change is confirmed:
 * refused with MIN_ORDER_NOT_MET naming each rule broken.
 */
export function checkMinimumOrder(
  input: Pick<OrderInput, 'currency' | 'orderType'> & { lines: ReadonlyArray<{ sku: string; quantity: number }> },
  goodsAmount: bigint,
  refs: PricingRefs,
  linesPath = '/lines',
): void {
  if (NO_MINIMUMS.has(input.orderType)) return;
  const lineRules = enforcesLineMinimums(refs);
  const errors = minimumOrderErrors({
    lines: input.lines.map((line) => {
      const product = refs.products.get(line.sku);
      return {
        sku: line.sku,
        quantity: line.quantity,
        minQuantity: lineRules ? (product?.min_order_quantity ?? null) : null,
        multiple: lineRules ? (product?.order_multiple ?? null) : null,
      };
    }),
    amount: goodsAmount,
    currency: input.currency,
    minimum: minimumAmount(input, refs),
    linesPath,
  });
  if (errors.length)
    throw new AppError('MIN_ORDER_NOT_MET', `the order breaks ${errors.length} minimum order rule(s)`, errors);
}

/**
 * The pricing references of a stored order (its channel, customer and company, the products of
 * `skus` and their list entries at `at`): what a change is checked against, as intake checked the
 * order.
 */
export async function pricingRefsOf(
  scope: TenantScope,
  order: { channel_id: string; customer_id: string | null; currency: string },
  skus: string[],
  at: Date,
): Promise<PricingRefs> {
  const { rows } = await sql<{
    channel: { code: string; kind: string; price_list: string | null; settings: Record<string, unknown> };
    customer: {
      segment: string | null;
      company_id: string | null;
      company_code: string | null;
      company_segment: string | null;
      terms: Record<string, unknown> | null;
    } | null;
    products: Array<{ sku: string; min_order_quantity: number | null; order_multiple: number | null }> | null;
    prices: PriceRow[] | null;
  }>`select
    (select row_to_json(x) from (select code, kind, price_list, settings from channels where tenant_id = ${scope.tenantId} and id = ${order.channel_id}) x) as channel,
    (select row_to_json(x) from (select cu.segment, co.id as company_id, co.code as company_code, co.segment as company_segment, co.terms
       from customers cu left join companies co on co.tenant_id = cu.tenant_id and co.id = cu.company_id
       where cu.tenant_id = ${scope.tenantId} and cu.id = ${order.customer_id}) x) as customer,
    (select json_agg(x) from (select sku, min_order_quantity, order_multiple from products where tenant_id = ${scope.tenantId} and sku = any(${skus}::text[])) x) as products,
    ${priceRowsSql(scope.tenantId, skus, order.currency, at)} as prices`.execute(scope.conn);
  const found = rows[0]!;
  const customer = found.customer;
  return {
    party: {
      channel: found.channel.code,
      channelList: found.channel.price_list,
      companyCode: customer?.company_code ?? null,
      contractList: typeof customer?.terms?.priceList === 'string' ? customer.terms.priceList : null,
      segments: [customer?.segment, customer?.company_segment].filter((s): s is string => !!s),
    },
    candidates: candidatesOf(found.prices),
    channelKind: found.channel.kind,
    channelSettings: found.channel.settings ?? {},
    companyTerms: customer?.terms ?? null,
    hasCompany: !!customer?.company_id,
    products: new Map((found.products ?? []).map((p) => [p.sku, p])),
  };
}

/** A changed line's price against its floor (a change may not sell below it either). */
export function floorErrors(
  lines: ReadonlyArray<{ sku: string; quantity: number; unitPrice: string; taxRate?: string | null | undefined }>,
  currency: string,
  pricesIncludeTax: boolean,
  refs: PricingRefs,
): FieldError[] {
  const errors: FieldError[] = [];
  lines.forEach((line, index) => {
    const entry = choosePrice(refs.candidates, refs.party, line.sku, line.quantity)?.entry;
    if (!entry || entry.floorPrice === null) return;
    const floor = onOrderBasis(
      entry.floorPrice,
      entry.pricesIncludeTax,
      pricesIncludeTax,
      line.taxRate ?? entry.taxRate,
    );
    const given = parseMoney(line.unitPrice, currency);
    if (floor !== null && typeof given === 'bigint' && given < floor)
      errors.push({
        path: `/lines/${index}/unitPrice`,
        message: `${line.unitPrice} is below the floor price ${formatMoney(floor, currency)} of SKU ${line.sku} (list ${entry.list})`,
        code: 'PRICE_BELOW_FLOOR',
      });
  });
  return errors;
}
