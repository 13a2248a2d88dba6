import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorizePlatform } from '../auth.js';
import { idParams, problem } from '../schemas/common.js';
import {
  createPlatformTenant,
  deleteTenant,
  getTenant,
  listTenants,
  listTombstones,
  resumeTenant,
  setTenantLimits,
  suspendTenant,
  type TenantLimits,
} from '../../app/tenants/manage-tenants.js';
import { eraseTenant } from '../../app/tenants/erase-tenant.js';
import { exportTenant } from '../../app/tenants/export-tenant.js';
import { emailAddress } from '../../app/schemas.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem };
const tags = ['platform'];
const MAX_INT = 2_147_483_647;

const limitsView = z.object({
  requestsPerSecond: z.number().nullable(),
  ordersPerDay: z.number().nullable(),
  storageBytes: z.number().nullable(),
});
const tenant = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    status: z.enum(['active', 'suspended', 'deleted']),
    statusReason: z.string().nullable(),
    statusChangedAt: z.string().nullable(),
    statusChangedBy: z.string().nullable(),
    createdAt: z.string(),
    limits: limitsView,
    usage: z.object({
      ordersToday: z.number(),
      storageBytes: z.number(),
      storageMeasuredAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'PlatformTenant' });

const limitsInput = z.object({
  requestsPerSecond: z.number().int().min(1).max(1_000_000).nullable().optional(),
  ordersPerDay: z.number().int().min(0).max(MAX_INT).nullable().optional(),
  storageBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
});
const createInput = z.object({
  slug: z
    .string()
    .min(2)
    .max(63)
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens'),
  name: z.string().trim().min(1).max(200),
  admin: z.object({
    email: emailAddress(),
    name: z.string().trim().min(1).max(200),
    password: z.string().min(12).max(200).optional(),
    locale: z.string().min(2).max(10).optional(),
  }),
  limits: limitsInput.optional(),
});
const reasonInput = z.object({ reason: z.string().trim().min(1).max(1000) });

const defaultsOf = (deps: Deps): TenantLimits =>
  deps.config?.tenants ?? { requestsPerSecond: null, ordersPerDay: null, storageBytes: null };

/**
 * The platform operator's API (docs/tenants.md): tenants as a product. Only an `ordop_` platform
 * key reaches it (authorizePlatform); it shows a tenant's status, limits and usage figures, never
 * its business data — except the export, which is the tenant's own data handed over on request.
 */
export async function platformRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  // before the body is validated: a tenant's key learns nothing about these routes but 403
  app.addHook('preValidation', async (request) => {
    authorizePlatform(request);
  });

  app.post(
    '/platform/tenants',
    {
      schema: {
        tags,
        summary:
          'Create a tenant with its first admin user; the admin API key (and a generated password) are shown once',
        body: createInput,
        response: {
          201: z.object({
            tenant,
            admin: z.object({ userId: z.string(), email: z.string(), password: z.string().optional() }),
            apiKey: z.string(),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      authorizePlatform(request);
      return reply.code(201).send(await createPlatformTenant(deps.db, request.body, defaultsOf(deps), now()));
    },
  );

  app.get(
    '/platform/tenants',
    {
      schema: {
        tags,
        summary: 'List tenants with their status, limits and usage',
        querystring: z.object({ status: z.enum(['active', 'suspended', 'deleted']).optional() }),
        response: { 200: z.object({ items: z.array(tenant) }), ...errors },
      },
    },
    async (request) => {
      authorizePlatform(request);
      return { items: await listTenants(deps.db, request.query) };
    },
  );

  app.get(
    '/platform/tombstones',
    {
      schema: {
        tags,
        summary: 'Erased tenants: who deleted each, when and why (nothing else is kept)',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                slug: z.string(),
                deletedAt: z.string(),
                deletedBy: z.string(),
                reason: z.string(),
                erasedAt: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      authorizePlatform(request);
      return { items: await listTombstones(deps.db) };
    },
  );

  app.get(
    '/platform/tenants/:id',
    {
      schema: {
        tags,
        summary: 'A tenant: status, limits and usage',
        params: idParams,
        response: { 200: tenant, ...errors },
      },
    },
    async (request) => {
      authorizePlatform(request);
      return getTenant(deps.db, request.params.id);
    },
  );

  app.patch(
    '/platform/tenants/:id/limits',
    {
      schema: {
        tags,
        summary: "Change a tenant's limits (null = no limit; absent = unchanged); takes effect at once",
        params: idParams,
        body: limitsInput,
        response: { 200: tenant, ...errors },
      },
    },
    async (request) => {
      authorizePlatform(request);
      return setTenantLimits(deps.db, request.params.id, request.body, now());
    },
  );

  app.post(
    '/platform/tenants/:id(^[0-9a-fA-F-]{36})::suspend',
    {
      schema: {
        tags,
        summary: 'Suspend a tenant: its keys, users and channel webhooks get 403 TENANT_SUSPENDED; its data stays',
        params: idParams,
        body: reasonInput,
        response: { 200: tenant, ...errors },
      },
    },
    async (request) =>
      suspendTenant(deps.db, request.params.id, authorizePlatform(request), request.body.reason, now()),
  );

  app.post(
    '/platform/tenants/:id(^[0-9a-fA-F-]{36})::resume',
    {
      schema: { tags, summary: 'Resume a suspended tenant', params: idParams, response: { 200: tenant, ...errors } },
    },
    async (request) => resumeTenant(deps.db, request.params.id, authorizePlatform(request), now()),
  );

  app.delete(
    '/platform/tenants/:id',
    {
      schema: {
        tags,
        summary:
          'Delete a tenant (step one): confirm with its slug; it answers nothing from now on, and :erase removes its data',
        params: idParams,
        body: reasonInput.extend({ confirm: z.string().max(63) }),
        response: { 202: tenant, ...errors },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(await deleteTenant(deps.db, request.params.id, authorizePlatform(request), request.body, now())),
  );

  app.post(
    '/platform/tenants/:id(^[0-9a-fA-F-]{36})::erase',
    {
      schema: {
        tags,
        summary:
          "Erase a deleted tenant's data (step two) in batches for up to about 5 s; call again until erased (a tombstone is kept)",
        params: idParams,
        response: {
          200: z.object({ erased: z.boolean(), rowsDeleted: z.number(), remaining: z.array(z.string()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      authorizePlatform(request);
      return eraseTenant(deps.db, request.params.id, { budgetMs: 5_000, now });
    },
  );

  app.get(
    '/platform/tenants/:id/export',
    {
      schema: {
        tags,
        summary:
          "The tenant's data as gzip NDJSON: a header line, one {table, row} line per row of every tenant table, a trailer with counts (streamed)",
        params: idParams,
        response: { 200: z.any().meta({ description: 'application/gzip' }), ...errors },
      },
    },
    async (request, reply) => {
      authorizePlatform(request);
      const stream = await exportTenant(deps.db, request.params.id, now());
      const stamp = now().toISOString().slice(0, 10);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="tenant-${request.params.id}-${stamp}.ndjson.gz"`)
        .send(stream);
    },
  );
}
