import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { Deps } from '../deps.js';
import { checkDatabase } from '../../app/system/check-database.js';

/** Operator endpoints: liveness, readiness (database reachable, migrated, not draining), Prometheus metrics. */
export function systemRoutes(app: FastifyInstance, deps: Deps) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'ordo_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  const hide = { schema: { hide: true } };
  app.get('/healthz', hide, async () => ({ status: 'ok' }));
  app.get('/readyz', hide, async (_request, reply) => {
    // a load balancer takes a draining node out of rotation while its requests in flight finish
    if (deps.draining?.()) return reply.code(503).send({ status: 'draining' });
    try {
      await checkDatabase(deps.db);
      if (!(await deps.ready())) return reply.code(503).send({ status: 'starting' });
      return { status: 'ready', database: deps.dbKind };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', reason: (error as Error).message });
    }
  });
  app.get('/metrics', hide, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
