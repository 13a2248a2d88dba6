import { z } from 'zod';
import { code, currency, moneyString, name, rateString, sku, text, timestamp, uuid } from '../schemas.js';

export const PRICE_LIST_SCOPES = ['base', 'channel', 'customer_group', 'company'] as const;
export const MAX_ENTRIES = 20_000;

const quantity = z.number().int().min(1).max(1_000_000);

export const priceEntryInput = z
  .object({
    sku,
    minQuantity: quantity.default(1).describe('the quantity break: this price from this many units'),
    unitPrice: moneyString.describe('in the list currency, net or tax-inclusive as the list says'),
    floorPrice: moneyString.nullable().optional().describe('no order line may sell this SKU below it'),
    taxRate: rateString.nullable().optional().describe('percentage, used for lines that bring none'),
    validFrom: timestamp.nullable().optional(),
    validTo: timestamp.nullable().optional(),
  })
  .strict();
export type PriceEntryInput = z.infer<typeof priceEntryInput>;

const reason = text(500).trim().min(1).describe('why: kept with the version in the list history');

const listFields = {
  name: name(),
  currency,
  pricesIncludeTax: z.boolean().default(false),
  scope: z
    .enum(PRICE_LIST_SCOPES)
    .describe(
      'base: every order; channel: orders of the channel scopeRef; customer_group: customers (or companies) of segment scopeRef; company: the company with code scopeRef',
    ),
  scopeRef: code.nullable().optional().describe('channel code, segment or company code (not for base)'),
  priority: z.number().int().min(-1000).max(1000).default(0).describe('among lists of the same scope, higher first'),
  validFrom: timestamp.nullable().optional(),
  validTo: timestamp.nullable().optional(),
  active: z.boolean().default(true),
};

export const priceListInput = z
  .object({
    code,
    ...listFields,
    entries: z.array(priceEntryInput).max(MAX_ENTRIES).default([]),
    reason: reason.default('created'),
  })
  .strict();
export type PriceListInput = z.infer<typeof priceListInput>;

export const priceListPatch = z
  .object({
    name: listFields.name.optional(),
    pricesIncludeTax: z.boolean().optional(),
    scope: listFields.scope.optional(),
    scopeRef: listFields.scopeRef,
    priority: z.number().int().min(-1000).max(1000).optional(),
    validFrom: timestamp.nullable().optional(),
    validTo: timestamp.nullable().optional(),
    active: z.boolean().optional(),
    reason,
  })
  .strict()
  .meta({ id: 'PriceListPatch' });
export type PriceListPatch = z.infer<typeof priceListPatch>;

export const priceEntriesInput = z
  .object({
    mode: z
      .enum(['replace', 'merge'])
      .default('merge')
      .describe(
        'replace: the list holds exactly these entries; merge: these entries are added or replace the entry of the same SKU, break and start date',
      ),
    entries: z.array(priceEntryInput).max(MAX_ENTRIES),
    remove: z
      .array(z.object({ sku, minQuantity: quantity.default(1) }).strict())
      .max(MAX_ENTRIES)
      .default([])
      .describe('merge mode: entries to take out'),
    reason,
  })
  .strict();
export type PriceEntriesInput = z.infer<typeof priceEntriesInput>;

export const priceListQuery = z.object({
  scope: z.enum(PRICE_LIST_SCOPES).optional(),
  currency: currency.optional(),
  active: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const priceQuoteInput = z
  .object({
    channel: code,
    customer: z
      .object({ id: uuid.optional(), code: code.optional() })
      .strict()
      .optional()
      .describe('the customer (and so company and segment) to price for'),
    currency,
    pricesIncludeTax: z.boolean().default(false),
    at: timestamp.optional().describe('price at this time (default now)'),
    lines: z
      .array(z.object({ sku, quantity, taxRate: rateString.optional() }).strict())
      .min(1)
      .max(1000),
  })
  .strict();
export type PriceQuoteInput = z.infer<typeof priceQuoteInput>;
