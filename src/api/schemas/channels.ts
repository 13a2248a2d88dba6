import { z } from 'zod';

export const channelConnectionView = z
  .object({
    id: z.string(),
    channel: z.string(),
    kind: z.string(),
    status: z.enum(['active', 'paused']),
    baseUrl: z.string(),
    credentialNames: z.array(z.string()).describe('names of the stored credentials; their values are never returned'),
    credentialsReadable: z.boolean().describe('false when the installation key changed since they were stored'),
    settings: z.record(z.string(), z.unknown()),
    mappings: z.record(z.string(), z.unknown()).describe('locations, cancelReasons, statuses'),
    webhookPath: z.string().describe("where the channel's native webhooks are to be sent (keep it secret)"),
    pollEverySeconds: z.number(),
    lastPolledAt: z.string().nullable(),
    stockSyncedAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    failures: z.number(),
    createdAt: z.string(),
  })
  .meta({ id: 'ChannelConnection' });

export const channelKindView = z
  .object({
    kind: z.string(),
    defaultBaseUrl: z.string(),
    requiredCredentials: z.array(z.string()),
    settingsHelp: z.record(z.string(), z.string()),
    webhooks: z.boolean(),
    polling: z.boolean(),
    stockPush: z.object({ batchSize: z.number(), requestsPerMinute: z.number() }).nullable(),
  })
  .meta({ id: 'ChannelKind' });

export const ingestionView = z
  .object({
    id: z.string(),
    via: z.enum(['webhook', 'poll', 'replay']),
    eventType: z.string(),
    externalId: z.string().nullable(),
    status: z.enum(['created', 'updated', 'ignored', 'failed', 'rejected', 'exception']),
    reason: z.string().nullable(),
    orderId: z.string().nullable(),
    attempts: z.number(),
    receivedAt: z.string(),
    processedAt: z.string().nullable(),
    payload: z.unknown().describe('the payload as received (the order of a page, the webhook request)'),
  })
  .meta({ id: 'ChannelIngestion' });

export const offerView = z.object({
  offerId: z.string(),
  sku: z.string(),
  pushedQuantity: z.number().nullable(),
  pushedAt: z.string().nullable(),
  pushError: z.string().nullable(),
  updatedAt: z.string(),
});

const channelError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
  channelMessages: z.array(z.string()),
  httpStatus: z.number().optional(),
});

const counts = z
  .record(z.string(), z.number())
  .describe('events by outcome: created, updated, ignored, failed, duplicate …');

export const pollResult = z.object({
  pages: z.number(),
  counts,
  more: z.boolean(),
  error: channelError.nullable(),
});

export const stockSyncResult = z.object({
  pushed: z.number(),
  refused: z.number(),
  requests: z.number(),
  remaining: z.number().describe('offers left for the next runs (the channel’s rate limit)'),
  full: z.boolean(),
  error: channelError.nullable(),
});

export const testResult = z.object({
  ok: z.boolean(),
  detail: z.string(),
  code: z.string().optional(),
  channelMessages: z.array(z.string()).optional(),
});

export const replayResult = z.object({
  id: z.string(),
  outcome: z.string(),
  orderId: z.string().nullable(),
  reason: z.string().nullable(),
});

export const webhookAnswer = z.object({ received: z.boolean(), counts }).passthrough();
