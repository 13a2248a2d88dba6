import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { idParams, problem } from '../schemas/common.js';
import { publicTracking, trackingLinkView } from '../schemas/fulfilment.js';
import { publicTracking as loadPublicTracking } from '../../app/fulfilment/public-tracking.js';
import { trackingLink } from '../../app/fulfilment/tracking-token.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem };

/** The public "where is my order" API, reached by an unguessable token: no authentication (issue 6). */
export async function trackingRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/tracking/:token',
    {
      schema: {
        tags: ['tracking'],
        summary: "Where is my order: the customer's view by the order's tracking token (no login)",
        security: [],
        description:
          'No personal data beyond what the customer knows (no names, addresses or prices). An unknown token is 404.',
        params: z.object({ token: z.string().min(1).max(200) }),
        response: { 200: publicTracking, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return loadPublicTracking(deps.db, request.params.token);
    },
  );

  app.get(
    '/orders/:id/tracking-link',
    {
      schema: {
        tags: ['tracking'],
        summary: "The order's public tracking link (/track/{token}) for operators and notifications",
        params: idParams,
        response: { 200: trackingLinkView, ...errors },
      },
    },
    async (request) => {
      const store = authorize(deps.db, request, 'orders:read').store;
      return trackingLink(store, request.params.id);
    },
  );
}
