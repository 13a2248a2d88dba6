import { sql } from 'kysely';
import type {} from '../../../store/schema-inventory.js';
import type {} from '../../../store/schema-fulfilment.js';
import type {} from '../../../store/schema-money.js';
import type {} from '../../../store/schema-order-changes.js';
import { checkMinimumOrder, floorErrors, pricingRefsOf } from '../../pricing/price-order.js';
import type { OrderInput } from '../schemas.js';
import { AppError } from '../../../shared/errors.js';
import { formatMoney, parseMoney } from '../../../shared/money.js';
import { newId } from '../../../shared/ids.js';
import type { TenantScope } from '../../../store/tenant-scope.js';
import type { Totals } from '../../../domain/order/totals.js';
import {
  applyChanges,
  approvalsFor,
  paymentDifference,
  price,
  stockBySku,
  type AppliedChange,
  type ChangeAction,
  type ChangeLine,
  type ChangeOrder,
  type Product,
} from '../../../domain/order/changes.js';
import { loadOrderRow } from '../get-order.js';
import { loadPayments, pendingOperations } from '../../money/payment-rows.js';
import { bucketFreeSql } from '../../inventory/buckets.js';

/** States in which an order takes no more changes. */
const TERMINAL = new Set(['cancelled', 'completed', 'rejected', 'closed']);
/** Fulfilment orders in these states hold nothing of the order any more. */
const DEAD_FULFILMENT = ['cancelled', 'rejected'] as const;

export type OrderRow = Awaited<ReturnType<typeof loadOrderRow>>;

/**
 * The order as a change sees it, read under the order's row lock: its lines with what of each is
 * past changing, and, with `lockStock`, its reservations locked too, so a shipment of one of its
 * lines either committed before (and is counted) or waits until the change commits (and finds
 * the released units gone).
 */
export async function loadChangeOrder(tx: TenantScope, orderId: string, opts: { lockStock: boolean }) {
  // FOR NO KEY UPDATE, not FOR UPDATE: a shipment holding this order's reservations inserts
  // ledger rows whose foreign key takes KEY SHARE on the order; FOR UPDATE would make the two
  // wait on each other (a deadlock seen on PostgreSQL), this still excludes every other writer.
  const row = await tx
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('orders')
    .select('channels.code as channel_code')
    .where('orders.id', '=', orderId)
    .forNoKeyUpdate('orders')
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  if (TERMINAL.has(row.state))
    throw new AppError('ORDER_CHANGE_NOT_ALLOWED', `order ${row.number} is ${row.state} and can no longer be changed`);
  const lines = await tx
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('line_no')
    .execute();
  let reservations = tx
    .selectFrom('stock_reservations')
    .select(['id', 'order_line_id', 'quantity', 'original_quantity', 'status'])
    .where('order_id', '=', orderId)
    .orderBy('id');
  if (opts.lockStock) reservations = reservations.forUpdate();
  const held = await reservations.execute();
  // Units in a fulfilment order (requested … collected) are with a location: they do not change here.
  const inFulfilment = await tx
    .selectFrom('fulfilment_lines')
    .innerJoin('fulfilment_orders', (j) =>
      j
        .onRef('fulfilment_orders.tenant_id', '=', 'fulfilment_lines.tenant_id')
        .onRef('fulfilment_orders.id', '=', 'fulfilment_lines.fulfilment_id'),
    )
    .select(['fulfilment_lines.order_line_id', sql<string>`sum(fulfilment_lines.quantity)`.as('qty')])
    .where('fulfilment_lines.order_id', '=', orderId)
    .where('fulfilment_orders.state', 'not in', DEAD_FULFILMENT)
    .groupBy('fulfilment_lines.order_line_id')
    .execute();
  const shipped = new Map<string, number>();
  // What left of each reservation (whatever its status now) shipped: original − what it still holds or gave back.
  for (const reservation of held)
    if (reservation.order_line_id)
      shipped.set(
        reservation.order_line_id,
        (shipped.get(reservation.order_line_id) ?? 0) + reservation.original_quantity - reservation.quantity,
      );
  const fulfilment = new Map(inFulfilment.map((f) => [f.order_line_id, Number(f.qty)]));
  const currency = row.currency;
  const str = (v: string) => formatMoney(BigInt(v), currency);
  const attributes = row.attributes;
  const order: ChangeOrder = {
    currency,
    pricesIncludeTax: attributes.pricesIncludeTax === true,
    shipping:
      BigInt(row.shipping_total) !== 0n || typeof attributes.shippingTaxRate === 'string'
        ? {
            amount: str(row.shipping_total),
            ...(typeof attributes.shippingTaxRate === 'string' ? { taxRate: attributes.shippingTaxRate } : {}),
          }
        : undefined,
    ...shippingLinesOf(row),
    deliveryMethod: row.delivery_method,
    pickupLocation: null,
    lines: lines.map((l): ChangeLine => ({
      id: l.id,
      lineNo: l.line_no,
      productId: l.product_id,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: str(l.unit_price),
      discount: str(l.discount),
      taxRate: l.tax_rate,
      fulfilled: Math.max(shipped.get(l.id) ?? 0, fulfilment.get(l.id) ?? 0),
      kind: l.kind,
    })),
  };
  if (row.pickup_location_id) {
    const loc = await tx
      .selectFrom('locations')
      .select('code')
      .where('id', '=', row.pickup_location_id)
      .executeTakeFirst();
    order.pickupLocation = loc?.code ?? null;
  }
  const channel = await tx
    .selectFrom('channels')
    .select('settings')
    .where('id', '=', row.channel_id)
    .executeTakeFirst();
  return {
    row,
    lineRows: lines,
    order,
    channelSettings: (channel?.settings ?? {}) as Record<string, unknown>,
    reservedAnything: held.length > 0,
  };
}

