import type {
  PaymentProviderAdapter,
  PaymentProviderError,
  PaymentRef,
  ProviderPayment,
  ProviderResult,
} from '../../integrations/payments/types.js';
import type { Clock } from '../../shared/clock.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import type { JobDefinition } from '../events/timers.js';
import type { OrderProcessPort } from '../process/port.js';
import { PAYMENT_OPERATION_JOB, type PaymentOperationRow, type PaymentRow } from './payment-rows.js';
import { recordPaymentChange } from './record-payment.js';

/** The configured payment providers by code. */
export type PaymentProviders = ReadonlyMap<string, PaymentProviderAdapter>;

/** Tries at a provider before an operation that keeps failing for passing reasons is given up. */
export const MAX_PROVIDER_ATTEMPTS = 8;
const RETRY_MS = [5_000, 15_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000];

export interface ExecuteDeps {
  providers: PaymentProviders;
  processes: OrderProcessPort;
  clock: Clock;
  /** Where providers send notifications: `${publicUrl}/api/v1/payments/notifications/{provider}`. */
  publicUrl?: string | undefined;
}

export const providerActor = (code: string): Actor => ({ type: 'system', id: null, name: `payments:${code}` });
const refOf = (p: PaymentRow): PaymentRef => ({
  providerPaymentId: p.provider_payment_id ?? '',
  key: p.id,
  amount: BigInt(p.amount),
  currency: p.currency,
});

type Outcome = { done: true } | { retryAt: Date } | { done: false; reason: 'not_pending' | 'missing' | 'manual' };

/**
 * Carries one pending payment operation to its provider, with its own id (the payment's, for the
 * authorisation) as the idempotency key, and records what came back. A lost response is looked up
 * (`findPayment`) before anything else; a passing failure (timeout, 5xx, 429) is tried again with
 * the same key later, up to MAX_PROVIDER_ATTEMPTS; a refusal is a failed operation with the
 * provider's reason, and the process hears of it. Every attempt is in the order's history.
 * Runs outside or inside a transaction (the job runner's): the call holds no row lock.
 */
export async function executePaymentOperation(
  deps: ExecuteDeps,
  scope: TenantScope,
  operationId: string,
): Promise<Outcome> {
  const op = await scope.selectFrom('payment_operations').selectAll().where('id', '=', operationId).executeTakeFirst();
  if (!op) return { done: false, reason: 'missing' };
  if (op.status !== 'pending') return { done: false, reason: 'not_pending' };
  const payment = await scope
    .selectFrom('payments')
    .selectAll()
    .where('id', '=', op.payment_id)
    .executeTakeFirstOrThrow();
  // No provider: a person carries it out (a refund paid back by hand) and confirms it; nothing to call.
  if (!payment.provider) return { done: false, reason: 'manual' };
  const code = payment.provider;
  const adapter = deps.providers.get(code);
  const actor = providerActor(code);
  if (!adapter) {
    await settle(deps, scope, op, actor, { kind: 'failed', reason: `payment provider ${code} is not configured here` });
    return { done: true };
  }
  const order = await scope
    .selectFrom('orders')
    .select(['number', 'customer_email', 'attributes'])
    .where('id', '=', payment.order_id)
    .executeTakeFirstOrThrow();
  const result = await callProvider(deps, adapter, op, payment, order);
  return atomically(scope, async (tx) => {
    const now = deps.clock.now();
    await lockOrder(tx, op.order_id);
    const fresh = await tx
      .selectFrom('payment_operations')
      .selectAll()
      .where('id', '=', op.id)
      .forUpdate()
      .executeTakeFirst();
    if (!fresh || fresh.status !== 'pending') return { done: false, reason: 'not_pending' } as Outcome;
    const attempts = fresh.attempts + 1;
    if (!result.ok) {
      const error = result.error;
      await tx
        .updateTable('payment_operations')
        .set({ attempts, error: JSON.stringify(errorJson(error)) })
        .where('id', '=', op.id)
        .execute();
      await writeHistory(tx, actor, now, [
        {
          orderId: op.order_id,
          action: 'payment.attempt_failed',
          changes: {
            paymentId: payment.id,
            operationId: op.id,
            operation: op.kind,
            attempt: attempts,
            code: error.code,
          },
          reason: { note: error.message, providerMessages: error.providerMessages, retryable: error.retryable },
        },
      ]);
      if ((error.retryable || error.outcomeUnknown) && attempts < MAX_PROVIDER_ATTEMPTS)
        return { retryAt: new Date(now.getTime() + RETRY_MS[Math.min(attempts - 1, RETRY_MS.length - 1)]!) };
      await settle(deps, tx, fresh, actor, {
        kind: 'failed',
        reason: `${error.message}${error.providerMessages.length ? ` (${error.providerMessages.join('; ')})` : ''}`,
      });
      return { done: true };
    }
    await tx.updateTable('payment_operations').set({ attempts }).where('id', '=', op.id).execute();
    const value = result.value;
    await settle(deps, tx, { ...fresh, attempts }, actor, value);
    return { done: true };
  });
}

