import { z } from 'zod';

const priceEntry = z
  .object({
    sku: z.string(),
    minQuantity: z.number(),
    unitPrice: z.string(),
    floorPrice: z.string().nullable(),
    taxRate: z.string().nullable(),
    validFrom: z.string().nullable(),
    validTo: z.string().nullable(),
  })
  .meta({ id: 'PriceEntry' });

const listFields = {
  id: z.string(),
  code: z.string(),
  name: z.string(),
  currency: z.string(),
  pricesIncludeTax: z.boolean(),
  scope: z.string(),
  scopeRef: z.string().nullable(),
  priority: z.number(),
  validFrom: z.string().nullable(),
  validTo: z.string().nullable(),
  active: z.boolean(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

export const priceListView = z.object({ ...listFields, entries: z.array(priceEntry) }).meta({ id: 'PriceList' });
export const priceListList = z
  .object({
    items: z.array(z.object({ ...listFields, entryCount: z.number() })),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'PriceListList' });
export const priceListHistoryView = z
  .object({
    items: z.array(
      z.object({
        version: z.number(),
        at: z.string(),
        actor: z.object({ type: z.string(), id: z.string().nullable() }),
        reason: z.string(),
        changes: z.record(z.string(), z.unknown()),
      }),
    ),
  })
  .meta({ id: 'PriceListHistory' });
export const priceQuoteView = z
  .object({
    currency: z.string(),
    pricesIncludeTax: z.boolean(),
    at: z.string(),
    lines: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number(),
        unitPrice: z.string().nullable(),
        list: z.string().nullable(),
        rule: z.string().nullable(),
        problem: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'PriceQuote' });
