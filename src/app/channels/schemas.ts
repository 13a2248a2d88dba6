import { z } from 'zod';
import { attributes, code, name, text } from '../schemas.js';
import { CHANNEL_KINDS } from '../../integrations/channels/types.js';

const secrets = z
  .record(z.string().min(1).max(100), text(4000).min(1))
  .refine((o) => Object.keys(o).length <= 20, 'at most 20 credentials');

export const mappingsInput = z
  .object({
    locations: z.record(text(200).min(1), code).optional().describe('channel warehouse id → Ordo location code'),
    cancelReasons: z
      .record(text(100).min(1), text(100).min(1))
      .optional()
      .describe("Ordo cancellation reason → the channel's reason code ('default' for the rest)"),
    statuses: z
      .record(text(100).min(1), z.enum(['cancel', 'ignore']))
      .optional()
      .describe('channel status → what Ordo does when an order reports it'),
  })
  .strict();

export const connectionInput = z
  .object({
    channel: code.describe('the Ordo channel whose orders this connection makes (created when missing)'),
    name: name().optional().describe('name of the channel when it is created'),
    kind: z.enum(CHANNEL_KINDS),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional()
      .describe("the channel's API; default: its production URL"),
    credentials: secrets.describe('secrets by the names the connector asks for; stored encrypted, never returned'),
    settings: attributes.optional(),
    mappings: mappingsInput.optional(),
    pollEverySeconds: z.number().int().min(5).max(86_400).optional(),
  })
  .strict()
  .meta({ id: 'ChannelConnectionCreate' });

export const connectionPatch = z
  .object({
    status: z.enum(['active', 'paused']).optional(),
    baseUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
    credentials: secrets.optional().describe('replaces the stored credentials when given'),
    settings: attributes.optional(),
    mappings: mappingsInput.optional(),
    pollEverySeconds: z.number().int().min(5).max(86_400).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'nothing to change')
  .meta({ id: 'ChannelConnectionChange' });

export const offersInput = z
  .object({
    offers: z
      .array(
        z
          .object({
            offerId: text(200).min(1),
            sku: text(100).min(1),
          })
          .strict(),
      )
      .min(1)
      .max(10_000),
  })
  .strict()
  .meta({ id: 'ChannelOffers' });

export const ingestionQuery = z.object({
  status: z.enum(['created', 'updated', 'ignored', 'failed', 'rejected', 'exception']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.uuid().optional().describe('page: ingestions older than this id'),
});
