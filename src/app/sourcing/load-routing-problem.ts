import { sql, type RawBuilder } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import '../../store/schema-sourcing.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { channelRules } from '../../domain/inventory/stock.js';
import {
  type Capability,
  type LocationType,
  type RoutingLocation,
  type RoutingOrder,
  type StockLevels,
} from '../../domain/sourcing/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { sentTogether } from '../../store/pipeline.js';
import { destinationOf, geocode, locPoint, type AddressLike } from '../../domain/sourcing/geo.js';
import { bucketFreeSql } from '../inventory/buckets.js';
import { dayOf, dayStart } from './day-load.js';
import { DEFAULT_STRATEGY_KEY, type StrategyRow } from './strategy-store.js';

/** An order as routing sees it, with what the app needs around it (products, currency, channel). */
export interface OrderFacts {
  order: RoutingOrder;
  currency: string;
  channel: { id: string; code: string; feeding: string[]; strategy: string | null };
  /** lineId → product and line number (for reservations). */
  lines: Map<string, { productId: string; lineNo: number; ordered: number }>;
  /** How the destination's coordinates were found: address, city, country, none. */
  geocoded: string;
  /** The active rate tables in the order's currency (id and version), when read with the order. */
  rateRefs?: RateRef[];
}

type Loc = {
  id: string;
  code: string;
  name: string;
  kind: string;
  country: string | null;
  latitude: string | null;
  longitude: string | null;
  capabilities: string[];
  priority: number;
  daily_capacity: number | null;
  address: Record<string, unknown>;
};

export type LocationWithLoad = Loc & { used_today: number };

async function activeLocations(scope: TenantScope): Promise<Loc[]> {
  return scope
    .selectFrom('locations')
    .select([
      'id',
      'code',
      'name',
      'kind',
      'country',
      'latitude',
      'longitude',
      'capabilities',
      'priority',
      'daily_capacity',
      'address',
    ])
    .where('active', '=', true)
    .orderBy('code')
    .execute() as Promise<Loc[]>;
}

function primitiveAttributes(
  left: Record<string, unknown> | null | undefined,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(left ?? {}))
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
  return out;
}

async function channelFacts(scope: TenantScope, where: { id?: string; code?: string }) {
  let query = scope.selectFrom('channels').select(['id', 'code', 'settings']);
  query = where.id ? query.where('id', '=', where.id) : query.where('code', '=', where.code!);
  const row = await query.executeTakeFirst();
  if (!row)
    throw new AppError('UNKNOWN_CHANNEL', `channel ${where.code ?? where.id} does not exist`, [
      { path: '/channel', message: 'unknown channel' },
    ]);
  const settings = (row.settings ?? {}) as Record<string, unknown>;
  const strategy = typeof settings.routingStrategy === 'string' ? settings.routingStrategy : null;
  return { id: row.id, code: row.code, feeding: channelRules(settings).locations, strategy };
}

async function segmentOf(scope: TenantScope, customerId: string | null, companyId: string | null): Promise<string> {
  if (customerId) {
    const row = await scope
      .selectFrom('customers')
      .select(['segment', 'company_id'])
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (row?.segment) return row.segment;
    companyId ??= row?.company_id ?? null;
  }
  if (companyId) {
    const co = await scope.selectFrom('companies').select('segment').where('id', '=', companyId).executeTakeFirst();
    return co?.segment ?? 'b2b';
  }
  return 'b2c';
}

/** An active rate table as routing names it: loadRates parses each id and version once. */
export interface RateRef {
  id: string;
  name: string;
  version: number;
}

/** The order's latest routing attempt, as a re-route needs it. */
export interface PreviousRoute {
  attempt: number;
  excludedLocationIds: string[];
  strategyKey: string;
}

/**
 * A stored order as a routing problem's order, in one statement: the order, its stock lines, what
 * each has shipped, its channel, its customer's or company's segment and its latest routing
 * attempt. The quantity to route per line is what has not shipped yet: units already consumed
 * from a reservation (picked and shipped) stay where they went. The active locations with the
 * day's load (as locationsWithLoad reads them) come in the same statement: the destination's city
 * and the network both use them.
 */
export async function loadRoutingOrder(
  scope: TenantScope,
  orderId: string,
  now: Date,
  strategy?: StrategyKeys,
): Promise<
  OrderFacts & {
    previous: PreviousRoute | null;
    strategyRow?: { key: string; row: StrategyRow | null };
    locations: LocationWithLoad[];
  }
