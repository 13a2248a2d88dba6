import { z } from 'zod';
import { code, text, uuid } from './common.js';

const qty = z.number().int().min(0).max(1_000_000);
const positive = (max: number) => z.number().int().min(1).max(max);
const FULFILMENT_STATES = [
  'requested',
  'accepted',
  'rejected',
  'picking',
  'picked',
  'packed',
  'ready_for_pickup',
  'shipped',
  'delivered',
  'collected',
  'cancelled',
] as const;

export const fulfilmentState = z.enum(FULFILMENT_STATES);

export const fulfilmentOrder = z
  .object({
    id: z.string(),
    orderId: z.string(),
    orderNumber: z.string().optional(),
    locationId: z.string(),
    location: z.string().optional(),
    kind: z.string(),
    state: fulfilmentState,
    allowPartialShipment: z.boolean(),
    shortPicked: z.boolean(),
    shipmentId: z.string().nullable(),
    reason: z.string().nullable(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lines: z.array(
      z.object({
        id: z.string(),
        orderLineId: z.string(),
        sku: z.string(),
        name: z.string(),
        quantity: z.number(),
        picked: z.number().nullable(),
        serials: z.array(z.string()),
        lots: z.array(z.string()),
        wrongItem: z.number(),
        pickedAt: z.string().nullable(),
      }),
    ),
    packages: z.array(
      z.object({
        id: z.string(),
        weightG: z.number(),
        lengthMm: z.number(),
        widthMm: z.number(),
        heightMm: z.number(),
        reference: z.string().nullable(),
      }),
    ),
    processEvent: z
      .object({ name: z.string(), accepted: z.boolean() })
      .nullable()
      .optional()
      .describe(
        "the event this step fed to the order's process, and whether the process accepted it in its current state",
      ),
    rerouted: z
      .array(z.object({ fulfilmentId: z.string(), location: z.string() }))
      .optional()
      .describe('new fulfilment orders created by a re-route'),
  })
  .meta({ id: 'FulfilmentOrder' });

export const fulfilmentListQuery = z.object({
  location: code.optional().describe('location code'),
  state: z.string().max(300).optional().describe('comma-separated states, e.g. requested,accepted'),
  orderId: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export const rejectInput = z
  .object({
    reason: text(500).trim().min(1),
    reroute: z
      .boolean()
      .optional()
      .describe(
        're-route at once to other locations (routing strategy, this location excluded); the process hears short_pick only if that fails',
      ),
  })
  .strict();

export const cancelInput = z
  .object({
    reason: text(500)
      .trim()
      .min(1)
      .describe('why (kept on the fulfilment order, in the order history and in fulfilment.cancelled)'),
  })
  .strict()
  .meta({ id: 'FulfilmentCancel' });

export const pickInput = z
  .object({
    lines: z
      .array(
        z
          .object({
            lineId: uuid.describe('fulfilment line id'),
            picked: qty,
            serials: z.array(text(100).trim().min(1)).max(10_000).optional(),
            lot: text(100).trim().min(1).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
  })
  .strict()
  .meta({ id: 'FulfilmentPick' });

export const packageInput = z
  .object({
    weightG: positive(1_000_000),
    lengthMm: positive(10_000),
    widthMm: positive(10_000),
    heightMm: positive(10_000),
    reference: text(100).optional(),
  })
  .strict();

export const packInput = z
  .object({ packages: z.array(packageInput).min(1).max(100) })
  .strict()
  .meta({ id: 'FulfilmentPack' });

export const shipInput = z
  .object({
    carrier: z.string().min(1).max(50).optional().describe("carrier code; default: the order's delivery.carrier"),
    service: text(100).optional(),
    consolidateWith: z
      .array(uuid)
      .max(50)
      .optional()
      .describe('other packed fulfilment orders of the same order to ship in the same shipment'),
  })
  .strict();

export const createShipmentInput = z
  .object({
    fulfilmentOrderIds: z.array(uuid).min(1).max(50),
    carrier: z.string().min(1).max(50).optional(),
    service: text(100).optional(),
  })
  .strict()
  .meta({ id: 'ShipmentCreate' });

export const wrongItemInput = z.object({ quantity: positive(1_000_000), note: text(1000).optional() }).strict();

export const shipment = z
  .object({
    id: z.string(),
    orderId: z.string(),
    carrier: z.string(),
    service: z.string().nullable(),
    status: z
      .string()
      .describe(
        'pending | failed | created | label_ready | handed_over | in_transit | out_for_delivery | ready_for_pickup | delivered | failed_delivery | returning | returned | cancelled',
      ),
    carrierShipmentId: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    trackingUrl: z.string().nullable(),
    carrierStatus: z.string().nullable(),
    statusAt: z.string().nullable(),
    error: z.record(z.string(), z.unknown()).nullable(),
    attempts: z.number(),
    handedOverAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    fulfilmentOrderIds: z.array(z.string()),
    packages: z.array(
      z.object({
        id: z.string(),
        fulfilmentId: z.string(),
        weightG: z.number(),
        lengthMm: z.number(),
        widthMm: z.number(),
        heightMm: z.number(),
      }),
    ),
    processEvent: z.object({ name: z.string(), accepted: z.boolean() }).nullable().optional(),
  })
  .meta({ id: 'Shipment' });

export const labelQuery = z.object({ format: z.enum(['pdf', 'zpl']).default('pdf') });

export const accuracyQuery = z.object({
  location: code.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const accuracy = z
  .object({
    items: z.array(
      z.object({
        locationId: z.string(),
        location: z.string(),
        locationName: z.string(),
        lines: z.number(),
        ordered: z.number(),
        picked: z.number(),
        shortLines: z.number(),
        shortUnits: z.number(),
        wrongItems: z.number(),
        accurateLines: z.number(),
        lineAccuracy: z.number().nullable(),
        unitAccuracy: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'PickingAccuracy' });

export const webhookOutcome = z.object({
  received: z.number(),
  applied: z.number(),
  duplicates: z.number(),
  unknownStatuses: z.number(),
  unknownShipments: z.number(),
});

export const publicTracking = z
  .object({
    orderNumber: z.string(),
    state: z.string(),
    stage: z.enum([
      'placed',
      'confirmed',
      'preparing',
      'shipped',
      'delivered',
      'ready_for_pickup',
      'collected',
      'cancelled',
    ]),
    placedAt: z.string(),
    language: z.enum(['en', 'pl', 'ru']),
    deliveryMethod: z.enum(['ship', 'pickup']),
    lines: z.array(z.object({ name: z.string(), quantity: z.number() })),
    shipments: z.array(
      z.object({
        carrier: z.string(),
        trackingNumber: z.string().nullable(),
        status: z.string(),
        trackingUrl: z.string().nullable(),
        events: z.array(
          z.object({
            time: z.string(),
            status: z.string(),
            description: z.string().nullable(),
            location: z.string().nullable(),
          }),
        ),
      }),
    ),
    pickup: z.object({ name: z.string(), address: z.string() }).nullable(),
  })
  .meta({ id: 'PublicTracking' });

export const trackingLinkView = z.object({
  orderId: z.string(),
  token: z.string(),
  url: z.string(),
  apiUrl: z.string(),
});
