import { z } from 'zod';
import {
  address,
  attributes,
  code,
  currency,
  moneyString,
  name,
  rateString,
  text,
  timestamp,
  uuid,
} from '../schemas.js';

export const ORDER_TYPES = ['sale', 'quote', 'internal', 'subscription', 'service'] as const;
export const MAX_LINES = 1000;

export const orderLineInput = z
  .object({
    id: text(100).min(1).optional().describe("the channel's own line id, unique within the order"),
    sku: code,
    name: text(300).optional().describe('defaults to the product name'),
    quantity: z.number().int().min(1).max(1_000_000),
    unitPrice: moneyString,
    discount: moneyString.optional().describe('discount amount for the whole line'),
    taxRate: rateString.optional().describe('percentage, e.g. "23"'),
    attributes: attributes.optional(),
  })
  .strict();

export const orderInput = z
  .object({
    channel: code.describe('channel code'),
    externalId: text(200).min(1).optional().describe('the id in the channel, kept exactly as sent'),
    orderType: z.enum(ORDER_TYPES).default('sale'),
    customer: z
      .object({
        id: uuid.optional(),
        code: code.optional(),
        name: name().optional(),
        email: z.email().max(320).optional(),
        phone: text(40).optional(),
      })
      .strict()
      .refine((c) => c.id || c.code || c.name || c.email, 'give the customer id or code, or a guest name or email'),
    currency,
    pricesIncludeTax: z.boolean().default(false),
    placedAt: timestamp.optional(),
    lines: z.array(orderLineInput).min(1).max(MAX_LINES),
    shipping: z.object({ amount: moneyString, taxRate: rateString.optional() }).strict().optional(),
    shippingAddress: address.optional(),
    billingAddress: address.optional(),
    delivery: z
      .object({
        method: z.enum(['ship', 'pickup']),
        pickupLocation: code.optional().describe('location code of the pickup point or store'),
        carrier: text(100).optional(),
        service: text(100).optional(),
      })
      .strict(),
    paymentTerms: z
      .object({
        kind: z.enum(['prepaid', 'cash_on_delivery', 'deferred', 'partial_prepayment']),
        dueDays: z.number().int().min(0).max(365).optional(),
        prepaymentPercent: z.number().int().min(0).max(100).optional(),
      })
      .strict()
      .default({ kind: 'prepaid' }),
    attributes: attributes.optional(),
    notes: text(4000).optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const seen = new Map<string, number>();
    value.lines.forEach((line, index) => {
      if (line.id === undefined) return;
      const first = seen.get(line.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'id'],
          message: `duplicate line id (same as line ${first})`,
        });
      else seen.set(line.id, index);
    });
    if (value.delivery.method === 'ship' && !value.shippingAddress)
      ctx.addIssue({ code: 'custom', path: ['shippingAddress'], message: 'is required when delivery method is ship' });
    if (value.delivery.method === 'pickup' && !value.delivery.pickupLocation)
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', 'pickupLocation'],
        message: 'is required when delivery method is pickup',
      });
  })
  .meta({ id: 'OrderCreate' });
export type OrderInput = z.infer<typeof orderInput>;

export const orderPatch = z
  .object({
    shippingAddress: address.optional(),
    billingAddress: address.optional(),
    attributes: attributes.optional(),
    notes: text(4000).nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change')
  .meta({ id: 'OrderChange' });

const money = z.string().describe('exact decimal in the order currency');
export const orderLine = z.object({
  id: z.string(),
  lineNo: z.number(),
  externalLineId: z.string().nullable(),
  sku: z.string(),
  productId: z.string(),
  name: z.string(),
  quantity: z.number(),
  unitPrice: money,
  discount: money,
  taxRate: z.string().nullable(),
  tax: money,
  net: money,
  total: money,
  attributes: z.record(z.string(), z.unknown()),
});

export const orderSummary = z
  .object({
    id: z.string(),
    number: z.string(),
    channel: z.string(),
    externalId: z.string().nullable(),
    orderType: z.string(),
    state: z.string(),
    customer: z.object({ id: z.string().nullable(), name: z.string().nullable(), email: z.string().nullable() }),
    currency: z.string(),
    grandTotal: money,
    lineCount: z.number(),
    placedAt: z.string(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .meta({ id: 'OrderSummary' });

export const order = orderSummary
  .extend({
    process: z
      .object({ key: z.string().nullable(), version: z.number().nullable() })
      .passthrough()
      .describe('key, version, state, status and exception (issue 4)'),
    allowedEvents: z
      .array(z.string())
      .optional()
      .describe("events the order's process accepts now (POST /orders/{id}/events)"),
    openTasks: z.array(z.record(z.string(), z.unknown())).optional(),
    companyId: z.string().nullable(),
    totals: z.object({
      subtotal: money,
      discountTotal: money,
      taxTotal: money,
      shippingTotal: money,
      grandTotal: money,
    }),
    delivery: z.object({ method: z.string(), pickupLocationId: z.string().nullable() }).passthrough(),
    shippingAddress: z.record(z.string(), z.unknown()).nullable(),
    billingAddress: z.record(z.string(), z.unknown()).nullable(),
    paymentTerms: z.record(z.string(), z.unknown()),
    attributes: z.record(z.string(), z.unknown()),
    notes: z.string().nullable(),
    lines: z.array(orderLine),
    createdAt: z.string(),
  })
  .passthrough()
  .meta({ id: 'Order' });

export const orderListQuery = z.object({
  state: z.string().max(100).optional(),
  channel: code.optional(),
  customerId: uuid.optional(),
  type: z.string().max(50).optional().describe('order type: sale, quote, … or return (return orders)'),
  placedFrom: timestamp.optional(),
  placedTo: timestamp.optional(),
  q: text(200).optional().describe('search in number, external id, customer name and email'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const historyEntry = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
    action: z.string(),
    fromState: z.string().nullable(),
    toState: z.string().nullable(),
    changes: z.record(z.string(), z.unknown()),
    reason: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OrderHistoryEntry' });
