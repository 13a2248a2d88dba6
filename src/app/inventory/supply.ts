import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import type { SupplyKind } from '../../store/schema-inventory.js';
import { newId } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import { promiseAll, promiseDate, type SupplyLine } from '../../domain/inventory/stock.js';
import { writeAudit, writeHistory, type Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { resolveLocation, resolveSku } from './common.js';
import { bucketFreeSql } from './buckets.js';

async function openSupply(scope: TenantScope, productId: string): Promise<SupplyLine[]> {
  const rows = await scope
    .selectFrom('inbound_supply')
    .select(['expected_on', 'quantity', 'received'])
    .where('product_id', '=', productId)
    .where('status', '=', 'open')
    .orderBy('expected_on')
    .orderBy('id')
    .execute();
  return rows
    .map((r) => ({ expectedOn: r.expected_on, quantity: r.quantity - r.received }))
    .filter((r) => r.quantity > 0);
}

/**
 * Records the missing part of order lines as open backorders, each promised the earliest date
 * by which open supply covers it behind the backorders already waiting (first come, first served).
 */
export async function createBackorders(
  scope: TenantScope,
  now: Date,
  orderId: string,
  lines: Array<{ orderLineId: string; productId: string; quantity: number }>,
) {
  const out = new Map<string, { id: string; quantity: number; promisedOn: string | null }>();
  for (const line of lines) {
    // No lock here: a shortage must not queue every buyer of a sold-out SKU behind one another.
    // Two backorders made at the same instant may get the same date; the next supply change
    // re-promises them all in order (recomputePromises takes the per-SKU lock).
    const supply = await openSupply(scope, line.productId);
    let promisedOn: string | null = null;
    if (supply.length) {
      const aheadRow = await scope
        .selectFrom('stock_backorders')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('quantity'), sql<string>`0`).as('q'))
        .where('product_id', '=', line.productId)
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
      promisedOn = promiseDate(supply, Number(aheadRow.q), line.quantity);
    }
    const id = newId();
    await scope
      .insertInto('stock_backorders', {
        id,
        order_id: orderId,
        order_line_id: line.orderLineId,
        product_id: line.productId,
        quantity: line.quantity,
        status: 'open',
        promised_on: promisedOn,
        created_at: now,
        updated_at: now,
      })
      .execute();
    out.set(line.orderLineId, { id, quantity: line.quantity, promisedOn });
  }
  return out;
}

