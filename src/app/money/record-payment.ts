import { sql } from 'kysely';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import '../../store/schema-returns.js';
import { emitEvent } from '../events/emit-event.js';
import { raiseFlag } from '../orders/flags.js';
import type { OrderProcessPort } from '../process/port.js';
import {
  forgetNewOrderMoney,
  loadMoneyOrder,
  loadPayments,
  money,
  summaryOf,
  type PaymentOperationRow,
  type PaymentRow,
} from './payment-rows.js';

/**
 * Where a payment's change lands: its row, the operation that caused it, the order's history, an
 * outbox event, and the order's process (the result it waits for). A process operation records
 * without `processes`: it is inside the process's own step and returns the event itself.
 */
export interface MoneyContext {
  tx: Work;
  actor: Actor;
  now: Date;
  processes?: OrderProcessPort | undefined;
}

type Change =
  | { kind: 'authorized'; amount: bigint; providerPaymentId?: string | null; redirectUrl?: string | null }
  | { kind: 'captured'; amount: bigint; providerPaymentId?: string | null }
  | { kind: 'voided'; amount: bigint }
  | { kind: 'refunded'; amount: bigint }
  | { kind: 'failed'; reason: string; operationKind: PaymentOperationRow['kind']; amount: bigint };

/** The process event each change answers (what a state waiting for the payment accepts). */
const RESULT: Record<Change['kind'], string | null> = {
  authorized: 'payment_authorized',
  captured: 'payment_captured',
  voided: null,
  refunded: 'refunded',
  failed: 'payment_failed',
};

/**
 * Applies one change to a payment (its amounts and status, guarded so a replay cannot apply it
 * twice), closes the operation, and tells the history, the outbox and the process. Returns the
 * process event the change answers (null: none), fed already when `processes` was given.
 */
