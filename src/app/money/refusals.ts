import { isAppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { transaction, type TenantScope } from '../../store/tenant-scope.js';

/** What a refused money request was about: the order is found from whichever is given. */
export interface RefusedRequest {
  action: string;
  orderId?: string | undefined;
  paymentId?: string | undefined;
  operationId?: string | undefined;
  invoiceId?: string | undefined;
  request?: Record<string, unknown> | undefined;
}

const NOT_RECORDED = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'IDEMPOTENCY_IN_PROGRESS']);

/**
 * A money request that was refused (a refund above what was captured, a credit note larger than
 * its invoice, an invoice for a cancelled order) changes nothing, but the attempt is kept in the
 * order's history with its code and reason, in a transaction of its own after the refused one
 * rolled back. Refusals that name no order (unknown ids, no rights) are not recorded here.
 */
export async function recordRefusal(
  store: TenantScope,
  actor: Actor,
  now: Date,
  what: RefusedRequest,
  error: unknown,
): Promise<void> {
  if (!isAppError(error) || error.status >= 500 || NOT_RECORDED.has(error.code)) return;
  await transaction(store, async (tx) => {
    let orderId = what.orderId;
    if (!orderId && what.paymentId)
      orderId = (await tx.selectFrom('payments').select('order_id').where('id', '=', what.paymentId).executeTakeFirst())
        ?.order_id;
    if (!orderId && what.operationId)
      orderId = (
        await tx
          .selectFrom('payment_operations')
          .select('order_id')
          .where('id', '=', what.operationId)
          .executeTakeFirst()
      )?.order_id;
    if (!orderId && what.invoiceId)
      orderId = (await tx.selectFrom('invoices').select('order_id').where('id', '=', what.invoiceId).executeTakeFirst())
        ?.order_id;
    if (!orderId || !(await tx.selectFrom('orders').select('id').where('id', '=', orderId).executeTakeFirst())) return;
    await writeHistory(tx, actor, now, [
      {
        orderId,
        action: 'money.request_refused',
        changes: {
          request: what.action,
          ...(what.paymentId ? { paymentId: what.paymentId } : {}),
          ...(what.invoiceId ? { invoiceId: what.invoiceId } : {}),
          ...(what.request ? { input: what.request } : {}),
        },
        reason: { code: error.code, note: error.message, errors: error.errors },
      },
    ]);
  });
}
