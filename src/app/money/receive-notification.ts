import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { NotificationInput, PaymentNotification, ProviderPayment } from '../../integrations/payments/types.js';
import type { Db } from '../../store/db.js';
import { writeHistory } from '../../store/history.js';
import { scope, transaction, type Work } from '../../store/tenant-scope.js';
import { lockOrder, providerActor, type ExecuteDeps } from './execute-payment-operation.js';
import type { PaymentOperationRow, PaymentRow } from './payment-rows.js';
import { recordPaymentChange } from './record-payment.js';

export interface NotificationOutcome {
  received: number;
  applied: number;
  duplicates: number;
  unchanged: number;
}

/** Which payment (and tenant) a notification is about: by the provider's id, or by our key echoed back. */
async function findPayment(db: Db, provider: string, notification: PaymentNotification) {
  const keys = [notification.key].filter((k): k is string => Boolean(k && /^[0-9a-f-]{36}$/i.test(k)));
  const { rows } = await sql<{ tenant_id: string; id: string }>`
    select tenant_id, id from payments where provider = ${provider} and (
      ${notification.providerPaymentId ? sql`provider_payment_id = ${notification.providerPaymentId}` : sql`false`}
      or ${keys.length ? sql`id = ${keys[0]}::uuid` : sql`false`}
      or ${keys.length ? sql`id = (select payment_id from payment_operations where id = ${keys[0]}::uuid)` : sql`false`}
      or ${notification.providerRefundId ? sql`id = (select payment_id from payment_operations where provider_ref = ${notification.providerRefundId} limit 1)` : sql`false`})
    order by id desc limit 1`.execute(db);
  return rows[0];
}

/**
 * A provider's notification: verified with that provider's own scheme (a bad signature is 401
 * and changes nothing), each payment found across tenants (the only cross-tenant read), kept
 * once per notification id (a redelivery is a no-op), confirmed with the provider where it
 * requires that (Przelewy24 verify, a YooKassa read-back), then applied to the payment and fed
 * to the order's process. A notification for a payment Ordo does not know is 422 UNKNOWN_PAYMENT.
 */
export async function receivePaymentNotification(
  deps: ExecuteDeps & { db: Db; log?: { warn: (details: object, message: string) => void } },
  provider: string,
  input: NotificationInput,
): Promise<NotificationOutcome> {
  const adapter = deps.providers.get(provider);
  if (!adapter)
    throw new AppError('UNKNOWN_PAYMENT_PROVIDER', `payment provider ${provider} is not configured`, [
      { path: 'path:provider', message: 'not configured' },
    ]);
  const parsed = adapter.parseNotification(input);
  if (!parsed.ok) {
    deps.log?.warn({ provider, code: parsed.error.code }, 'payment notification refused');
    if (parsed.error.code === 'SIGNATURE_INVALID') throw new AppError('SIGNATURE_INVALID', parsed.error.message);
    throw new AppError('VALIDATION_FAILED', parsed.error.message, [{ path: '/', message: parsed.error.message }]);
  }
  const out: NotificationOutcome = { received: parsed.value.length, applied: 0, duplicates: 0, unchanged: 0 };
  for (const notification of parsed.value) {
    const found = await findPayment(deps.db, provider, notification);
    if (!found)
      throw new AppError('UNKNOWN_PAYMENT', `${provider} notified about a payment Ordo does not know`, [
        {
          path: '/',
          message: `provider payment ${notification.providerPaymentId ?? notification.key ?? '?'} is unknown`,
        },
      ]);
    const tenant = scope(deps.db, found.tenant_id);
    let confirmed: ProviderPayment | undefined;
    if (notification.kind === 'payment' && adapter.confirmNotification) {
      const payment = await tenant
        .selectFrom('payments')
        .selectAll()
        .where('id', '=', found.id)
        .executeTakeFirstOrThrow();
      const check = await adapter.confirmNotification(notification, {
        providerPaymentId: notification.providerPaymentId ?? payment.provider_payment_id ?? '',
        key: payment.id,
        amount: BigInt(payment.amount),
        currency: payment.currency,
      });
      // Not confirmed (the provider is down): 503, so the provider sends it again later.
      if (!check.ok)
        throw new AppError(
          'PROVIDER_UNAVAILABLE',
          `${provider} did not confirm the notification: ${check.error.message}`,
        );
      confirmed = check.value;
    }
    const outcome = await transaction(tenant, (tx) => apply(deps, tx, provider, found.id, notification, confirmed));
    out[outcome]++;
  }
  return out;
}