> {
  // With the keys a strategy may be named by, the published version resolveStrategy would look
  // up comes in the same statement (the same precedence: caller, re-route, channel, process, default).
  const strategyKey = strategy
    ? sql<string>`coalesce(${strategy.named ?? null}::text,
        case when ${strategy.rerouting} then (select r.strategy_key from order_routes r where r.tenant_id = o.tenant_id
          and r.order_id = o.id order by r.attempt desc limit 1) end,
        case when jsonb_typeof(c.settings -> 'routingStrategy') = 'string' then c.settings ->> 'routingStrategy' end,
        ${strategy.process ?? null}::text, ${DEFAULT_STRATEGY_KEY}::text)`
    : null;
  const { rows } = await sql<{
    id: string;
    channel_id: string;
    channel_code: string;
    channel_settings: Record<string, unknown> | null;
    currency: string;
    customer_id: string | null;
    delivery_method: string;
    pickup_location_id: string | null;
    shipping_address: Record<string, unknown> | null;
    pickup_point: Record<string, unknown> | null;
    attributes: Record<string, unknown> | null;
    lines: Array<{ id: string; line_no: number; product_id: string; sku: string; quantity: number }>;
    shipped: Record<string, string>;
    customer_segment: string | null;
    has_company: boolean;
    company_segment: string | null;
    previous: { attempt: number; excluded_location_ids: string[]; strategy_key: string } | null;
    rate_refs: RateRef[];
    strategy_key: string | null;
    strategy_row: StrategyRow | null;
    locations: LocationWithLoad[];
  }>`select o.id, o.channel_id, c.code as channel_code, c.settings as channel_settings, o.currency, o.customer_id,
      o.delivery_method, o.pickup_location_id, o.shipping_address, o.pickup_point, o.attributes,
      (select coalesce(json_agg(json_build_object('id', l.id, 'line_no', l.line_no, 'product_id', l.product_id,
          'sku', l.sku, 'quantity', l.quantity) order by l.line_no), '[]')
        from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id and l.kind = 'product') as lines,
      (select coalesce(json_object_agg(s.order_line_id, s.units), '{}') from (
        select order_line_id, sum(original_quantity - quantity)::text as units from stock_reservations
         where tenant_id = o.tenant_id and order_id = o.id and status in ('active', 'consumed')
           and order_line_id is not null
         group by order_line_id) s) as shipped,
      cu.segment as customer_segment,
      coalesce(o.company_id, cu.company_id) is not null as has_company,
      (select co.segment from companies co where co.tenant_id = o.tenant_id
        and co.id = coalesce(o.company_id, cu.company_id)) as company_segment,
      (select json_build_object('attempt', r.attempt, 'excluded_location_ids', r.excluded_location_ids,
          'strategy_key', r.strategy_key)
        from order_routes r where r.tenant_id = o.tenant_id and r.order_id = o.id
       order by r.attempt desc limit 1) as previous,
      (select coalesce(json_agg(json_build_object('id', rt.id, 'name', rt.name, 'version', rt.version) order by rt.name), '[]')
        from rate_tables rt where rt.tenant_id = o.tenant_id and rt.currency = o.currency and rt.active) as rate_refs,
      ${strategyKey ?? sql`null::text`} as strategy_key,
      ${
        strategyKey
          ? sql`(select row_to_json(s) from (select * from routing_strategies rs where rs.tenant_id = o.tenant_id
              and rs.key = ${strategyKey} and rs.status = 'published' order by rs.version desc limit 1) s)`
          : sql`null::json`
      } as strategy_row,
      ${locationsWithLoadJson(now, sql`o.id`)} as locations
    from orders o
    join channels c on c.tenant_id = o.tenant_id and c.id = o.channel_id
    left join customers cu on cu.tenant_id = o.tenant_id and cu.id = o.customer_id
   where o.tenant_id = ${scope.tenantId} and o.id = ${orderId}`.execute(scope.conn);
  const row = rows[0];
  if (!row)
    throw new AppError('NOT_FOUND', `order ${orderId} does not exist`, [
      { path: '/orderId', message: 'unknown order' },
    ]);
  const settings = row.channel_settings ?? {};
  const channel = {
    id: row.channel_id,
    code: row.channel_code,
    feeding: channelRules(settings).locations,
    strategy: typeof settings.routingStrategy === 'string' ? settings.routingStrategy : null,
  };
  const locations = row.locations;
  // A third-party pickup point (pickup_point) is routed like ship: to its address when the order
  // has no shipping address of its own.
  const address = destinationOf(row.shipping_address, row.pickup_point) ?? {};
  const dest = geocode(address, locations);
  const segment = row.customer_segment ?? (row.has_company ? (row.company_segment ?? 'b2b') : 'b2c');
  const order: RoutingOrder = {
    id: row.id,
    lines: row.lines
      .map((l) => ({ lineId: l.id, sku: l.sku, quantity: Math.max(0, l.quantity - Number(row.shipped[l.id] ?? 0)) }))
      .filter((l) => l.quantity > 0),
    deliveryMethod: row.delivery_method === 'pickup' ? 'pickup' : 'ship',
    destination: {
      lat: dest.lat,
      lon: dest.lon,
      country: typeof address.country === 'string' ? address.country : '',
      ...(typeof address.region === 'string' ? { region: address.region } : {}),
    },
    ...(row.delivery_method === 'pickup' && row.pickup_location_id ? { pickupLocationId: row.pickup_location_id } : {}),
    channel: channel.code,
    customer: { ...(row.customer_id ? { id: row.customer_id } : {}), segment },
    attributes: primitiveAttributes(row.attributes),
  };
  return {
    order,
    currency: row.currency,
    channel,
    geocoded: row.delivery_method === 'pickup' ? 'pickup location' : dest.how,
    lines: new Map(row.lines.map((l) => [l.id, { productId: l.product_id, lineNo: l.line_no, ordered: l.quantity }])),
    previous: row.previous
      ? {
          attempt: row.previous.attempt,
          excludedLocationIds: row.previous.excluded_location_ids,
          strategyKey: row.previous.strategy_key,
        }
      : null,
    rateRefs: row.rate_refs,
    locations,
    ...(row.strategy_key !== null ? { strategyRow: { key: row.strategy_key, row: row.strategy_row } } : {}),
  };
}

