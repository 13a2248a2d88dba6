import { sql } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { formatMoney } from '../../shared/money.js';
import { refundFigures } from '../../domain/returns/returns.js';
import { writeHistory } from '../../store/history.js';
import { localOperation, type OperationContext } from '../process/operation.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { emitEvent } from '../events/emit-event.js';
import { scheduleTimer } from '../events/timers.js';
import { refundPayments, addPayment } from '../money/payment-commands.js';
import { loadMoneyOrder, loadPayments, pendingOperations } from '../money/payment-rows.js';
import { issueCreditNote } from '../money/issue-credit-note.js';
import { reviveDocument } from '../money/invoice-rows.js';
import { createOrder } from '../orders/create-order.js';
import { restockUnits } from './restock.js';
import { lockReturn, returnLines } from './return-common.js';
import { RETURN_LABEL_JOB } from './return-label.js';
import '../../store/schema-returns.js';

/**
 * The returns process's operations (processes/returns.yaml). Each runs in the return order's step;
 * `ctx.orderId` is the return. Money goes back on the original order's payments (through the money
 * capability, so a provider refund is an operation and a job, and the state waits for its result);
 * stock comes back into the ledger at the receiving location; nothing is assumed to have happened.
 */
export interface ReturnOperationOptions {
  providers: ReadonlySet<string>;
  /** The engine, bound after it is built (an exchange order starts its own process). */
  engine: { current: OrderProcesses | undefined };
}

const by = (c: OperationContext) => `return process ${c.definition.key} v${c.definition.version}`;

/** The return this step runs for, locked; a returns operation in another order's process is refused. */
function loadReturn(ctx: OperationContext) {
  return lockReturn(
    ctx.tx,
    ctx.orderId,
    () =>
      new AppError(
        'RETURN_STATE_CONFLICT',
        `order ${ctx.orderId} is not a return: this operation runs in a returns process`,
      ),
  );
}

/** The delivery charge as paid (tax included): the order's total less its lines' (shipping_total is net). */
async function deliveryCharged(ctx: OperationContext, orderId: string): Promise<bigint> {
  const row = await ctx.tx
    .selectFrom('orders')
    .select(
      sql<string>`(orders.grand_total - coalesce((select sum(l.total) from order_lines l where l.tenant_id = orders.tenant_id and l.order_id = orders.id), 0))::text`.as(
        'charge',
      ),
    )
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const charge = BigInt(row.charge);
  return charge > 0n ? charge : 0n;
}

/** What the replacement order took from the return's value (the exchange credit paid on it). */
async function exchangeCredit(ctx: OperationContext, exchangeOrderId: string | null): Promise<bigint> {
  if (!exchangeOrderId) return 0n;
  const row = await ctx.tx
    .selectFrom('payments')
    .select(sql<string>`coalesce(sum(captured - refunded), 0)::text`.as('sum'))
    .where('order_id', '=', exchangeOrderId)
    .where('method', '=', 'store_credit')
    .where('reference', 'like', 'exchange %')
    .executeTakeFirstOrThrow();
  return BigInt(row.sum);
}