async function apply(
  deps: ExecuteDeps,
  tx: Work,
  provider: string,
  paymentId: string,
  notification: PaymentNotification,
  confirmed: ProviderPayment | undefined,
): Promise<'applied' | 'duplicates' | 'unchanged'> {
  const now = deps.clock.now();
  const actor = providerActor(provider);
  const kept = await tx
    .insertInto('payment_notifications', {
      id: newId(),
      provider,
      notification_id: notification.notificationId,
      payment_id: paymentId,
      received_at: now,
      outcome: 'received',
      payload: JSON.stringify({ ...notification, amount: notification.amount?.toString() }),
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'provider', 'notification_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!kept) return 'duplicates';
  // The order first, then its payments: the lock order of the payment commands (see lockOrder).
  const { order_id: orderId } = await tx
    .selectFrom('payments')
    .select('order_id')
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
  await lockOrder(tx, orderId);
  const payments = await tx.selectFrom('payments').selectAll().where('order_id', '=', orderId).forUpdate().execute();
  const payment = payments.find((p) => p.id === paymentId)!;
  const pending = await tx
    .selectFrom('payment_operations')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .where('status', '=', 'pending')
    .execute();
  const ctx = { tx, actor, now, processes: deps.processes };
  const change = await changeFor(payment, notification, confirmed, pending);
  let outcome: string = 'unchanged';
  if (change) {
    if (change.providerPaymentId && !payment.provider_payment_id)
      await tx
        .updateTable('payments')
        .set({ provider_payment_id: change.providerPaymentId })
        .where('id', '=', payment.id)
        .execute();
    await recordPaymentChange(ctx, { ...payment }, change.change, change.op);
    outcome = change.change.kind;
  } else
    await writeHistory(tx, actor, now, [
      {
        orderId: payment.order_id,
        action: 'payment.notification_noted',
        changes: {
          paymentId,
          notificationId: notification.notificationId,
          providerStatus: notification.providerStatus,
        },
        reason: { note: `nothing to change: the payment is ${payment.status}` },
      },
    ]);
  await tx
    .updateTable('payment_notifications')
    .set({ outcome })
    .where('provider', '=', provider)
    .where('notification_id', '=', notification.notificationId)
    .execute();
  return change ? 'applied' : 'unchanged';
}

type Change = Parameters<typeof recordPaymentChange>[2];

/** What a notification changes on the payment, or null when it tells nothing new (a late or repeated status). */
async function changeFor(
  payment: PaymentRow,
  notification: PaymentNotification,
  confirmed: ProviderPayment | undefined,
  pending: PaymentOperationRow[],
): Promise<{ change: Change; op?: PaymentOperationRow; providerPaymentId?: string } | null> {
  const of = (kind: PaymentOperationRow['kind']) => pending.find((o) => o.kind === kind);
  if (notification.kind === 'refund') {
    const op = pending.find(
      (o) =>
        o.kind === 'refund' &&
        ((notification.providerRefundId && o.provider_ref === notification.providerRefundId) ||
          o.id === notification.key),
    );
    if (!op || notification.refundStatus === 'pending') return null;
    if (notification.refundStatus === 'succeeded')
      return { change: { kind: 'refunded', amount: BigInt(op.amount) }, op };
    return {
      change: {
        kind: 'failed',
        reason: `the provider refused the refund (${notification.providerStatus})`,
        operationKind: 'refund',
        amount: BigInt(op.amount),
      },
      op,
    };
  }
  const status = confirmed?.status ?? notification.status;
  const amount = confirmed ? confirmed.captured || confirmed.amount : (notification.amount ?? BigInt(payment.amount));
  const providerPaymentId = notification.providerPaymentId ?? confirmed?.providerPaymentId;
  const extra = providerPaymentId ? { providerPaymentId } : {};
  switch (status) {
    case 'authorized':
      if (payment.status !== 'pending') return null;
      return { change: { kind: 'authorized', amount: confirmed?.capturable || amount }, op: of('authorize'), ...extra };
    case 'captured': {
      const more = amount - BigInt(payment.captured);
      if (!['pending', 'authorized'].includes(payment.status) || more <= 0n) return null;
      return { change: { kind: 'captured', amount: more }, op: of('capture') ?? of('authorize'), ...extra };
    }
    case 'cancelled':
    case 'failed': {
      if (payment.status === 'authorized' && of('void'))
        return { change: { kind: 'voided', amount: BigInt(of('void')!.amount) }, op: of('void') };
      if (!['pending', 'authorized'].includes(payment.status) || BigInt(payment.captured) > 0n) return null;
      return {
        change: {
          kind: 'failed',
          reason: `the provider reports the payment ${notification.providerStatus}`,
          operationKind: 'authorize',
          amount: BigInt(payment.amount),
        },
        op: of('authorize'),
        ...extra,
      };
    }
    default:
      return null;
  }
}