/** The keys a routing strategy may be named by for a stored order, as routeOrder knows them before reading it. */
export interface StrategyKeys {
  named?: string | undefined;
  /** A re-route without a named key keeps the previous attempt's strategy. */
  rerouting: boolean;
  process?: string | undefined;
}

export interface DraftOrder {
  channel: string;
  currency?: string | undefined;
  customer?: { id?: string | undefined; code?: string | undefined; segment?: string | undefined } | undefined;
  lines: Array<{ id?: string | undefined; sku: string; quantity: number }>;
  shippingAddress?:
    | {
        city?: string | undefined;
        country: string;
        region?: string | undefined;
        latitude?: number | undefined;
        longitude?: number | undefined;
      }
    | undefined;
  delivery: { method: 'ship' | 'pickup'; pickupLocation?: string | undefined };
  attributes?: Record<string, unknown> | undefined;
}

/** A draft order (the intake body's lines, address and delivery) as routing facts; unknown SKUs or locations are 422 with their paths. */
export async function draftOrderFacts(scope: TenantScope, draftOrder: DraftOrder): Promise<OrderFacts> {
  const channel = await channelFacts(scope, { code: draftOrder.channel });
  const skus = [...new Set(draftOrder.lines.map((l) => l.sku))];
  const products = new Map(
    (await scope.selectFrom('products').select(['id', 'sku']).where('sku', 'in', skus).execute()).map((p) => [
      p.sku,
      p.id,
    ]),
  );
  const errors: FieldError[] = [];
  draftOrder.lines.forEach((line, index) => {
    if (!products.has(line.sku))
      errors.push({ path: `/order/lines/${index}/sku`, message: `unknown SKU ${line.sku}`, code: 'UNKNOWN_SKU' });
  });
  if (errors.length) throw new AppError('UNKNOWN_SKU', `${errors.length} unknown SKU(s)`, errors);
  const locations = await activeLocations(scope);
  let pickupLocationId: string | undefined;
  if (draftOrder.delivery.method === 'pickup') {
    const row = draftOrder.delivery.pickupLocation
      ? await scope
          .selectFrom('locations')
          .select('id')
          .where('code', '=', draftOrder.delivery.pickupLocation)
          .executeTakeFirst()
      : undefined;
    if (!row)
      throw new AppError(
        'UNKNOWN_LOCATION',
        `pickup location ${draftOrder.delivery.pickupLocation ?? '(none)'} does not exist`,
        [{ path: '/order/delivery/pickupLocation', message: 'unknown location' }],
      );
    pickupLocationId = row.id;
  }
  let customerId = draftOrder.customer?.id ?? null;
  if (!customerId && draftOrder.customer?.code)
    customerId =
      (await scope.selectFrom('customers').select('id').where('code', '=', draftOrder.customer.code).executeTakeFirst())
        ?.id ?? null;
  const address: AddressLike = draftOrder.shippingAddress ?? {};
  const dest = geocode(address, locations);
  const lineIds = draftOrder.lines.map((l, i) => l.id ?? `line-${i + 1}`);
  return {
    order: {
      lines: draftOrder.lines.map((l, i) => ({ lineId: lineIds[i]!, sku: l.sku, quantity: l.quantity })),
      deliveryMethod: draftOrder.delivery.method,
      destination: {
        lat: dest.lat,
        lon: dest.lon,
        country: draftOrder.shippingAddress?.country ?? '',
        ...(draftOrder.shippingAddress?.region ? { region: draftOrder.shippingAddress.region } : {}),
      },
      ...(pickupLocationId ? { pickupLocationId } : {}),
      channel: channel.code,
      customer: {
        ...(customerId ? { id: customerId } : {}),
        segment: draftOrder.customer?.segment ?? (await segmentOf(scope, customerId, null)),
      },
      attributes: primitiveAttributes(draftOrder.attributes),
    },
    currency: draftOrder.currency ?? 'PLN',
    channel,
    geocoded: draftOrder.delivery.method === 'pickup' ? 'pickup location' : dest.how,
    lines: new Map(
      draftOrder.lines.map((l, i) => [
        lineIds[i]!,
        { productId: products.get(l.sku)!, lineNo: i + 1, ordered: l.quantity },
      ]),
    ),
  };
}

