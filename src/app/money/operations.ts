import { sql } from 'kysely';
import { z } from 'zod';
import { isAppError } from '../../shared/errors.js';
import { divRound } from '../../shared/money.js';
import { openAuthorization } from '../../domain/money/payment-status.js';
import type { PaymentMethod } from '../../store/schema-money.js';
import type { CreditFactRow } from '../../domain/order/facts.js';
import { atomically } from '../../store/tenant-scope.js';
import { localOperation, type OperationContext } from '../process/operation.js';
import { creditJson } from './credit-sql.js';
import { addPayment, capturePayment, refundPayments, voidPayment } from './payment-commands.js';
import {
  amounts,
  loadMoneyOrder,
  loadMoneyOrderAndPayments,
  loadPayments,
  money,
  pendingOperations,
  summaryOf,
} from './payment-rows.js';
import { issueInvoice } from './issue-invoice.js';
import type { MoneyContext } from './record-payment.js';

/**
 * Money as process operations. Each runs inside the order's step: what it can settle at once (a
 * payment already taken, cash collected on delivery, an invoice) answers with its result event
 * now; what a provider carries out is a pending operation and a job, and the state waits for the
 * result the job or the provider's notification feeds back. Nothing is assumed to have happened.
 */
export interface MoneyOperationOptions {
  /** Configured payment provider codes. */
  providers: ReadonlySet<string>;
}

const ctxOf = (c: OperationContext): MoneyContext => ({ tx: c.tx, actor: c.actor, now: c.now });
const by = (c: OperationContext) => `process ${c.definition.key} v${c.definition.version}`;

const METHODS: Record<string, PaymentMethod> = {
  card: 'card',
  blik: 'blik',
  transfer: 'transfer',
  bank_transfer: 'transfer',
  online: 'online',
  p24: 'online',
};

