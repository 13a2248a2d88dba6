import { z } from 'zod';
import {
  address,
  attributes,
  code,
  country,
  currency,
  int4,
  locale,
  moneyString,
  name,
  sku,
  text,
  uuid,
  emailAddress,
} from '../schemas.js';

export const CHANNEL_KINDS = ['web', 'marketplace', 'store', 'call_centre', 'b2b_portal', 'edi', 'social'] as const;
export const LOCATION_KINDS = ['warehouse', 'store', 'pickup_point', 'supplier'] as const;
export const LOCATION_CAPABILITIES = ['ships', 'pickup', 'b2b', 'returns', 'transfers', 'same_day'] as const;

const contact = z
  .object({ name: name(), role: text(100).optional(), email: emailAddress().optional(), phone: text(40).optional() })
  .strict();

export const channelInput = z
  .object({
    code,
    name: name(),
    kind: z.enum(CHANNEL_KINDS),
    processKey: code.nullable().optional().describe("process definition this channel's orders run"),
    priceList: code.nullable().optional(),
    currency: currency.nullable().optional(),
    active: z.boolean().optional(),
    settings: attributes.optional(),
  })
  .strict()
  .meta({ id: 'Channel' });

export const productInput = z
  .object({
    sku,
    name: name(),
    unit: z.string().min(1).max(20).optional(),
    weightG: z.number().int().min(0).max(100_000_000).nullable().optional(),
    dimensions: z
      .object({
        lengthMm: int4(),
        widthMm: int4(),
        heightMm: int4(),
      })
      .strict()
      .nullable()
      .optional(),
    attributes: attributes.optional(),
    serialTracked: z.boolean().optional(),
    lotTracked: z.boolean().optional(),
    active: z.boolean().optional(),
    minOrderQuantity: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .nullable()
      .optional()
      .describe('the least quantity a B2B order line may ask for (minimum batch)'),
    orderMultiple: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .nullable()
      .optional()
      .describe('B2B order lines ask for multiples of this (a carton of 6: 6)'),
  })
  .strict()
  .meta({ id: 'Product' });

export const companyInput = z
  .object({
    code,
    name: name(),
    taxId: text(50).nullable().optional(),
    segment: code.nullable().optional(),
    terms: z
      .object({
        creditLimit: moneyString.optional(),
        currency: currency.optional(),
        paymentTermsDays: z.number().int().min(0).max(365).optional(),
        allowPartialShipments: z.boolean().optional(),
        priceList: code.optional(),
        minOrderAmount: moneyString.optional(),
        availableCredit: moneyString
          .optional()
          .describe('credit still open (defaults to creditLimit in process facts)'),
        budgetRemaining: moneyString
          .optional()
          .describe("the buying department's remaining budget (internal and B2B approvals)"),
        department: text(100).optional(),
        costCentre: text(50).optional(),
        riskScore: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe('0 (no risk) to 1; a customer attribute of the same name wins'),
        requiresBuyerApproval: z.boolean().optional(),
      })
      .strict()
      .optional()
      .describe('B2B terms (credit limit, deferred payment, contract price list, budget) — process facts read them'),
    addresses: z.array(address).max(50).optional(),
    contacts: z.array(contact).max(50).optional(),
  })
  .strict()
  .meta({ id: 'Company' });

export const customerInput = z
  .object({
    code,
    name: name(),
    email: emailAddress().nullable().optional(),
    phone: text(40).nullable().optional(),
    segment: code.nullable().optional(),
    companyId: uuid.nullable().optional(),
    locale: locale.nullable().optional(),
    addresses: z.array(address).max(50).optional(),
    contacts: z.array(contact).max(50).optional(),
    attributes: attributes.optional(),
  })
  .strict()
  .meta({ id: 'Customer' });

export const locationInput = z
  .object({
    code,
    name: name(),
    kind: z.enum(LOCATION_KINDS),
    address: address.partial().optional(),
    country: country.nullable().optional(),
    latitude: z.number().min(-90).max(90).nullable().optional(),
    longitude: z.number().min(-180).max(180).nullable().optional(),
    capabilities: z.array(z.enum(LOCATION_CAPABILITIES)).max(20).optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    dailyCapacity: int4().nullable().optional(),
    timezone: text(64).nullable().optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'Location' });
