import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { problem } from '../schemas/common.js';
import { importOrdersFrom } from '../../app/orders/import-orders.js';
import { IMPORT_FORMATS } from '../../app/orders/import-format.js';

const errors = { 400: problem, 401: problem, 403: problem, 413: problem, 415: problem, 422: problem };

/** Largest file accepted in one import request. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

const importReport = z
  .object({
    file: z.string(),
    format: z.enum(IMPORT_FORMATS),
    orders: z.number(),
    accepted: z.number(),
    duplicates: z.number(),
    rejected: z.number(),
    items: z.array(
      z.object({
        rows: z.array(z.number()),
        externalId: z.string().nullable(),
        status: z.enum(['accepted', 'duplicate', 'rejected']),
        id: z.string().optional(),
        number: z.string().optional(),
        problem: z
          .object({
            code: z.string(),
            detail: z.string(),
            errors: z.array(z.object({ path: z.string(), message: z.string() })),
          })
          .optional(),
      }),
    ),
  })
  .meta({ id: 'OrderImportReport' });

/**
 * POST /orders:import — the file import of `ordo import orders` over HTTP: the body is the file,
 * its format recognised from the content (CSV, JSON, CommerceML, EDIFACT, UBL), whatever the
 * content type says.
 */
export async function orderImportRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  await base.register(async (inbound) => {
    inbound.removeAllContentTypeParsers();
    inbound.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    inbound.withTypeProvider<ZodTypeProvider>().post(
      '/orders::import',
      {
        bodyLimit: MAX_IMPORT_BYTES,
        schema: {
          tags: ['orders'],
          summary: 'Import orders from a file in any format Ordo reads, recognised by content',
          description:
            'Every order is reported (accepted, duplicate, rejected with its rows and problems). A body in no known format is 415 IMPORT_FORMAT_UNKNOWN naming the formats; CommerceML is 422 IMPORT_FORMAT_UNSUPPORTED when the tenant has no 1C connection (its orders come in on the channel of that connection). The optional `file` query names the file in the report.',
          querystring: z.object({ file: z.string().max(200).optional() }),
          response: { 200: importReport, ...errors },
        },
      },
      async (request) => {
        const { principal, store } = authorize(deps.db, request, 'orders:import');
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return importOrdersFrom(deps.processes, store, principal.actor, deps.clock, {
          name: request.query.file ?? 'upload',
          bytes,
        });
      },
    );
  });
}
