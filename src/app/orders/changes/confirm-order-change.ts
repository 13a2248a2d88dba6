import type {} from '../../../store/schema-order-changes.js';
import { AppError } from '../../../shared/errors.js';
import type { Clock } from '../../../shared/clock.js';
import type { Work } from '../../../store/tenant-scope.js';
import { writeHistory, type Actor } from '../../../store/history.js';
import { price, type ChangeAction, type ChangeOrder } from '../../../domain/order/changes.js';
import { priceOrder } from '../../../domain/order/totals.js';
import { channelRules } from '../../../domain/inventory/stock.js';
import { emitEvent } from '../../events/emit-event.js';
import { releaseOrderReservations } from '../../inventory/release.js';
import { destinationOf } from '../../../domain/sourcing/geo.js';
import { reserveOrder } from '../../inventory/reserve.js';
import { refundPayments } from '../../money/payment-commands.js';
import type { OrderProcesses } from '../../process/order-processes.js';
import { getOrder } from '../get-order.js';
import { changeView, checkIfMatch, computeChange, loadChange, loadChangeOrder } from './change-context.js';

export interface ConfirmDeps {
  processes: OrderProcesses;
  clock: Clock;
  /** Configured payment provider codes (a refund through any other is refused). */
  providers: ReadonlySet<string>;
  /** The caller's roles: a change needing an approval is confirmed only by someone holding that role. */
  roles: readonly string[];
}

/**
 * Confirms a draft change in the caller's unit of work. Everything is decided again from the
 * order as it is now, under its row lock and its reservations' locks: a line shipped since the
 * preview is refused (409), never changed. Then, in this one transaction: the lines and totals,
 * stock released for what went away and reserved for what came (by the reservation policy, so
 * units not yet picked may move to another location; never below zero: a shortage is a
 * backorder), a refund through the payments that took the money when the new total is below
 * what was paid, one history row per action, the `order.changed` event and the process's
 * `order_changed` fact. An increase is left outstanding (docs/order-changes.md says why).
 */
