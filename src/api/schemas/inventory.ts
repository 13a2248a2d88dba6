import { z } from 'zod';
import { code, int4, text, uuid } from './common.js';

const sku = z.string().min(1).max(100);
const qty = z.number().int().min(0).max(2_000_000_000);
const date = z.iso.date();

export const locationFigures = z.object({
  location: z.string(),
  locationId: z.string(),
  onHand: z.number(),
  reserved: z.number(),
  safety: z.number(),
  available: z.number(),
  version: z.number(),
  updatedAt: z.string(),
});

export const skuAvailability = z
  .object({
    sku: z.string(),
    productId: z.string(),
    onHand: z.number(),
    reserved: z.number(),
    safety: z.number(),
    available: z.number(),
    locations: z.array(locationFigures),
    channel: z.object({ code: z.string(), available: z.number(), locations: z.array(z.string()) }).optional(),
  })
  .meta({ id: 'SkuAvailability' });

export const channelAvailability = z
  .object({
    sku: z.string(),
    available: z.number().describe('free units over every location'),
    items: z.array(
      z.object({
        code: z.string(),
        name: z.string(),
        kind: z.string(),
        active: z.boolean(),
        available: z.number().describe('what the channel may show: its locations, less what its rules hold back'),
        locations: z.array(z.string()).describe('the locations that feed it'),
        rules: z.object({
          bufferQty: z.number(),
          bufferPct: z.number(),
          cap: z.number().nullable(),
          locations: z.array(z.string()).describe('configured feeding locations; empty = every shipping location'),
        }),
      }),
    ),
  })
  .meta({ id: 'ChannelAvailability' });

export const availabilityQuery = z.object({
  channel: code.optional().describe("apply this channel's rules (feeding locations, buffer, percentage, cap)"),
  location: z.string().max(1000).optional().describe('comma-separated location codes'),
});

export const batchAvailabilityInput = z
  .object({
    skus: z.array(sku).min(1).max(1000),
    channel: code.optional(),
    locations: z.array(code).max(200).optional(),
  })
  .strict();

export const feedQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  channel: code.optional(),
});

export const stockFigures = z.object({
  sku: z.string(),
  location: z.string(),
  onHand: z.number(),
  reserved: z.number(),
  safety: z.number(),
  available: z.number(),
  version: z.number(),
});

export const setStockInput = z
  .object({
    sku,
    location: code,
    onHand: qty.optional(),
    safety: qty.optional(),
    expectedOnHand: qty
      .optional()
      .describe(
        'compare-and-swap: refused with 409 STOCK_CONFLICT (and the current figures) unless on hand is still this',
      ),
    expectedVersion: int4().optional().describe('compare-and-swap on the row version'),
    reason: text(500).optional(),
    reference: text(200).optional(),
  })
  .strict();

export const adjustStockInput = z
  .object({
    sku,
    location: code,
    kind: z.enum(['receipt', 'adjustment', 'return', 'write_off', 'count']),
    delta: z
      .number()
      .int()
      .min(-2_000_000_000)
      .max(2_000_000_000)
      .refine((d) => d !== 0, 'must not be 0'),
    reason: text(500).optional(),
    reference: text(200).optional(),
    lot: text(100).optional(),
    lotExpiresOn: date.optional(),
    serials: z.array(z.string().min(1).max(100)).max(10_000).optional(),
  })
  .strict();

export const syncInput = z
  .object({
    syncId: z.string().min(1).max(200),
    rows: z
      .array(z.unknown())
      .max(20_000)
      .describe('[{ sku, location, onHand, safety? }] — each row is checked on its own and reported by row number'),
  })
  .strict();

export const syncReport = z
  .object({
    syncId: z.string(),
    received: z.number(),
    applied: z.number(),
    unchanged: z.number(),
    replayed: z.boolean().optional(),
    rejected: z.array(
      z.object({
        row: z.number(),
        sku: z.string().nullable(),
        location: z.string().nullable(),
        errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })),
      }),
    ),
  })
  .meta({ id: 'StockSyncReport' });

export const reservationOutcome = z
  .object({
    status: z.enum(['reserved', 'partial', 'shortage', 'skipped']),
    expiresAt: z.string().nullable(),
    reason: z.string().optional(),
    lines: z.array(
      z.object({
        lineId: z.string(),
        lineNo: z.number(),
        sku: z.string(),
        quantity: z.number(),
        reserved: z.number(),
        shortage: z.number(),
        allocations: z.array(
          z.object({ location: z.string(), locationId: z.string(), quantity: z.number(), reservationId: z.string() }),
        ),
        backorder: z.object({ id: z.string(), quantity: z.number(), promisedOn: z.string().nullable() }).optional(),
      }),
    ),
  })
  .meta({ id: 'ReservationOutcome' });

export const reserveInput = z
  .object({
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    allowPartial: z.boolean().optional(),
  })
  .strict();

export const releaseInput = z
  .object({ lineIds: z.array(uuid).max(1000).optional(), reason: text(500).optional() })
  .strict();

export const shipInput = z
  .object({
    reference: text(200).optional(),
    lines: z
      .array(
        z
          .object({
            orderLineId: uuid,
            location: code.optional(),
            quantity: z.number().int().min(1).max(1_000_000),
            serials: z.array(z.string().min(1).max(100)).max(10_000).optional(),
            lot: text(100).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const pickInput = z
  .object({
    orderLineId: uuid,
    location: code,
    quantity: z.number().int().min(1).max(1_000_000),
    serials: z.array(z.string().min(1).max(100)).max(10_000).optional(),
    lot: text(100).optional(),
  })
  .strict();

export const holdInput = z
  .object({
    sku,
    location: code,
    quantity: z.number().int().min(1).max(1_000_000),
    reference: text(200),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 3600)
      .describe('the hold lapses after this many seconds'),
  })
  .strict();

export const supplyInput = z
  .object({
    kind: z.enum(['purchase_order', 'transfer', 'production']),
    reference: text(200).pipe(z.string().min(1)),
    sku,
    location: code,
    quantity: z.number().int().min(1).max(2_000_000_000),
    expectedOn: date,
  })
  .strict();

export const supplyPatch = z
  .object({
    quantity: z.number().int().min(1).max(2_000_000_000).optional(),
    expectedOn: date.optional(),
    received: qty.optional(),
    status: z.enum(['open', 'closed', 'cancelled']).optional(),
  })
  .strict();

export const movementsQuery = z.object({
  sku: sku.optional(),
  location: code.optional(),
  orderId: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: uuid.optional(),
});

export const stockBucketsInput = z
  .object({
    sku,
    location: code,
    buckets: z
      .number()
      .int()
      .min(1)
      .max(256)
      .describe('2..256 splits the free stock into that many buckets; 1 merges them back'),
  })
  .strict();

export const stockBucketsResult = z.object({
  sku: z.string(),
  location: z.string(),
  buckets: z.number().int().describe('buckets the free stock is lent to now (0: merged into the stock row)'),
  lent: z.number().int().describe('free units lent out to the buckets'),
  onHand: z.number().int(),
  reserved: z.number().int(),
  available: z.number().int(),
  shares: z.array(z.object({ bucket: z.number().int(), onHand: z.number().int(), reserved: z.number().int() })),
});
