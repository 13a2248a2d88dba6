import { z } from 'zod';
import { MARKETPLACE_DELIVERS } from '../../domain/order/facts.js';
import { KPIS } from './kpi-filters.js';
import { SORTS } from './list-cursor.js';
import {
  address,
  attributes,
  code,
  currency,
  moneyString,
  name,
  rateString,
  sku,
  text,
  timestamp,
  uuid,
  emailAddress,
} from '../schemas.js';

export const ORDER_TYPES = ['sale', 'quote', 'internal', 'subscription', 'service'] as const;
export const MAX_LINES = 1000;
export { MARKETPLACE_DELIVERS };
export const MAX_DISCOUNTS = 50;
export const MAX_SHIPPING_LINES = 20;
export const MAX_PAYMENTS = 20;
export const LINE_KINDS = ['product', 'service'] as const;
export const PAYMENT_METHODS = [
  'card',
  'gift_card',
  'marketplace',
  'cash_on_delivery',
  'bank_transfer',
  'wallet',
  'other',
] as const;
export const PAYMENT_STATUSES = ['paid', 'authorized', 'pending'] as const;
export const FULFILMENT_MODELS = ['FBS', 'FBO', 'DBS', 'RFBS', 'FBA', 'MFN', 'SELF'] as const;

export const orderLineInput = z
  .object({
    id: text(100).min(1).optional().describe("the channel's own line id, unique within the order"),
    kind: z
      .enum(LINE_KINDS)
      .optional()
      .describe(
        'product (the default) or service: service lines (assembly, carry-in, warranty) are priced and taxed but hold no stock',
      ),
    sku: sku.describe('any script: "УТ-0001365", "ŻÓŁW-1"; a service line names a product of the catalogue too'),
    name: text(300).optional().describe('defaults to the product name'),
    quantity: z.number().int().min(1).max(1_000_000),
    unitPrice: moneyString
      .optional()
      .describe(
        "without it the line is priced from the applicable price list (docs/pricing.md); with it, checked against the list's floor and, when the channel sets a tolerance, its price",
      ),
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
    displayNumber: text(100)
      .min(1)
      .optional()
      .describe('the order number people see in the channel when it differs from the id (Shopify "#1001"); searchable'),
    customer: z
      .object({
        id: uuid.optional(),
        code: code.optional(),
        externalId: text(200).min(1).optional().describe("the channel's buyer id"),
        masked: z.boolean().optional().describe('the marketplace hides the buyer (WB, Ozon FBS)'),
        name: name().optional(),
        email: emailAddress().optional(),
        phone: text(40).optional(),
        memberId: uuid
          .optional()
          .describe("who places it for the customer's company (a company member): the company's own approval reads it"),
      })
      .strict()
      .refine(
        (c) => c.id || c.code || c.name || c.email || c.externalId || c.masked,
        'give the customer id or code, a guest name or email, the channel buyer id, or masked: true',
      )
      .optional()
      .describe('absent when the channel sends no buyer'),
    currency,
    pricesIncludeTax: z.boolean().default(false),
    placedAt: timestamp.optional(),
    lines: z.array(orderLineInput).min(1).max(MAX_LINES),
    shipping: z
      .object({ amount: moneyString, taxRate: rateString.optional() })
      .strict()
      .optional()
      .describe('shorthand for one shipping line; not with shippingLines'),
    shippingLines: z
      .array(
        z
          .object({
            code: text(100).min(1).optional(),
            title: text(300).optional(),
            carrier: text(100).optional(),
            amount: moneyString,
            discount: moneyString.optional().describe("this shipping line's own discount"),
            taxRate: rateString.optional(),
          })
          .strict(),
      )
      .max(MAX_SHIPPING_LINES)
      .optional(),
    discounts: z
      .array(
        z
          .object({
            target: z.enum(['order', 'shipping']),
            amount: moneyString,
            code: text(100).min(1).optional(),
            title: text(300).optional(),
          })
          .strict(),
      )
      .max(MAX_DISCOUNTS)
      .optional()
      .describe(
        "order-level discounts: 'order' ones spread over the lines in proportion to their net after their own discount, 'shipping' ones over the shipping lines, exactly (largest remainder)",
      ),
    payments: z
      .array(
        z
          .object({
            method: z.enum(PAYMENT_METHODS),
            amount: moneyString,
            status: z.enum(PAYMENT_STATUSES),
            provider: text(100).optional(),
            reference: text(200).optional(),
          })
          .strict(),
      )
      .max(MAX_PAYMENTS)
      .optional()
      .describe('what the buyer paid or authorised at the channel; at most the grand total'),
    marketplace: z
      .object({
        fulfilmentModel: z.enum(FULFILMENT_MODELS).optional(),
        shipBy: timestamp.optional().describe('latest hand-over to the carrier'),
        deliverBy: timestamp.optional(),
        commission: moneyString.optional(),
        marketplaceId: text(100).min(1).optional(),
      })
      .strict()
      .optional(),
    shippingAddress: address.optional(),
    billingAddress: address.optional(),
    delivery: z
      .object({
        method: z.enum(['ship', 'pickup', 'pickup_point']),
        pickupLocation: code.optional().describe('location code of our own pickup point or store (method pickup)'),
        pickupPoint: z
          .object({
            provider: text(100).min(1).describe('"inpost", "ozon", "wildberries" …'),
            id: text(100).min(1).describe("the point's id at the provider (KRA010)"),
            name: text(300).optional(),
            address: address.partial().optional(),
          })
          .strict()
          .optional()
          .describe('a third-party locker or point (method pickup_point)'),
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
    // FBS/FBO/FBA: the marketplace carries the parcel to the buyer and keeps the address to itself
    const marketplaceDelivers = MARKETPLACE_DELIVERS.has(value.marketplace?.fulfilmentModel ?? '');
    if (value.delivery.method === 'ship' && !value.shippingAddress && !marketplaceDelivers)
      ctx.addIssue({
        code: 'custom',
        path: ['shippingAddress'],
        message: 'is required when delivery method is ship (unless the marketplace delivers: FBS, FBO, FBA)',
      });
    if (value.delivery.method === 'pickup' && !value.delivery.pickupLocation)
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', 'pickupLocation'],
        message: 'is required when delivery method is pickup',
      });
    if (value.delivery.method === 'pickup_point' && !value.delivery.pickupPoint)
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', 'pickupPoint'],
        message: 'is required when delivery method is pickup_point',
      });
    if (value.shipping && value.shippingLines)
      ctx.addIssue({
        code: 'custom',
        path: ['shippingLines'],
        message: 'give shipping or shippingLines, not both',
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
const discountAllocation = z.object({
  index: z.number().describe("position of the discount in the order's discounts"),
  code: z.string().nullable(),
  amount: money,
});
export const orderLine = z.object({
  id: z.string(),
  lineNo: z.number(),
  externalLineId: z.string().nullable(),
  kind: z.enum(LINE_KINDS),
  sku: z.string(),
  productId: z.string(),
  name: z.string(),
  quantity: z.number(),
  unitPrice: money,
  discount: money.describe("the line's own discount plus allocatedDiscount"),
  allocatedDiscount: money.describe("the line's share of the order-level discounts"),
  discountAllocations: z.array(discountAllocation),
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
    displayNumber: z.string().nullable().describe("the channel's human order number"),
    customer: z.object({
      id: z.string().nullable(),
      name: z.string().nullable(),
      email: z.string().nullable(),
      externalId: z.string().nullable().describe("the channel's buyer id"),
      masked: z.boolean().describe('the marketplace hides the buyer'),
    }),
    currency: z.string(),
    grandTotal: money,
    lineCount: z.number(),
    placedAt: z.string(),
    updatedAt: z.string(),
    version: z.number(),
  })
  .meta({ id: 'OrderSummary' });

/** Words for people per language, from the process definition; a missing one falls back to the console's catalogue, then the code (issue 18). */
export const labels = z
  .object({ en: z.string().optional(), pl: z.string().optional(), ru: z.string().optional() })
  .meta({ id: 'Labels' });

export const allowedEventDetail = z
  .object({
    name: z.string(),
    labels: labels.nullable(),
    source: z
      .enum(['person', 'system', 'carrier', 'payment', 'timer', 'integration'])
      .describe('who raises it, as the definition says'),
    manual: z.boolean().describe('a person may raise it without an override'),
    destructive: z.boolean().describe('the console asks for a reason and a confirmation'),
    risks: z
      .array(z.object({ code: z.string().nullable(), labels: labels }))
      .describe("the process's risks of this event, and for a destructive one the flags raised on the order"),
  })
  .meta({ id: 'AllowedEvent' });

export const order = orderSummary
  .extend({
    process: z
      .object({ key: z.string().nullable(), version: z.number().nullable() })
      .passthrough()
      .describe('key, version, state, status and exception (issue 4)'),
    stateLabels: labels
      .nullable()
      .optional()
      .describe("the process state's name in words, from the definition (issue 18)"),
    allowedEvents: z
      .array(z.string())
      .optional()
      .describe("events the order's process accepts now (POST /orders/{id}/events)"),
    allowedEventDetails: z
      .array(allowedEventDetail)
      .optional()
      .describe('the same events with their labels, who raises them, whether destructive and their risks (issue 18)'),
    openTasks: z.array(z.record(z.string(), z.unknown())).optional(),
    companyId: z.string().nullable(),
    totals: z.object({
      subtotal: money,
      discountTotal: money,
      taxTotal: money,
      shippingTotal: money,
      grandTotal: money,
    }),
    delivery: z
      .object({
        method: z.string(),
        pickupLocationId: z.string().nullable(),
        pickupPoint: z.record(z.string(), z.unknown()).nullable().describe('provider, id, name, address'),
      })
      .passthrough(),
    shippingLines: z.array(
      z.object({
        code: z.string().nullable(),
        title: z.string().nullable(),
        carrier: z.string().nullable(),
        amount: money,
        discount: money.describe('its own discount plus allocatedDiscount'),
        allocatedDiscount: money,
        discountAllocations: z.array(discountAllocation),
        taxRate: z.string().nullable(),
        tax: money,
        net: money,
        total: money,
      }),
    ),
    discounts: z.array(
      z.object({
        index: z.number(),
        target: z.enum(['order', 'shipping']),
        amount: money,
        code: z.string().nullable(),
        title: z.string().nullable(),
      }),
    ),
    payments: z.array(
      z.object({
        method: z.string(),
        amount: money,
        status: z.string(),
        provider: z.string().nullable(),
        reference: z.string().nullable(),
      }),
    ),
    marketplace: z
      .object({
        fulfilmentModel: z.string().nullable(),
        shipBy: z.string().nullable(),
        deliverBy: z.string().nullable(),
        commission: money.nullable(),
        marketplaceId: z.string().nullable(),
      })
      .nullable(),
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
  q: text(200)
    .optional()
    .describe(
      "search in number, external id, the channel's display number, customer name, e-mail and buyer id, a line's SKU or name, a tracking number, the shipping city or phone, or the grand total (149.99)",
    ),
  kpi: z
    .enum(KPIS)
    .optional()
    .describe('only the orders behind a KPI figure (docs/kpis.md); return orders never count'),
  stage: z.string().max(100).optional().describe('only orders with a finished stay in this state (KPI time per stage)'),
  location: code.optional().describe('only orders whose first fulfilment is at this location code'),
  slaHours: z.coerce.number().int().min(1).max(8760).default(48).describe('kpi=late/on_time: hours to ship'),
  stuckHours: z.coerce.number().int().min(1).max(8760).default(24).describe('kpi=stuck: hours without a step'),
  sort: z
    .enum(SORTS)
    .optional()
    .describe('column to sort by, "-" for descending; default -created (newest first). The cursor belongs to its sort'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(400).optional(),
});

export const processWordsView = z
  .object({
    states: z.record(z.string(), labels),
    events: z.record(z.string(), labels),
    roles: z.record(z.string(), labels),
  })
  .meta({ id: 'ProcessWords' });

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
