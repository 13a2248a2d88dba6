import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import '../../store/schema-sourcing.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { channelRules } from '../../domain/inventory/stock.js';
import { type Capability, type LocationType, type RoutingLocation, type RoutingOrder, type StockLevels } from '../../domain/sourcing/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { geocode, locPoint, type AddressLike } from '../../domain/sourcing/geo.js';

/** An order as routing sees it, with what the app needs around it (products, currency, channel). */
export interface OrderFacts {
  order: RoutingOrder;
  currency: string;
  channel: { id: string; code: string; feeding: string[]; strategy: string | null };
  /** lineId → product and line number (for reservations). */
  lines: Map<string, { productId: string; lineNo: number; ordered: number }>;
  /** How the destination's coordinates were found: address, city, country, none. */
  geocoded: string;
}

type Loc = { id: string; code: string; name: string; kind: string; country: string | null; latitude: string | null; longitude: string | null;
  capabilities: string[]; priority: number; daily_capacity: number | null; address: Record<string, unknown> };

async function activeLocations(s: TenantScope): Promise<Loc[]> {
  return s.selectFrom('locations').select(['id', 'code', 'name', 'kind', 'country', 'latitude', 'longitude', 'capabilities', 'priority', 'daily_capacity', 'address'])
    .where('active', '=', true).orderBy('code').execute() as Promise<Loc[]>;
}

function primitiveAttributes(a: Record<string, unknown> | null | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(a ?? {})) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  return out;
}

async function channelFacts(s: TenantScope, where: { id?: string; code?: string }) {
  let q = s.selectFrom('channels').select(['id', 'code', 'settings']);
  q = where.id ? q.where('id', '=', where.id) : q.where('code', '=', where.code!);
  const c = await q.executeTakeFirst();
  if (!c) throw new AppError('UNKNOWN_CHANNEL', `channel ${where.code ?? where.id} does not exist`, [{ path: '/channel', message: 'unknown channel' }]);
  const settings = (c.settings ?? {}) as Record<string, unknown>;
  const strategy = typeof settings.routingStrategy === 'string' ? settings.routingStrategy : null;
  return { id: c.id, code: c.code, feeding: channelRules(settings).locations, strategy };
}

async function segmentOf(s: TenantScope, customerId: string | null, companyId: string | null): Promise<string> {
  if (customerId) {
    const c = await s.selectFrom('customers').select(['segment', 'company_id']).where('id', '=', customerId).executeTakeFirst();
    if (c?.segment) return c.segment;
    companyId ??= c?.company_id ?? null;
  }
  if (companyId) {
    const co = await s.selectFrom('companies').select('segment').where('id', '=', companyId).executeTakeFirst();
    return co?.segment ?? 'b2b';
  }
  return 'b2c';
}

/**
 * A stored order as a routing problem's order. The quantity to route per line is what has not
 * shipped yet: units already consumed from a reservation (picked and shipped) stay where they went.
 */
export async function loadRoutingOrder(s: TenantScope, orderId: string): Promise<OrderFacts> {
  const o = await s.selectFrom('orders').select(['id', 'channel_id', 'currency', 'customer_id', 'company_id', 'delivery_method', 'pickup_location_id', 'shipping_address', 'attributes'])
    .where('id', '=', orderId).executeTakeFirst();
  if (!o) throw new AppError('NOT_FOUND', `order ${orderId} does not exist`, [{ path: '/orderId', message: 'unknown order' }]);
  const lines = await s.selectFrom('order_lines').select(['id', 'line_no', 'product_id', 'sku', 'quantity']).where('order_id', '=', orderId).orderBy('line_no').execute();
  const shipped = await s.selectFrom('stock_reservations').select(['order_line_id', sql<string>`sum(original_quantity - quantity)`.as('q')])
    .where('order_id', '=', orderId).where('status', 'in', ['active', 'consumed']).groupBy('order_line_id').execute();
  const done = new Map(shipped.map((r) => [r.order_line_id, Number(r.q)]));
  const channel = await channelFacts(s, { id: o.channel_id });
  const locations = await activeLocations(s);
  const address = (o.shipping_address ?? {}) as AddressLike;
  const dest = geocode(address, locations);
  const order: RoutingOrder = {
    id: o.id,
    lines: lines.map((l) => ({ lineId: l.id, sku: l.sku, quantity: Math.max(0, l.quantity - (done.get(l.id) ?? 0)) })).filter((l) => l.quantity > 0),
    deliveryMethod: o.delivery_method === 'pickup' ? 'pickup' : 'ship',
    destination: { lat: dest.lat, lon: dest.lon, country: typeof address.country === 'string' ? address.country : '', ...(typeof address.region === 'string' ? { region: address.region } : {}) },
    ...(o.delivery_method === 'pickup' && o.pickup_location_id ? { pickupLocationId: o.pickup_location_id } : {}),
    channel: channel.code,
    customer: { ...(o.customer_id ? { id: o.customer_id } : {}), segment: await segmentOf(s, o.customer_id, o.company_id) },
    attributes: primitiveAttributes(o.attributes),
  };
  return {
    order, currency: o.currency, channel, geocoded: o.delivery_method === 'pickup' ? 'pickup location' : dest.how,
    lines: new Map(lines.map((l) => [l.id, { productId: l.product_id, lineNo: l.line_no, ordered: l.quantity }])),
  };
}

