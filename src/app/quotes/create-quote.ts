import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { createOrder } from '../orders/create-order.js';
import { orderInput } from '../orders/schemas.js';
import { reserveExistingOrder } from '../inventory/reserve.js';
import { isTimeZone, quoteSettings, resolveValidUntil } from './quote-settings.js';
import type { QuoteInput } from './schemas.js';

/** What a quote keeps in `orders.attributes.quote` (docs/quotes.md). */
export interface QuoteDocument {
  validUntil: string;
  timeZone: string;
  terms: Record<string, unknown>;
  softHold: boolean;
  /** When :send was called (the quote is sent then, or after the approval chain). */
  submittedAt?: string;
  /** When :send sent it at once (a quote sent after its approval chain has it from its history). */
  sentAt?: string | null;
  accepted?: { at: string; by: string | null; onBehalfOf: Record<string, unknown> | null; comment: string | null };
  declined?: { at: string; by: string | null; reason: string };
  withdrawn?: { at: string; by: string | null; reason: string | null };
  /** The sales order made from the quote. */
  order?: { id: string; number: string };
  /** The last conversion refusal (cleared when the order is made). */
  conversion?: { at: string; code: string; reason: string; errors: unknown[] } | null;
}

/**
 * Creates a quote: an order of type `quote` with the lines' negotiated prices and the quote's
 * validity and terms, started on its process (quote-to-order by the default selection rules) in
 * the caller's unit of work. It holds no stock unless its channel asks for soft holds: then its
 * lines are reserved until validUntil (never backordered: a quote promises no supply).
 */
export async function createQuote(
  processes: OrderProcesses,
  work: Work,
  actor: Actor,
  now: Date,
  input: QuoteInput,
): Promise<{ id: string }> {
  const channel = await work
    .selectFrom('channels')
    .select(['settings'])
    .where('code', '=', input.channel)
    .executeTakeFirst();
  // an unknown channel is refused by intake, with its path
  const settings = quoteSettings(channel?.settings);
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone))
    throw new AppError('VALIDATION_FAILED', `${input.timeZone} is not a time zone`, [
      { path: '/timeZone', message: 'not an IANA time zone such as Europe/Warsaw' },
    ]);
  const timeZone = input.timeZone ?? settings.timeZone;
  const validUntil = resolveValidUntil(input.validUntil, timeZone, settings.validityDays, now);
  const { validUntil: _v, timeZone: _z, terms, ...fields } = input;
  const quote: QuoteDocument = {
    validUntil: validUntil.toISOString(),
    timeZone,
    terms: terms ?? {},
    softHold: settings.softHold,
  };
  const parsed = orderInput.safeParse({
    ...fields,
    orderType: 'quote',
    attributes: { ...(fields.attributes ?? {}), quote },
  });
  if (!parsed.success)
    throw new AppError(
      'VALIDATION_FAILED',
      'the quote is not valid',
      parsed.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message })),
    );
  const created = (await createOrder(processes, work, actor, { now: () => now }, parsed.data, {
    async beforeStart(inner, orderId) {
      if (!settings.softHold) return;
      await reserveExistingOrder(inner, actor, now, orderId, { expiresAt: validUntil });
      // a soft hold takes what is free now; it promises no supply, so it leaves no backorder
      await inner
        .updateTable('stock_backorders')
        .set({ status: 'cancelled', updated_at: now })
        .where('order_id', '=', orderId)
        .where('status', '=', 'open')
        .execute();
    },
  })) as { id: string };
  return { id: created.id };
}

/** Merges `patch` into the quote's document (orders.attributes.quote) in the caller's transaction. */
export async function patchQuoteDocument(work: Work, quoteId: string, patch: Partial<QuoteDocument>, now: Date) {
  await work
    .updateTable('orders')
    .set({
      attributes: sql`jsonb_set(attributes, '{quote}', coalesce(attributes->'quote', '{}'::jsonb) || ${JSON.stringify(patch)}::jsonb)`,
      updated_at: now,
    })
    .where('id', '=', quoteId)
    .execute();
}