export type LoadedOrder = Awaited<ReturnType<typeof loadChangeOrder>>;

/**
 * Applies the actions to the loaded order and works out everything the preview shows: new
 * lines and totals, stock per SKU against what is free now, what it means for the payments and
 * who must approve. A refusal throws with the path of every action at fault; nothing is written.
 */
export async function computeChange(tx: TenantScope, loaded: LoadedOrder, actions: readonly ChangeAction[]) {
  const { order, row } = loaded;
  const skus = [...new Set(actions.flatMap((a) => ('sku' in a ? [a.sku] : [])))];
  const products = skus.length
    ? await tx.selectFrom('products').select(['id', 'sku', 'name', 'active']).where('sku', 'in', skus).execute()
    : [];
  const byId = new Map<string, Product>(products.map((p) => [p.sku, p]));
  const ids = new Map<number, string>();
  const applied = applyChanges(order, actions, byId, (at) => {
    if (!ids.has(at)) ids.set(at, newId());
    return ids.get(at)!;
  });
  if ('errors' in applied)
    throw new AppError(
      applied.code,
      `${applied.errors.length} action(s) of the change cannot apply: ${applied.errors[0]!.message}`,
      applied.errors,
    );
  // the minimum order rules and the floors hold after a change as they held at intake
  const pricedAfter = price(applied.order);
  if (!('errors' in pricedAfter)) {
    const refs = await pricingRefsOf(
      tx,
      row,
      [...new Set(applied.order.lines.map((l) => l.sku))],
      new Date(row.placed_at),
    );
    const floors = floorErrors(applied.order.lines, row.currency, applied.order.pricesIncludeTax, refs);
    if (floors.length)
      throw new AppError('PRICE_BELOW_FLOOR', `${floors.length} line(s) would sell below the floor`, floors);
    checkMinimumOrder(
      {
        currency: row.currency,
        orderType: row.order_type as OrderInput['orderType'],
        lines: applied.order.lines.filter((l) => l.quantity > 0),
      },
      pricedAfter.lines.reduce((sum, l) => sum + l.net, 0n),
      refs,
    );
  }
  let pickupLocationId = row.pickup_location_id;
  const delivery = actions.findIndex((a) => a.type === 'change_delivery');
  if (applied.order.deliveryMethod !== order.deliveryMethod || applied.order.pickupLocation !== order.pickupLocation) {
    pickupLocationId = null;
    if (applied.order.deliveryMethod === 'pickup') {
      const loc = await tx
        .selectFrom('locations')
        .select(['id', 'capabilities', 'active'])
        .where('code', '=', applied.order.pickupLocation!)
        .executeTakeFirst();
      if (!loc || !loc.active || !loc.capabilities.includes('pickup'))
        throw new AppError('ORDER_CHANGE_INVALID', 'the pickup location does not exist or does not serve pickups', [
          { path: `/actions/${delivery}/pickupLocation`, message: 'unknown pickup location', code: 'UNKNOWN_LOCATION' },
        ]);
      pickupLocationId = loc.id;
    }
  }

  const perSku = stockBySku(applied.stock);
  const productIds = [...new Set(applied.stock.map((s) => s.productId))];
  const free = productIds.length
    ? await tx
        .selectFrom('stock_levels')
        .select([
          'product_id',
          sql<string>`sum(greatest(on_hand - reserved + ${bucketFreeSql('stock_levels')} - safety, 0))`.as('free'),
        ])
        .where('product_id', 'in', productIds)
        .groupBy('product_id')
        .execute()
    : [];
  const freeBySku = new Map(
    applied.stock.map((s) => [s.sku, Number(free.find((f) => f.product_id === s.productId)?.free ?? 0)]),
  );

  const payments = await loadPayments(tx, row.id);
  const pending = await pendingOperations(tx, row.id);
  const pendingRefunds = pending.filter((o) => o.kind === 'refund').reduce((a, o) => a + BigInt(o.amount), 0n);
  const paid = payments.reduce((a, p) => a + BigInt(p.captured) - BigInt(p.refunded), 0n) - pendingRefunds;
  const openAuthorization = payments
    .filter((p) => p.status === 'authorized')
    .reduce((sum, payment) => {
      const open = BigInt(payment.authorized) - BigInt(payment.captured) - BigInt(payment.voided);
      return sum + (open > 0n ? open : 0n);
    }, 0n);
  const payment = paymentDifference(applied.before.grandTotal, applied.totals.grandTotal, { paid, openAuthorization });
  const limitText = (loaded.channelSettings.orderChanges as { approveIncreaseAbove?: unknown } | undefined)
    ?.approveIncreaseAbove;
  const limit = typeof limitText === 'string' ? parseMoney(limitText, row.currency) : null;
  const approvals = approvalsFor(applied, payment.refund, row.currency, typeof limit === 'bigint' ? limit : null);

  const money = (v: bigint) => formatMoney(v, row.currency);
  const totalsView = (t: Totals) => ({
    subtotal: money(t.subtotal),
    discountTotal: money(t.discountTotal),
    taxTotal: money(t.taxTotal),
    shippingTotal: money(t.shippingTotal),
    grandTotal: money(t.grandTotal),
  });
  const preview = {
    baseVersion: row.version,
    currency: row.currency,
    totals: { before: totalsView(applied.before), after: totalsView(applied.totals) },
    lines: applied.order.lines.map((l) => ({
      id: l.id,
      lineNo: l.lineNo,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discount: l.discount,
      taxRate: l.taxRate,
      fulfilled: l.fulfilled,
      added: l.added === true,
    })),
    stock: perSku.map((s) => ({
      sku: s.sku,
      delta: s.delta,
      available: freeBySku.get(s.sku) ?? 0,
      shortage: s.delta > 0 ? Math.max(0, s.delta - (freeBySku.get(s.sku) ?? 0)) : 0,
    })),
    payment: {
      paid: money(payment.paid),
      difference: money(payment.difference),
      refund: money(payment.refund),
      outstanding: money(payment.outstanding),
      openAuthorization: money(openAuthorization),
      authorizationCovers: payment.authorizationCovers,
    },
    delivery: { method: applied.order.deliveryMethod, pickupLocation: applied.order.pickupLocation },
    approvals,
  };
  return { applied, preview, payment, pickupLocationId };
}