const TYPES: LocationType[] = ['warehouse', 'store', 'pickup_point', 'supplier'];
const CAPS: Capability[] = ['ships', 'pickup', 'b2b'];

export interface Network {
  locations: RoutingLocation[];
  stock: StockLevels;
  /** id → code, for people reading plans. */
  codes: Map<string, string>;
  /** Active locations left out because they have no coordinates. */
  unplaced: string[];
  /** The order's live reservations (read under the stock lock), when the network was loaded for a stored order. */
  held: HeldUnits[];
}

export interface HeldUnits {
  order_line_id: string | null;
  product_id: string;
  location_id: string;
  quantity: number;
  expires_at: Date | string | null;
}

/** How many of today's orders a capped location has taken, less the order's own current route of today (its to move). */
const usedToday = (now: Date, orderId: RawBuilder<unknown> | null) =>
  sql<number>`case when l.daily_capacity is null then 0 else greatest(coalesce(load.orders, 0) - ${
    orderId
      ? sql`(select count(*)::int from order_routes r where r.tenant_id = l.tenant_id
        and r.order_id = ${orderId} and r.current and r.created_at >= ${dayStart(now)} and l.id = any(r.location_ids))`
      : sql`0`
  }, 0) end`;

/** locationsWithLoad as a JSON sub-select (coordinates as text, as the driver gives numerics), to ride along with the order's read. */
const locationsWithLoadJson = (now: Date, orderId: RawBuilder<unknown>) => sql<LocationWithLoad[]>`(
  select coalesce(json_agg(json_build_object('id', l.id, 'code', l.code, 'name', l.name, 'kind', l.kind,
      'country', l.country, 'latitude', l.latitude::text, 'longitude', l.longitude::text,
      'capabilities', l.capabilities, 'priority', l.priority, 'daily_capacity', l.daily_capacity,
      'address', l.address, 'used_today', ${usedToday(now, orderId)}) order by l.code), '[]')
    from locations l
    left join location_day_load load on load.tenant_id = l.tenant_id and load.location_id = l.id
      and load.day = ${dayOf(now)}
   where l.tenant_id = o.tenant_id and l.active)`;

/**
 * Active locations with the orders routed from each today (capped ones: the day's counter, less
 * the given order's own current route of today, which is its to move), in one statement.
 */
export async function locationsWithLoad(
  scope: TenantScope,
  now: Date,
  orderId: string | undefined,
): Promise<LocationWithLoad[]> {
  const { rows } = await sql<LocationWithLoad>`select l.id, l.code, l.name, l.kind, l.country, l.latitude, l.longitude,
      l.capabilities, l.priority, l.daily_capacity, l.address, ${usedToday(now, orderId ? sql`${orderId}` : null)} as used_today
    from locations l
    left join location_day_load load on load.tenant_id = l.tenant_id and load.location_id = l.id and load.day = ${dayOf(now)}
   where l.tenant_id = ${scope.tenantId} and l.active
   order by l.code`.execute(scope.conn);
  return rows;
}

/**
 * The locations and stock an order can be routed over: every active location with
 * coordinates; stock available after safety stock and other orders' reservations, plus what
 * this order already holds (its own reservations are its to move). Orders routed today count
 * against each location's daily capacity: its counter (day-load.ts), less this order's own current
 * route of the day. With `lock`, the stock rows are locked first in
 * (product, location) order — the order every stock writer uses — so the figures cannot change
 * before the plan is reserved.
 */