/** Re-promises every open backorder of a SKU after its supply changed; each changed promise goes into the order's history. */
export async function recomputePromises(work: Work, actor: Actor, now: Date, productId: string) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`${work.tenantId}:${productId}`}, 0))`.execute(work.conn);
  const supply = await openSupply(work, productId);
  const backorders = await work
    .selectFrom('stock_backorders')
    .select(['id', 'order_id', 'quantity', 'promised_on'])
    .where('product_id', '=', productId)
    .where('status', '=', 'open')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const promises = promiseAll(supply, backorders);
  const changed: Array<{ backorderId: string; orderId: string; from: string | null; to: string | null }> = [];
  for (const backorder of backorders) {
    const to = promises.get(backorder.id) ?? null;
    if (to === backorder.promised_on) continue;
    await work
      .updateTable('stock_backorders')
      .set({ promised_on: to, updated_at: now })
      .where('id', '=', backorder.id)
      .execute();
    changed.push({ backorderId: backorder.id, orderId: backorder.order_id, from: backorder.promised_on, to });
  }
  await writeHistory(
    work,
    actor,
    now,
    changed.map((c) => ({
      orderId: c.orderId,
      action: 'stock.promise_changed',
      changes: { promisedOn: { from: c.from, to: c.to } },
      reason: { backorderId: c.backorderId, rule: 'inbound supply changed' },
    })),
  );
  return changed;
}

export interface SupplyInput {
  kind: SupplyKind;
  reference: string;
  sku: string;
  location: string;
  quantity: number;
  expectedOn: string;
}

const supplyView = (
  r: {
    id: string;
    kind: string;
    reference: string;
    quantity: number;
    received: number;
    expected_on: string;
    status: string;
    version: number;
  },
  sku: string,
  location: string,
) => ({
  id: r.id,
  kind: r.kind,
  reference: r.reference,
  sku,
  location,
  quantity: r.quantity,
  received: r.received,
  expectedOn: r.expected_on,
  status: r.status,
  version: r.version,
});

export async function addSupply(scope: TenantScope, actor: Actor, now: Date, input: SupplyInput) {
  const product = await resolveSku(scope, input.sku);
  const location = await resolveLocation(scope, input.location);
  return atomically(scope, async (tx) => {
    const id = newId();
    const row = await tx
      .insertInto('inbound_supply', {
        id,
        kind: input.kind,
        reference: input.reference,
        product_id: product.id,
        location_id: location.id,
        quantity: input.quantity,
        expected_on: input.expectedOn,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(tx, actor, now, {
      entity: 'inbound_supply',
      entityId: id,
      action: 'created',
      changes: { ...input },
    });
    const promises = await recomputePromises(tx, actor, now, product.id);
    return { supply: supplyView(row, input.sku, input.location), promisesChanged: promises.length };
  });
}

export async function updateSupply(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  id: string,
  patch: { quantity?: number; expectedOn?: string; received?: number; status?: 'open' | 'closed' | 'cancelled' },
) {
  return atomically(scope, async (tx) => {
    const before = await tx
      .selectFrom('inbound_supply')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new AppError('NOT_FOUND', `supply line ${id} does not exist`);
    const quantity = patch.quantity ?? before.quantity;
    const received = patch.received ?? before.received;
    if (received > quantity)
      throw new AppError('VALIDATION_FAILED', 'received cannot exceed quantity', [
        { path: '/received', message: `at most ${quantity}` },
      ]);
    const row = await tx
      .updateTable('inbound_supply')
      .set((eb) => ({
        quantity,
        received,
        expected_on: patch.expectedOn ?? before.expected_on,
        status: patch.status ?? before.status,
        version: eb('version', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(tx, actor, now, {
      entity: 'inbound_supply',
      entityId: id,
      action: 'updated',
      changes: { ...patch },
    });
    const promises = await recomputePromises(tx, actor, now, before.product_id);
    const result = await tx
      .selectFrom('products')
      .select('sku')
      .where('id', '=', before.product_id)
      .executeTakeFirstOrThrow();
    const line = await tx
      .selectFrom('locations')
      .select('code')
      .where('id', '=', before.location_id)
      .executeTakeFirstOrThrow();
    return { supply: supplyView(row, result.sku, line.code), promisesChanged: promises.length };
  });
}

/**
 * Available to promise: free stock now, then, on each supply date, what the cumulative supply
 * adds after the open backorders are served first.
 */
export async function availableToPromise(scope: TenantScope, sku: string) {
  // an unknown SKU in the path is 404, as for availability
  const product = await scope.selectFrom('products').select('id').where('sku', '=', sku).executeTakeFirst();
  if (!product)
    throw new AppError('NOT_FOUND', `SKU ${sku} does not exist`, [
      { path: 'params:sku', message: 'unknown SKU', code: 'UNKNOWN_SKU' },
    ]);
  const now = await scope
    .selectFrom('stock_levels')
    .innerJoin('locations', (j) =>
      j
        .onRef('locations.tenant_id', '=', 'stock_levels.tenant_id')
        .onRef('locations.id', '=', 'stock_levels.location_id'),
    )
    .select(
      sql<string>`coalesce(sum(greatest(stock_levels.on_hand - stock_levels.reserved + ${bucketFreeSql('stock_levels')} - stock_levels.safety, 0)), 0)`.as(
        'available',
      ),
    )
    .where('stock_levels.product_id', '=', product.id)
    .where('locations.active', '=', true)
    .executeTakeFirstOrThrow();
  const backordered = await scope
    .selectFrom('stock_backorders')
    .select(sql<string>`coalesce(sum(quantity), 0)`.as('q'))
    .where('product_id', '=', product.id)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const supply = await openSupply(scope, product.id);
  const availableNow = Number(now.available);
  let owed = Number(backordered.q);
  let cumulative = 0;
  const timeline: Array<{ date: string; supply: number; atp: number }> = [];
  for (const line of supply) {
    cumulative += line.quantity;
    const last = timeline[timeline.length - 1];
    if (last && last.date === line.expectedOn) last.supply += line.quantity;
    else timeline.push({ date: line.expectedOn, supply: line.quantity, atp: 0 });
    timeline[timeline.length - 1]!.atp = availableNow + Math.max(0, cumulative - owed);
  }
  return { sku, availableNow, backordered: owed, timeline };
}
