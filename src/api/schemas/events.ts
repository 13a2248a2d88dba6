import { z } from 'zod';
import { text, timestamp, uuid } from './common.js';

export const eventTypeFilter = z
  .string()
  .min(1)
  .max(100)
  .regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, 'an event type such as order.accepted, a prefix such as order.*, or *');

export const subscriptionInput = z
  .object({
    url: z.string().min(1).max(2000),
    eventTypes: z.array(eventTypeFilter).min(1).max(100),
    description: text(500).optional(),
    secret: z.string().max(200).optional().describe('whsec_<base64>; generated when absent'),
  })
  .strict();

export const subscriptionPatch = z
  .object({
    url: z.string().min(1).max(2000).optional(),
    eventTypes: z.array(eventTypeFilter).min(1).max(100).optional(),
    description: text(500).optional(),
  })
  .strict();

export const subscription = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    status: z.enum(['active', 'paused']),
    pausedReason: z.string().nullable(),
    version: z.number(),
    previousSecretValidUntil: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    secret: z.string().optional().describe('only in the answers to create and rotate'),
  })
  .meta({ id: 'WebhookSubscription' });

export const rotateInput = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86400)
      .default(86400),
    secret: z.string().max(200).optional(),
  })
  .strict();

export const replayInput = z.union([
  z.object({ eventId: uuid }).strict(),
  z.object({ from: timestamp, to: timestamp }).strict(),
]);

export const event = z
  .object({
    id: z.string(),
    type: z.string(),
    subject: z.string(),
    time: z.string(),
    schemaVersion: z.number(),
    payload: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'DomainEvent' });

export const eventListQuery = z.object({
  type: z.string().max(100).optional(),
  subject: z.string().max(200).optional(),
  after: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const deliveryStatus = z.enum(['pending', 'delivering', 'succeeded', 'dead']);

export const delivery = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  subject: z.string(),
  status: deliveryStatus,
  attempts: z.number(),
  nextAttemptAt: z.string().nullable(),
  lastStatusCode: z.number().nullable(),
  lastError: z.string().nullable(),
  replay: z.boolean(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

export const attempt = z.object({
  attempt: z.number(),
  startedAt: z.string(),
  outcome: z.string(),
  statusCode: z.number().nullable(),
  latencyMs: z.number(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  worker: z.string().nullable(),
});

export const catalogueEntry = z.object({
  type: z.string(),
  version: z.number(),
  subject: z.string(),
  description: z.string(),
  schema: z.record(z.string(), z.unknown()),
});

export const inboundSourceInput = z
  .object({
    code: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, _ and -'),
    name: text(200).min(1),
    secret: z.string().max(200).optional(),
  })
  .strict();

export const inboundSource = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  path: z.string(),
  secret: z.string().optional(),
  rejectedCount: z.number().optional(),
  lastRejectedAt: z.string().nullable().optional(),
  lastRejectedReason: z.string().nullable().optional(),
});

export const inboundStatus = z.enum(['received', 'processed', 'unknown', 'failed']);

export const inboundEvent = z.object({
  id: z.string(),
  source: z.string(),
  externalId: z.string(),
  type: z.string(),
  status: inboundStatus,
  payload: z.record(z.string(), z.unknown()),
  receivedAt: z.string(),
  processedAt: z.string().nullable(),
  error: z.string().nullable(),
});
