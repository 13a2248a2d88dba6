import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import { formatMoney } from '../../shared/money.js';
import type { ActionRegistry } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { getOrder } from '../orders/get-order.js';
import type { QuoteDocument } from './create-quote.js';
import type { QuoteStatus, QuotesQuery } from './schemas.js';

/**
 * The quote's status from its process state (processes/quote-to-order.yaml). A tenant's own quote
 * process may name other states: those read as the state's own name.
 */
export const STATUS_OF_STATE: Readonly<Record<string, QuoteStatus>> = {
  drafting: 'draft',
  pricing_review: 'pending_approval',
  awaiting_discount_approval: 'pending_approval',
  sent: 'sent',
  converting: 'accepted',
  conversion_exception: 'accepted',
  converted: 'converted',
  declined: 'declined',
  expired: 'expired',
  withdrawn: 'withdrawn',
};

export const statusOf = (state: string): string => STATUS_OF_STATE[state] ?? state;

/** The process states a status stands for (the list filter). */
export const statesOf = (status: QuoteStatus): string[] =>
  Object.entries(STATUS_OF_STATE)
    .filter(([, s]) => s === status)
    .map(([state]) => state);

export function quoteDocumentOf(attributes: unknown): QuoteDocument | null {
  const quote = (attributes as Record<string, unknown> | null)?.quote;
  return quote && typeof quote === 'object' ? (quote as QuoteDocument) : null;
}

/** The quote's own fields, beside the order view it is built on. */
function quoteFields(state: string, doc: QuoteDocument | null, now: Date, sentAt: string | null = null) {
  const validUntil = doc?.validUntil ?? null;
  return {
    status: statusOf(state),
    validUntil,
    timeZone: doc?.timeZone ?? 'UTC',
    /** validUntil has passed (the expiry timer may not have moved the process yet). */
    lapsed: validUntil !== null && Date.parse(validUntil) <= now.getTime(),
    terms: doc?.terms ?? {},
    softHold: doc?.softHold ?? false,
    submittedAt: doc?.submittedAt ?? null,
    sentAt: sentAt ?? doc?.sentAt ?? null,
    accepted: doc?.accepted ?? null,
    declined: doc?.declined ?? null,
    withdrawn: doc?.withdrawn ?? null,
    salesOrder: doc?.order ?? null,
    conversionError: doc?.conversion ?? null,
  };
}

/** A quote: the order view (lines, totals, process, tasks) with its status, validity, terms and sales order. */
export async function getQuote(actions: ActionRegistry, scope: TenantScope, id: string, now: Date) {
  const order = await getOrder(actions, scope, id).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'NOT_FOUND'
      ? new AppError('NOT_FOUND', `quote ${id} not found`)
      : error;
  });
  if (order.orderType !== 'quote')
    throw new AppError('NOT_FOUND', `quote ${id} not found (${order.number} is an order)`);
  const doc = quoteDocumentOf(order.attributes);
  // sent by :send at once, else when its process entered `sent` (after the approval chain)
  let sentAt = doc?.sentAt ?? null;
  if (!sentAt) {
    const sent = await scope
      .selectFrom('order_history')
      .select(sql<Date | null>`max(at)`.as('at'))
      .where('order_id', '=', id)
      .where('to_state', '=', 'sent')
      .where('from_state', '<>', 'sent')
      .executeTakeFirst();
    sentAt = sent?.at ? new Date(sent.at).toISOString() : null;
  }
  return { ...order, ...quoteFields(order.state, doc, now, sentAt) };
}

/** Quotes newest first, by status (its process states) and customer, with cursor paging. */
export async function listQuotes(scope: TenantScope, query: QuotesQuery, now: Date) {
  const after = decodeCursor(query.cursor);
  let select = scope
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .select([
      'orders.id',
      'orders.number',
      'orders.state',
      'orders.customer_id',
      'orders.customer_name',
      'orders.company_id',
      'orders.currency',
      'orders.grand_total',
      'orders.line_count',
      'orders.created_at',
      'orders.updated_at',
      'orders.version',
      'channels.code as channel',
      sql<unknown>`orders.attributes->'quote'`.as('quote'),
    ])
    .where('orders.order_type', '=', 'quote')
    .orderBy('orders.id', 'desc')
    .limit(query.limit + 1);
  if (query.status) select = select.where('orders.state', 'in', statesOf(query.status));
  if (query.customerId) select = select.where('orders.customer_id', '=', query.customerId);
  if (after) select = select.where('orders.id', '<', after);
  const rows = await select.execute();
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((row) => {
      const doc = quoteDocumentOf({ quote: row.quote });
      const fields = quoteFields(row.state, doc, now);
      return {
        id: row.id,
        number: row.number,
        channel: row.channel,
        state: row.state,
        status: fields.status,
        customer: { id: row.customer_id, name: row.customer_name },
        companyId: row.company_id,
        currency: row.currency,
        grandTotal: formatMoney(BigInt(row.grand_total), row.currency),
        lineCount: row.line_count,
        validUntil: fields.validUntil,
        lapsed: fields.lapsed,
        salesOrder: fields.salesOrder,
        createdAt: new Date(row.created_at).toISOString(),
        updatedAt: new Date(row.updated_at).toISOString(),
        version: row.version,
      };
    }),
    nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}
