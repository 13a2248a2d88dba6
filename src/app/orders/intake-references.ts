import { sql } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import type { OrderInput } from './schemas.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { LOCATION_CITY, type ReservationLocation } from '../inventory/reservation-locations.js';
import type { CreditFactRow } from '../../domain/order/facts.js';
import { creditJson } from '../money/credit-sql.js';
import { candidatesOf, priceRowsSql, type PriceRow, type PricingRefs } from '../pricing/price-order.js';

interface RefsRow {
  channel: {
    id: string;
    code: string;
    kind: string;
    active: boolean;
    process_key: string | null;
    price_list: string | null;
    settings: Record<string, unknown>;
  } | null;
  customer: {
    id: string;
    name: string;
    email: string | null;
    company_id: string | null;
    segment: string | null;
    attributes: Record<string, unknown>;
    company_segment: string | null;
    company_code: string | null;
    company_terms: Record<string, unknown> | null;
    /** The company's credit position before this order (a B2B customer only). */
    company_credit: CreditFactRow | null;
  } | null;
  products: Array<{
    id: string;
    sku: string;
    name: string;
    active: boolean;
    min_order_quantity: number | null;
    order_multiple: number | null;
  }> | null;
  prices: PriceRow[] | null;
  pickup: { id: string; capabilities: string[]; active: boolean } | null;
  rules: { rules: unknown[]; version: number } | null;
  published: Array<{ key: string; version: number; source_hash: string }> | null;
  /** The active locations, read only when the channel reserves at intake (null otherwise). */
  locations: ReservationLocation[] | null;
  n: string;
}

/**
 * Reference data an order needs, resolved and checked before anything is written, in one round
 * trip: the channel, the customer and company, the SKUs, the pickup point, the tenant's process
 * selection rules and published versions, and the next order number (a number taken by a refused
 * order is a gap, as with any sequence).
 */
export async function resolveReferences(scope: TenantScope, input: OrderInput, at: Date) {
  const tenantId = scope.tenantId;
  const inputCustomer = input.customer ?? {};
  const customerWhere = inputCustomer.id
    ? sql`cu.id = ${inputCustomer.id}`
    : inputCustomer.code
      ? sql`cu.code = ${inputCustomer.code}`
      : sql`false`;
  const skus = [...new Set(input.lines.map((l) => l.sku))];
  const { rows } = await sql<RefsRow>`select
    (select row_to_json(x) from (select id, code, kind, active, process_key, price_list, settings from channels where tenant_id = ${tenantId} and code = ${input.channel}) x) as channel,
    (select row_to_json(x) from (select cu.id, cu.name, cu.email, cu.company_id, cu.segment, cu.attributes, co.segment as company_segment, co.code as company_code, co.terms as company_terms,
       (case when co.id is null then null else ${creditJson(sql`co.tenant_id`, sql`co.id`)} end) as company_credit
       from customers cu left join companies co on co.tenant_id = cu.tenant_id and co.id = cu.company_id where cu.tenant_id = ${tenantId} and ${customerWhere}) x) as customer,
    (select json_agg(x) from (select id, sku, name, active, min_order_quantity, order_multiple from products where tenant_id = ${tenantId} and sku = any(${skus}::text[])) x) as products,
    (select row_to_json(x) from (select id, capabilities, active from locations where tenant_id = ${tenantId} and code = ${input.delivery.pickupLocation ?? null}) x) as pickup,
    (select row_to_json(x) from (select rules, version from process_selection_rules where tenant_id = ${tenantId}) x) as rules,
    (select json_agg(x) from (select distinct on (key) key, version, source_hash from process_definitions
       where tenant_id = ${tenantId} and status = 'published' order by key, version desc) x) as published,
    ${priceRowsSql(tenantId, skus, input.currency, at)} as prices,
    (select case when ch.settings -> 'reserveOnIntake' is distinct from 'false'::jsonb then
       (select coalesce(json_agg(x), '[]') from (select id, code, priority, capabilities, latitude, longitude, country,
         ${LOCATION_CITY} as address from locations
         where tenant_id = ${tenantId} and active) x) end
     from channels ch where ch.tenant_id = ${tenantId} and ch.code = ${input.channel}) as locations,
    nextval('order_number_seq')::text as n`.execute(scope.conn);
  const refs = rows[0]!;
  const channel = refs.channel;
  if (!channel)
    throw new AppError('UNKNOWN_CHANNEL', `channel ${input.channel} does not exist`, [
      { path: '/channel', message: 'unknown channel' },
    ]);
  if (!channel.active)
    throw new AppError('CHANNEL_INACTIVE', `channel ${input.channel} is inactive`, [
      { path: '/channel', message: 'channel is inactive' },
    ]);
  if ((inputCustomer.id || inputCustomer.code) && !refs.customer) {
    throw new AppError('UNKNOWN_CUSTOMER', 'the customer does not exist', [
      { path: inputCustomer.id ? '/customer/id' : '/customer/code', message: 'unknown customer' },
    ]);
  }
  const customer = inputCustomer.id || inputCustomer.code ? refs.customer! : undefined;

  const errors: FieldError[] = [];
  const bySku = new Map((refs.products ?? []).map((p) => [p.sku, p]));
  input.lines.forEach((line, index) => {
    const value = bySku.get(line.sku);
    if (!value) errors.push({ path: `/lines/${index}/sku`, message: `unknown SKU ${line.sku}`, code: 'UNKNOWN_SKU' });
    else if (!value.active)
      errors.push({
        path: `/lines/${index}/sku`,
        message: `SKU ${line.sku} is not sold any more`,
        code: 'UNKNOWN_SKU',
      });
  });
  if (errors.length) throw new AppError('UNKNOWN_SKU', `${errors.length} line(s) name an unknown SKU`, errors);

  let pickupLocationId: string | null = null;
  if (input.delivery.method === 'pickup') {
    const loc = refs.pickup;
    if (!loc || !loc.active || !loc.capabilities.includes('pickup')) {
      throw new AppError('VALIDATION_FAILED', 'the pickup location does not exist or does not serve pickups', [
        { path: '/delivery/pickupLocation', message: 'unknown pickup location' },
      ]);
    }
    pickupLocationId = loc.id;
  }
  const pricing: PricingRefs = {
    party: {
      channel: channel.code,
      channelList: channel.price_list,
      companyCode: customer?.company_code ?? null,
      contractList: typeof customer?.company_terms?.priceList === 'string' ? customer.company_terms.priceList : null,
      segments: [customer?.segment, customer?.company_segment].filter((s): s is string => !!s),
    },
    candidates: candidatesOf(refs.prices),
    channelKind: channel.kind,
    channelSettings: channel.settings ?? {},
    companyTerms: customer?.company_terms ?? null,
    hasCompany: !!customer?.company_id,
    products: bySku,
  };
  return {
    channel,
    customer,
    bySku,
    pricing,
    pickupLocationId,
    rules: refs.rules,
    published: refs.published ?? [],
    locations: refs.locations,
    number: `ORD-${refs.n.padStart(7, '0')}`,
  };
}

/** What resolveReferences found: the references an order is priced, checked and stored with. */
export type Refs = Awaited<ReturnType<typeof resolveReferences>>;