export async function loadNetwork(
  scope: TenantScope,
  now: Date,
  facts: OrderFacts,
  opts: { orderId?: string; lock?: boolean; locations?: LocationWithLoad[] } = {},
): Promise<Network> {
  const rows = opts.locations ?? (await locationsWithLoad(scope, now, opts.orderId));
  const feeding = new Set(facts.channel.feeding);
  const locations: RoutingLocation[] = [];
  const unplaced: string[] = [];
  for (const row of rows) {
    const position = locPoint(row);
    if (!position) {
      unplaced.push(row.code);
      continue;
    }
    const type = (TYPES as string[]).includes(row.kind) ? (row.kind as LocationType) : 'warehouse';
    const serves = feeding.size === 0 || feeding.has(row.code) || row.id === facts.order.pickupLocationId;
    locations.push({
      id: row.id,
      name: row.name,
      type,
      position,
      country: row.country ?? (typeof row.address?.country === 'string' ? row.address.country : ''),
      ...(typeof row.address?.region === 'string' ? { region: row.address.region } : {}),
      capabilities: row.capabilities.filter((c): c is Capability => (CAPS as string[]).includes(c)),
      networks: serves ? [facts.channel.code] : [],
      open: true,
      ...(row.daily_capacity !== null ? { dailyCapacity: row.daily_capacity, usedToday: row.used_today } : {}),
      priority: row.priority,
      handlingDays: type === 'warehouse' ? 0 : 1,
    });
  }
  const productIds = [...new Set([...facts.lines.values()].map((l) => l.productId))];
  const stock: StockLevels = {};
  let held: HeldUnits[] = [];
  if (productIds.length && locations.length) {
    let query = scope
      .selectFrom('stock_levels')
      .innerJoin('products', (j) =>
        j
          .onRef('products.tenant_id', '=', 'stock_levels.tenant_id')
          .onRef('products.id', '=', 'stock_levels.product_id'),
      )
      .select([
        'products.sku',
        'stock_levels.product_id',
        'stock_levels.location_id',
        'stock_levels.on_hand',
        // the true reserved figure: what is free in a hot row's buckets is not reserved
        sql<number>`stock_levels.reserved - ${bucketFreeSql('stock_levels')}`.as('reserved'),
        'stock_levels.safety',
      ])
      .where('stock_levels.product_id', 'in', productIds)
      // the same ids on the catalogue's side: with them the planner reads the lines' products by
      // key, never the tenant's whole catalogue (as it did where products looked small to it)
      .where('products.id', 'in', productIds)
      .where(
        'stock_levels.location_id',
        'in',
        locations.map((l) => l.id),
      )
      .orderBy('stock_levels.product_id')
      .orderBy('stock_levels.location_id');
    // FOR NO KEY UPDATE: it holds off every stock writer (their UPDATEs take the same lock) yet
    // not the foreign-key checks of reservation inserts, so a hot row's bucket buyers do not queue
    // behind a routing step (docs/inventory.md "Hot SKUs").
    if (opts.lock) query = query.forNoKeyUpdate('stock_levels');
    let levels: Awaited<ReturnType<typeof query.execute>>;
    if (opts.orderId) {
      // The order's own holds, read after the stock rows are locked (no writer can move them
      // meanwhile): both statements leave together, one round trip.
      const [locked, holds] = await sentTogether(
        scope.conn,
        query,
        scope
          .selectFrom('stock_reservations')
          .select(['order_line_id', 'product_id', 'location_id', 'quantity', 'expires_at'])
          .where('order_id', '=', opts.orderId)
          .where('status', '=', 'active'),
      );
      levels = locked.rows;
      held = holds.rows;
    } else levels = await query.execute();
    const own = new Map<string, number>();
    if (opts.orderId) {
      for (const item of held)
        own.set(
          `${item.product_id}|${item.location_id}`,
          (own.get(`${item.product_id}|${item.location_id}`) ?? 0) + item.quantity,
        );
    }
    for (const level of levels) {
      const mine = own.get(`${level.product_id}|${level.location_id}`) ?? 0;
      const free = Math.max(mine, level.on_hand - level.reserved - level.safety + mine);
      if (free <= 0) continue;
      (stock[level.location_id] ??= {})[level.sku] = free;
    }
  }
  return { locations, stock, codes: new Map(rows.map((l) => [l.id, l.code])), unplaced, held };
}