export type ComputedChange = Awaited<ReturnType<typeof computeChange>>;
export type ChangePreview = ComputedChange['preview'];
export type { AppliedChange };

/** An order change as the API shows it. */
export function changeView(row: {
  id: string;
  order_id: string;
  version: number;
  status: string;
  base_version: number;
  actions: unknown[];
  preview: Record<string, unknown>;
  reason: string | null;
  requested_by: Record<string, unknown>;
  created_at: Date;
  confirmed_at: Date | null;
  confirmed_by: Record<string, unknown> | null;
  discarded_at: Date | null;
}) {
  return {
    id: row.id,
    orderId: row.order_id,
    /** Not `version`: the API's `version` is an ETag, and this is the change's number on its order. */
    changeVersion: row.version,
    status: row.status as 'draft' | 'confirmed' | 'discarded',
    baseVersion: row.base_version,
    actions: row.actions as ChangeAction[],
    preview: row.preview as ChangePreview,
    reason: row.reason,
    requestedBy: row.requested_by,
    createdAt: row.created_at.toISOString(),
    confirmedAt: row.confirmed_at?.toISOString() ?? null,
    confirmedBy: row.confirmed_by,
    discardedAt: row.discarded_at?.toISOString() ?? null,
  };
}

export async function loadChange(tx: TenantScope, orderId: string, changeId: string, lock = false) {
  let query = tx.selectFrom('order_changes').selectAll().where('order_id', '=', orderId).where('id', '=', changeId);
  if (lock) query = query.forUpdate();
  const change = await query.executeTakeFirst();
  if (!change) throw new AppError('NOT_FOUND', `change ${changeId} of order ${orderId} not found`);
  return change;
}

export function checkIfMatch(row: OrderRow, ifMatch: number | null) {
  if (ifMatch !== null && ifMatch !== row.version)
    throw new AppError('VERSION_MISMATCH', `order is at version ${row.version}, not ${ifMatch}`, [], {
      currentVersion: row.version,
    });
}

/**
 * Shipping lines at different tax rates (0015), as the order's shipping to re-price with: each at
 * its net after its discounts, so a change elsewhere keeps each line's tax. Absent when one rate
 * (or none) covers the shipping, or when the lines no longer make up shipping_total.
 */
function shippingLinesOf(row: { shipping_total: string; currency: string; shipping_lines?: unknown }) {
  const stored = (row.shipping_lines ?? []) as Array<{ net: string; taxRate: string | null }>;
  if (new Set(stored.map((l) => l.taxRate)).size < 2) return {};
  if (stored.reduce((sum, l) => sum + BigInt(l.net), 0n) !== BigInt(row.shipping_total)) return {};
  return {
    shippingLines: stored.map((l) => ({
      amount: formatMoney(BigInt(l.net), row.currency),
      ...(l.taxRate ? { taxRate: l.taxRate } : {}),
    })),
  };
}
