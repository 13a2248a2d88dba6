import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';
import { permissionsOf, type Permission } from '../domain/identity/roles.js';
import { authenticateKey, authenticateSession, type Principal } from '../app/identity/authenticate.js';
import { scope, type TenantScope } from '../store/tenant-scope.js';
import type { Db } from '../store/db.js';

export const SESSION_COOKIE = 'ordo_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Bearer API key for integrations, session cookie for console users. */
export function authHook(db: Db) {
  return async (request: FastifyRequest) => {
    request.principal = null;
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      request.principal = await authenticateKey(db, header.slice(7).trim());
      if (!request.principal) throw new AppError('UNAUTHENTICATED', 'the API key is not valid or was revoked');
      return;
    }
    const token = (request.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
    if (token) request.principal = await authenticateSession(db, token);
  };
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
