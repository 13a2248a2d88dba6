import { AppError } from '../../shared/errors.js';
import { divRound } from '../../shared/money.js';
import { newId } from '../../shared/ids.js';
import { openAuthorization } from '../../domain/money/payment-status.js';
import type { PaymentMethod } from '../../store/schema-money.js';
import { writeHistory } from '../../store/history.js';
import { scheduleTimer } from '../events/timers.js';
import {
  amounts,
  forgetNewOrderMoney,
  loadMoneyOrder,
  loadPayments,
  money,
  pendingOperations,
  summaryOf,
  PAYMENT_OPERATION_JOB,
  paymentJobKey,
  type PaymentOperationRow,
  type PaymentRow,
} from './payment-rows.js';
import { recordPaymentChange, type MoneyContext } from './record-payment.js';

/**
 * Commands on an order's payments. Each runs in the caller's unit of work and holds the order's
 * payment rows locked, so two captures or refunds racing on one order see each other's pending
 * operations and cannot take more than there is. An operation at a provider is written as a
 * `pending` row and a job: the row commits before the provider hears anything, its id is the
 * provider's idempotency key, and the job (or the API right after the commit) carries it out.
 * Without a provider the payment is Ordo's own record (cash on delivery, a bank transfer, a gift
 * card): a person or the process states what happened and it is recorded at once.
 */

const ONLINE: readonly PaymentMethod[] = ['card', 'online', 'blik', 'transfer'];

export interface NewPayment {
  method: PaymentMethod;
  /** Provider code; with no providerPaymentId Ordo creates the payment there. */
  provider?: string | undefined;
  /** Default: what is still outstanding on the order. */
  amount?: bigint | undefined;
  /** A payment that already happened elsewhere (the shop's checkout, a marketplace, a bank statement). */
  providerPaymentId?: string | undefined;
  status?: 'pending' | 'authorized' | 'captured' | undefined;
  reference?: string | undefined;
  /** Created at a provider: take the money in one step instead of authorising it. */
  capture?: boolean | undefined;
  shipmentId?: string | undefined;
  allowOverpayment?: boolean | undefined;
}

export interface PaymentCommandOptions {
  /** Configured provider codes: an operation at any other is refused. */
  providers: ReadonlySet<string>;
  /** When the job first tries the operation (the API carries it out itself right after commit). */
  runAt?: Date;
}

async function insertOperation(
  ctx: MoneyContext,
  payment: PaymentRow,
  kind: PaymentOperationRow['kind'],
  amount: bigint,
  opts: PaymentCommandOptions,
  extra: { reason?: string | null; lines?: PaymentOperationRow['lines']; request?: Record<string, unknown> } = {},
): Promise<PaymentOperationRow> {
  const op: PaymentOperationRow = {
    tenant_id: ctx.tx.tenantId,
    id: newId(),
    payment_id: payment.id,
    order_id: payment.order_id,
    kind,
    amount: String(amount),
    status: 'pending',
    provider_ref: null,
    reason: extra.reason ?? null,
    error: null,
    attempts: 0,
    lines: extra.lines ?? [],
    request: extra.request ?? {},
    actor: { ...ctx.actor },
    created_at: ctx.now,
    completed_at: null,
  };
  const { tenant_id: _t, ...row } = op;
  await ctx.tx
    .insertInto('payment_operations', {
      ...row,
      lines: JSON.stringify(row.lines),
      request: JSON.stringify(row.request),
      actor: JSON.stringify(row.actor),
      error: null,
    })
    .execute();
  if (payment.provider)
    await scheduleTimer(ctx.tx, {
      kind: PAYMENT_OPERATION_JOB,
      key: paymentJobKey(op.id),
      runAt: opts.runAt ?? ctx.now,
      payload: { operationId: op.id },
      maxAttempts: 20,
    });
  await writeHistory(ctx.tx, ctx.actor, ctx.now, [
    {
      orderId: payment.order_id,
      action: 'payment.operation_requested',
      changes: {
        paymentId: payment.id,
        operationId: op.id,
        operation: kind,
        amount: money(amount, payment.currency),
        provider: payment.provider,
      },
      reason: extra.reason ? { note: extra.reason } : {},
    },
  ]);
  return op;
}

