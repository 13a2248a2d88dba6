import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import { AppError } from '../../shared/errors.js';
import {
  channelConnectionView,
  channelKindView,
  ingestionView,
  offerView,
  pollResult,
  replayResult,
  stockSyncResult,
  testResult,
  webhookAnswer,
} from '../schemas/channels.js';
import { connectionInput, connectionPatch, ingestionQuery, offersInput } from '../../app/channels/schemas.js';
import {
  connectionView,
  createConnection,
  getConnectionRow,
  listConnections,
  listOffers,
  setOffers,
  testConnection,
  updateConnection,
} from '../../app/channels/connections.js';
import {
  ChannelWebhookRejected,
  listIngestions,
  MAX_CHANNEL_WEBHOOK_BYTES,
  pollConnection,
  receiveChannelWebhook,
  replayIngestion,
} from '../../app/channels/inbound.js';
import { pushStock } from '../../app/channels/stock.js';
import { channelLabel, sendOutbound } from '../../app/channels/outbound.js';
import type { ChannelServices } from '../../app/channels/services.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem };
const tags = ['channels'];
const ingestionParams = z.object({ id: z.uuid(), ingestionId: z.uuid() });

/**
 * A channel that cannot add headers (Ozon push) proves itself with `?token=` in the webhook URL;
 * the connector reads it as the X-Ordo-Webhook-Token header, compared with its webhook secret.
 */
function withUrlToken(headers: Record<string, string | string[] | undefined>, query: unknown) {
  const token = (query as { token?: unknown } | null)?.token;
  return typeof token === 'string' && !headers['x-ordo-webhook-token']
    ? { ...headers, 'x-ordo-webhook-token': token }
    : headers;
}

function services(deps: Deps): ChannelServices {
  if (!deps.channels) throw new AppError('NOT_FOUND', 'channel connectors are not set up in this installation');
  return deps.channels;
}

/**
 * Channel connections (issue 16): connect a shop or marketplace, test it, pause it; map offers to
 * SKUs; the ingestion log and its error queue with replay; polling and stock sync on demand; and
 * the public endpoint for the channels' native webhooks.
 */
