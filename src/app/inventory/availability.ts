import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import { AppError } from '../../shared/errors.js';
import { channelAvailable, channelRules, type ChannelStockRules } from '../../domain/inventory/stock.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { bucketFreeSql } from './buckets.js';

export const BATCH_MAX_SKUS = 1000;

/**
 * The availability read: per SKU × active location, available computed by the database the
 * same way the reservation guard computes it. One query for one or a thousand SKUs.
 */
export function availabilityQuery(
  scope: TenantScope,
  by: { skus?: string[]; productIds?: string[] },
  locationCodes?: string[],
) {
  let query = scope
    .selectFrom('stock_levels')
    .innerJoin('products', (j) =>
      j.onRef('products.tenant_id', '=', 'stock_levels.tenant_id').onRef('products.id', '=', 'stock_levels.product_id'),
    )
    .innerJoin('locations', (j) =>
      j
        .onRef('locations.tenant_id', '=', 'stock_levels.tenant_id')
        .onRef('locations.id', '=', 'stock_levels.location_id'),
    )
    .select([
      'products.sku',
      'stock_levels.product_id',
      'locations.code as location',
      'stock_levels.location_id',
      'locations.capabilities',
      'locations.priority',
      'stock_levels.on_hand',
      // A hot row's true figures: what is free inside its buckets is not reserved (app/inventory/buckets.ts).
      sql<number>`stock_levels.reserved - ${bucketFreeSql('stock_levels')}`.as('reserved'),
      'stock_levels.safety',
      'stock_levels.version',
      'stock_levels.updated_at',
      sql<number>`greatest(stock_levels.on_hand - stock_levels.reserved + ${bucketFreeSql('stock_levels')} - stock_levels.safety, 0)`.as(
        'available',
      ),
    ])
    .where('locations.active', '=', true);
  if (by.skus) query = query.where('products.sku', 'in', by.skus);
  if (by.productIds) query = query.where('stock_levels.product_id', 'in', by.productIds);
  if (locationCodes?.length) query = query.where('locations.code', 'in', locationCodes);
  return query.orderBy('products.sku').orderBy('locations.priority').orderBy('locations.code');
}

export interface LocationAvailability {
  location: string;
  locationId: string;
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  version: number;
  updatedAt: string;
}
export interface SkuAvailability {
  sku: string;
  productId: string;
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  locations: LocationAvailability[];
  channel?: { code: string; available: number; locations: string[] };
}

