import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, etag, type RequestContext } from './auth.js';
import type { Deps } from './deps.js';
import type { Permission } from '../domain/identity/roles.js';
import { requestHash, withIdempotency, type CommandResult } from '../app/idempotency.js';
import type { TenantScope } from '../store/tenant-scope.js';

/**
 * Runs a POST command with the API's conventions: authorisation, Idempotency-Key (the same key
 * and body replays the first response, with Idempotent-Replayed: true), one transaction (or, with
 * `ownTransaction` and no key, the command's own atomic writes), and an ETag when the result
 * carries a version.
 */
export async function runCommand(
  deps: Deps, request: FastifyRequest, reply: FastifyReply, permission: Permission,
  run: (tx: TenantScope, ctx: RequestContext) => Promise<CommandResult>,
  opts: { ownTransaction?: boolean } = {},
) {
  const ctx = authorize(deps.db, request, permission);
  const header = request.headers['idempotency-key'];
  const key = typeof header === 'string' ? header : undefined;
  // the request's hash is only compared with a stored key's: not computed without one
  const result = await withIdempotency(ctx.store, key, key ? requestHash(request.method, request.url, request.body) : '', (tx) => run(tx, ctx), opts);
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  const version = (result.body as { version?: unknown } | null)?.version;
  if (typeof version === 'number') etag(reply, version);
  return reply.code(result.status).send(result.body);
}