export async function channelRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/channel-kinds',
    {
      schema: {
        tags,
        summary: 'The connectors this installation has: credentials and settings each needs, its limits',
        response: { 200: z.object({ items: z.array(channelKindView) }), ...errors },
      },
    },
    async (request) => {
      authorize(deps.db, request, 'channels:read');
      const connectors = deps.channels ? [...deps.channels.connectors.values()] : [];
      return {
        items: connectors.map((connector) => ({
          kind: connector.kind,
          defaultBaseUrl: connector.defaultBaseUrl,
          requiredCredentials: [...connector.requiredCredentials],
          settingsHelp: { ...connector.settingsHelp },
          webhooks: connector.receiveWebhook !== undefined,
          polling: connector.poll !== undefined,
          stockPush: connector.stockPush,
        })),
      };
    },
  );

  app.post(
    '/channel-connections',
    {
      schema: {
        tags,
        summary: 'Connect a shop or marketplace account (credentials are stored encrypted and never shown again)',
        body: connectionInput,
        response: { 201: channelConnectionView, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'channels:write', async (tx, ctx) => ({
        status: 201,
        body: await createConnection(tx, services(deps), ctx.principal.actor, deps.clock.now(), request.body),
      })),
  );

  app.get(
    '/channel-connections',
    {
      schema: {
        tags,
        summary: 'Connections with their health: last poll, last error, failures',
        response: { 200: z.object({ items: z.array(channelConnectionView) }), ...errors },
      },
    },
    async (request) => ({
      items: await listConnections(authorize(deps.db, request, 'channels:read').store, services(deps)),
    }),
  );

  app.get(
    '/channel-connections/:id',
    {
      schema: {
        tags,
        summary: 'One connection',
        params: idParams,
        response: { 200: channelConnectionView, ...errors },
      },
    },
    async (request) =>
      connectionView(
        await getConnectionRow(authorize(deps.db, request, 'channels:read').store, request.params.id),
        services(deps),
      ),
  );

  app.patch(
    '/channel-connections/:id',
    {
      schema: {
        tags,
        summary: 'Pause or resume, change settings, mappings or credentials',
        params: idParams,
        body: connectionPatch,
        response: { 200: channelConnectionView, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'channels:write');
      return updateConnection(
        ctx.store,
        services(deps),
        ctx.principal.actor,
        deps.clock.now(),
        request.params.id,
        request.body,
      );
    },
  );

  app.post(
    '/channel-connections/:id/test',
    {
      schema: {
        tags,
        summary: "Test the connection with the channel's cheapest authenticated call",
        params: idParams,
        response: { 200: testResult, ...errors },
      },
    },
    async (request) =>
      testConnection(authorize(deps.db, request, 'channels:write').store, services(deps), request.params.id),
  );

  app.post(
    '/channel-connections/:id/poll',
    {
      schema: {
        tags,
        summary: 'Poll the channel now (optionally from an earlier cursor, to re-read orders)',
        params: idParams,
        body: z
          .object({ cursor: z.string().max(2000).nullable().optional().describe('null = from the start window') })
          .strict()
          .nullish(),
        response: { 200: pollResult, ...errors },
      },
    },
    async (request) => {
      const { store } = authorize(deps.db, request, 'channels:write');
      await getConnectionRow(store, request.params.id);
      if (request.body && 'cursor' in request.body)
        await store
          .updateTable('channel_connections')
          .set({ poll_cursor: request.body.cursor ?? null })
          .where('id', '=', request.params.id)
          .execute();
      return pollConnection(
        { processes: deps.processes, clock: deps.clock, services: services(deps) },
        store,
        request.params.id,
      );
    },
  );

  app.post(
    '/channel-connections/:id/outbound',
    {
      schema: {
        tags,
        summary: 'Send due acknowledgements, shipment confirmations and cancellations to the channel now',
        params: idParams,
        response: {
          200: z.object({ sent: z.number(), failed: z.number(), skipped: z.number(), full: z.boolean() }).passthrough(),
          ...errors,
        },
      },
    },
    async (request) =>
      sendOutbound(services(deps), authorize(deps.db, request, 'channels:write').store, deps.clock, request.params.id),
  );

  app.post(
    '/channel-connections/:id/stock-sync',
    {
      schema: {
        tags,
        summary: 'Push stock to the channel now: changed offers, or every offer with full=true (within its rate limit)',
        params: idParams,
        body: z.object({ full: z.boolean().optional() }).strict().nullish(),
        response: { 200: stockSyncResult, ...errors },
      },
    },
    async (request) =>
      pushStock(services(deps), authorize(deps.db, request, 'channels:write').store, deps.clock, request.params.id, {
        ...(request.body?.full !== undefined ? { full: request.body.full } : {}),
      }),
  );

  app.get(
    '/channel-connections/:id/orders/:orderId/label',
    {
      schema: {
        tags,
        summary:
          "The marketplace's own label for an order (Ozon package label, Wildberries sticker), made when it was packed",
        params: z.object({ id: z.uuid(), orderId: z.uuid() }),
        response: { 200: z.any().describe('application/pdf, image/png, image/svg+xml or ZPL'), ...errors },
      },
    },
    async (request, reply) => {
      const label = await channelLabel(
        authorize(deps.db, request, 'channels:read').store,
        request.params.id,
        request.params.orderId,
      );
      if (label.trackingNumber) reply.header('x-tracking-number', label.trackingNumber);
      return reply.type(label.contentType).send(label.data);
    },
  );

  app.put(
    '/channel-connections/:id/offers',
    {
      schema: {
        tags,
        summary: "Map the channel's offer ids to Ordo SKUs (upsert; every SKU must exist)",
        params: idParams,
        body: offersInput,
        response: { 200: z.object({ saved: z.number() }), ...errors },
      },
    },
    async (request) =>
      setOffers(authorize(deps.db, request, 'channels:write').store, request.params.id, deps.clock.now(), request.body),
  );

  app.get(
    '/channel-connections/:id/offers',
    {
      schema: {
        tags,
        summary: 'Offer mappings with what the channel was last told about stock',
        params: idParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(500) }),
        response: { 200: z.object({ items: z.array(offerView) }), ...errors },
      },
    },
    async (request) => ({
      items: await listOffers(
        authorize(deps.db, request, 'channels:read').store,
        request.params.id,
        request.query.limit,
      ),
    }),
  );

  app.get(
    '/channel-connections/:id/ingestions',
    {
      schema: {
        tags,
        summary: 'The ingestion log: every payload with its outcome (status=failed is the error queue)',
        params: idParams,
        querystring: ingestionQuery,
        response: { 200: z.object({ items: z.array(ingestionView) }), ...errors },
      },
    },
    async (request) => {
      const { store } = authorize(deps.db, request, 'channels:read');
      await getConnectionRow(store, request.params.id);
      return { items: await listIngestions(store, request.params.id, request.query) };
    },
  );

  app.post(
    '/channel-connections/:id/ingestions/:ingestionId/replay',
    {
      schema: {
        tags,
        summary: 'Replay a failed ingestion after its cause was fixed (an offer mapped, a product created)',
        params: ingestionParams,
        response: { 200: replayResult, ...errors },
      },
    },
    async (request) =>
      replayIngestion(
        { processes: deps.processes, clock: deps.clock, services: services(deps) },
        authorize(deps.db, request, 'channels:write').store,
        request.params.id,
        request.params.ingestionId,
      ),
  );

  // Native webhooks are verified over the exact bytes received, so this scope keeps the raw body.
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    hooks.withTypeProvider<ZodTypeProvider>().post(
      '/channel-webhooks/:token',
      {
        bodyLimit: MAX_CHANNEL_WEBHOOK_BYTES,
        schema: {
          tags,
          summary:
            "Receive a channel's native webhook (Shopify, WooCommerce, Ozon push …), verified with its own scheme",
          security: [],
          params: z.object({ token: z.string().min(10).max(100) }),
          response: { 200: webhookAnswer, ...errors },
        },
      },
      async (request, reply) => {
        try {
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const result = await receiveChannelWebhook(
            { processes: deps.processes, clock: deps.clock, services: services(deps), db: deps.db },
            request.params.token,
            { headers: withUrlToken(request.headers, request.query), raw: body },
          );
          if (result.reply) return reply.code(result.reply.status).send(result.reply.body as never);
          return reply.code(200).send({ received: true, counts: result.counts });
        } catch (error) {
          if (error instanceof ChannelWebhookRejected)
            request.log.warn({ reason: error.reason }, 'channel webhook rejected');
          throw error;
        }
      },
    );
  });
}