export interface DraftOrder {
  channel: string;
  currency?: string | undefined;
  customer?: { id?: string | undefined; code?: string | undefined; segment?: string | undefined } | undefined;
  lines: Array<{ id?: string | undefined; sku: string; quantity: number }>;
  shippingAddress?: { city?: string | undefined; country: string; region?: string | undefined; latitude?: number | undefined; longitude?: number | undefined } | undefined;
  delivery: { method: 'ship' | 'pickup'; pickupLocation?: string | undefined };
  attributes?: Record<string, unknown> | undefined;
}

/** A draft order (the intake body's lines, address and delivery) as routing facts; unknown SKUs or locations are 422 with their paths. */
export async function draftOrderFacts(s: TenantScope, d: DraftOrder): Promise<OrderFacts> {
  const channel = await channelFacts(s, { code: d.channel });
  const skus = [...new Set(d.lines.map((l) => l.sku))];
  const products = new Map((await s.selectFrom('products').select(['id', 'sku']).where('sku', 'in', skus).execute()).map((p) => [p.sku, p.id]));
  const errors: FieldError[] = [];
  d.lines.forEach((l, i) => { if (!products.has(l.sku)) errors.push({ path: `/order/lines/${i}/sku`, message: `unknown SKU ${l.sku}`, code: 'UNKNOWN_SKU' }); });
  if (errors.length) throw new AppError('UNKNOWN_SKU', `${errors.length} unknown SKU(s)`, errors);
  const locations = await activeLocations(s);
  let pickupLocationId: string | undefined;
  if (d.delivery.method === 'pickup') {
    const p = d.delivery.pickupLocation ? (await s.selectFrom('locations').select('id').where('code', '=', d.delivery.pickupLocation).executeTakeFirst()) : undefined;
    if (!p) throw new AppError('UNKNOWN_LOCATION', `pickup location ${d.delivery.pickupLocation ?? '(none)'} does not exist`, [{ path: '/order/delivery/pickupLocation', message: 'unknown location' }]);
    pickupLocationId = p.id;
  }
  let customerId = d.customer?.id ?? null;
  if (!customerId && d.customer?.code) customerId = (await s.selectFrom('customers').select('id').where('code', '=', d.customer.code).executeTakeFirst())?.id ?? null;
  const address: AddressLike = d.shippingAddress ?? {};
  const dest = geocode(address, locations);
  const lineIds = d.lines.map((l, i) => l.id ?? `line-${i + 1}`);
  return {
    order: {
      lines: d.lines.map((l, i) => ({ lineId: lineIds[i]!, sku: l.sku, quantity: l.quantity })),
      deliveryMethod: d.delivery.method,
      destination: { lat: dest.lat, lon: dest.lon, country: d.shippingAddress?.country ?? '', ...(d.shippingAddress?.region ? { region: d.shippingAddress.region } : {}) },
      ...(pickupLocationId ? { pickupLocationId } : {}),
      channel: channel.code,
      customer: { ...(customerId ? { id: customerId } : {}), segment: d.customer?.segment ?? await segmentOf(s, customerId, null) },
      attributes: primitiveAttributes(d.attributes),
    },
    currency: d.currency ?? 'PLN', channel, geocoded: d.delivery.method === 'pickup' ? 'pickup location' : dest.how,
    lines: new Map(d.lines.map((l, i) => [lineIds[i]!, { productId: products.get(l.sku)!, lineNo: i + 1, ordered: l.quantity }])),
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
}

/**
 * The locations and stock an order can be routed over: every active location with
 * coordinates; stock available after safety stock and other orders' reservations, plus what
 * this order already holds (its own reservations are its to move). Orders routed today count
 * against each location's daily capacity. With `lock`, the stock rows are locked first in
 * (product, location) order — the order every stock writer uses — so the figures cannot change
 * before the plan is reserved.
 */
export async function loadNetwork(s: TenantScope, now: Date, facts: OrderFacts, opts: { orderId?: string; lock?: boolean } = {}): Promise<Network> {
  const rows = await activeLocations(s);
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  let used = s.selectFrom('order_routes').select([sql<string>`unnest(location_ids)`.as('location_id'), 'order_id'])
    .where('current', '=', true).where('created_at', '>=', day);
  if (opts.orderId) used = used.where('order_id', '<>', opts.orderId);
  const usedRows = await used.execute();
  const usedToday = new Map<string, Set<string>>();
  for (const r of usedRows) usedToday.set(r.location_id, (usedToday.get(r.location_id) ?? new Set()).add(r.order_id));
  const feeding = new Set(facts.channel.feeding);
  const locations: RoutingLocation[] = [];
  const unplaced: string[] = [];
  for (const l of rows) {
    const position = locPoint(l);
    if (!position) { unplaced.push(l.code); continue; }
    const type = (TYPES as string[]).includes(l.kind) ? (l.kind as LocationType) : 'warehouse';
    const serves = feeding.size === 0 || feeding.has(l.code) || l.id === facts.order.pickupLocationId;
    locations.push({
      id: l.id, name: l.name, type, position, country: l.country ?? (typeof l.address?.country === 'string' ? l.address.country : ''),
      ...(typeof l.address?.region === 'string' ? { region: l.address.region } : {}),
      capabilities: l.capabilities.filter((c): c is Capability => (CAPS as string[]).includes(c)),
      networks: serves ? [facts.channel.code] : [], open: true,
      ...(l.daily_capacity !== null ? { dailyCapacity: l.daily_capacity, usedToday: usedToday.get(l.id)?.size ?? 0 } : {}),
      priority: l.priority, handlingDays: type === 'warehouse' ? 0 : 1,
    });
  }
  const productIds = [...new Set([...facts.lines.values()].map((l) => l.productId))];
  const stock: StockLevels = {};
  if (productIds.length && locations.length) {
    let q = s.selectFrom('stock_levels').innerJoin('products', (j) => j.onRef('products.tenant_id', '=', 'stock_levels.tenant_id').onRef('products.id', '=', 'stock_levels.product_id'))
      .select(['products.sku', 'stock_levels.product_id', 'stock_levels.location_id', 'stock_levels.on_hand', 'stock_levels.reserved', 'stock_levels.safety'])
      .where('stock_levels.product_id', 'in', productIds).where('stock_levels.location_id', 'in', locations.map((l) => l.id))
      .orderBy('stock_levels.product_id').orderBy('stock_levels.location_id');
    if (opts.lock) q = q.forUpdate('stock_levels');
    const levels = await q.execute();
    const own = new Map<string, number>();
    if (opts.orderId) {
      const held = await s.selectFrom('stock_reservations').select(['product_id', 'location_id', sql<string>`sum(quantity)`.as('q')])
        .where('order_id', '=', opts.orderId).where('status', '=', 'active').groupBy(['product_id', 'location_id']).execute();
      for (const h of held) own.set(`${h.product_id}|${h.location_id}`, Number(h.q));
    }
    for (const r of levels) {
      const mine = own.get(`${r.product_id}|${r.location_id}`) ?? 0;
      const free = Math.max(mine, r.on_hand - r.reserved - r.safety + mine);
      if (free <= 0) continue;
      (stock[r.location_id] ??= {})[r.sku] = free;
    }
  }
  return { locations, stock, codes: new Map(rows.map((l) => [l.id, l.code])), unplaced };
}