export function returnOperations(opts: ReturnOperationOptions) {
  const commandOpts = { providers: opts.providers };
  return [
    localOperation({
      code: 'restock_return',
      description:
        'put graded units into the ledger at the receiving location: resell as a `return` movement, write-off as return + write-off; refurbish is kept aside',
      refreshes: 'all',
      resultEvents: ['restocked'],
      argsSchema: z.object({}).strict(),
      async run(ctx) {
        const ret = await loadReturn(ctx);
        const rows = await ctx.tx
          .selectFrom('return_inspections')
          .innerJoin('return_lines', (j) =>
            j
              .onRef('return_lines.tenant_id', '=', 'return_inspections.tenant_id')
              .onRef('return_lines.id', '=', 'return_inspections.return_line_id'),
          )
          .select([
            'return_inspections.id',
            'return_inspections.grade',
            'return_inspections.quantity',
            'return_inspections.location_id',
            'return_lines.product_id',
            'return_lines.sku',
          ])
          .where('return_inspections.return_id', '=', ret.id)
          .where('return_inspections.stocked', '=', false)
          .forUpdate()
          .execute();
        const units = rows
          .filter((r) => r.grade !== 'refurbish')
          .map((r) => ({
            productId: r.product_id,
            locationId: r.location_id,
            quantity: r.quantity,
            writeOff: r.grade === 'write_off',
            orderId: ret.id,
            orderLineId: null,
            reference: ret.number,
            reason: `return ${ret.number}: ${r.grade}`,
          }));
        await restockUnits(ctx.tx, ctx.actor, ctx.now, units);
        if (rows.length)
          await ctx.tx
            .updateTable('return_inspections')
            .set({ stocked: true })
            .where(
              'id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
        const count = (g: string) => rows.filter((r) => r.grade === g).reduce((a, r) => a + r.quantity, 0);
        if (rows.length)
          await emitEvent(ctx.tx, {
            type: 'return.inspected',
            subject: ret.order_id,
            time: ctx.now,
            payload: {
              orderId: ret.order_id,
              returnId: ret.id,
              location: rows[0]!.location_id,
              lines: rows.map((r) => ({ sku: r.sku, quantity: r.quantity, grade: r.grade })),
            },
          });
        return {
          event: 'restocked',
          note: `${count('resell')} unit(s) back in stock, ${count('write_off')} written off, ${count('refurbish')} kept for refurbishment`,
          data: { resell: count('resell'), writeOff: count('write_off'), refurbish: count('refurbish') },
        };
      },
    }),
    localOperation({
      code: 'refund_return',
      description:
        "give back what the received units are worth on the original order's payments (or as store credit when the customer asked for it), less a restocking fee, with the delivery charge by rule; an exchange keeps what paid for the replacement",
      refreshes: 'all',
      resultEvents: ['refunded', 'refund_failed', 'nothing_to_refund'],
      argsSchema: z
        .object({
          shipping: z.enum(['never', 'full_return', 'always']).default('full_return'),
          restockingFeePercent: z.number().min(0).max(100).multipleOf(0.01).default(0),
          refundWriteOffs: z.boolean().default(true),
          as: z
            .enum(['wish', 'payment', 'store_credit'])
            .default('wish')
            .describe('how the money goes back; wish: as the customer asked'),
        })
        .strict(),
      async run(ctx, args) {
        const ret = await loadReturn(ctx);
        const lines = await returnLines(ctx.tx, ret.id);
        const original = await loadMoneyOrder(ctx.tx, ret.order_id, true);
        const shippingGross = await deliveryCharged(ctx, ret.order_id);
        const facts = (ctx.facts.rma ?? {}) as { fullReturn?: boolean };
        const figures = refundFigures(
          lines.map((l) => ({
            quantity: l.quantity,
            received: l.received,
            writeOff: l.write_off,
            value: BigInt(l.value),
          })),
          {
            shipping: args.shipping,
            restockingFeeBasisPoints: Math.round(args.restockingFeePercent * 100),
            refundWriteOffs: args.refundWriteOffs,
          },
          shippingGross,
          facts.fullReturn === true,
        );
        const credit = await exchangeCredit(ctx, ret.exchange_order_id);
        const due = figures.total - credit - BigInt(ret.refunded) - BigInt(ret.store_credit);
        const show = (v: bigint) => formatMoney(v, ret.currency);
        const data = {
          items: show(figures.items),
          shipping: show(figures.shipping),
          fee: show(figures.fee),
          exchangeCredit: show(credit),
          due: show(due),
        };
        if (due <= 0n)
          return {
            event: 'nothing_to_refund',
            note:
              due < 0n
                ? `the customer owes ${show(-due)} (the replacement took more than the units returned are worth)`
                : 'nothing is left to refund',
            data,
          };
        const how = args.as === 'wish' ? (ret.wish === 'store_credit' ? 'store_credit' : 'payment') : args.as;
        if (how === 'store_credit') {
          if (!ret.customer_id)
            return { event: 'refund_failed', note: 'store credit needs a known customer; the return has none', data };
          await addStoreCredit(ctx, ret.customer_id, ret.currency, due, {
            returnId: ret.id,
            note: `return ${ret.number}`,
          });
          await ctx.tx
            .updateTable('returns')
            .set({ store_credit: sql`store_credit + ${String(due)}::bigint`, updated_at: ctx.now })
            .where('id', '=', ret.id)
            .execute();
          return { event: 'refunded', note: `${show(due)} given as store credit`, data };
        }
        const payments = await loadPayments(ctx.tx, ret.order_id, true);
        const pending = await pendingOperations(ctx.tx, ret.order_id);
        const refundable =
          payments.reduce((a, p) => a + BigInt(p.captured) - BigInt(p.refunded), 0n) -
          pending.filter((o) => o.kind === 'refund').reduce((a, o) => a + BigInt(o.amount), 0n);
        if (refundable <= 0n && ret.credit_note_id)
          return {
            event: 'nothing_to_refund',
            note: `nothing was paid on ${original.number}: the credit note takes ${show(due)} off what the buyer owes`,
            data,
          };
        if (refundable <= 0n)
          return {
            event: 'refund_failed',
            note: `${show(due)} is due but nothing captured on ${original.number} is left to refund: pay it back another way (store credit, a credit note) and resolve`,
            data,
          };
        const amount = due > refundable ? refundable : due;
        const refund = await refundPayments(
          { tx: ctx.tx, actor: ctx.actor, now: ctx.now },
          ret.order_id,
          { amount, reason: `return ${ret.number} (${by(ctx)})`, returnId: ret.id },
          commandOpts,
        );
        return {
          note: `refund of ${show(amount)} requested on ${original.number} in ${refund.operations.length} part(s)${amount < due ? `; ${show(due - amount)} more is due than was captured` : ''}; waiting for the provider, or for finance to confirm what is paid back by hand`,
          data: { ...data, operations: refund.operations.map((o) => o.id) },
          waiting: true,
        };
      },
    }),
    localOperation({
      code: 'issue_return_credit_note',
      description:
        "correct the original order's invoice for the units received (a credit note); answers no_invoice when it has none",
      refreshes: 'all',
      resultEvents: ['credit_note_issued', 'no_invoice'],
      argsSchema: z.object({}).strict(),
      async run(ctx) {
        const ret = await loadReturn(ctx);
        if (ret.credit_note_id) return { event: 'credit_note_issued', note: 'the credit note is issued already' };
        const invoice = await ctx.tx
          .selectFrom('invoices')
          .selectAll()
          .where('order_id', '=', ret.order_id)
          .where('kind', '=', 'invoice')
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        if (!invoice) return { event: 'no_invoice', note: 'the original order has no invoice to correct' };
        const stored = reviveDocument(invoice.document);
        const lines = await returnLines(ctx.tx, ret.id);
        const taken = new Map<number, number>();
        const credit: Array<{ no: number; quantity: number }> = [];
        for (const line of lines.filter((x) => x.received > 0)) {
          let left = line.received;
          for (const cover of stored.covers.filter((c) => c.lineId === line.order_line_id)) {
            const take = Math.min(left, cover.quantity - (taken.get(cover.no) ?? 0));
            if (take <= 0) continue;
            taken.set(cover.no, (taken.get(cover.no) ?? 0) + take);
            credit.push({ no: cover.no, quantity: take });
            left -= take;
          }
        }
        if (!credit.length) return { event: 'no_invoice', note: `no received unit is on invoice ${invoice.number}` };
        const note = await issueCreditNote({ tx: ctx.tx, actor: ctx.actor, now: ctx.now }, invoice.id, {
          reason: `return ${ret.number}`,
          lines: credit,
        });
        const noteId = (note as { id: string }).id;
        await ctx.tx
          .updateTable('returns')
          .set({ credit_note_id: noteId, updated_at: ctx.now })
          .where('id', '=', ret.id)
          .execute();
        return {
          event: 'credit_note_issued',
          note: `credit note against ${invoice.number}`,
          data: { creditNoteId: noteId },
        };
      },
    }),
    localOperation({
      code: 'create_exchange_order',
      description:
        "create the replacement order (linked to the return) through normal intake: it reserves, routes and ships under its own process; the returned units' value pays for it, a difference is collected on it or refunded by the return",
      refreshes: 'all',
      resultEvents: ['exchange_created'],
      argsSchema: z.object({}).strict(),
      async run(ctx) {
        const engine = opts.engine.current;
        if (!engine) throw new Error('create_exchange_order needs the process engine');
        const ret = await loadReturn(ctx);
        if (ret.exchange_order_id) return { event: 'exchange_created', note: 'the replacement order exists already' };
        const exchange = ret.exchange as {
          lines: Array<{ sku: string; quantity: number; unitPrice: string; taxRate?: string | null }>;
        } | null;
        if (!exchange?.lines.length)
          throw new AppError('RETURN_STATE_CONFLICT', `return ${ret.number} names no replacement items`);
        const original = await ctx.tx
          .selectFrom('orders')
          .selectAll()
          .where('id', '=', ret.order_id)
          .executeTakeFirstOrThrow();
        const channel = await ctx.tx
          .selectFrom('channels')
          .select('code')
          .where('id', '=', original.channel_id)
          .executeTakeFirstOrThrow();
        const returned = await returnLines(ctx.tx, ret.id);
        const value = returned.reduce((a, l) => a + BigInt(l.value), 0n);
        const taxOf = await ctx.tx
          .selectFrom('order_lines')
          .select(['sku', 'tax_rate'])
          .where('order_id', '=', ret.order_id)
          .execute();
        const defaultTax = taxOf[0]?.tax_rate ?? undefined;
        const addr = original.shipping_address as Record<string, unknown> | null;
        let exchangeOrderId = '';
        const created = await createOrder(
          engine,
          ctx.tx,
          ctx.actor,
          { now: () => ctx.now },
          {
            channel: channel.code,
            orderType: 'sale',
            customer: original.customer_id
              ? { id: original.customer_id }
              : { name: original.customer_name ?? undefined, email: original.customer_email ?? undefined },
            currency: original.currency,
            pricesIncludeTax: true,
            lines: exchange.lines.map((item) => {
              const tax = taxOf.find((t) => t.sku === item.sku)?.tax_rate ?? defaultTax;
              return {
                sku: item.sku,
                quantity: item.quantity,
                unitPrice: item.unitPrice,
                ...(tax ? { taxRate: tax } : {}),
              };
            }),
            ...(addr ? { shippingAddress: addr as never } : {}),
            delivery: {
              method: original.delivery_method === 'pickup' ? 'pickup' : 'ship',
              ...(original.pickup_location_id
                ? {
                    pickupLocation: (
                      await ctx.tx
                        .selectFrom('locations')
                        .select('code')
                        .where('id', '=', original.pickup_location_id)
                        .executeTakeFirstOrThrow()
                    ).code,
                  }
                : {}),
            },
            paymentTerms: { kind: 'prepaid' },
            attributes: { exchangeFor: ret.id, exchangeForNumber: ret.number, returnOf: original.number },
            notes: `exchange for return ${ret.number}`,
          },
          {
            // The returned units' value pays for the replacement before its process asks for money:
            // only a difference is collected.
            async beforeStart(work, orderId) {
              exchangeOrderId = orderId;
              const order = await loadMoneyOrder(work, orderId);
              const take = value < order.total ? value : order.total;
              if (take > 0n)
                await addPayment(
                  { tx: work, actor: ctx.actor, now: ctx.now },
                  orderId,
                  { method: 'store_credit', amount: take, reference: `exchange ${ret.number}`, status: 'captured' },
                  commandOpts,
                );
            },
          },
        );
        exchangeOrderId ||= (created as unknown as { id: string }).id;
        await ctx.tx
          .updateTable('returns')
          .set({ exchange_order_id: exchangeOrderId, updated_at: ctx.now })
          .where('id', '=', ret.id)
          .execute();
        await writeHistory(ctx.tx, ctx.actor, ctx.now, [
          {
            orderId: ret.order_id,
            action: 'return.exchange_created',
            changes: { returnId: ret.id, exchangeOrderId },
            reason: { note: `replacement for return ${ret.number}` },
          },
        ]);
        return {
          event: 'exchange_created',
          note: `replacement order created for ${formatMoney(value, ret.currency)} of returned goods`,
          data: { exchangeOrderId },
        };
      },
    }),
    localOperation({
      code: 'issue_return_label',
      description:
        "ask the carrier for a return label (the customer's address to the receiving location, or from a pickup point); the return waits for label_issued or label_failed",
      refreshes: 'all',
      resultEvents: ['label_issued', 'label_failed'],
      argsSchema: z
        .object({ carrier: z.string().min(1).max(50).optional(), service: z.string().max(100).optional() })
        .strict(),
      async run(ctx, args) {
        const ret = await loadReturn(ctx);
        const label = ret.label as { status?: string } | null;
        if (label?.status === 'issued') return { event: 'label_issued', note: 'the label is issued already' };
        const dropOff = ret.drop_off as { carrier?: string };
        // The request's carrier, else the process's, else the one that delivered the order.
        const delivered = await ctx.tx
          .selectFrom('shipments')
          .select('carrier')
          .where('order_id', '=', ret.order_id)
          .where('status', '<>', 'cancelled')
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        const carrier = dropOff.carrier ?? args.carrier ?? delivered?.carrier;
        if (!carrier)
          return {
            event: 'label_failed',
            note: 'no carrier is named for the return label (the request, the process args or a shipment of the order)',
          };
        await ctx.tx
          .updateTable('returns')
          .set({
            label: JSON.stringify({ status: 'requested', carrier, ...(args.service ? { service: args.service } : {}) }),
            updated_at: ctx.now,
          })
          .where('id', '=', ret.id)
          .execute();
        await scheduleTimer(ctx.tx, {
          kind: RETURN_LABEL_JOB,
          key: `return-label:${ret.id}`,
          runAt: ctx.now,
          payload: { returnId: ret.id },
          maxAttempts: 8,
        });
        return { note: `return label requested from ${carrier}; waiting for the carrier`, waiting: true };
      },
    }),
    localOperation({
      code: 'close_return',
      description:
        'close the return: tells the ERP and the customer (return.closed) what was refunded, credited or exchanged',
      refreshes: 'stock',
      argsSchema: z.object({}).strict(),
      async run(ctx) {
        const ret = await loadReturn(ctx);
        if (!ret.closed_at)
          await ctx.tx
            .updateTable('returns')
            .set({ closed_at: ctx.now, updated_at: ctx.now })
            .where('id', '=', ret.id)
            .execute();
        const state = String((ctx.facts as { state?: string }).state ?? '');
        await emitEvent(ctx.tx, {
          type: 'return.closed',
          subject: ret.order_id,
          time: ctx.now,
          payload: {
            orderId: ret.order_id,
            returnId: ret.id,
            state,
            refunded: formatMoney(BigInt(ret.refunded), ret.currency),
            storeCredit: formatMoney(BigInt(ret.store_credit), ret.currency),
            currency: ret.currency,
            exchangeOrderId: ret.exchange_order_id,
          },
        });
        return { note: `return ${ret.number} closed` };
      },
    }),
  ];
}

/** Adds (or, negative, spends) store credit: one ledger row, the balance is their sum; never below zero. */
export async function addStoreCredit(
  ctx: Pick<OperationContext, 'tx' | 'now'>,
  customerId: string,
  currency: string,
  amount: bigint,
  ref: { returnId?: string; orderId?: string; note: string },
): Promise<bigint> {
  // One customer's entries are serialised by locking the customer row.
  await ctx.tx.selectFrom('customers').select('id').where('id', '=', customerId).forUpdate().executeTakeFirstOrThrow();
  const before = await storeCreditBalance(ctx.tx, customerId, currency);
  if (before + amount < 0n)
    throw new AppError(
      'REFUND_EXCEEDS_CAPTURED',
      `store credit is ${formatMoney(before, currency)}; ${formatMoney(-amount, currency)} cannot be spent`,
    );
  await ctx.tx
    .insertInto('store_credit_entries', {
      id: newId(),
      customer_id: customerId,
      currency,
      amount: String(amount),
      return_id: ref.returnId ?? null,
      order_id: ref.orderId ?? null,
      note: ref.note,
      at: ctx.now,
    })
    .execute();
  const balance = before + amount;
  await emitEvent(ctx.tx, {
    type: 'store_credit.changed',
    subject: customerId,
    time: ctx.now,
    payload: {
      customerId,
      amount: formatMoney(amount, currency),
      balance: formatMoney(balance, currency),
      currency,
      returnId: ref.returnId ?? null,
      orderId: ref.orderId ?? null,
    },
  });
  return balance;
}

export async function storeCreditBalance(
  scope: OperationContext['tx'] | import('../../store/tenant-scope.js').TenantScope,
  customerId: string,
  currency: string,
): Promise<bigint> {
  const row = await scope
    .selectFrom('store_credit_entries')
    .select(sql<string>`coalesce(sum(amount), 0)::text`.as('sum'))
    .where('customer_id', '=', customerId)
    .where('currency', '=', currency)
    .executeTakeFirstOrThrow();
  return BigInt(row.sum);
}