async function lockedPayment(ctx: MoneyContext, paymentId: string): Promise<PaymentRow> {
  const head = await ctx.tx.selectFrom('payments').select('order_id').where('id', '=', paymentId).executeTakeFirst();
  if (!head) throw new AppError('NOT_FOUND', `payment ${paymentId} not found`);
  const payments = await loadPayments(ctx.tx, head.order_id, true);
  return payments.find((p) => p.id === paymentId)!;
}

/** Pending operations' amounts on one payment, by kind. */
function pendingOf(ops: readonly PaymentOperationRow[], paymentId: string, kind: PaymentOperationRow['kind']): bigint {
  return ops.filter((o) => o.payment_id === paymentId && o.kind === kind).reduce((a, o) => a + BigInt(o.amount), 0n);
}

/** Adds a payment to an order: created at a provider (authorise or charge), or recorded as it happened elsewhere. */
export async function addPayment(
  ctx: MoneyContext,
  orderId: string,
  input: NewPayment,
  opts: PaymentCommandOptions,
): Promise<{ payment: PaymentRow; operation: PaymentOperationRow | null; event: string | null }> {
  const order = await loadMoneyOrder(ctx.tx, orderId, true);
  const payments = await loadPayments(ctx.tx, orderId, true);
  const summary = summaryOf(order, payments);
  const amount = input.amount ?? summary.outstanding;
  if (amount <= 0n)
    throw new AppError('VALIDATION_FAILED', 'nothing is outstanding on the order; give an amount', [
      { path: '/amount', message: 'the order is paid; an amount is required', code: 'REQUIRED' },
    ]);
  if (input.provider && !opts.providers.has(input.provider))
    throw new AppError('UNKNOWN_PAYMENT_PROVIDER', `payment provider ${input.provider} is not configured`, [
      { path: '/provider', message: `not configured; configured: ${[...opts.providers].join(', ') || 'none'}` },
    ]);
  const atProvider = Boolean(input.provider && !input.providerPaymentId);
  if (atProvider && !ONLINE.includes(input.method))
    throw new AppError('VALIDATION_FAILED', `a ${input.method} payment is not taken through a provider`, [
      { path: '/method', message: `use one of ${ONLINE.join(', ')} with a provider` },
    ]);
  const status =
    input.status ?? (input.method === 'gift_card' || input.method === 'store_credit' ? 'captured' : 'pending');
  if (status === 'captured' && summary.paid + amount > order.total && !input.allowOverpayment)
    throw new AppError(
      'OVERPAYMENT_NOT_ALLOWED',
      `${money(amount, order.currency)} would take the order above its total`,
      [{ path: '/amount', message: `at most ${money(order.total - summary.paid, order.currency)} is outstanding` }],
    );
  const payment: PaymentRow = {
    tenant_id: ctx.tx.tenantId,
    id: newId(),
    order_id: orderId,
    method: input.method,
    provider: input.provider ?? null,
    provider_payment_id: input.providerPaymentId ?? null,
    currency: order.currency,
    amount: String(amount),
    status: 'pending',
    authorized: '0',
    captured: '0',
    refunded: '0',
    voided: '0',
    reference: input.reference ?? null,
    redirect_url: null,
    shipment_id: input.shipmentId ?? null,
    remitted: '0',
    version: 1,
    created_at: ctx.now,
    updated_at: ctx.now,
  };
  const { tenant_id: _t, ...row } = payment;
  await ctx.tx.insertInto('payments', row).execute();
  forgetNewOrderMoney(ctx.tx, orderId);
  await writeHistory(ctx.tx, ctx.actor, ctx.now, [
    {
      orderId,
      action: 'payment.added',
      changes: {
        paymentId: payment.id,
        method: payment.method,
        provider: payment.provider,
        amount: money(amount, order.currency),
        ...(input.providerPaymentId ? { providerPaymentId: input.providerPaymentId } : {}),
      },
    },
  ]);
  if (atProvider) {
    const operation = await insertOperation(ctx, payment, 'authorize', amount, opts, {
      request: { capture: input.capture ?? false, method: input.method },
    });
    return { payment, operation, event: null };
  }
  let event: string | null = null;
  if (status === 'authorized') event = await recordPaymentChange(ctx, payment, { kind: 'authorized', amount });
  else if (status === 'captured') {
    event = await recordPaymentChange(ctx, payment, { kind: 'captured', amount });
  }
  return { payment, operation: null, event };
}

