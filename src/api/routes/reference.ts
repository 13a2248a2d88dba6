import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { problem, text } from '../schemas/common.js';
import { REFERENCE_ENTITIES } from '../../app/reference/entities.js';
import {
  createReference,
  deleteReference,
  getReference,
  listReference,
  updateReference,
} from '../../app/reference/crud.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
/** A list filter takes its field's own schema (an enum stays an enum, an id a uuid); a boolean is "true" or "false". */
function filterSchema(field: z.ZodType): z.ZodType {
  let inner: z.ZodType = field;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable || inner instanceof z.ZodDefault)
    inner = inner.unwrap() as z.ZodType;
  return (inner instanceof z.ZodBoolean ? z.enum(['true', 'false']) : inner).optional();
}

const idOrKey = z.object({ id: z.string().min(1).max(100).describe('the id, or the code / SKU') });

/** CRUD for channels, products, customers, companies and locations: one shape, five resources. */
export const referenceRoutes =
  (deps: Deps): FastifyPluginAsyncZod =>
  async (app) => {
    for (const entity of REFERENCE_ENTITIES) {
      const path = `/${entity.table}`;
      const tags = [entity.table];
      const view = z
        .object({ id: z.string(), version: z.number(), createdAt: z.string(), updatedAt: z.string() })
        .passthrough();
      const filters = Object.fromEntries(entity.filters.map((f) => [f, filterSchema(entity.input.shape[f]!)]));
      app.get(
        path,
        {
          schema: {
            tags,
            summary: `List ${entity.table}`,
            querystring: z.object({
              limit: z.coerce.number().int().min(1).max(500).default(50),
              cursor: z.string().max(200).optional(),
              q: text(200).optional(),
              ...filters,
            }),
            response: { 200: z.object({ items: z.array(view), nextCursor: z.string().nullable() }), ...errors },
          },
        },
        async (request) => listReference(authorize(deps.db, request, 'reference:read').store, entity, request.query),
      );

      app.get(
        `${path}/:id`,
        {
          schema: {
            tags,
            summary: `Get a ${entity.entity} by id or ${entity.key}`,
            params: idOrKey,
            response: { 200: view, ...errors },
          },
        },
        async (request, reply) => {
          const refView = await getReference(
            authorize(deps.db, request, 'reference:read').store,
            entity,
            request.params.id,
          );
          etag(reply, refView.version);
          return refView;
        },
      );

      app.post(
        path,
        {
          schema: {
            tags,
            summary: `Create a ${entity.entity}`,
            body: entity.input,
            response: { 201: view, ...errors },
          },
        },
        (request, reply) =>
          runCommand(deps, request, reply, 'reference:write', async (tx, ctx) => ({
            status: 201,
            body: await createReference(
              tx,
              entity,
              ctx.principal.actor,
              deps.clock,
              request.body as Record<string, unknown>,
            ),
          })),
      );

      app.patch(
        `${path}/:id`,
        {
          schema: {
            tags,
            summary: `Change a ${entity.entity} (If-Match honoured)`,
            params: idOrKey,
            body: entity.input.partial().omit({ [entity.key]: true } as never),
            response: { 200: view, ...errors },
          },
        },
        async (request, reply) => {
          const ctx = authorize(deps.db, request, 'reference:write');
          const refView = await updateReference(
            ctx.store,
            entity,
            ctx.principal.actor,
            deps.clock,
            request.params.id,
            request.body as Record<string, unknown>,
            ifMatch(request),
          );
          etag(reply, refView.version as number);
          return refView;
        },
      );

      app.delete(
        `${path}/:id`,
        {
          schema: {
            tags,
            summary: `Delete a ${entity.entity} nothing refers to`,
            params: idOrKey,
            response: { 204: z.null(), ...errors },
          },
        },
        async (request, reply) => {
          const ctx = authorize(deps.db, request, 'reference:write');
          await deleteReference(
            ctx.store,
            entity,
            ctx.principal.actor,
            deps.clock,
            request.params.id,
            ifMatch(request),
          );
          return reply.code(204).send(null);
        },
      );
    }
  };
