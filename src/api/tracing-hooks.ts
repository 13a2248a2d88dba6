import type { FastifyInstance, FastifyRequest } from 'fastify';
import { startRequestSpan, tracingEnabled, type RequestSpan } from '../shared/tracing.js';

const SPAN = Symbol('ordo.request_span');
type Traced = FastifyRequest & { [SPAN]?: RequestSpan | null };

/**
 * One server span per HTTP request (docs/observability.md), named by its route template, never by
 * its path (paths hold ids and tracking tokens). Registered only when tracing is on. The span's
 * context is made active when the request arrives and again before the handler, since the body is
 * read in callbacks of the socket that know nothing of it.
 */
export function traceRequests(app: FastifyInstance): void {
  if (!tracingEnabled()) return;
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const params = request.params as Record<string, string | undefined>;
    const span = startRequestSpan(`${request.method} ${route}`, request.headers, {
      'http.request.method': request.method,
      'http.route': route,
      'ordo.request_id': request.id,
      // an order's own routes name it (its unit of work names it too)
      'ordo.order_id': route.startsWith('/api/v1/orders/:id') ? params.id : undefined,
    });
    (request as Traced)[SPAN] = span;
    if (span) span.run(done);
    else done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    const span = (request as Traced)[SPAN];
    if (span) span.run(done);
    else done();
  });
  app.addHook('onError', async (request, reply, error) => {
    if (reply.statusCode >= 500 || !reply.statusCode) (request as Traced)[SPAN]?.error(error);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = (request as Traced)[SPAN];
    if (!span) return;
    span.annotate({ 'ordo.tenant_id': request.principal?.tenantId });
    span.end(reply.statusCode);
  });
}
