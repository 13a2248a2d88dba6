import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Deps } from './deps.js';
import { errorHandler, sendProblem } from './problem.js';
import { guardJsonBodies, refuseUnstorableUrl } from './input.js';
import { authHook } from './auth.js';
import { systemRoutes } from './routes/system.js';
import { orderRoutes } from './routes/orders.js';
import { orderChangeRoutes } from './routes/order-changes.js';
import { referenceRoutes } from './routes/reference.js';
import { identityRoutes } from './routes/identity.js';
import { eventRoutes } from './routes/events.js';
import { liveRoutes } from './routes/live.js';
import { inventoryRoutes } from './routes/inventory.js';
import { reportRoutes } from './routes/reports.js';
import { processRoutes } from './routes/processes.js';
import { taskRoutes } from './routes/tasks.js';
import { routingRoutes } from './routes/routing.js';
import { fulfilmentRoutes } from './routes/fulfilment.js';
import { trackingRoutes } from './routes/tracking.js';
import { notificationRoutes } from './routes/notifications.js';
import { moneyRoutes } from './routes/money.js';
import { returnRoutes } from './routes/returns.js';
import { userRoutes } from './routes/users.js';
import { companyB2bRoutes } from './routes/companies-b2b.js';
import { quoteRoutes } from './routes/quotes.js';
import { channelRoutes } from './routes/channels.js';
import { ediRoutes } from './routes/edi.js';
import { orderImportRoutes } from './routes/order-import.js';
import { erpRoutes } from './routes/erp.js';
import { pricingRoutes } from './routes/pricing.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { privacyRoutes } from './routes/privacy.js';
import { platformRoutes } from './routes/platform.js';
import { tenantGate } from '../app/tenants/gate.js';
import { registerConsole } from './console.js';
import { traceRequests } from './tracing-hooks.js';
import { startTracing } from '../integrations/telemetry/tracing-sdk.js';

/** The extension point for capabilities: each registers its routes under /api/v1. */
export type RouteModule = (app: FastifyInstance, deps: Deps) => Promise<void> | void;

export interface AppOptions {
  /** A pino logger for structured JSON logs; none in tests. */
  logger?: FastifyBaseLogger;
  /** Largest accepted body: a 1,000-order batch fits; a 10 MB body does not. */
  bodyLimit?: number;
  /** Extra route modules (capabilities wired in by the server). */
  modules?: RouteModule[];
  /** Serve the built console (web/dist) at `/`, outside /api/v1. */
  console?: { distDir: string };
}

export const API_VERSION = '0.1.0';

export async function buildApp(deps: Deps, opts: AppOptions = {}) {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimit ?? 4 * 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    // every schema is zod: fastify's default compilers (ajv, fast-json-stringify; ~0.4 s to load)
    // are never needed, so they are not built
    schemaController: {
      // (fastify types these factories for ajv; a zod compiler has the same call shape)
      compilersFactory: {
        buildValidator: (() => validatorCompiler) as never,
        buildSerializer: (() => serializerCompiler) as never,
      },
    },
    // a malformed percent-encoding, or a path segment past maxParamLength: problem+json too
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();
  // OpenTelemetry (ORDO_TRACING, docs/observability.md): nothing is loaded or hooked when off
  const tracing = startTracing(deps.config?.observability.tracing ?? 'off', { serviceVersion: API_VERSION });
  if (tracing) {
    await tracing;
    app.addHook('onClose', async () => (await tracing).flush());
  }
  traceRequests(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  guardJsonBodies(app);
  app.addHook('preParsing', refuseUnstorableUrl);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  await app.register(cookie);
  // Responses of 1 KB or more in a text/JSON type go out as brotli or gzip when the client
  // accepts it (brotli at quality 4: fast enough per request). PDFs, ZPL and other binary types
  // are sent as they are; so are the console's files, precompressed at build (console.ts).
  // Request bodies are not inflated: intake keeps one body limit on the bytes it reads.
  await app.register(compress, { encodings: ['br', 'gzip'], threshold: 1024, globalDecompression: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ordo API',
        version: API_VERSION,
        description:
          'Ordo order management system. Errors are RFC 9457 problem+json with a stable `code`; money is exact decimal strings; ids are UUIDv7; times RFC 3339 UTC. Every POST accepts `Idempotency-Key`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key: ordo_…' },
          session: { type: 'apiKey', in: 'cookie', name: 'ordo_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
      servers: [{ url: '/' }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  systemRoutes(app, deps);
  await app.register(
    async (api) => {
      api.addHook('onRequest', authHook(deps.db, tenantGate(deps.db, deps.clock)));
      api.get('/openapi.json', { schema: { hide: true, security: [] } }, async () => app.swagger());
      await api.register(orderRoutes(deps));
      await api.register(orderChangeRoutes(deps));
      await api.register(referenceRoutes(deps));
      await api.register(identityRoutes(deps));
      // capability route modules: one line each (inventory, events, processes, …)
      await api.register(async (scoped) => eventRoutes(scoped, deps));
      await api.register(async (scoped) => liveRoutes(scoped, deps));
      await api.register(async (scoped) => inventoryRoutes(scoped, deps));
      await api.register(async (scoped) => processRoutes(scoped, deps));
      await api.register(async (scoped) => taskRoutes(scoped, deps));
      await api.register(reportRoutes(deps));
      await api.register(async (scoped) => routingRoutes(scoped, deps));
      await api.register(async (scoped) => fulfilmentRoutes(scoped, deps));
      await api.register(async (scoped) => trackingRoutes(scoped, deps));
      await api.register(async (scoped) => notificationRoutes(scoped, deps));
      await api.register(async (scoped) => moneyRoutes(scoped, deps));
      await api.register(async (scoped) => returnRoutes(scoped, deps));
      await api.register(async (scoped) => channelRoutes(scoped, deps));
      await api.register(async (scoped) => ediRoutes(scoped, deps));
      await api.register(async (scoped) => orderImportRoutes(scoped, deps));
      await api.register(async (scoped) => erpRoutes(scoped, deps));
      await api.register(async (scoped) => pricingRoutes(scoped, deps));
      await api.register(async (scoped) => userRoutes(scoped, deps));
      await api.register(async (scoped) => companyB2bRoutes(scoped, deps));
      await api.register(async (scoped) => subscriptionRoutes(scoped, deps));
      await api.register(async (scoped) => quoteRoutes(scoped, deps));
      await api.register(async (scoped) => privacyRoutes(scoped, deps));
      await api.register(async (scoped) => platformRoutes(scoped, deps));
      for (const module of opts.modules ?? []) await api.register(async (scoped) => module(scoped, deps));
    },
    { prefix: '/api/v1' },
  );
  if (opts.console) await registerConsole(app, opts.console.distDir);
  return app;
}
