import { z } from 'zod';
import { order } from '../../app/orders/schemas.js';
import { QUOTE_STATUSES } from '../../app/quotes/schemas.js';

const status = z
  .string()
  .describe(
    `${QUOTE_STATUSES.join(', ')} (from the process state, docs/quotes.md); another state's own name for a custom process`,
  );
const link = z.object({ id: z.string(), number: z.string() });

export const quoteView = order
  .extend({
    status,
    validUntil: z.string().nullable().describe('the instant the offer lapses (UTC)'),
    timeZone: z.string().describe('the zone its validity was set in'),
    lapsed: z.boolean().describe('validUntil has passed'),
    terms: z.record(z.string(), z.unknown()).describe('payment, delivery, incoterms, notes'),
    softHold: z.boolean().describe("the quote's lines are reserved until validUntil"),
    submittedAt: z.string().nullable().describe('when :send was called'),
    sentAt: z.string().nullable().describe('when the quote was last sent (after :send, or after the approval chain)'),
    accepted: z.record(z.string(), z.unknown()).nullable().describe('at, by, onBehalfOf, comment'),
    declined: z.record(z.string(), z.unknown()).nullable().describe('at, by, reason'),
    withdrawn: z.record(z.string(), z.unknown()).nullable().describe('at, by, reason'),
    salesOrder: link.nullable().describe('the sales order the quote became'),
    conversionError: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('why the last conversion failed (code, reason, errors); null once converted'),
  })
  .meta({ id: 'Quote' });

export const quoteSummary = z
  .object({
    id: z.string(),
    number: z.string(),
    channel: z.string(),
    state: z.string(),
    status,
    customer: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
    companyId: z.string().nullable(),
    currency: z.string(),
    grandTotal: z.string(),
    lineCount: z.number(),
    validUntil: z.string().nullable(),
    lapsed: z.boolean(),
    salesOrder: link.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .meta({ id: 'QuoteSummary' });

export const quoteList = z.object({ items: z.array(quoteSummary), nextCursor: z.string().nullable() });
