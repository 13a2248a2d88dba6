import { z } from 'zod';
import { code, int4String, moneyString, sku, text, uuid } from '../schemas.js';
import { ianaZone } from '../../shared/time-zones.js';

const quantity = z.number().int().min(1).max(100_000);
const reasonCode = z.string().regex(/^[a-z][a-z0-9_]{0,49}$/, 'a reason code is lower_snake_case');
/** Photos are links to where the channel or the self-service page stored them (https, or a data: image up to ~200 kB). */
const photo = z.union([
  z.url({ protocol: /^https$/ }).max(2000),
  z
    .string()
    .regex(
      /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/,
      'an https link or a data:image/png|jpeg|webp;base64 image',
    )
    .max(280_000),
]);

export const returnRequestInput = z
  .object({
    lines: z
      .array(
        z
          .object({
            lineId: uuid.describe("the original order's line"),
            quantity,
            reason: reasonCode.optional().describe('a reason for this line, when it differs from the return’s'),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
    reason: reasonCode.describe('a code from the tenant’s reason catalogue (GET /return-reasons)'),
    source: z
      .enum(['api', 'channel'])
      .optional()
      .describe(
        'channel: a return the sales channel (a marketplace) took from the customer; ignored for console users and the self-service page',
      ),
    wish: z.enum(['refund', 'exchange', 'store_credit']).describe('what the customer wants'),
    note: text(2000).optional(),
    photos: z.array(photo).max(5).optional(),
    dropOff: z
      .object({
        kind: z
          .enum(['label', 'store', 'point'])
          .describe('a carrier return label, a store, or a carrier pickup point'),
        carrier: code.optional().describe('the carrier for the return label (default: the process’s)'),
        locationCode: code.optional().describe('the store (kind store)'),
        point: text(100).optional().describe('the locker or pickup point id (kind point)'),
      })
      .strict()
      .optional(),
    exchange: z
      .object({
        lines: z
          .array(
            z
              .object({
                sku,
                quantity,
                unitPrice: moneyString
                  .optional()
                  .describe('tax-inclusive; default: what one unit cost on the original order'),
              })
              .strict(),
          )
          .min(1)
          .max(100),
        advance: z.boolean().optional().describe('ship the replacement now, before the return arrives'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const receiptInput = z
  .object({
    location: code.describe('the location the units arrived at'),
    lines: z
      .array(
        z
          .object({
            lineId: uuid.optional().describe('the return line'),
            sku: sku.optional().describe('or the SKU (one that is not on the return is kept as unexpected)'),
            quantity,
            note: text(500).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
    note: text(2000).optional(),
  })
  .strict();

export const unexpectedReceiptInput = z
  .object({
    location: code,
    sku,
    quantity,
    orderNumber: text(100).optional().describe('what the parcel says, if anything'),
    note: text(2000).optional(),
  })
  .strict();

export const resolveReceiptInput = z
  .object({
    action: z.enum(['restock', 'write_off', 'match']),
    returnId: uuid.optional().describe('for match: the return the units belong to'),
    note: text(2000).optional(),
  })
  .strict();

export const inspectionInput = z
  .object({
    location: code.optional(),
    units: z
      .array(
        z
          .object({
            lineId: uuid.describe('the return line'),
            grade: z.enum(['resell', 'refurbish', 'write_off']),
            quantity: quantity.optional().describe('default 1: one unit per entry, with its serial and note'),
            serial: text(100).optional(),
            note: text(1000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const reasonInput = z
  .object({
    labels: z.object({ en: text(200).min(1), pl: text(200).optional(), ru: text(200).optional() }).strict(),
    needsPhoto: z.boolean().optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const returnsQuery = z
  .object({
    state: z.string().max(100).optional(),
    open: z.enum(['true', 'false']).optional().describe('only returns not yet closed'),
    orderId: uuid.optional(),
    customerId: uuid.optional().describe("returns of this customer's orders"),
    limit: int4String(1).max(200).optional(),
  })
  .strict();

export const figuresQuery = z
  .object({
    from: z.iso.date().optional().describe('first day (in `tz`), default 90 days back'),
    to: z.iso.date().optional().describe('last day (in `tz`), default today'),
    tz: z
      .string()
      .max(64)
      .optional()
      .refine((zone) => zone === undefined || ianaZone(zone) !== null, {
        message: 'an IANA time zone such as Europe/Warsaw',
      })
      .describe("the IANA zone the days are cut in (the user's); default UTC"),
    channel: z.string().max(64).optional().describe("only returns of, and shipments for, this channel's orders"),
    location: z
      .string()
      .max(64)
      .optional()
      .describe('only orders fulfilled from this location code (their first fulfilment order), as on the KPI report'),
  })
  .strict();

export type ReturnRequest = z.infer<typeof returnRequestInput>;
