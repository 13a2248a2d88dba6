import { z } from 'zod';
import { isAppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import { writeHistory } from '../../store/history.js';
import { atomically } from '../../store/tenant-scope.js';
import { localOperation, type OperationContext } from '../process/operation.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { createOrder } from '../orders/create-order.js';
import type { OrderInput } from '../orders/schemas.js';
import { releaseOrderReservations } from '../inventory/release.js';
import { emitEvent } from '../events/emit-event.js';
import { patchQuoteDocument } from './create-quote.js';
import { quoteDocumentOf } from './quote-view.js';

export interface QuoteOperationOptions {
  /** The engine, bound after it is built (the sales order starts its own process). */
  engine: { current: OrderProcesses | undefined };
}

/** Order attributes that intake derives itself (prices checked, delivery, tax basis) or that belong to the quote only. */
const NOT_CARRIED = new Set(['quote', 'delivery', 'pricesIncludeTax', 'shippingTaxRate', 'pricing']);

/**
 * What a sales order line carries to say its price was agreed on a quote: `negotiated: true` makes
 * intake's price-list check leave the price alone (no deviation flag, no re-pricing), and
 * `pricing.source: 'quote'` names where it came from (a list-priced line says `list`, a sent one
 * `channel`: docs/pricing.md). Whatever the quote's own line said about list prices is replaced.
 */
export const NEGOTIATED = (quote: { id: string; number: string }) => ({
  negotiated: true,
  pricing: { source: 'quote', quoteId: quote.id, quoteNumber: quote.number },
});

type Failure = { code: string; reason: string; errors: unknown[] };

async function fail(ctx: OperationContext, quoteId: string, failure: Failure) {
  await patchQuoteDocument(ctx.tx, quoteId, { conversion: { at: ctx.now.toISOString(), ...failure } }, ctx.now);
  return {
    event: 'order_creation_failed',
    note: `no sales order: ${failure.reason}`,
    data: { code: failure.code, reason: failure.reason, errors: failure.errors },
  };
}

/** The sales order's intake input, built from the quote's rows: its prices, discounts, parties, addresses and terms as they are. */
async function salesOrderInput(
  ctx: OperationContext,
  quoteId: string,
): Promise<{ input: OrderInput; quote: QuoteRow }> {
  const quote = await ctx.tx
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('orders')
    .select('channels.code as channel_code')
    .where('orders.id', '=', quoteId)
    .executeTakeFirstOrThrow();
  const lines = await ctx.tx
    .selectFrom('order_lines')
    .selectAll()
    .where('order_id', '=', quoteId)
    .orderBy('line_no')
    .execute();
  const pickupLocation = quote.pickup_location_id
    ? (
        await ctx.tx
          .selectFrom('locations')
          .select('code')
          .where('id', '=', quote.pickup_location_id)
          .executeTakeFirstOrThrow()
      ).code
    : undefined;
  const cur = quote.currency;
  const money = (v: string | bigint) => formatMoney(BigInt(v), cur);
  const attrs = quote.attributes as Record<string, unknown>;
  const delivery = (attrs.delivery ?? {}) as { carrier?: string; service?: string };
  const ref = { id: quote.id, number: quote.number };
  const shipping = (quote.shipping_lines ?? []) as Array<Record<string, string | null>>;
  const discounts = (quote.discounts ?? []) as Array<{
    target: 'order' | 'shipping';
    amount: string;
    code: string | null;
    title: string | null;
  }>;
  const terms = quoteDocumentOf(attrs)?.terms ?? {};
  const input: OrderInput = {
    channel: quote.channel_code,
    orderType: 'sale',
    customer: quote.customer_id
      ? { id: quote.customer_id }
      : { name: quote.customer_name ?? undefined, email: quote.customer_email ?? undefined },
    currency: cur,
    pricesIncludeTax: attrs.pricesIncludeTax === true,
    lines: lines.map((line) => {
      // `discount` is the line's own discount plus its share of the order-level ones, which intake
      // spreads again from the same discounts, to the same shares
      const own = BigInt(line.discount) - BigInt(line.allocated_discount ?? '0');
      return {
        kind: (line.kind ?? 'product') as 'product' | 'service',
        sku: line.sku,
        name: line.name,
        quantity: line.quantity,
        unitPrice: money(line.unit_price),
        ...(own !== 0n ? { discount: money(own) } : {}),
        ...(line.tax_rate !== null ? { taxRate: line.tax_rate } : {}),
        attributes: { ...(line.attributes as Record<string, unknown>), ...NEGOTIATED(ref) },
      };
    }),
    ...(shipping.length
      ? {
          shippingLines: shipping.map((ship) => {
            const own = BigInt(ship.discount ?? '0') - BigInt(ship.allocatedDiscount ?? '0');
            return {
              ...(ship.code ? { code: ship.code } : {}),
              ...(ship.title ? { title: ship.title } : {}),
              ...(ship.carrier ? { carrier: ship.carrier } : {}),
              amount: money(ship.amount ?? '0'),
              ...(own !== 0n ? { discount: money(own) } : {}),
              ...(ship.taxRate ? { taxRate: ship.taxRate } : {}),
            };
          }),
        }
      : {}),
    ...(discounts.length
      ? {
          discounts: discounts.map((d) => ({
            target: d.target,
            amount: money(d.amount),
            ...(d.code ? { code: d.code } : {}),
            ...(d.title ? { title: d.title } : {}),
          })),
        }
      : {}),
    ...(quote.shipping_address ? { shippingAddress: quote.shipping_address as OrderInput['shippingAddress'] } : {}),
    ...(quote.billing_address ? { billingAddress: quote.billing_address as OrderInput['billingAddress'] } : {}),
    delivery: {
      method: quote.delivery_method as 'ship' | 'pickup' | 'pickup_point',
      ...(pickupLocation ? { pickupLocation } : {}),
      ...(quote.pickup_point ? { pickupPoint: quote.pickup_point as never } : {}),
      ...(delivery.carrier ? { carrier: delivery.carrier } : {}),
      ...(delivery.service ? { service: delivery.service } : {}),
    },
    paymentTerms: quote.payment_terms as OrderInput['paymentTerms'],
    attributes: {
      ...Object.fromEntries(Object.entries(attrs).filter(([k]) => !NOT_CARRIED.has(k))),
      fromQuote: ref,
      ...(Object.keys(terms).length ? { terms } : {}),
    },
    ...(quote.notes ? { notes: quote.notes } : {}),
  };
  return { input, quote };
}
type QuoteRow = { id: string; number: string; company_id: string | null };

/**
 * The quote process's operation (processes/quote-to-order.yaml, state `converting`): creates the
 * sales order through normal intake inside the quote's step, exactly once.
 */
export function quoteOperations(opts: QuoteOperationOptions) {
  return [
    localOperation({
      code: 'create_order_from_quote',
      description:
        "create the sales order (type sale, the channel's own process, reserved as usual) with the quote's negotiated prices, discounts, parties, addresses and terms, linked both ways; once only (a retry finds the order it made); a refusal (credit hold, a SKU no longer sold, …) is order_creation_failed with its reason",
      refreshes: 'all',
      resultEvents: ['order_created', 'order_creation_failed'],
      argsSchema: z.object({}).strict(),
      async run(ctx) {
        const engine = opts.engine.current;
        if (!engine) throw new Error('create_order_from_quote needs the process engine');
        // The step holds the quote's row lock (applyOrderEvent locks it FOR UPDATE), so two
        // conversions of one quote queue up here, and the link below is written in the same
        // transaction as the order: once it is there, the order exists, and the other way round.
        const head = await ctx.tx
          .selectFrom('orders')
          .select(['id', 'number', 'order_type', 'attributes', 'company_id', 'currency', 'grand_total'])
          .where('id', '=', ctx.orderId)
          .executeTakeFirstOrThrow();
        const doc = quoteDocumentOf(head.attributes);
        if (head.order_type !== 'quote')
          return fail(ctx, ctx.orderId, {
            code: 'NOT_A_QUOTE',
            reason: `${head.number} is not a quote: create_order_from_quote runs in a quote's process`,
            errors: [],
          });
        if (doc?.order)
          return {
            event: 'order_created',
            note: `sales order ${doc.order.number} exists already`,
            data: { orderId: doc.order.id, orderNumber: doc.order.number },
          };
        if (head.company_id) {
          const hold = await ctx.tx
            .selectFrom('credit_holds')
            .select(['reason'])
            .where('company_id', '=', head.company_id)
            .where('released_at', 'is', null)
            .executeTakeFirst();
          if (hold)
            return fail(ctx, head.id, {
              code: 'CREDIT_HOLD',
              reason: `the customer's company is on credit hold${hold.reason ? `: ${hold.reason}` : ''}`,
              errors: [],
            });
        }
        const { input } = await salesOrderInput(ctx, head.id);
        let created: { id: string; number: string };
        try {
          // under a savepoint: a refused intake leaves nothing, the soft hold included
          created = await atomically(ctx.tx, async (work) => {
            // the sales order takes the soft hold over: freed and reserved again in this transaction,
            // under the same row locks, so no other order can take the units in between
            if (doc?.softHold)
              await releaseOrderReservations(work, ctx.actor, ctx.now, {
                orderId: head.id,
                reason: 'quote converted: the sales order takes the hold over',
              });
            return (await createOrder(engine, work, ctx.actor, { now: () => ctx.now }, input)) as {
              id: string;
              number: string;
            };
          });
        } catch (error) {
          if (!isAppError(error)) throw error;
          return fail(ctx, head.id, { code: error.code, reason: error.message, errors: error.errors ?? [] });
        }
        const link = { id: created.id, number: created.number };
        await patchQuoteDocument(ctx.tx, head.id, { order: link, conversion: null }, ctx.now);
        await writeHistory(ctx.tx, ctx.actor, ctx.now, [
          {
            orderId: created.id,
            action: 'order.created_from_quote',
            changes: { quoteId: head.id, quoteNumber: head.number },
            reason: { note: `the quote's negotiated prices and terms, accepted by the customer` },
          },
          {
            orderId: head.id,
            action: 'quote.order_created',
            changes: { orderId: created.id, orderNumber: created.number },
            reason: { definition: ctx.definition },
          },
        ]);
        await emitEvent(ctx.tx, {
          type: 'quote.converted',
          subject: head.id,
          time: ctx.now,
          payload: {
            orderId: head.id,
            quoteNumber: head.number,
            salesOrderId: created.id,
            salesOrderNumber: created.number,
            grandTotal: formatMoney(BigInt(head.grand_total), head.currency),
            currency: head.currency,
          },
        });
        return {
          event: 'order_created',
          note: `sales order ${created.number} created`,
          data: { orderId: created.id, orderNumber: created.number },
        };
      },
    }),
  ];
}