type CallValue =
  | { kind: 'payment'; payment: ProviderPayment }
  | { kind: 'refund'; providerRefundId: string; status: 'pending' | 'succeeded' | 'failed'; providerStatus: string };

async function callProvider(
  deps: ExecuteDeps,
  adapter: PaymentProviderAdapter,
  op: PaymentOperationRow,
  payment: PaymentRow,
  order: { number: string; customer_email: string | null; attributes: unknown },
): Promise<ProviderResult<CallValue>> {
  const orderNumber = order.number;
  const asPayment = (r: ProviderResult<ProviderPayment>): ProviderResult<CallValue> =>
    r.ok ? { ok: true, value: { kind: 'payment', payment: r.value } } : r;
  const amount = BigInt(op.amount);
  switch (op.kind) {
    case 'authorize': {
      const returnUrl = returnUrlOf(order.attributes, deps.publicUrl);
      // After an unobserved outcome the provider may hold the payment already: find it first.
      if (op.attempts > 0) {
        const found = await adapter.findPayment(payment.id, payment.provider_payment_id ?? undefined);
        if (found.ok && found.value) return { ok: true, value: { kind: 'payment', payment: found.value } };
      }
      return asPayment(
        await adapter.createPayment({
          key: payment.id,
          orderNumber,
          amount,
          currency: payment.currency,
          description: `Order ${orderNumber}`,
          capture: op.request.capture === true,
          method: String(op.request.method ?? payment.method),
          // Przelewy24 refuses a registration without the buyer's email and a return address
          // (YooKassa's redirect needs the latter too): the order's, else Ordo's public address.
          ...(order.customer_email ? { buyer: { email: order.customer_email } } : {}),
          ...(returnUrl ? { returnUrl } : {}),
          ...(deps.publicUrl
            ? { notifyUrl: `${deps.publicUrl.replace(/\/$/, '')}/api/v1/payments/notifications/${adapter.code}` }
            : {}),
        }),
      );
    }
    case 'capture':
      return asPayment(await adapter.capture(refOf(payment), amount, op.id));
    case 'void':
      return asPayment(await adapter.void(refOf(payment), op.id));
    case 'refund': {
      const refund = await adapter.refund(refOf(payment), amount, op.id, op.reason ?? undefined);
      if (!refund.ok) return refund;
      return {
        ok: true,
        value: {
          kind: 'refund',
          providerRefundId: refund.value.providerRefundId,
          status: refund.value.status,
          providerStatus: refund.value.providerStatus,
        },
      };
    }
  }
}

/** Where the buyer goes back after paying: the order's `attributes.returnUrl` (the shop's page), else Ordo's public URL. */
function returnUrlOf(attributes: unknown, publicUrl: string | undefined): string | undefined {
  const own = (attributes as Record<string, unknown> | null)?.returnUrl;
  return typeof own === 'string' && own ? own : publicUrl || undefined;
}

const errorJson = (e: PaymentProviderError) => ({
  code: e.code,
  message: e.message,
  retryable: e.retryable,
  providerMessages: e.providerMessages,
  ...(e.httpStatus ? { httpStatus: e.httpStatus } : {}),
  ...(e.outcomeUnknown ? { outcomeUnknown: true } : {}),
});

/**
 * Takes the order's row lock first, as the payment commands and the process do (order, then its
 * payments, then their operations). Locking the payment first and the order later (the process
 * fed by the change locks it) deadlocked with a refund or capture requested at the same moment.
 */
export async function lockOrder(tx: TenantScope, orderId: string): Promise<void> {
  await tx.selectFrom('orders').select('id').where('id', '=', orderId).forUpdate().executeTakeFirst();
}

/**
 * Records what the provider answered for an operation. A created payment the buyer still has to
 * pay (a redirect) keeps its authorisation open until the provider's notification says so.
 */
