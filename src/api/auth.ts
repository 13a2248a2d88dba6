import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { permissionsOf, type Permission } from '../domain/identity/roles.js';
import { authenticateKey, authenticateSession, type Principal } from '../app/identity/authenticate.js';
import { scope, type TenantScope } from '../store/tenant-scope.js';
import type { Db } from '../store/db.js';
import { authenticatePlatformKey, isPlatformKey, type PlatformOperator } from '../app/tenants/platform-keys.js';

export const SESSION_COOKIE = 'ordo_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** A platform operator (an `ordop_` key): reaches /api/v1/platform only (docs/tenants.md). */
    platformOperator: PlatformOperator | null;
  }
}

/**
 * A route declares itself public with `security: []` in its schema (the OpenAPI document says the
 * same to clients): login, the public tracking page, signed webhooks, the event catalogue.
 */
export function isPublicRoute(request: FastifyRequest): boolean {
  const security = (request.routeOptions.schema as { security?: unknown[] } | undefined)?.security;
  return Array.isArray(security) && security.length === 0;
}

// RFC 7235: the scheme name is case-insensitive ("bearer", "BEARER" and "Bearer" are one scheme).
const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Bearer API key for integrations, session cookie for console users. Runs before the body is
 * parsed or validated: a request without a principal on a route that is not public is refused
 * here, so an anonymous caller learns nothing from validation errors (401, never 400).
 */
export function authHook(db: Db, tenantGate?: (principal: Principal) => Promise<void>) {
  return async (request: FastifyRequest) => {
    request.principal = null;
    request.platformOperator = null;
    const header = request.headers.authorization;
    const bearer = header ? BEARER.exec(header) : null;
    if (bearer && isPlatformKey(bearer[1]!)) {
      // a platform key is no tenant principal: tenant routes answer it 401 (authorize below)
      request.platformOperator = await authenticatePlatformKey(db, bearer[1]!);
      if (!request.platformOperator)
        throw new AppError('UNAUTHENTICATED', 'the platform key is not valid or was revoked');
      return;
    }
    if (bearer) {
      request.principal = await authenticateKey(db, bearer[1]!);
      if (!request.principal) throw new AppError('UNAUTHENTICATED', 'the API key is not valid or was revoked');
      // a suspended or deleted tenant, or one over its requests per second (docs/tenants.md)
      await tenantGate?.(request.principal);
      return;
    }
    const token = (request.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
    if (token) request.principal = await authenticateSession(db, token);
    if (request.principal && tenantGate) {
      // a public route (login, tracking) works as if no one were logged in; the others refuse
      if (isPublicRoute(request)) await tenantGate(request.principal).catch(() => (request.principal = null));
      else await tenantGate(request.principal);
    }
    if (!request.principal && !isPublicRoute(request))
      throw new AppError('UNAUTHENTICATED', 'send Authorization: Bearer <api key>, or log in');
  };
}

/** Platform routes: a platform operator key only; a tenant's key or session (even an admin's) is refused. */
export function authorizePlatform(request: FastifyRequest): PlatformOperator {
  if (request.platformOperator) return request.platformOperator;
  if (request.principal)
    throw new AppError('PLATFORM_ONLY', 'tenant keys and users never reach platform routes; use a platform key');
  throw new AppError('UNAUTHENTICATED', 'send Authorization: Bearer <platform key>');
}

export interface RequestContext {
  principal: Principal;
  /** The tenant-scoped store: the only door to tenant data. */
  store: TenantScope;
}

/** Checks that the caller is authenticated and allowed; returns its tenant scope. */
export function authorize(db: Db, request: FastifyRequest, permission: Permission): RequestContext {
  const principal = request.principal;
  if (!principal) throw new AppError('UNAUTHENTICATED', 'send Authorization: Bearer <api key>, or log in');
  if (!permissionsOf(principal.roles).has(permission))
    throw new AppError('FORBIDDEN', `your role does not allow ${permission}`);
  return { principal, store: scope(db, principal.tenantId) };
}

/** If-Match: "3" or W/"3" → 3; absent → null. */
export function ifMatch(request: FastifyRequest): number | null {
  const header = request.headers['if-match'];
  if (!header) return null;
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(String(header).trim());
  if (!match)
    throw new AppError('VALIDATION_FAILED', 'If-Match must be an ETag returned by this API', [
      { path: 'header:If-Match', message: 'not an ETag' },
    ]);
  return Number(match[1]);
}

export function etag(reply: FastifyReply, version: number) {
  reply.header('ETag', `"${version}"`);
}