async function loadChannel(scope: TenantScope, code: string): Promise<{ code: string; rules: ChannelStockRules }> {
  const row = await scope
    .selectFrom('channels')
    .select(['code', 'settings'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!row)
    throw new AppError('UNKNOWN_CHANNEL', `channel ${code} does not exist`, [
      { path: '/channel', message: 'unknown channel' },
    ]);
  return { code: row.code, rules: channelRules(row.settings as Record<string, unknown>) };
}

type Row = Awaited<ReturnType<ReturnType<typeof availabilityQuery>['execute']>>[number];

function summarise(
  rows: Row[],
  products: Array<{ sku: string; id: string }>,
  channel: { code: string; rules: ChannelStockRules } | null,
): SkuAvailability[] {
  const bySku = new Map<string, Row[]>();
  for (const row of rows) bySku.set(row.sku, [...(bySku.get(row.sku) ?? []), row]);
  return products.map((product) => {
    const list = bySku.get(product.sku) ?? [];
    const sum = (f: (result: Row) => number) => list.reduce((a, r) => a + f(r), 0);
    const out: SkuAvailability = {
      sku: product.sku,
      productId: product.id,
      onHand: sum((r) => r.on_hand),
      reserved: sum((r) => r.reserved),
      safety: sum((r) => r.safety),
      available: sum((r) => Number(r.available)),
      locations: list.map((r) => ({
        location: r.location,
        locationId: r.location_id,
        onHand: r.on_hand,
        reserved: r.reserved,
        safety: r.safety,
        available: Number(r.available),
        version: r.version,
        updatedAt: r.updated_at.toISOString(),
      })),
    };
    if (channel) out.channel = { code: channel.code, ...channelFigure(list, channel.rules) };
    return out;
  });
}

/** What one channel may show of one SKU: its feeding locations' availability under its rules. */
function channelFigure(list: Row[], rules: ChannelStockRules) {
  // Configured locations are listed in the channel's preference order; otherwise as stored.
  const feeding = rules.locations.length
    ? rules.locations.flatMap((code) => list.filter((r) => r.location === code))
    : list.filter((r) => r.capabilities.includes('ships'));
  return {
    available: channelAvailable(
      feeding.reduce((a, r) => a + Number(r.available), 0),
      rules,
    ),
    locations: feeding.map((r) => r.location),
  };
}

/**
 * One SKU as every channel sees it (the inventory page's "per channel" panel): each channel's
 * figure under its own feeding locations, percentage and buffer held back, and cap, with the
 * rules that made it, from one read of the SKU's stock rows.
 */
export async function getChannelAvailability(scope: TenantScope, sku: string) {
  const total = await getSkuAvailability(scope, sku);
  const [rows, channels] = await Promise.all([
    availabilityQuery(scope, { skus: [sku] }).execute(),
    scope.selectFrom('channels').select(['code', 'name', 'kind', 'active', 'settings']).orderBy('code').execute(),
  ]);
  return {
    sku,
    available: total.available,
    items: channels.map((ch) => {
      const rules = channelRules(ch.settings as Record<string, unknown>);
      return {
        code: ch.code,
        name: ch.name,
        kind: ch.kind,
        active: ch.active,
        ...channelFigure(rows, rules),
        rules: { bufferQty: rules.bufferQty, bufferPct: rules.bufferPct, cap: rules.cap, locations: rules.locations },
      };
    }),
  };
}

/** Availability of many SKUs, in total, per location, and (with a channel) as that channel may show it. */
export async function getAvailability(
  scope: TenantScope,
  input: { skus: string[]; locations?: string[] | undefined; channel?: string | undefined },
) {
  if (input.skus.length > BATCH_MAX_SKUS)
    throw new AppError('VALIDATION_FAILED', `at most ${BATCH_MAX_SKUS} SKUs per request`, [
      { path: '/skus', message: `at most ${BATCH_MAX_SKUS}` },
    ]);
  const skus = [...new Set(input.skus)];
  const channel = input.channel ? await loadChannel(scope, input.channel) : null;
  const rows = skus.length ? await availabilityQuery(scope, { skus }, input.locations).execute() : [];
  // One query in the usual case; only SKUs without stock rows need the catalogue to tell "none" from "unknown".
  const products = [...new Map(rows.map((r) => [r.sku, { id: r.product_id, sku: r.sku }])).values()];
  const withRows = new Set(products.map((p) => p.sku));
  const missing = skus.filter((x) => !withRows.has(x));
  if (missing.length)
    products.push(...(await scope.selectFrom('products').select(['id', 'sku']).where('sku', 'in', missing).execute()));
  const known = new Set(products.map((p) => p.sku));
  const order = new Map(skus.map((x, i) => [x, i]));
  products.sort((a, b) => order.get(a.sku)! - order.get(b.sku)!);
  return { items: summarise(rows, products, channel), unknown: skus.filter((x) => !known.has(x)) };
}

export async function getSkuAvailability(
  scope: TenantScope,
  sku: string,
  opts: { locations?: string[] | undefined; channel?: string | undefined } = {},
) {
  const availability = await getAvailability(scope, { skus: [sku], ...opts });
  if (!availability.items[0])
    throw new AppError('NOT_FOUND', `SKU ${sku} does not exist`, [
      { path: 'params:sku', message: 'unknown SKU', code: 'UNKNOWN_SKU' },
    ]);
  return availability.items[0];
}

/**
 * For routing: every active location holding free stock of the given products, with the
 * location's facts, so sourcing can score candidates without reading stock itself.
 */
export async function stockCandidates(scope: TenantScope, productIds: string[]) {
  if (productIds.length === 0) return [];
  const rows = await availabilityQuery(scope, { productIds }).execute();
  return rows
    .filter((r) => Number(r.available) > 0)
    .map((r) => ({
      productId: r.product_id,
      sku: r.sku,
      locationId: r.location_id,
      location: r.location,
      priority: r.priority,
      capabilities: r.capabilities,
      available: Number(r.available),
    }));
}

interface FeedCursor {
  h: string;
  k: [string, string, string] | null;
  s: string;
}

const encode = (c: FeedCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decode(cursor: string): FeedCursor {
  try {
    const feedCursor = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as FeedCursor;
    if (
      !/^\d+$/.test(feedCursor.h) ||
      !/^\d+$/.test(feedCursor.s) ||
      (feedCursor.k !== null &&
        !(Array.isArray(feedCursor.k) && feedCursor.k.length === 3 && /^\d+$/.test(feedCursor.k[0])))
    )
      throw new Error('shape');
    return feedCursor;
  } catch {
    throw new AppError('VALIDATION_FAILED', 'the cursor is not one this feed returned', [
      { path: 'querystring:cursor', message: 'invalid cursor' },
    ]);
  }
}

/**
 * The changed-since feed a marketplace connector pulls: SKUs whose stock changed since the
 * cursor, with current figures (and the channel's figure). Each row carries the id of the
 * transaction that last wrote it; a pass ends with the snapshot xmin taken when it began, below
 * which every writer has finished, so a change committed late by a slow transaction is still
 * delivered on the next pass. Delivery is at least once; figures are absolute, so a repeat is harmless.
 */
export async function availabilityFeed(
  scope: TenantScope,
  input: { cursor?: string | undefined; limit: number; channel?: string | undefined },
) {
  const start = (
    await sql<{ xmin: string }>`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`.execute(scope.conn)
  ).rows[0]!.xmin;
  const feedCursor: FeedCursor = input.cursor ? decode(input.cursor) : { h: '0', k: null, s: start };
  // A pass starts on a page without a key; its horizon bounds the next pass.
  const passStart = feedCursor.k === null ? start : feedCursor.s;
  // A hot row changes when only its buckets do: its change is the later of the row's and theirs.
  const after = feedCursor.k
    ? sql`and (change_xid, product_id, location_id) > (${feedCursor.k[0]}::xid8, ${feedCursor.k[1]}::uuid, ${feedCursor.k[2]}::uuid)`
    : sql``;
  const changed = (
    await sql<{
      xid: string;
      product_id: string;
      location_id: string;
    }>`select change_xid::text as xid, product_id, location_id
  from (select greatest(sl.change_xid, case when sl.buckets > 0 then (select max(bk.change_xid) from stock_buckets bk
      where bk.tenant_id = sl.tenant_id and bk.product_id = sl.product_id and bk.location_id = sl.location_id) end) as change_xid,
    sl.product_id, sl.location_id from stock_levels sl where sl.tenant_id = ${scope.tenantId}) changes
  where change_xid >= ${feedCursor.h}::xid8 ${after}
  order by change_xid, product_id, location_id limit ${input.limit}`.execute(scope.conn)
  ).rows;
  const full = changed.length === input.limit;
  const last = changed[changed.length - 1];
  const nextCursor =
    full && last
      ? encode({ h: feedCursor.h, k: [last.xid, last.product_id, last.location_id], s: passStart })
      : encode({ h: passStart, k: null, s: passStart });
  const productIds = [...new Set(changed.map((r) => r.product_id))];
  const channel = input.channel ? await loadChannel(scope, input.channel) : null;
  const products = productIds.length
    ? await scope.selectFrom('products').select(['id', 'sku']).where('id', 'in', productIds).orderBy('sku').execute()
    : [];
  const rows = productIds.length ? await availabilityQuery(scope, { productIds }).execute() : [];
  return { items: summarise(rows, products, channel), nextCursor, more: full };
}
