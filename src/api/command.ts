import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, etag, type RequestContext } from './auth.js';
import type { Deps } from './deps.js';
import type { Permission } from '../domain/identity/roles.js';
import { requestHash, withIdempotency, type CommandResult } from '../app/idempotency.js';
import type { TenantScope } from '../store/tenant-scope.js';

/**
 * Runs a POST command with the API's conventions: authorisation, Idempotency-Key (the same key
 * and body replays the first response, with Idempotent-Replayed: true), one transaction, and an
 * ETag when the result carries a version.
 */
export async function runCommand(
  deps: Deps, request: FastifyRequest, reply: FastifyReply, permission: Permission,
  run: (tx: TenantScope, ctx: RequestContext) => Promise<CommandResult>,
) {
  const ctx = authorize(deps.db, request, permission);
  const key = request.headers['idempotency-key'];
  const result = await withIdempotency(ctx.store, typeof key === 'string' ? key : undefined,
    requestHash(request.method, request.url, request.body), (tx) => run(tx, ctx));
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  const version = (result.body as { version?: unknown } | null)?.version;
  if (typeof version === 'number') etag(reply, version);
  return reply.code(result.status).send(result.body);
}
