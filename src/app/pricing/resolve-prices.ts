import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import { choosePrice, onOrderBasis } from '../../domain/pricing/price-rules.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { candidatesOf, priceRowsSql, type PriceRow } from './price-order.js';
import type { PriceQuoteInput } from './schemas.js';

/**
 * What intake would charge (POST /prices:resolve, for a B2B portal or a call centre): each line's
 * price from the applicable list with the list and rule, or why there is none.
 */
export async function resolvePrices(scope: TenantScope, now: Date, input: PriceQuoteInput) {
  const at = input.at ? new Date(input.at) : now;
  const skus = [...new Set(input.lines.map((l) => l.sku))];
  const customerWhere = input.customer?.id
    ? sql`cu.id = ${input.customer.id}`
    : input.customer?.code
      ? sql`cu.code = ${input.customer.code}`
      : sql`false`;
  const { rows } = await sql<{
    channel: { code: string; price_list: string | null } | null;
    customer: {
      segment: string | null;
      company_segment: string | null;
      company_code: string | null;
      terms: Record<string, unknown> | null;
    } | null;
    prices: PriceRow[] | null;
  }>`select
    (select row_to_json(x) from (select code, price_list from channels where tenant_id = ${scope.tenantId} and code = ${input.channel}) x) as channel,
    (select row_to_json(x) from (select cu.segment, co.segment as company_segment, co.code as company_code, co.terms
       from customers cu left join companies co on co.tenant_id = cu.tenant_id and co.id = cu.company_id
       where cu.tenant_id = ${scope.tenantId} and ${customerWhere}) x) as customer,
    ${priceRowsSql(scope.tenantId, skus, input.currency, at)} as prices`.execute(scope.conn);
  const refs = rows[0]!;
  if (!refs.channel)
    throw new AppError('UNKNOWN_CHANNEL', `channel ${input.channel} does not exist`, [
      { path: '/channel', message: 'unknown channel' },
    ]);
  if (input.customer && (input.customer.id || input.customer.code) && !refs.customer)
    throw new AppError('UNKNOWN_CUSTOMER', 'the customer does not exist', [
      { path: '/customer', message: 'unknown customer' },
    ]);
  const customer = refs.customer;
  const party = {
    channel: refs.channel.code,
    channelList: refs.channel.price_list,
    companyCode: customer?.company_code ?? null,
    contractList: typeof customer?.terms?.priceList === 'string' ? customer.terms.priceList : null,
    segments: [customer?.segment, customer?.company_segment].filter((s): s is string => !!s),
  };
  const candidates = candidatesOf(refs.prices);
  return {
    currency: input.currency,
    pricesIncludeTax: input.pricesIncludeTax,
    at: at.toISOString(),
    lines: input.lines.map((line) => {
      const chosen = choosePrice(candidates, party, line.sku, line.quantity);
      if (!chosen)
        return {
          sku: line.sku,
          quantity: line.quantity,
          unitPrice: null,
          list: null,
          rule: null,
          problem: 'no price list gives this SKU a price',
        };
      const rate = line.taxRate ?? chosen.entry.taxRate;
      const price = onOrderBasis(chosen.entry.unitPrice, chosen.entry.pricesIncludeTax, input.pricesIncludeTax, rate);
      return {
        sku: line.sku,
        quantity: line.quantity,
        unitPrice: price === null ? null : formatMoney(price, input.currency),
        list: chosen.entry.list,
        rule: chosen.rule,
        ...(price === null ? { problem: 'the list price needs the tax rate to convert it' } : {}),
      };
    }),
  };
}