/**
 * Takes money on a payment: at its provider (all or part of the open authorisation, the rest is
 * released), or, without one, records that the money arrived (cash collected, a transfer seen).
 */
export async function capturePayment(
  ctx: MoneyContext,
  paymentId: string,
  amount: bigint | undefined,
  opts: PaymentCommandOptions & { allowOverpayment?: boolean; reason?: string },
): Promise<{ operation: PaymentOperationRow | null; event: string | null; amount: bigint }> {
  const payment = await lockedPayment(ctx, paymentId);
  const order = await loadMoneyOrder(ctx.tx, payment.order_id);
  const pending = await pendingOperations(ctx.tx, payment.order_id);
  const summary = summaryOf(order, await loadPayments(ctx.tx, payment.order_id));
  if (payment.provider) {
    if (payment.status !== 'authorized')
      throw new AppError(
        'PAYMENT_STATE_CONFLICT',
        `payment ${payment.id} is ${payment.status}; only an authorised payment is captured`,
      );
    const open = openAuthorization(amounts(payment)) - pendingOf(pending, payment.id, 'capture');
    const take = amount ?? open;
    if (take <= 0n || take > open)
      throw new AppError(
        'CAPTURE_EXCEEDS_AUTHORIZED',
        `${money(take, payment.currency)} is more than the ${money(open > 0n ? open : 0n, payment.currency)} authorised and not captured`,
        [{ path: '/amount', message: `at most ${money(open > 0n ? open : 0n, payment.currency)}` }],
        { open: money(open > 0n ? open : 0n, payment.currency) },
      );
    // Captures under way on any of the order's payments count as paid already.
    const inFlight = pending.filter((o) => o.kind === 'capture').reduce((a, o) => a + BigInt(o.amount), 0n);
    if (summary.paid + inFlight + take > order.total && !opts.allowOverpayment)
      throw new AppError(
        'OVERPAYMENT_NOT_ALLOWED',
        `${money(take, order.currency)} would take the order above its total`,
        [
          {
            path: '/amount',
            message: `at most ${money(order.total - summary.paid - inFlight, order.currency)} is outstanding`,
          },
        ],
      );
    const operation = await insertOperation(ctx, payment, 'capture', take, opts, { reason: opts.reason ?? null });
    return { operation, event: null, amount: take };
  }
  if (!['pending', 'authorized', 'captured'].includes(payment.status))
    throw new AppError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} is ${payment.status}`);
  const take = amount ?? BigInt(payment.amount) - BigInt(payment.captured);
  if (take <= 0n)
    throw new AppError('CAPTURE_EXCEEDS_AUTHORIZED', `payment ${payment.id} has nothing left to collect`, [
      { path: '/amount', message: 'give the amount received' },
    ]);
  if (summary.paid + take > order.total && !opts.allowOverpayment)
    throw new AppError(
      'OVERPAYMENT_NOT_ALLOWED',
      `${money(take, order.currency)} would take the order above its total`,
      [{ path: '/amount', message: `at most ${money(order.total - summary.paid, order.currency)} is outstanding` }],
    );
  const event = await recordPaymentChange(ctx, payment, { kind: 'captured', amount: take });
  return { operation: null, event, amount: take };
}

/** Releases what is authorised and not captured (at the provider, or in Ordo's own record). */
export async function voidPayment(
  ctx: MoneyContext,
  paymentId: string,
  opts: PaymentCommandOptions & { reason?: string },
): Promise<{ operation: PaymentOperationRow | null; amount: bigint }> {
  const payment = await lockedPayment(ctx, paymentId);
  const pending = await pendingOperations(ctx.tx, payment.order_id);
  const open =
    payment.status === 'pending'
      ? BigInt(payment.amount)
      : openAuthorization(amounts(payment)) - pendingOf(pending, payment.id, 'capture');
  if (!['pending', 'authorized'].includes(payment.status) || open <= 0n)
    throw new AppError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} is ${payment.status}: nothing to release`);
  if (payment.provider && payment.provider_payment_id) {
    const operation = await insertOperation(ctx, payment, 'void', open, opts, { reason: opts.reason ?? null });
    return { operation, amount: open };
  }
  // Never reached a provider (or has none): nothing is held anywhere, so it is simply cancelled.
  await ctx.tx
    .updateTable('payments')
    .set({ status: 'cancelled', updated_at: ctx.now })
    .where('id', '=', payment.id)
    .execute();
  await ctx.tx
    .updateTable('payment_operations')
    .set({ status: 'failed', reason: 'the payment was cancelled', completed_at: ctx.now })
    .where('payment_id', '=', payment.id)
    .where('status', '=', 'pending')
    .execute();
  await writeHistory(ctx.tx, ctx.actor, ctx.now, [
    {
      orderId: payment.order_id,
      action: 'payment.cancelled',
      changes: { paymentId: payment.id, amount: money(open, payment.currency) },
      reason: opts.reason ? { note: opts.reason } : {},
    },
  ]);
  return { operation: null, amount: open };
}

