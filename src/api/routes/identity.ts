import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, SESSION_COOKIE } from '../auth.js';
import { runCommand } from '../command.js';
import { code, problem } from '../schemas/common.js';
import { ROLES } from '../../domain/identity/roles.js';
import { login, logout } from '../../app/identity/authenticate.js';
import { issueApiKey } from '../../app/identity/issue-api-key.js';
import { AppError } from '../../shared/errors.js';
import { listApiKeys } from '../../app/identity/list-api-keys.js';
import { revokeApiKey } from '../../app/identity/revoke-api-key.js';
import { idParams, uuid } from '../schemas/common.js';
import { emailAddress } from '../../app/schemas.js';
import { profilePatch, updateOwnProfile } from '../../app/identity/users.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 422: problem };

export const identityRoutes =
  (deps: Deps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/auth/login',
      {
        schema: {
          tags: ['auth'],
          summary: 'Console login: sets a session cookie',
          security: [],
          body: z.object({ email: emailAddress(), password: z.string().min(1).max(200) }).strict(),
          response: { 200: z.unknown(), ...errors },
        },
      },
      async (request, reply) => {
        const result = await login(deps.db, request.body.email, request.body.password, deps.clock.now());
        if (!result) throw new AppError('UNAUTHENTICATED', 'wrong email or password');
        reply.setCookie(SESSION_COOKIE, result.token, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          expires: result.expiresAt,
        });
        return { user: result.user, expiresAt: result.expiresAt.toISOString() };
      },
    );

    app.post(
      '/auth/logout',
      { schema: { tags: ['auth'], summary: 'End the console session', security: [] } },
      async (request, reply) => {
        const token = (request.cookies as Record<string, string | undefined>)[SESSION_COOKIE];
        if (token) await logout(deps.db, token);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
    );

    const meView = z
      .object({
        tenantId: z.string(),
        actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().optional() }),
        roles: z.array(z.string()).describe('permission roles'),
        locale: z.string().optional().describe("a console user's language"),
        timeZone: z
          .string()
          .nullable()
          .optional()
          .describe("a console user's own IANA time zone (PATCH /me); null: the browser's. Absent for an API key"),
        businessRoles: z.array(z.string()).optional(),
        memberId: z.string().optional().describe('a B2B portal key: the company member it acts for'),
      })
      .passthrough();
    app.get(
      '/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'Who am I: tenant, actor, roles, language and (a console user) time zone',
          response: { 200: meView, ...errors },
        },
      },
      async (request) => {
        const { principal } = authorize(deps.db, request, 'orders:read');
        return { ...principal };
      },
    );

    app.patch(
      '/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'Change your own profile: the time zone the console shows your times and days in',
          description:
            "For a signed-in console user (an API key has no profile: 403). `timeZone` is an IANA name (Europe/Warsaw), else 400 naming `timeZone`; null goes back to the browser's zone. `GET /me` then carries it. An admin sets anyone's with PATCH /users/{id}.",
          body: profilePatch,
          response: {
            200: z.object({ timeZone: z.string().nullable(), locale: z.string() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const ctx = authorize(deps.db, request, 'orders:read');
        return updateOwnProfile(ctx.store, ctx.principal.actor, deps.clock.now(), request.body);
      },
    );

    const keyView = z.object({
      id: z.string(),
      name: z.string(),
      prefix: z.string(),
      roles: z.array(z.string()),
      businessRoles: z.array(z.string()),
      companyMemberId: z.string().nullable(),
      createdAt: z.string(),
      lastUsedAt: z.string().nullable(),
      revokedAt: z.string().nullable(),
    });
    app.get(
      '/api-keys',
      {
        schema: {
          tags: ['auth'],
          summary: 'List API keys (never the secrets)',
          response: { 200: z.object({ items: z.array(keyView) }), ...errors },
        },
      },
      async (request) => {
        return listApiKeys(authorize(deps.db, request, 'keys:manage').store);
      },
    );

    app.post(
      '/api-keys',
      {
        schema: {
          tags: ['auth'],
          summary: 'Issue an API key; the secret is in this response only',
          body: z
            .object({
              name: code.or(z.string().min(1).max(100)),
              roles: z.array(z.enum(ROLES)).min(1),
              businessRoles: z
                .array(code)
                .max(50)
                .optional()
                .describe('business roles the key acts as on process tasks (finance, sales_lead, …)'),
              companyMemberId: uuid
                .optional()
                .describe("a B2B portal key: the company member it acts for (its company's approvals)"),
            })
            .strict(),
          response: {
            201: z.object({
              id: z.string(),
              secret: z.string(),
              prefix: z.string(),
              name: z.string(),
              roles: z.array(z.string()),
              businessRoles: z.array(z.string()),
              companyMemberId: z.string().nullable(),
            }),
            ...errors,
          },
        },
      },
      (request, reply) =>
        runCommand(deps, request, reply, 'keys:manage', async (tx, ctx) => ({
          status: 201,
          body: await issueApiKey(tx, ctx.principal.actor, request.body, deps.clock.now()),
        })),
    );

    app.delete(
      '/api-keys/:id',
      {
        schema: {
          tags: ['auth'],
          summary: 'Revoke an API key',
          params: idParams,
          response: { 204: z.null(), ...errors },
        },
      },
      async (request, reply) => {
        const ctx = authorize(deps.db, request, 'keys:manage');
        await revokeApiKey(ctx.store, ctx.principal.actor, deps.clock.now(), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
