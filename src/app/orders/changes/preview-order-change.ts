import type {} from '../../../store/schema-order-changes.js';
import { AppError } from '../../../shared/errors.js';
import { newId } from '../../../shared/ids.js';
import type { Clock } from '../../../shared/clock.js';
import { atomically, type TenantScope } from '../../../store/tenant-scope.js';
import { writeHistory, type Actor } from '../../../store/history.js';
import type { OrderChangeInput } from './schemas.js';
import { changeView, checkIfMatch, computeChange, loadChangeOrder } from './change-context.js';

/**
 * Previews a change of a placed order and keeps it as the order's draft change: new lines and
 * totals, the stock it takes or gives back, the payment difference and who must approve.
 * Nothing but the draft is written; a refused action (a shipped line, an unknown SKU) writes
 * nothing. One draft per order: a second is refused with the first's id (the partial unique
 * index decides should two previews race past the order lock).
 */
export async function previewOrderChange(
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  orderId: string,
  input: OrderChangeInput,
  ifMatch: number | null,
) {
  return atomically(scope, async (tx) => {
    const loaded = await loadChangeOrder(tx, orderId, { lockStock: false });
    checkIfMatch(loaded.row, ifMatch);
    const open = await tx
      .selectFrom('order_changes')
      .select(['id', 'version'])
      .where('order_id', '=', orderId)
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (open)
      throw new AppError(
        'ORDER_CHANGE_ALREADY_OPEN',
        `change ${open.version} of this order is a draft: confirm or discard it first`,
        [],
        { changeId: open.id },
      );
    const computed = await computeChange(tx, loaded, input.actions);
    const last = await tx
      .selectFrom('order_changes')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('order_id', '=', orderId)
      .executeTakeFirst();
    const now = clock.now();
    const row = {
      id: newId(),
      order_id: orderId,
      version: Number(last?.v ?? 0) + 1,
      status: 'draft' as const,
      base_version: loaded.row.version,
      actions: input.actions,
      preview: computed.preview,
      reason: input.reason ?? null,
      requested_by: { ...actor },
      created_at: now,
      confirmed_at: null,
      confirmed_by: null,
      discarded_at: null,
    };
    await tx
      .insertInto('order_changes', {
        ...row,
        actions: JSON.stringify(row.actions),
        preview: JSON.stringify(row.preview),
        requested_by: JSON.stringify(row.requested_by),
        confirmed_by: null,
      })
      .execute();
    await writeHistory(tx, actor, now, [
      {
        orderId,
        action: 'order.change_previewed',
        changes: {
          changeId: row.id,
          changeVersion: row.version,
          actions: input.actions.map((a) => a.type),
          grandTotal: { from: computed.preview.totals.before.grandTotal, to: computed.preview.totals.after.grandTotal },
        },
        reason: { command: 'POST /orders/{id}/changes', note: input.reason ?? null },
      },
    ]);
    return changeView(row);
  });
}
