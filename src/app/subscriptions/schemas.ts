import { z } from 'zod';
import { address, attributes, code, moneyString, rateString, sku, text, timestamp, uuid } from '../schemas.js';
import { orderInput, orderLineInput } from '../orders/schemas.js';

export const SUBSCRIPTION_STATES = ['active', 'paused', 'cancelled', 'completed'] as const;
export const MAX_SUBSCRIPTION_LINES = 200;

export const subscriptionLineInput = z
  .object({
    kind: z.enum(['product', 'service']).optional().describe('service lines (a visit, a cleaning) hold no stock'),
    sku,
    quantity: z.number().int().min(1).max(1_000_000),
    // the order line's own rule: required until intake prices lines from the price lists, then optional
    unitPrice: orderLineInput.shape.unitPrice.describe(
      "the fixed price of every cycle, in the subscription's currency; absent (where order intake allows it) = each cycle order is priced from the price lists at its cycle",
    ),
    taxRate: rateString.optional().describe('percentage, e.g. "23"'),
  })
  .strict();

export const scheduleInput = z
  .object({
    rrule: text(500)
      .min(1)
      .describe(
        'RFC 5545 RRULE without DTSTART: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL; e.g. "FREQ=WEEKLY;BYDAY=FR;COUNT=3"',
      ),
    start: text(19)
      .min(1)
      .describe("the first cycle's local date and time in timeZone, e.g. 2027-03-19T09:00 (DTSTART)"),
    timeZone: text(60)
      .min(1)
      .optional()
      .describe("IANA zone the rule is evaluated in; default: the default seller's time zone, else UTC"),
  })
  .strict();

const delivery = orderInput.shape.delivery;
const paymentTerms = orderInput.shape.paymentTerms;

export const subscriptionInput = z
  .object({
    customer: z
      .object({ id: uuid.optional(), code: code.optional() })
      .strict()
      .refine((c) => c.id || c.code, 'give the customer id or code'),
    channel: code.describe('the channel its cycle orders come in on (its process runs them)'),
    orderType: z
      .enum(['subscription', 'service'])
      .default('subscription')
      .describe('the cycle orders\' type: "subscription" (deliveries) or "service" (visits)'),
    currency: orderInput.shape.currency,
    pricesIncludeTax: z.boolean().default(false),
    lines: z.array(subscriptionLineInput).min(1).max(MAX_SUBSCRIPTION_LINES),
    shipping: z
      .object({ amount: moneyString, taxRate: rateString.optional() })
      .strict()
      .optional()
      .describe('shipping charged on every cycle order'),
    delivery,
    shippingAddress: address.optional(),
    billingAddress: address.optional(),
    paymentTerms,
    schedule: scheduleInput,
    cyclesTotal: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .optional()
      .describe('how many cycle orders in all; absent = as long as the schedule runs (COUNT/UNTIL) or until cancelled'),
    attributes: attributes.optional().describe('copied onto every cycle order'),
    notes: text(4000).optional(),
  })
  .strict();
export type SubscriptionInput = z.infer<typeof subscriptionInput>;

export const subscriptionUpdate = z
  .object({
    lines: z.array(subscriptionLineInput).min(1).max(MAX_SUBSCRIPTION_LINES).optional(),
    schedule: scheduleInput.optional().describe('a new schedule; the next cycle is its first occurrence after now'),
    cyclesTotal: z.number().int().min(1).max(10_000).nullable().optional(),
    shipping: z.object({ amount: moneyString, taxRate: rateString.optional() }).strict().nullable().optional(),
    delivery: delivery.optional(),
    shippingAddress: address.optional(),
    paymentTerms: paymentTerms.unwrap().optional(),
    notes: text(4000).nullable().optional(),
    reason: text(1000).optional().describe('why (kept in the history)'),
  })
  .strict();
export type SubscriptionUpdate = z.infer<typeof subscriptionUpdate>;

export const skipInput = z
  .object({
    at: timestamp.optional().describe('the occurrence to skip (its UTC instant); default: the next cycle'),
    reason: text(1000).optional(),
  })
  .strict();
export const pauseInput = z
  .object({
    until: timestamp.optional().describe('resume by itself at this time; absent = until resumed'),
    reason: text(1000).optional(),
  })
  .strict();
export const resumeInput = z.object({ reason: text(1000).optional() }).strict();
export const cancelInput = z.object({ reason: text(1000).min(1) }).strict();
export const retryInput = z
  .object({ cycle: z.number().int().min(1).optional().describe('the failed cycle; default: the open exception') })
  .strict();

export const subscriptionsQuery = z.object({
  state: z.enum(SUBSCRIPTION_STATES).optional(),
  customer: uuid.optional().describe('customer id'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