export function moneyOperations(opts: MoneyOperationOptions) {
  const commandOpts = { providers: opts.providers };
  return [
    localOperation({
      code: 'authorize_payment',
      description:
        "make sure the order's money is authorised: a payment already registered counts; otherwise one is created at the provider and the order waits for it",
      refreshes: 'all',
      resultEvents: ['payment_authorized', 'payment_captured', 'payment_failed'],
      argsSchema: z
        .object({
          provider: z.string().min(1).max(50).optional(),
          capture: z.boolean().optional().describe('take the money at once instead of authorising it'),
        })
        .strict(),
      async run(ctx, args) {
        const { order, payments } = await loadMoneyOrderAndPayments(ctx.tx, ctx.orderId);
        const summary = summaryOf(order, payments);
        if (summary.paid >= order.total)
          return { event: 'payment_captured', note: `the order is paid (${money(summary.paid, order.currency)})` };
        if (summary.paid + summary.authorized >= order.total)
          return {
            event: 'payment_authorized',
            note: `${money(summary.authorized, order.currency)} is authorised, ${money(summary.paid, order.currency)} paid`,
          };
        if (payments.some((p) => p.status === 'pending'))
          return { note: 'a payment is under way; waiting for the provider', waiting: true };
        const configured = [...opts.providers];
        const provider =
          args.provider ??
          (typeof order.attributes.paymentProvider === 'string' ? order.attributes.paymentProvider : undefined) ??
          (configured.length === 1 ? configured[0] : undefined);
        if (!provider || !opts.providers.has(provider))
          return {
            note: `no payment provider ${provider ? `${provider} is configured` : 'is set for the order'}: waiting for a payment to be registered (POST /orders/{id}/payments) or a provider notification`,
            waiting: true,
          };
        const method = METHODS[String(order.attributes.paymentMethod ?? 'card')] ?? 'card';
        const created = await addPayment(
          ctxOf(ctx),
          ctx.orderId,
          { method, provider, amount: summary.outstanding, capture: args.capture },
          commandOpts,
        );
        return {
          note: `payment of ${money(summary.outstanding, order.currency)} requested at ${provider}; waiting for its result`,
          data: { paymentId: created.payment.id, operationId: created.operation?.id },
          waiting: true,
        };
      },
    }),
    localOperation({
      code: 'capture_payment',
      description:
        'take the money: capture authorised payments at their provider, or record cash collected on delivery',
      refreshes: 'all',
      resultEvents: ['payment_captured', 'payment_failed'],
      argsSchema: z.object({ amount: z.enum(['total', 'remaining', 'prepayment']).optional() }).strict(),
      async run(ctx, args) {
        const { order, payments } = await loadMoneyOrderAndPayments(ctx.tx, ctx.orderId);
        const summary = summaryOf(order, payments);
        const pct = Number(order.paymentTerms.prepaymentPercent ?? 100);
        const target =
          args.amount === 'prepayment' ? divRound(order.total * BigInt(Math.round(pct)), 100n) : order.total;
        let need = target - summary.paid;
        if (need <= 0n)
          return {
            event: 'payment_captured',
            note: `${money(summary.paid, order.currency)} is paid already (asked ${money(target, order.currency)})`,
          };
        const pending = await pendingOperations(ctx.tx, ctx.orderId);
        const inFlight = pending.filter((o) => o.kind === 'capture').reduce((a, o) => a + BigInt(o.amount), 0n);
        if (inFlight >= need) return { note: 'captures are under way; waiting for the provider', waiting: true };
        need -= inFlight;
        const operations: string[] = [];
        for (const payment of payments) {
          if (need <= 0n || !payment.provider || payment.status !== 'authorized') continue;
          const open =
            openAuthorization(amounts(payment)) -
            pending
              .filter((o) => o.payment_id === payment.id && o.kind === 'capture')
              .reduce((a, o) => a + BigInt(o.amount), 0n);
          if (open <= 0n) continue;
          const take = open < need ? open : need;
          const captured = await capturePayment(ctxOf(ctx), payment.id, take, { ...commandOpts, reason: by(ctx) });
          if (captured.operation) operations.push(captured.operation.id);
          need -= take;
        }
        if (operations.length)
          return {
            note: `capture of ${money(target - summary.paid - need, order.currency)} requested; waiting for the provider`,
            data: { operations },
            waiting: true,
          };
        const terms = String(order.paymentTerms.kind ?? '');
        if (terms === 'cash_on_delivery') {
          const cod = payments.find((p) => p.method === 'cod' && p.status !== 'cancelled');
          const result = cod
            ? await capturePayment(ctxOf(ctx), cod.id, need, commandOpts)
            : await addPayment(
                ctxOf(ctx),
                ctx.orderId,
                { method: 'cod', amount: need, status: 'captured', reference: 'collected on delivery' },
                commandOpts,
              );
          return {
            event: 'payment_captured',
            note: `cash on delivery: ${money(need, order.currency)} collected (to be matched with the carrier's remittance)`,
            data: { paymentId: 'payment' in result ? result.payment.id : cod?.id },
          };
        }
        if (payments.some((p) => p.status === 'authorized' && !p.provider))
          return {
            note: 'the authorisation is at a provider not configured here: waiting for the capture to be recorded (POST /payments/{id}/capture)',
            waiting: true,
          };
        return {
          event: 'payment_failed',
          note: `nothing is authorised to capture ${money(need, order.currency)} (${summary.status})`,
        };
      },
    }),
    localOperation({
      code: 'refund_payment',
      description: 'give back what was paid (or only what was paid above the total) through the payments that took it',
      refreshes: 'all',
      resultEvents: ['refunded', 'refund_failed'],
      argsSchema: z.object({ amount: z.enum(['paid', 'overpaid']).optional() }).strict(),
      async run(ctx, args) {
        const order = await loadMoneyOrder(ctx.tx, ctx.orderId);
        const summary = summaryOf(order, await loadPayments(ctx.tx, ctx.orderId));
        const pending = (await pendingOperations(ctx.tx, ctx.orderId)).filter((o) => o.kind === 'refund');
        const inFlight = pending.reduce((a, o) => a + BigInt(o.amount), 0n);
        const amount = (args.amount === 'overpaid' ? summary.overpaid : summary.paid) - inFlight;
        if (amount <= 0n) {
          if (pending.length) return { note: 'refunds are under way; waiting for them', waiting: true };
          return { event: 'refunded', note: `nothing to refund (${summary.status})` };
        }
        const refund = await refundPayments(ctxOf(ctx), ctx.orderId, { amount, reason: by(ctx) }, commandOpts);
        return {
          note: `refund of ${money(amount, order.currency)} requested in ${refund.operations.length} part(s); waiting for the provider, or for finance to confirm what is paid back by hand`,
          data: { operations: refund.operations.map((o) => o.id) },
          waiting: true,
        };
      },
    }),
    localOperation({
      code: 'void_payment',
      description:
        'release every authorisation not captured (a cancelled order); with refundCaptured, also give back what was taken',
      refreshes: 'all',
      argsSchema: z.object({ refundCaptured: z.boolean().optional() }).strict(),
      async run(ctx, args) {
        const payments = await loadPayments(ctx.tx, ctx.orderId, true);
        const done: string[] = [];
        for (const payment of payments) {
          if (!['pending', 'authorized'].includes(payment.status)) continue;
          try {
            await voidPayment(ctxOf(ctx), payment.id, { ...commandOpts, reason: by(ctx) });
            done.push(payment.id);
          } catch (error) {
            if (!isAppError(error) || error.code !== 'PAYMENT_STATE_CONFLICT') throw error;
          }
        }
        let refunded = 0n;
        if (args.refundCaptured) {
          const order = await loadMoneyOrder(ctx.tx, ctx.orderId);
          const summary = summaryOf(order, await loadPayments(ctx.tx, ctx.orderId));
          if (summary.paid > 0n) {
            await refundPayments(ctxOf(ctx), ctx.orderId, { amount: summary.paid, reason: by(ctx) }, commandOpts);
            refunded = summary.paid;
          }
        }
        return {
          note: `released ${done.length} payment(s)${refunded ? `; refund of ${refunded} (minor units) requested` : ''}`,
          data: { voided: done },
        };
      },
    }),
    localOperation({
      code: 'record_payment',
      description:
        "record that the channel took the buyer's money (a marketplace collects it and pays out to the seller)",
      refreshes: 'all',
      resultEvents: ['payment_captured'],
      argsSchema: z.object({ method: z.enum(['online', 'card', 'transfer', 'blik']).optional() }).strict(),
      async run(ctx, args) {
        const order = await loadMoneyOrder(ctx.tx, ctx.orderId, true);
        const summary = summaryOf(order, await loadPayments(ctx.tx, ctx.orderId, true));
        if (summary.outstanding === 0n) return { event: 'payment_captured', note: 'the order is paid already' };
        const channel = (ctx.facts.channel as { code?: string } | undefined)?.code ?? 'channel';
        await addPayment(
          ctxOf(ctx),
          ctx.orderId,
          {
            method: args.method ?? 'online',
            amount: summary.outstanding,
            status: 'captured',
            reference: `collected by ${channel}`,
          },
          commandOpts,
        );
        return {
          event: 'payment_captured',
          note: `${money(summary.outstanding, order.currency)} collected by ${channel}`,
        };
      },
    }),
    localOperation({
      code: 'check_credit',
      description:
        "check the company's credit: manual hold, overdue invoices, and exposure (every open order's unpaid amount, this one included) against the limit",
      refreshes: 'stock',
      resultEvents: ['credit_ok', 'credit_exceeded'],
      argsSchema: z.object({ allowOverdue: z.boolean().optional() }).strict(),
      async run(ctx, args) {
        const order = await loadMoneyOrder(ctx.tx, ctx.orderId);
        const customer = (ctx.facts.customer ?? {}) as { creditLimit?: bigint };
        if (!order.companyId) {
          if (customer.creditLimit === undefined) return { event: 'credit_ok', note: 'no company and no credit limit' };
          const ok = order.total <= customer.creditLimit;
          return {
            event: ok ? 'credit_ok' : 'credit_exceeded',
            note: `total ${money(order.total, order.currency)} ${ok ? '≤' : '>'} credit limit ${money(customer.creditLimit, order.currency)}`,
          };
        }
        const { rows } = await sql<{
          credit: CreditFactRow;
        }>`select ${creditJson(sql`${ctx.tx.tenantId}::uuid`, sql`${order.companyId}::uuid`)} as credit`.execute(
          ctx.tx.conn,
        );
        const credit = rows[0]!.credit;
        const exposure = BigInt(credit.exposure);
        const overdue = Number(credit.overdue_count);
        const limit = customer.creditLimit;
        const data = {
          exposure: money(exposure, order.currency),
          limit: limit === undefined ? null : money(limit, order.currency),
          onHold: credit.on_hold,
          overdueInvoices: overdue,
        };
        if (credit.on_hold) return { event: 'credit_exceeded', note: 'the company is on credit hold', data };
        if (overdue > 0 && !args.allowOverdue)
          return {
            event: 'credit_exceeded',
            note: `${overdue} overdue invoice(s), ${money(BigInt(credit.overdue_amount), order.currency)} unpaid`,
            data,
          };
        if (limit === undefined) return { event: 'credit_ok', note: 'the company has no credit limit', data };
        const ok = exposure <= limit;
        return {
          event: ok ? 'credit_ok' : 'credit_exceeded',
          note: `exposure ${money(exposure, order.currency)} (open orders not paid, this one included) ${ok ? '≤' : '>'} limit ${money(limit, order.currency)}`,
          data,
        };
      },
    }),
    localOperation({
      code: 'issue_invoice',
      description:
        'issue the invoice (or a proforma) with its gap-free number; a Polish seller on KSeF sends it there, a Russian one gets its УПД',
      refreshes: 'all',
      resultEvents: ['invoice_issued', 'invoice_failed'],
      argsSchema: z
        .object({
          documents: z
            .array(z.enum(['invoice', 'upd', 'proforma']))
            .min(1)
            .optional(),
          dueDays: z.number().int().min(0).max(365).optional(),
        })
        .strict(),
      async run(ctx, args) {
        const kind =
          args.documents?.includes('proforma') && !args.documents.includes('invoice') ? 'proforma' : 'invoice';
        try {
          // A savepoint: a refusal leaves nothing of the attempt behind in the order's step.
          const invoice = await atomically(ctx.tx, (tx) =>
            issueInvoice({ ...ctxOf(ctx), tx }, ctx.orderId, { kind, dueDays: args.dueDays }),
          );
          return {
            event: 'invoice_issued',
            note: `${kind} ${invoice.number} issued`,
            data: { invoiceId: invoice.id, number: invoice.number },
          };
        } catch (error) {
          if (!isAppError(error) || error.status >= 500) throw error;
          return { event: 'invoice_failed', note: error.message, data: { code: error.code } };
        }
      },
    }),
  ];
}
