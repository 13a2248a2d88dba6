/** Parcel DE Shipping v2 and DHL tracking responses, the fields we use. */
import { z } from 'zod';

const document = z
  .object({ b64: z.string().optional(), zpl2: z.string().optional(), url: z.string().optional() })
  .partial();

const validationMessage = z.object({
  property: z.string().optional(),
  validationMessage: z.string(),
  validationState: z.string().optional(),
});

export const dhlItem = z.object({
  shipmentNo: z.union([z.string(), z.number()]).transform(String).optional(),
  sstatus: z.object({
    title: z.string().optional(),
    statusCode: z.number().optional(),
    status: z.number().optional(),
    detail: z.string().optional(),
  }),
  label: document.optional(),
  validationMessages: z.array(validationMessage).optional(),
});

export const dhlOrdersResponse = z.object({
  status: z.object({ title: z.string().optional(), statusCode: z.number().optional(), detail: z.string().optional() }),
  items: z.array(dhlItem).min(1),
});

/** Error bodies: RFC 7807-like, sometimes with per-item validation messages. */
export const dhlErrorBody = z
  .object({
    title: z.string().optional(),
    detail: z.string().optional(),
    status: z.union([z.number(), z.object({ title: z.string().optional(), detail: z.string().optional() })]).optional(),
    items: z.array(dhlItem.partial()).optional(),
  })
  .partial();

const trackingStatus = z.object({
  timestamp: z.string(),
  statusCode: z.string(),
  status: z.string().optional(),
  description: z.string().optional(),
  location: z
    .object({ address: z.object({ addressLocality: z.string().optional() }).partial() })
    .partial()
    .optional(),
});

export const dhlTrackingResponse = z.object({
  shipments: z
    .array(
      z.object({
        id: z.union([z.string(), z.number()]).transform(String),
        status: trackingStatus,
        events: z.array(trackingStatus).default([]),
      }),
    )
    .min(1),
});
