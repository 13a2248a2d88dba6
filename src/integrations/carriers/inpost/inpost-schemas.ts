/** Just the parts of ShipX responses we rely on; extra fields pass through untouched. */
import { z } from 'zod';

const id = z.union([z.number(), z.string()]).transform(String);

export const inpostShipment = z.object({
  id,
  status: z.string(),
  tracking_number: z.string().nullable(),
  reference: z.string().nullable().optional(),
  service: z.string().optional(),
  is_return: z.boolean().optional(),
});
export type InpostShipment = z.infer<typeof inpostShipment>;

export const inpostShipmentList = z.object({
  count: z.number().optional(),
  items: z.array(inpostShipment),
});

export const inpostTracking = z.object({
  tracking_number: z.string(),
  status: z.string(),
  tracking_details: z.array(
    z.object({
      status: z.string(),
      origin_status: z.string().nullable().optional(),
      datetime: z.string(),
      agency: z.string().nullable().optional(),
    }),
  ),
});

export const inpostError = z.object({
  status: z.number().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
  details: z.unknown().optional(),
});

export const inpostWebhook = z.object({
  event_ts: z.string(),
  event: z.string(),
  organization_id: z.union([z.number(), z.string()]).optional(),
  payload: z.object({
    shipment_id: id,
    status: z.string(),
    tracking_number: z.string().nullable().optional(),
  }),
});
