import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import { atomically, isWork, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { executePaymentOperation, type ExecuteDeps } from './execute-payment-operation.js';
import {
  addPayment,
  capturePayment,
  refundPayments,
  settleManualOperation,
  voidPayment,
  type NewPayment,
} from './payment-commands.js';
import {
  loadMoneyOrder,
  loadPayments,
  money,
  parseAmount,
  paymentView,
  summaryOf,
  summaryView,
  type PaymentOperationRow,
} from './payment-rows.js';
import { invoiceView } from './invoice-rows.js';

/**
 * The payment commands as a person or an integration asks for them over the API: amounts parsed
 * in the order's currency, the change committed in its own transaction, and then (after the
 * commit, never inside it) what it asked of a provider carried out at once; the job is the
 * backstop that retries it with the same key should this process stop.
 */
export interface RequestDeps extends ExecuteDeps {
  /** When the job first retries an operation the request carries out itself. */
  backstopMs: number;
}

/**
 * Outside a transaction the request carries its provider operations out itself after the commit
 * (the job waits `backstopMs`); inside one (an Idempotency-Key's), the commit is the caller's, so
 * the job carries them out right after it instead: a provider is never called before the commit.
 */
const optsOf = (deps: RequestDeps, now: Date, store: TenantScope) => ({
  providers: new Set(deps.providers.keys()),
  runAt: new Date(now.getTime() + (isWork(store) ? 0 : deps.backstopMs)),
});
const ctxOf = (deps: RequestDeps, tx: Work, actor: Actor) => ({
  tx,
  actor,
  now: deps.clock.now(),
  processes: deps.processes,
});

async function carryOut(deps: RequestDeps, store: TenantScope, ops: readonly (PaymentOperationRow | null)[]) {
  if (isWork(store)) return;
  for (const op of ops) if (op) await executePaymentOperation(deps, store, op.id);
}

export async function orderPayments(store: TenantScope, orderId: string) {
  const order = await loadMoneyOrder(store, orderId);
  const payments = await loadPayments(store, orderId);
  const ops = await store
    .selectFrom('payment_operations')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('id')
    .execute();
  return {
    orderId,
    total: money(order.total, order.currency),
    summary: summaryView(summaryOf(order, payments), order.currency),
    payments: payments.map((p) => paymentView(p, ops)),
  };
}

export async function paymentResult(store: TenantScope, paymentId: string, operationId: string | null) {
  const payment = await store.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
  if (!payment) throw new AppError('NOT_FOUND', `payment ${paymentId} not found`);
  const ops = await store
    .selectFrom('payment_operations')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('id')
    .execute();
  const order = await loadMoneyOrder(store, payment.order_id);
  const view = paymentView(payment, ops);
  return {
    payment: view,
    summary: summaryView(summaryOf(order, await loadPayments(store, payment.order_id)), order.currency),
    operation: view.operations.find((o) => o.id === operationId) ?? null,
  };
}

const statusOf = (r: Awaited<ReturnType<typeof paymentResult>>, done: number) =>
  r.operation?.status === 'pending' ? 202 : done;

export async function requestAddPayment(
  deps: RequestDeps,
  store: TenantScope,
  actor: Actor,
  orderId: string,
  body: Omit<NewPayment, 'amount'> & { amount?: string | undefined },
) {
  const done = await atomically(store, async (tx) => {
    const order = await loadMoneyOrder(tx, orderId);
    const amount = body.amount === undefined ? undefined : parseAmount(body.amount, order.currency, '/amount');
    return addPayment(ctxOf(deps, tx, actor), orderId, { ...body, amount }, optsOf(deps, deps.clock.now(), store));
  });
  await carryOut(deps, store, [done.operation]);
  const result = await paymentResult(store, done.payment.id, done.operation?.id ?? null);
  return { status: statusOf(result, 201), body: result };
}

async function currencyOfPayment(tx: TenantScope, paymentId: string) {
  const payment = await tx.selectFrom('payments').select('currency').where('id', '=', paymentId).executeTakeFirst();
  if (!payment) throw new AppError('NOT_FOUND', `payment ${paymentId} not found`);
  return payment.currency;
}

export async function requestCapture(
  deps: RequestDeps,
  store: TenantScope,
  actor: Actor,
  paymentId: string,
  body: { amount?: string | undefined; allowOverpayment?: boolean | undefined },
) {
  const done = await atomically(store, async (tx) => {
    const currency = await currencyOfPayment(tx, paymentId);
    const amount = body.amount === undefined ? undefined : parseAmount(body.amount, currency, '/amount');
    return capturePayment(ctxOf(deps, tx, actor), paymentId, amount, {
      ...optsOf(deps, deps.clock.now(), store),
      ...(body.allowOverpayment ? { allowOverpayment: true } : {}),
    });
  });
  await carryOut(deps, store, [done.operation]);
  const result = await paymentResult(store, paymentId, done.operation?.id ?? null);
  return { status: statusOf(result, 200), body: result };
}

export async function requestVoid(
  deps: RequestDeps,
  store: TenantScope,
  actor: Actor,
  paymentId: string,
  reason?: string,
) {
  const done = await atomically(store, async (tx) => {
    await currencyOfPayment(tx, paymentId);
    return voidPayment(ctxOf(deps, tx, actor), paymentId, {
      ...optsOf(deps, deps.clock.now(), store),
      ...(reason ? { reason } : {}),
    });
  });
  await carryOut(deps, store, [done.operation]);
  const result = await paymentResult(store, paymentId, done.operation?.id ?? null);
  return { status: statusOf(result, 200), body: result };
}

export async function requestRefund(
  deps: RequestDeps,
  store: TenantScope,
  actor: Actor,
  orderId: string,
  body: {
    amount?: string | undefined;
    lines?: Array<{ lineId: string; quantity: number }> | undefined;
    reason: string;
    paymentId?: string | undefined;
    paidOut?: boolean | undefined;
  },
) {
  const done = await atomically(store, async (tx) => {
    const order = await loadMoneyOrder(tx, orderId);
    const amount = body.amount === undefined ? undefined : parseAmount(body.amount, order.currency, '/amount');
    return refundPayments(ctxOf(deps, tx, actor), orderId, { ...body, amount }, optsOf(deps, deps.clock.now(), store));
  });
  await carryOut(deps, store, done.operations);
  const view = await orderPayments(store, orderId);
  const ops = view.payments.flatMap((p) => p.operations).filter((o) => done.operations.some((d) => d.id === o.id));
  const order = await loadMoneyOrder(store, orderId);
  return {
    status: ops.some((o) => o.status === 'pending') ? 202 : 200,
    body: { amount: money(done.amount, order.currency), operations: ops, summary: view.summary },
  };
}

export async function requestSettle(
  deps: RequestDeps,
  tx: Work,
  actor: Actor,
  operationId: string,
  body: { succeeded: boolean; reason?: string | undefined },
) {
  await settleManualOperation(
    ctxOf(deps, tx, actor),
    operationId,
    body.succeeded ? { succeeded: true } : { succeeded: false, reason: body.reason ?? 'failed' },
  );
  const op = await tx
    .selectFrom('payment_operations')
    .select('payment_id')
    .where('id', '=', operationId)
    .executeTakeFirstOrThrow();
  return paymentResult(tx, op.payment_id, operationId);
}

export async function orderInvoices(store: TenantScope, orderId: string) {
  await loadMoneyOrder(store, orderId);
  const rows = await store.selectFrom('invoices').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
  return { items: rows.map(invoiceView) };
}

export async function getInvoice(store: TenantScope, id: string) {
  const row = await store.selectFrom('invoices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `invoice ${id} not found`);
  return invoiceView(row);
}

export async function invoiceCurrency(store: TenantScope, id: string) {
  const inv = await store.selectFrom('invoices').select('currency').where('id', '=', id).executeTakeFirst();
  if (!inv) throw new AppError('NOT_FOUND', `invoice ${id} not found`);
  return inv.currency;
}
