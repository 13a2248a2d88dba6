import type {} from '../../../store/schema-order-changes.js';
import { AppError } from '../../../shared/errors.js';
import type { Clock } from '../../../shared/clock.js';
import { atomically, type TenantScope } from '../../../store/tenant-scope.js';
import { writeHistory, type Actor } from '../../../store/history.js';
import { changeView, loadChange } from './change-context.js';

/** Discards a draft change: nothing of it applies, and the order may take another. */
export async function discardOrderChange(
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  orderId: string,
  changeId: string,
  reason?: string,
) {
  return atomically(scope, async (tx) => {
    const change = await loadChange(tx, orderId, changeId, true);
    if (change.status !== 'draft')
      throw new AppError('ORDER_CHANGE_NOT_OPEN', `change ${change.version} is ${change.status}`, [], {
        changeStatus: change.status,
      });
    const now = clock.now();
    await tx
      .updateTable('order_changes')
      .set({ status: 'discarded', discarded_at: now })
      .where('id', '=', changeId)
      .execute();
    await writeHistory(tx, actor, now, [
      {
        orderId,
        action: 'order.change_discarded',
        changes: { changeId, changeVersion: change.version },
        reason: { command: 'POST /orders/{id}/changes/{changeId}/discard', note: reason ?? null },
      },
    ]);
    return changeView({ ...change, status: 'discarded', discarded_at: now });
  });
}