export interface RefundInput {
  /** Default: the lines' value, or everything paid. */
  amount?: bigint | undefined;
  lines?: Array<{ lineId: string; quantity: number }> | undefined;
  reason: string;
  /** Only this payment (default: the newest captured first). */
  paymentId?: string | undefined;
  /** Without a provider the money goes back by hand: true = it was paid out, record it now. */
  paidOut?: boolean | undefined;
  /** The return this refund pays out: its result is told to the return's process too. */
  returnId?: string | undefined;
}

/** The value of `quantity` units of each line (their share of the line's total, rounded half away from zero). */
async function linesValue(ctx: MoneyContext, orderId: string, lines: NonNullable<RefundInput['lines']>) {
  const rows = await ctx.tx
    .selectFrom('order_lines')
    .select(['id', 'quantity', 'total'])
    .where('order_id', '=', orderId)
    .execute();
  let total = 0n;
  const out: PaymentOperationRow['lines'] = [];
  lines.forEach((refundLine, index) => {
    const row = rows.find((r) => r.id === refundLine.lineId);
    if (!row)
      throw new AppError('VALIDATION_FAILED', `line ${refundLine.lineId} is not on the order`, [
        { path: `/lines/${index}/lineId`, message: 'not a line of this order' },
      ]);
    if (refundLine.quantity < 1 || refundLine.quantity > row.quantity)
      throw new AppError('VALIDATION_FAILED', `line ${refundLine.lineId} has ${row.quantity} unit(s)`, [
        { path: `/lines/${index}/quantity`, message: `between 1 and ${row.quantity}` },
      ]);
    const value = divRound(BigInt(row.total) * BigInt(refundLine.quantity), BigInt(row.quantity));
    total += value;
    out.push({ lineId: refundLine.lineId, quantity: refundLine.quantity, amount: String(value) });
  });
  return { total, lines: out };
}