async function settle(
  deps: ExecuteDeps,
  scope: TenantScope,
  op: PaymentOperationRow,
  actor: Actor,
  value: CallValue | { kind: 'failed'; reason: string },
): Promise<void> {
  await atomically(scope, async (tx) => {
    const now = deps.clock.now();
    await lockOrder(tx, op.order_id);
    const payment = await tx
      .selectFrom('payments')
      .selectAll()
      .where('id', '=', op.payment_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const ctx = { tx, actor, now, processes: deps.processes };
    const amount = BigInt(op.amount);
    if (value.kind === 'failed') {
      await recordPaymentChange(
        ctx,
        payment,
        { kind: 'failed', reason: value.reason, operationKind: op.kind, amount },
        op,
      );
      return;
    }
    if (value.kind === 'refund') {
      await tx
        .updateTable('payment_operations')
        .set({ provider_ref: value.providerRefundId })
        .where('id', '=', op.id)
        .execute();
      if (value.status === 'succeeded') await recordPaymentChange(ctx, payment, { kind: 'refunded', amount }, op);
      else if (value.status === 'failed')
        await recordPaymentChange(
          ctx,
          payment,
          {
            kind: 'failed',
            reason: `the provider refused the refund (${value.providerStatus})`,
            operationKind: 'refund',
            amount,
          },
          op,
        );
      // pending: the provider's notification finishes it.
      return;
    }
    const providerPayment = value.payment;
    await tx
      .updateTable('payment_operations')
      .set({ provider_ref: providerPayment.providerPaymentId })
      .where('id', '=', op.id)
      .execute();
    switch (op.kind) {
      case 'authorize':
        if (providerPayment.status === 'captured')
          await recordPaymentChange(
            ctx,
            payment,
            {
              kind: 'captured',
              amount: providerPayment.captured || amount,
              providerPaymentId: providerPayment.providerPaymentId,
            },
            op,
          );
        else if (providerPayment.status === 'authorized')
          await recordPaymentChange(
            ctx,
            payment,
            {
              kind: 'authorized',
              amount: providerPayment.capturable || amount,
              providerPaymentId: providerPayment.providerPaymentId,
              redirectUrl: providerPayment.redirectUrl ?? null,
            },
            op,
          );
        else if (providerPayment.status === 'pending') {
          await tx
            .updateTable('payments')
            .set({
              provider_payment_id: providerPayment.providerPaymentId,
              redirect_url: providerPayment.redirectUrl ?? null,
              updated_at: now,
            })
            .where('id', '=', payment.id)
            .execute();
          await tx
            .updateTable('payment_operations')
            .set({ status: 'succeeded', completed_at: now })
            .where('id', '=', op.id)
            .execute();
          await writeHistory(tx, actor, now, [
            {
              orderId: op.order_id,
              action: 'payment.awaiting_buyer',
              changes: {
                paymentId: payment.id,
                providerPaymentId: providerPayment.providerPaymentId,
                redirectUrl: providerPayment.redirectUrl ?? null,
              },
              reason: {
                note: `created at ${payment.provider}; the buyer pays at the provider and its notification completes it`,
              },
            },
          ]);
        } else
          await recordPaymentChange(
            ctx,
            payment,
            {
              kind: 'failed',
              reason: `the provider answered ${providerPayment.providerStatus}`,
              operationKind: 'authorize',
              amount,
            },
            op,
          );
        return;
      case 'capture':
        if (providerPayment.status === 'captured' || providerPayment.captured > BigInt(payment.captured))
          await recordPaymentChange(ctx, payment, { kind: 'captured', amount }, op);
        else
          await recordPaymentChange(
            ctx,
            payment,
            {
              kind: 'failed',
              reason: `the provider answered ${providerPayment.providerStatus} to the capture`,
              operationKind: 'capture',
              amount,
            },
            op,
          );
        return;
      case 'void':
        await recordPaymentChange(ctx, payment, { kind: 'voided', amount }, op);
        return;
      case 'refund':
        return;
    }
  });
}

/** The job that carries payment operations to providers (and tries again with the same key). */
export function paymentOperationJob(deps: ExecuteDeps): JobDefinition {
  return {
    kind: PAYMENT_OPERATION_JOB,
    async run({ tx, job }) {
      const outcome = await executePaymentOperation(deps, tx, String(job.payload.operationId));
      if ('retryAt' in outcome) return { retryAt: outcome.retryAt };
    },
  };
}
