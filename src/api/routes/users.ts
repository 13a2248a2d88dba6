import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, listQuery, problem } from '../schemas/common.js';
import {
  acceptInvitation,
  createUser,
  getUser,
  listBusinessRoles,
  listUsers,
  updateUser,
  userInput,
  userPatch,
} from '../../app/identity/users.js';
import { getRoleMap, roleMapInput, setRoleMap } from '../../app/identity/business-role-map.js';
import { listAssignableUsers } from '../../app/identity/list-assignable-users.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const tags = ['users'];
const user = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  locale: z.string(),
  timeZone: z.string().nullable().describe("the IANA zone the console shows times in; null: the browser's"),
  roles: z.array(z.string()),
  businessRoles: z.array(z.string()),
  active: z.boolean(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Users (docs/users.md): admin only (users:manage); business roles decide whose process tasks are whose. */
export async function userRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const labels = z.record(z.string(), z.string()).nullable().describe('EN/PL/RU labels from the processes');

  app.post(
    '/users',
    {
      schema: {
        tags,
        summary: 'Create a user with permission roles, business roles and an initial password or an invitation',
        body: userInput,
        response: {
          201: user.extend({
            invitation: z
              .object({
                token: z.string().describe('the one-time code of `/invitation#<code>`: shown once, never stored'),
                expiresAt: z.string(),
                emailed: z
                  .boolean()
                  .describe(
                    'true: the link is e-mailed to the user through the outbox (GET /notifications/{notificationId}, the link masked); false without ORDO_PUBLIC_URL or without ORDO_SMTP_HOST (the admin hands the link on)',
                  ),
                notificationId: z.string().optional(),
              })
              .optional(),
          }),
          ...errors,
        },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'users:manage', async (tx, ctx) => ({
        status: 201,
        body: await createUser(tx, ctx.principal.actor, now(), request.body, {
          locale: ctx.principal.locale,
          // e-mailed only when it can be: a public address for the link and an SMTP server to send it
          publicUrl: deps.config?.smtp.host ? deps.config.http.publicUrl : undefined,
        }),
      })),
  );

  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List users',
        querystring: z.object({
          ...listQuery,
          active: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
        }),
        response: { 200: z.object({ items: z.array(user), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => listUsers(authorize(deps.db, request, 'users:manage').store, request.query),
  );

  app.get(
    '/users/assignable',
    {
      schema: {
        tags,
        summary: 'Active users by name, to hand tasks to (assign); anyone who acts on tasks may read it',
        description:
          'No e-mail addresses. `roles` and `businessRoles` say which tasks each may act on: a task for business role R goes only to a holder of R (or a role mapped to R, or an admin). With `role`, or `orderIds` (the open task each order would have assigned, as `POST /orders:bulk` picks it), only the people who can take every one of those tasks are listed, and `forRoles` names the roles with their EN/PL/RU labels. `POST /orders:bulk` with `action: assign` and `POST /tasks/{id}/delegate` with an `assignee` refuse the others (403 ASSIGNEE_ROLE_REQUIRED, with `role` and `roleLabels`).',
        querystring: z.object({
          role: z.string().max(100).optional().describe('only people who can take a task for this business role'),
          orderIds: z
            .string()
            .max(20_000)
            .optional()
            .describe('comma-separated order ids: only people who can take the open task of each'),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                roles: z.array(z.string()),
                businessRoles: z.array(z.string()),
              }),
            ),
            forRoles: z.array(z.object({ code: z.string(), labels })),
          }),
          ...errors,
        },
      },
    },
    async (request) =>
      listAssignableUsers(authorize(deps.db, request, 'tasks:act').store, {
        role: request.query.role,
        orderIds: request.query.orderIds?.split(',').slice(0, 500),
      }),
  );

  app.get(
    '/users/:id',
    { schema: { tags, summary: 'One user', params: idParams, response: { 200: user, ...errors } } },
    async (request, reply) => {
      const found = await getUser(authorize(deps.db, request, 'users:manage').store, request.params.id);
      etag(reply, found.version);
      return found;
    },
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Change a user: name, locale, time zone, roles, business roles, password, active (If-Match honoured)',
        params: idParams,
        body: userPatch,
        response: { 200: user, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'users:manage');
      const changed = await updateUser(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        request.body,
        ifMatch(request),
      );
      etag(reply, changed.version);
      return changed;
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Deactivate a user (kept for history; sessions end)',
        params: idParams,
        response: { 200: user, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'users:manage');
      const changed = await updateUser(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        { active: false },
        ifMatch(request),
      );
      etag(reply, changed.version);
      return changed;
    },
  );

  app.get(
    '/business-roles',
    {
      schema: {
        tags,
        summary: 'Business roles: those the published processes name (with labels), those users hold, those mapped',
        response: {
          200: z.object({
            items: z.array(z.object({ code: z.string(), labels, inProcesses: z.boolean(), users: z.number() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => listBusinessRoles(authorize(deps.db, request, 'users:manage').store),
  );

  const roleMap = z.object({ entries: z.array(z.object({ role: z.string(), actsAs: z.string() })) });
  app.get(
    '/business-roles/map',
    {
      schema: {
        tags,
        summary: 'Business-role equivalences: holding `role` also counts as `actsAs` on tasks',
        response: { 200: roleMap, ...errors },
      },
    },
    async (request) => getRoleMap(authorize(deps.db, request, 'users:manage').store),
  );
  app.put(
    '/business-roles/map',
    {
      schema: {
        tags,
        summary: 'Replace the business-role equivalences',
        body: roleMapInput,
        response: { 200: roleMap, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'users:manage');
      return setRoleMap(ctx.store, ctx.principal.actor, now(), request.body);
    },
  );

  app.post(
    '/auth/accept-invitation',
    {
      schema: {
        tags: ['auth'],
        summary: "Set an invited user's password with the invitation's token",
        security: [],
        body: z.object({ token: z.string().min(1).max(200), password: z.string().min(12).max(200) }).strict(),
        response: { 200: z.object({ userId: z.string() }), ...errors },
      },
    },
    async (request) => acceptInvitation(deps.db, request.body.token, request.body.password, now()),
  );
}