/**
 * Gives captured money back: spread over the order's payments, newest first, never more than any
 * of them holds (captured − refunded − refunds still pending). At a provider each part is an
 * operation; without one it waits for a person to pay it out, unless `paidOut` says it was.
 */
export async function refundPayments(
  ctx: MoneyContext,
  orderId: string,
  input: RefundInput,
  opts: PaymentCommandOptions,
): Promise<{ operations: PaymentOperationRow[]; amount: bigint; event: string | null }> {
  const order = await loadMoneyOrder(ctx.tx, orderId, true);
  const payments = await loadPayments(ctx.tx, orderId, true);
  const pending = await pendingOperations(ctx.tx, orderId);
  const byLines = input.lines?.length ? await linesValue(ctx, orderId, input.lines) : undefined;
  const summary = summaryOf(order, payments);
  const amount = input.amount ?? byLines?.total ?? summary.paid;
  const candidates = payments
    .filter((p) => !input.paymentId || p.id === input.paymentId)
    .map((p) => ({ payment: p, left: BigInt(p.captured) - BigInt(p.refunded) - pendingOf(pending, p.id, 'refund') }))
    .filter((c) => c.left > 0n)
    .reverse();
  const refundable = candidates.reduce((a, c) => a + c.left, 0n);
  if (input.paymentId && !payments.some((p) => p.id === input.paymentId))
    throw new AppError('NOT_FOUND', `payment ${input.paymentId} is not a payment of this order`);
  if (amount <= 0n || amount > refundable)
    throw new AppError(
      'REFUND_EXCEEDS_CAPTURED',
      `${money(amount, order.currency)} is more than the ${money(refundable, order.currency)} captured and not refunded`,
      [{ path: '/amount', message: `at most ${money(refundable, order.currency)}` }],
      { refundable: money(refundable, order.currency) },
    );
  let rest = amount;
  const operations: PaymentOperationRow[] = [];
  let event: string | null = null;
  for (const { payment, left } of candidates) {
    if (rest === 0n) break;
    const part = rest < left ? rest : left;
    rest -= part;
    const op = await insertOperation(ctx, payment, 'refund', part, opts, {
      reason: input.reason,
      lines: byLines?.lines ?? [],
      ...(input.returnId ? { request: { returnId: input.returnId } } : {}),
    });
    operations.push(op);
    if (!payment.provider && input.paidOut)
      event = await recordPaymentChange(ctx, payment, { kind: 'refunded', amount: part }, op);
  }
  return { operations, amount, event };
}

/** A person confirms an operation Ordo cannot see happen (a refund paid out by hand): recorded as done or failed. */
export async function settleManualOperation(
  ctx: MoneyContext,
  operationId: string,
  outcome: { succeeded: true } | { succeeded: false; reason: string },
): Promise<string | null> {
  const op = await ctx.tx.selectFrom('payment_operations').selectAll().where('id', '=', operationId).executeTakeFirst();
  if (!op) throw new AppError('NOT_FOUND', `payment operation ${operationId} not found`);
  const payment = await lockedPayment(ctx, op.payment_id);
  if (op.status !== 'pending')
    throw new AppError('PAYMENT_STATE_CONFLICT', `operation ${operationId} is ${op.status} already`);
  if (payment.provider)
    throw new AppError(
      'PAYMENT_STATE_CONFLICT',
      `operation ${operationId} is carried out by ${payment.provider}; its result comes from the provider`,
    );
  const amount = BigInt(op.amount);
  if (!outcome.succeeded)
    return recordPaymentChange(
      ctx,
      payment,
      { kind: 'failed', reason: outcome.reason, operationKind: op.kind, amount },
      op,
    );
  const kind =
    op.kind === 'authorize'
      ? 'authorized'
      : op.kind === 'capture'
        ? 'captured'
        : op.kind === 'void'
          ? 'voided'
          : 'refunded';
  return recordPaymentChange(ctx, payment, { kind, amount } as Parameters<typeof recordPaymentChange>[2], op);
}