export async function recordPaymentChange(
  ctx: MoneyContext,
  payment: PaymentRow,
  change: Change,
  op?: PaymentOperationRow,
): Promise<string | null> {
  const { tx, now } = ctx;
  const set: Record<string, unknown> = { updated_at: now, version: sql`version + 1` };
  switch (change.kind) {
    case 'authorized':
      set.authorized = change.amount;
      set.status = 'authorized';
      if (change.providerPaymentId) set.provider_payment_id = change.providerPaymentId;
      if (change.redirectUrl !== undefined) set.redirect_url = change.redirectUrl;
      break;
    case 'captured': {
      // A capture closes the authorisation: what was not taken is released (as providers do).
      const captured = BigInt(payment.captured) + change.amount;
      const authorized = BigInt(payment.authorized) > captured ? BigInt(payment.authorized) : captured;
      set.captured = captured;
      set.authorized = authorized;
      set.voided = authorized - captured;
      set.status = 'captured';
      if (change.providerPaymentId) set.provider_payment_id = change.providerPaymentId;
      break;
    }
    case 'voided':
      set.voided = BigInt(payment.voided) + change.amount;
      set.status = BigInt(payment.captured) > 0n ? 'captured' : 'voided';
      break;
    case 'refunded':
      set.refunded = BigInt(payment.refunded) + change.amount;
      break;
    case 'failed':
      // A failed refund or void leaves the payment as it was; a failed authorisation or capture ends it.
      if (
        change.operationKind === 'authorize' &&
        ['pending', 'authorized'].includes(payment.status) &&
        BigInt(payment.captured) === 0n
      )
        set.status = 'failed';
      break;
  }
  // Callers hold the payment's row lock, so its version cannot have moved: a miss is a bug.
  const updated = await tx
    .updateTable('payments')
    .set(set)
    .where('id', '=', payment.id)
    .where('version', '=', payment.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new Error(`payment ${payment.id} changed under its lock`);
  forgetNewOrderMoney(tx, payment.order_id);
  if (op)
    await tx
      .updateTable('payment_operations')
      .set({
        status: change.kind === 'failed' ? 'failed' : 'succeeded',
        completed_at: now,
        ...(change.kind === 'failed' ? { reason: change.reason } : {}),
      })
      .where('id', '=', op.id)
      .where('status', '=', 'pending')
      .execute();

  const order = await loadMoneyOrder(tx, payment.order_id);
  const summary = summaryOf(order, await loadPayments(tx, payment.order_id));
  const amount = change.amount;
  await writeHistory(tx, ctx.actor, now, [
    {
      orderId: payment.order_id,
      action: `payment.${change.kind}`,
      changes: {
        paymentId: payment.id,
        method: payment.method,
        provider: payment.provider,
        ...(op ? { operationId: op.id, operation: op.kind } : {}),
        amount: money(amount, payment.currency),
        paymentStatus: summary.status,
      },
      reason: change.kind === 'failed' ? { note: change.reason } : {},
    },
  ]);
  if (change.kind === 'failed') {
    await emitEvent(tx, {
      type: 'payment.failed',
      subject: payment.order_id,
      time: now,
      payload: {
        orderId: payment.order_id,
        paymentId: payment.id,
        operationId: op?.id ?? payment.id,
        kind: change.operationKind,
        amount: money(amount, payment.currency),
        currency: payment.currency,
        reason: change.reason,
      },
    });
  } else {
    await emitEvent(tx, {
      type: `payment.${change.kind}`,
      subject: payment.order_id,
      time: now,
      payload: {
        orderId: payment.order_id,
        paymentId: payment.id,
        ...(op ? { operationId: op.id } : {}),
        method: payment.method,
        provider: payment.provider,
        amount: money(amount, payment.currency),
        currency: payment.currency,
        paymentStatus: summary.status,
      },
    });
  }

  let event = RESULT[change.kind];
  if (change.kind === 'failed') {
    if (change.operationKind === 'refund') event = 'refund_failed';
    if (change.operationKind === 'void') {
      event = null;
      await raiseFlag(tx, payment.order_id, {
        code: 'PAYMENT_VOID_FAILED',
        at: now.toISOString(),
        by: 'money',
        message: `the authorisation of payment ${payment.id} could not be released: ${change.reason}`,
      });
    }
  }
  // A refund spread over several payments answers once, when the last of them is done.
  if (change.kind === 'refunded') {
    const open = await tx
      .selectFrom('payment_operations')
      .select('id')
      .where('order_id', '=', payment.order_id)
      .where('kind', '=', 'refund')
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (open) event = null;
  }
  const returnId = op?.kind === 'refund' ? (op.request as { returnId?: unknown }).returnId : undefined;
  if (typeof returnId === 'string') await tellReturn(ctx, returnId, change, op!);
  if (event && ctx.processes)
    await ctx.processes.feed(tx, ctx.actor, now, payment.order_id, event, {
      paymentId: payment.id,
      ...(op ? { operationId: op.id } : {}),
      amount: money(amount, payment.currency),
      paymentStatus: summary.status,
    });
  return event;
}

/**
 * A refund that pays out a return: the return counts what was paid back, and its process hears
 * `refunded` once the last of its refund operations is done (or `refund_failed`).
 */
async function tellReturn(ctx: MoneyContext, returnId: string, change: Change, op: PaymentOperationRow) {
  if (change.kind === 'refunded')
    await ctx.tx
      .updateTable('returns')
      .set({ refunded: sql`refunded + ${String(change.amount)}::bigint`, updated_at: ctx.now })
      .where('id', '=', returnId)
      .execute();
  if (change.kind !== 'refunded' && change.kind !== 'failed') return;
  const open = await ctx.tx
    .selectFrom('payment_operations')
    .select('id')
    .where('kind', '=', 'refund')
    .where('status', '=', 'pending')
    .where(sql<string>`request->>'returnId'`, '=', returnId)
    .where('id', '<>', op.id)
    .executeTakeFirst();
  if (change.kind === 'refunded' && open) return;
  if (ctx.processes)
    await ctx.processes.feed(
      ctx.tx,
      ctx.actor,
      ctx.now,
      returnId,
      change.kind === 'refunded' ? 'refunded' : 'refund_failed',
      {
        operationId: op.id,
        amount: money(change.amount, await currencyOf(ctx, returnId)),
      },
    );
}

async function currencyOf(ctx: MoneyContext, orderId: string): Promise<string> {
  const row = await ctx.tx.selectFrom('orders').select('currency').where('id', '=', orderId).executeTakeFirstOrThrow();
  return row.currency;
}
