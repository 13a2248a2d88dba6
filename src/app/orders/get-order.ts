import { AppError } from '../../shared/errors.js';
import type { ActionRegistry } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { historyView, orderView } from './order-view.js';
import { orderProcessView, processViewOf } from '../process/order-process-view.js';
import type { ApplyResult } from '../process/apply-order-event.js';

/** Loads an order row with its channel code; with forUpdate, locks it for the caller's transaction. */
export async function loadOrderRow(scope: TenantScope, id: string, forUpdate = false) {
  let query = scope
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('orders')
    .select('channels.code as channel_code')
    .where('orders.id', '=', id);
  if (forUpdate) query = query.forUpdate('orders');
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `order ${id} not found`);
  return row;
}

export async function getOrder(actions: ActionRegistry, scope: TenantScope, id: string) {
  const row = await loadOrderRow(scope, id);
  const lines = await scope
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', id)
    .orderBy('line_no')
    .execute();
  // process (issue 4): state, process key/version, allowed events and open tasks
  return { ...orderView(row, lines), ...(await orderProcessView(actions, scope, id, row)) };
}

/**
 * The order as an event just left it, the same view as getOrder: built from the row and process
 * snapshot the event saved, and its lines as that statement read them (ApplyOptions.withLines) or,
 * without them, read now (an action may have changed them); only open tasks are read.
 */
export async function orderAfterEvent(scope: TenantScope, applyResult: ApplyResult) {
  const { order, def, snapshot, exception } = applyResult.saved;
  const lines =
    order.lines ??
    (await scope
      .selectFrom('order_lines')
      .selectAll()
      .where('order_id', '=', applyResult.orderId)
      .orderBy('line_no')
      .execute());
  return {
    ...orderView(order, lines),
    ...(await processViewOf(scope, applyResult.orderId, def, snapshot, exception, order.attributes)),
  };
}

export async function getOrderHistory(scope: TenantScope, id: string) {
  await loadOrderRow(scope, id);
  const rows = await scope.selectFrom('order_history').selectAll().where('order_id', '=', id).orderBy('id').execute();
  return rows.map(historyView);
}
