import { z } from 'zod';
import { orderInput } from '../orders/schemas.js';
import { text, timestamp, emailAddress } from '../schemas.js';

const dateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .describe('valid through this day in the quote time zone');

/** What a quote promises besides prices: payment, delivery, Incoterms-like terms and notes. */
export const quoteTerms = z
  .object({
    payment: text(1000).optional().describe('payment terms as written on the quote ("14 days net, 2 % skonto 7 days")'),
    delivery: text(1000).optional().describe('delivery promise ("within 10 working days of acceptance")'),
    incoterms: text(100).optional().describe('an Incoterms-like rule and place ("FCA Łódź", "DAP Москва")'),
    notes: text(4000).optional(),
  })
  .strict();
export type QuoteTerms = z.infer<typeof quoteTerms>;

const order = orderInput.shape;

/**
 * A new quote: an order's fields (lines carry explicit, negotiated unit prices and discounts) and
 * the quote's own: validity and terms. Payments and marketplace data do not apply to a quote.
 */
export const quoteInput = z
  .object({
    channel: order.channel,
    externalId: order.externalId,
    customer: order.customer,
    currency: order.currency,
    pricesIncludeTax: order.pricesIncludeTax,
    lines: order.lines,
    shipping: order.shipping,
    shippingLines: order.shippingLines,
    discounts: order.discounts,
    shippingAddress: order.shippingAddress,
    billingAddress: order.billingAddress,
    delivery: order.delivery,
    paymentTerms: order.paymentTerms,
    attributes: order.attributes,
    notes: order.notes,
    validUntil: z
      .union([timestamp, dateOnly])
      .optional()
      .describe(
        "when the offer lapses: an instant with its offset, or a date (valid through that day in timeZone); default: the channel's settings.quotes.validityDays (30) from today",
      ),
    timeZone: text(64)
      .optional()
      .describe(
        "IANA zone a date-only validUntil is read in; default the channel's settings.quotes.timeZone, else UTC",
      ),
    terms: quoteTerms.optional(),
  })
  .strict()
  .meta({ id: 'QuoteCreate' });
export type QuoteInput = z.infer<typeof quoteInput>;

export const QUOTE_STATUSES = [
  'draft',
  'pending_approval',
  'sent',
  'accepted',
  'converted',
  'declined',
  'expired',
  'withdrawn',
] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export const quotesQuery = z.object({
  status: z.enum(QUOTE_STATUSES).optional(),
  customerId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export type QuotesQuery = z.infer<typeof quotesQuery>;

export const acceptInput = z
  .object({
    comment: text(2000).optional(),
    onBehalfOf: z
      .object({ name: text(300).optional(), email: emailAddress().optional() })
      .strict()
      .optional()
      .describe("the customer's buyer a sales user accepts for (a phone call, an e-mail)"),
  })
  .strict()
  .default({});
export const declineInput = z.object({ reason: text(2000).min(1).describe('why the customer declined') }).strict();
export const withdrawInput = z
  .object({ reason: text(2000).min(1).optional() })
  .strict()
  .default({});