export async function confirmOrderChange(
  deps: ConfirmDeps,
  tx: Work,
  actor: Actor,
  orderId: string,
  changeId: string,
  ifMatch: number | null,
) {
  const loaded = await loadChangeOrder(tx, orderId, { lockStock: true });
  checkIfMatch(loaded.row, ifMatch);
  const change = await loadChange(tx, orderId, changeId, true);
  if (change.status !== 'draft')
    throw new AppError('ORDER_CHANGE_NOT_OPEN', `change ${change.version} is ${change.status}`, [], {
      changeStatus: change.status,
    });
  if (loaded.row.version !== change.base_version)
    throw new AppError(
      'ORDER_CHANGE_STALE',
      `the change was previewed on version ${change.base_version}; the order is at ${loaded.row.version}`,
      [],
      { baseVersion: change.base_version, currentVersion: loaded.row.version },
    );
  const actions = change.actions as ChangeAction[];
  const computed = await computeChange(tx, loaded, actions);
  const { applied } = computed;
  // The approvals the change needs, worked out again as it is now: the caller must hold each role
  // (an admin holds all). Nothing changes otherwise.
  const missing = computed.preview.approvals.filter(
    (a) => !deps.roles.includes(a.role) && !deps.roles.includes('admin'),
  );
  if (missing.length)
    throw new AppError(
      'FORBIDDEN',
      `this change needs the approval of ${missing.map((a) => `${a.role} (${a.rule})`).join('; ')}`,
      missing.map((a) => ({ path: '/', message: a.rule, code: `APPROVAL_${a.role.toUpperCase()}` })),
      { approvals: missing },
    );
  const now = deps.clock.now();
  const row = loaded.row;
  const version = row.version + 1;

  // lines: the figures exactly as intake prices them
  const priced = price(applied.order);
  if ('errors' in priced) throw new Error('a change that applied must price');
  const before = new Map(loaded.lineRows.map((l) => [l.id, l]));
  for (const [index, line] of applied.order.lines.entries()) {
    const figures = priced.lines[index]!;
    const values = {
      product_id: line.productId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unit_price: figures.unitPrice,
      discount: figures.discount,
      tax_rate: line.taxRate,
      tax: figures.tax,
      net: figures.net,
      total: figures.total,
    };
    const was = before.get(line.id);
    // A line whose discount the change sets has that discount as its own: no share of an
    // order-level discount any more (the order's discounts stay listed as received).
    const reallocated =
      was && BigInt(was.discount) !== figures.discount ? { allocated_discount: 0n, discount_allocations: '[]' } : {};
    if (!was) {
      await tx
        .insertInto('order_lines', {
          order_id: orderId,
          id: line.id,
          line_no: line.lineNo,
          external_line_id: null,
          attributes: '{}',
          ...values,
        })
        .execute();
    } else if (
      was.quantity !== line.quantity ||
      was.product_id !== line.productId ||
      was.name !== line.name ||
      BigInt(was.unit_price) !== figures.unitPrice ||
      BigInt(was.discount) !== figures.discount ||
      BigInt(was.total) !== figures.total
    ) {
      await tx
        .updateTable('order_lines')
        .set({ ...values, ...reallocated })
        .where('order_id', '=', orderId)
        .where('id', '=', line.id)
        .execute();
    }
  }
  const totals = applied.totals;
  const attributes = { ...row.attributes };
  // shipping lines at different rates keep theirs (no single rate); a new delivery fee is one line
  if (applied.order.shippingLines) delete attributes.shippingTaxRate;
  else if (applied.order.shipping?.taxRate) attributes.shippingTaxRate = applied.order.shipping.taxRate;
  else delete attributes.shippingTaxRate;
  const feeSet = applied.effects.some((effect) => effect.action === 'set_delivery_fee');
  const shippingLines = feeSet ? deliveryFeeLines(applied.order) : undefined;
  await tx
    .updateTable('orders')
    .set({
      subtotal: totals.subtotal,
      discount_total: totals.discountTotal,
      tax_total: totals.taxTotal,
      shipping_total: totals.shippingTotal,
      grand_total: totals.grandTotal,
      delivery_method: applied.order.deliveryMethod,
      pickup_location_id: computed.pickupLocationId,
      attributes: JSON.stringify(attributes),
      ...(shippingLines ? { shipping_lines: JSON.stringify(shippingLines) } : {}),
      line_count: applied.order.lines.length,
      version,
      updated_at: now,
    })
    .where('id', '=', orderId)
    .execute();

  // stock: what went away goes back; what came (and what a moved pickup needs) is reserved
  const reason = `order change ${change.version}`;
  const reserves = loaded.reservedAnything || channelRules(loaded.channelSettings).reserveOnIntake;
  const deliveryMoved = computed.pickupLocationId !== row.pickup_location_id;
  const toRelease = new Set(applied.stock.filter((s) => s.delta < 0).map((s) => s.lineId));
  if (deliveryMoved) for (const line of applied.order.lines) if (line.fulfilled === 0) toRelease.add(line.id);
  let stock: Awaited<ReturnType<typeof reserveOrder>> | null = null;
  if (reserves && (toRelease.size > 0 || applied.stock.length > 0)) {
    if (toRelease.size) await releaseOrderReservations(tx, actor, now, { orderId, lineIds: [...toRelease], reason });
    stock = await reserveOrder(tx, actor, now, {
      orderId,
      channelId: row.channel_id,
      pickupLocationId: applied.order.deliveryMethod === 'pickup' ? computed.pickupLocationId : null,
      channelSettings: loaded.channelSettings,
      destination: destinationOf(row.shipping_address, row.pickup_point),
      lines: applied.order.lines
        // service lines hold no stock
        .filter((l) => l.quantity > 0 && l.kind !== 'service')
        .map((l) => ({ lineId: l.id, lineNo: l.lineNo, productId: l.productId, sku: l.sku, quantity: l.quantity })),
    });
  }

  // money: what was paid above the new total goes back through the payments that took it
  const refund =
    computed.payment.refund > 0n
      ? await refundPayments(
          { tx, actor, now, processes: deps.processes },
          orderId,
          { amount: computed.payment.refund, reason },
          { providers: deps.providers, runAt: now },
        )
      : null;

  await writeHistory(
    tx,
    actor,
    now,
    applied.effects.map((effect, index) => ({
      orderId,
      action: `order.change.${effect.action}`,
      changes: { lineId: effect.lineId, from: effect.from, to: effect.to },
      reason: { changeId, changeVersion: change.version, action: index, note: change.reason },
    })),
  );
  const preview = computed.preview;
  await tx
    .updateTable('order_changes')
    .set({
      status: 'confirmed',
      confirmed_at: now,
      confirmed_by: JSON.stringify({ ...actor }),
      preview: JSON.stringify(preview),
    })
    .where('id', '=', changeId)
    .execute();
  const payload = {
    orderId,
    number: row.number,
    version,
    changeId,
    changeVersion: change.version,
    actions: actions.map((a) => a.type),
    grandTotal: preview.totals.after.grandTotal,
    previousGrandTotal: preview.totals.before.grandTotal,
    currency: row.currency,
    refund: preview.payment.refund,
    outstanding: preview.payment.outstanding,
    stock: preview.stock.map((s) => ({ sku: s.sku, delta: s.delta })),
  };
  await emitEvent(tx, { type: 'order.changed', subject: orderId, time: now, payload });
  // A process may react (approve, capture more, re-route); one that does not listen records it.
  await deps.processes.feed(tx, actor, now, orderId, 'order_changed', payload);
  const order = await getOrder(deps.processes.actions, tx, orderId);
  return {
    version: order.version,
    change: changeView({
      ...change,
      status: 'confirmed',
      confirmed_at: now,
      confirmed_by: { ...actor },
      preview,
    }),
    order,
    stock: stock ? { status: stock.status, lines: stock.lines } : null,
    refund: refund ? { amount: preview.payment.refund, operations: refund.operations.map((o) => o.id) } : null,
  };
}

/** The order's shipping lines after a change set the delivery fee: that fee as one line (none for no fee). */
function deliveryFeeLines(order: ChangeOrder) {
  if (!order.shipping) return [];
  const priced = priceOrder(order.currency, [], order.shipping, order.pricesIncludeTax);
  if ('errors' in priced) return [];
  const line = priced.shipping[0]!;
  const str = (v: bigint) => v.toString();
  return [
    {
      code: null,
      title: null,
      carrier: null,
      amount: str(line.amount),
      discount: str(line.discount),
      allocatedDiscount: '0',
      allocations: [],
      taxRate: line.taxRate,
      tax: str(line.tax),
      net: str(line.net),
      total: str(line.total),
    },
  ];
}
