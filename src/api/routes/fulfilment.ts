import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';

/** Fulfilment orders, packages, shipments, labels and carrier tracking (issue 6). */
export async function fulfilmentRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  void app; void deps;
}
