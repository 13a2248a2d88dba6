import { z } from 'zod';
import { code, uuid } from '../../app/schemas.js';

// The field schemas live with the use cases (app/schemas.ts); the API re-exports them.
export * from '../../app/schemas.js';

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
};

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() })).optional(),
  })
  .passthrough()
  .meta({ id: 'Problem' });

export const idParams = z.object({ id: uuid });

/**
 * One channel and one location by code, as the dashboard, the KPI report, the orders list, the
 * inbox and the exceptions queue filter: an order's location is where its first fulfilment order
 * was placed, so an order not routed yet is in no location.
 */
export const channelLocationQuery = {
  channel: code.optional().describe('only orders of this channel code'),
  location: code
    .optional()
    .describe('only orders whose first fulfilment order is at this location code (not yet routed: none)'),
};
