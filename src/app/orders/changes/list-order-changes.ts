import type {} from '../../../store/schema-order-changes.js';
import type { TenantScope } from '../../../store/tenant-scope.js';
import { requireParent } from '../../require-parent.js';
import { changeView } from './change-context.js';

/** An order's changes, newest first (drafts, confirmed and discarded ones). */
export async function listOrderChanges(scope: TenantScope, orderId: string) {
  await requireParent(scope, 'orders', orderId);
  const rows = await scope
    .selectFrom('order_changes')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('version', 'desc')
    .execute();
  return { items: rows.map(changeView) };
}
