import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  attempt,
  catalogueEntry,
  delivery,
  deliveryStatus,
  event,
  eventListQuery,
  inboundEvent,
  inboundSource,
  inboundSourceInput,
  inboundStatus,
  replayInput,
  rotateInput,
  subscription,
  subscriptionInput,
  subscriptionPatch,
} from '../schemas/events.js';
import { catalogue } from '../../domain/events/catalogue.js';
import { urlPolicyFrom } from '../../integrations/webhooks/url-policy.js';
import { defaultConfig } from '../../config.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  rotateSubscriptionSecret,
  setSubscriptionPaused,
  updateSubscription,
} from '../../app/events/subscriptions.js';
import { getEvent, listAttempts, listDeliveries, listEvents, replayEvents } from '../../app/events/deliveries.js';
import {
  createInboundSource,
  InboundRejected,
  listInboundEvents,
  listInboundSources,
  MAX_INBOUND_BYTES,
  receiveInbound,
} from '../../app/events/inbound.js';

const errors = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  409: problem,
  412: problem,
  413: problem,
  422: problem,
};
const tags = ['events'];

/** Events, the catalogue, webhook subscriptions with their delivery log, and partner inbound events. */
export async function eventRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const config = deps.config ?? defaultConfig();
  const policy = urlPolicyFrom({ allowPrivate: config.webhooks.allowPrivate, publicUrl: config.http.publicUrl });

  app.get(
    '/events/catalogue',
    {
      schema: {
        tags,
        summary: 'The event catalogue: every event type with its payload JSON Schema',
        security: [],
        response: { 200: z.object({ envelope: z.record(z.string(), z.unknown()), types: z.array(catalogueEntry) }) },
      },
    },
    async () => ({ envelope: ENVELOPE, types: catalogue() }),
  );

  app.get(
    '/events',
    {
      schema: {
        tags,
        summary: 'Events of this tenant, oldest first (cursor: after=<id>)',
        querystring: eventListQuery,
        response: { 200: z.object({ items: z.array(event), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => listEvents(authorize(deps.db, request, 'events:read').store, request.query),
  );

  app.get(
    '/events/:id',
    {
      schema: { tags, summary: 'One event', params: idParams, response: { 200: event, ...errors } },
    },
    async (request) => getEvent(authorize(deps.db, request, 'events:read').store, request.params.id),
  );

  app.post(
    '/webhooks/subscriptions',
    {
      schema: {
        tags,
        summary: 'Subscribe an endpoint to event types',
        description:
          'Deliveries are signed as Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<HMAC-SHA256>). The secret is shown here and on rotation only. URLs must be http(s), not this server, and not loopback/private unless the server allows it.',
        body: subscriptionInput,
        response: { 201: subscription, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'events:write', async (tx, ctx) => ({
        status: 201,
        body: await createSubscription(tx, ctx.principal.actor, deps.clock, policy, request.body, request.headers.host),
      })),
  );

  app.get(
    '/webhooks/subscriptions',
    {
      schema: {
        tags,
        summary: 'List webhook subscriptions',
        response: { 200: z.object({ items: z.array(subscription) }), ...errors },
      },
    },
    async (request) => ({ items: await listSubscriptions(authorize(deps.db, request, 'events:read').store) }),
  );

  app.get(
    '/webhooks/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Get a webhook subscription',
        params: idParams,
        response: { 200: subscription, ...errors },
      },
    },
    async (request, reply) => {
      const subscription = await getSubscription(authorize(deps.db, request, 'events:read').store, request.params.id);
      etag(reply, subscription.version);
      return subscription;
    },
  );

  app.patch(
    '/webhooks/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Change URL, event types or description (If-Match honoured)',
        params: idParams,
        body: subscriptionPatch,
        response: { 200: subscription, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'events:write');
      const subscription = await updateSubscription(
        ctx.store,
        ctx.principal.actor,
        deps.clock,
        policy,
        request.params.id,
        request.body,
        ifMatch(request),
        request.headers.host,
      );
      etag(reply, subscription.version);
      return subscription;
    },
  );

  app.delete(
    '/webhooks/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Delete a subscription and its pending deliveries',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'events:write');
      await deleteSubscription(ctx.store, ctx.principal.actor, deps.clock, request.params.id);
      return reply.code(204).send(null);
    },
  );

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(
      `/webhooks/subscriptions/:id/${action}`,
      {
        schema: {
          tags,
          summary: paused ? 'Pause an endpoint (deliveries wait, in order)' : 'Resume an endpoint',
          params: idParams,
          response: { 200: subscription, ...errors },
        },
      },
      (request, reply) =>
        runCommand(deps, request, reply, 'events:write', async (tx, ctx) => ({
          status: 200,
          body: await setSubscriptionPaused(tx, ctx.principal.actor, deps.clock, request.params.id, paused),
        })),
    );
  }

  app.post(
    '/webhooks/subscriptions/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'New signing secret; the old one keeps signing for overlapSeconds',
        params: idParams,
        body: rotateInput,
        response: { 200: subscription, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'events:write', async (tx, ctx) => ({
        status: 200,
        body: await rotateSubscriptionSecret(
          tx,
          ctx.principal.actor,
          deps.clock,
          request.params.id,
          request.body.overlapSeconds,
          request.body.secret,
        ),
      })),
  );

  app.post(
    '/webhooks/subscriptions/:id/replay',
    {
      schema: {
        tags,
        summary: 'Deliver one event, or all matching events in [from, to), again',
        params: idParams,
        body: replayInput,
        response: { 202: z.object({ queued: z.number() }), ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'events:write', async (tx, ctx) => {
        const body = request.body;
        const what =
          'eventId' in body ? { eventId: body.eventId } : { from: new Date(body.from), to: new Date(body.to) };
        return { status: 202, body: await replayEvents(tx, ctx.principal.actor, deps.clock, request.params.id, what) };
      }),
  );

  app.get(
    '/webhooks/subscriptions/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'Deliveries to this endpoint, newest first',
        params: idParams,
        querystring: z.object({
          status: deliveryStatus.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.uuid().optional(),
        }),
        response: { 200: z.object({ items: z.array(delivery) }), ...errors },
      },
    },
    async (request) => ({
      items: await listDeliveries(authorize(deps.db, request, 'events:read').store, request.params.id, {
        status: request.query.status,
        limit: request.query.limit,
        after: request.query.before,
      }),
    }),
  );

  app.get(
    '/webhooks/deliveries/:id/attempts',
    {
      schema: {
        tags,
        summary: 'The attempt log of one delivery: status, latency, response excerpt',
        params: idParams,
        response: { 200: z.object({ items: z.array(attempt) }), ...errors },
      },
    },
    async (request) => ({
      items: await listAttempts(authorize(deps.db, request, 'events:read').store, request.params.id),
    }),
  );

  app.post(
    '/inbound-sources',
    {
      schema: {
        tags,
        summary: 'Register a partner that sends events (its secret is shown once)',
        body: inboundSourceInput,
        response: { 201: inboundSource, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'events:write', async (tx, ctx) => ({
        status: 201,
        body: await createInboundSource(tx, ctx.principal.actor, deps.clock, request.body),
      })),
  );

  app.get(
    '/inbound-sources',
    {
      schema: {
        tags,
        summary: 'Partner sources with their rejected-signature counters',
        response: { 200: z.object({ items: z.array(inboundSource) }), ...errors },
      },
    },
    async (request) => ({ items: await listInboundSources(authorize(deps.db, request, 'events:read').store) }),
  );

  app.get(
    '/inbound-events',
    {
      schema: {
        tags,
        summary: 'Partner events received (status=unknown lists types nobody handles yet)',
        querystring: z.object({
          status: inboundStatus.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ items: z.array(inboundEvent) }), ...errors },
      },
    },
    async (request) => ({
      items: await listInboundEvents(authorize(deps.db, request, 'events:read').store, request.query),
    }),
  );

  // The partner endpoint verifies the signature over the exact bytes received, so it keeps the
  // raw body (in its own scope: other routes parse JSON as usual).
  await app.register(async (inbound) => {
    inbound.removeContentTypeParser('application/json');
    inbound.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    inbound.withTypeProvider<ZodTypeProvider>().post(
      '/inbound/:source',
      {
        bodyLimit: MAX_INBOUND_BYTES,
        schema: {
          tags,
          summary: 'Receive a partner event (Standard Webhooks signature with the source secret)',
          security: [],
          description: `Body: a JSON object with a string "type" (at most ${MAX_INBOUND_BYTES / 1024} KB). webhook-id is the idempotency key. Unknown types are stored and listed, not dropped. A bad signature is 401 and counted on the source.`,
          params: z.object({ source: z.uuid() }),
          response: { 202: z.object({ id: z.string(), status: inboundStatus, duplicate: z.boolean() }), ...errors },
        },
      },
      async (request, reply) => {
        try {
          const inbound = await receiveInbound(
            deps.inbound ?? new Map(),
            deps.db,
            deps.clock,
            request.params.source,
            request.headers,
            request.body as Buffer,
          );
          return reply.code(202).send(inbound);
        } catch (error) {
          if (error instanceof InboundRejected) {
            request.log.warn(
              {
                source: request.params.source,
                tenantId: error.tenantId,
                reason: error.reason,
                webhookId: request.headers['webhook-id'],
              },
              'inbound event rejected',
            );
          }
          throw error;
        }
      },
    );
  });
}

/** The fields every delivered event carries around its payload (`data`). */
const ENVELOPE = {
  webhook: {
    type: 'object',
    required: ['id', 'type', 'timestamp', 'subject', 'tenantId', 'schemaVersion', 'data'],
    properties: {
      id: { type: 'string', description: 'event id (UUIDv7), also the webhook-id header: deduplicate on it' },
      type: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
      subject: {
        type: 'string',
        description: 'what the event is about (an order id for order events); events of one subject arrive in order',
      },
      tenantId: { type: 'string' },
      schemaVersion: { type: 'integer' },
      data: { type: 'object', description: "the payload, per the type's schema" },
    },
  },
  cloudEvents:
    'NATS JetStream messages are CloudEvents 1.0 (structured JSON): id, source, type, subject, time, dataschema, data; Nats-Msg-Id = id',
};
