import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { problem } from '../schemas/common.js';
import { REFERENCE_ENTITIES } from '../../app/reference/entities.js';
import { createReference, deleteReference, getReference, listReference, updateReference } from '../../app/reference/crud.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const idOrKey = z.object({ id: z.string().min(1).max(100).describe('the id, or the code / SKU') });

/** CRUD for channels, products, customers, companies and locations: one shape, five resources. */
export const referenceRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  for (const e of REFERENCE_ENTITIES) {
    const path = `/${e.table}`;
    const tags = [e.table];
    const view = z.object({ id: z.string(), version: z.number(), createdAt: z.string(), updatedAt: z.string() }).passthrough();
    const filters = Object.fromEntries(e.filters.map((f) => [f, z.string().max(100).optional()]));
    app.get(path, {
      schema: {
        tags, summary: `List ${e.table}`,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(200).optional(), q: z.string().max(200).optional(), ...filters }),
        response: { 200: z.object({ items: z.array(view), nextCursor: z.string().nullable() }), ...errors },
      },
    }, async (request) => listReference(authorize(deps.db, request, 'reference:read').store, e, request.query));

    app.get(`${path}/:id`, { schema: { tags, summary: `Get a ${e.entity} by id or ${e.key}`, params: idOrKey, response: { 200: view, ...errors } } },
      async (request, reply) => {
        const r = await getReference(authorize(deps.db, request, 'reference:read').store, e, request.params.id);
        etag(reply, r.version);
        return r;
      });

    app.post(path, { schema: { tags, summary: `Create a ${e.entity}`, body: e.input, response: { 201: view, ...errors } } },
      (request, reply) => runCommand(deps, request, reply, 'reference:write', async (tx, ctx) =>
        ({ status: 201, body: await createReference(tx, e, ctx.principal.actor, deps.clock, request.body as Record<string, unknown>) })));

    app.patch(`${path}/:id`, {
      schema: { tags, summary: `Change a ${e.entity} (If-Match honoured)`, params: idOrKey, body: e.input.partial().omit({ [e.key]: true } as never), response: { 200: view, ...errors } },
    }, async (request, reply) => {
      const ctx = authorize(deps.db, request, 'reference:write');
      const r = await updateReference(ctx.store, e, ctx.principal.actor, deps.clock, request.params.id, request.body as Record<string, unknown>, ifMatch(request));
      etag(reply, r.version as number);
      return r;
    });

    app.delete(`${path}/:id`, { schema: { tags, summary: `Delete a ${e.entity} nothing refers to`, params: idOrKey, response: { 204: z.null(), ...errors } } },
      async (request, reply) => {
        const ctx = authorize(deps.db, request, 'reference:write');
        await deleteReference(ctx.store, e, ctx.principal.actor, deps.clock, request.params.id, ifMatch(request));
        return reply.code(204).send(null);
      });
  }
};
