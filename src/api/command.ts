import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, etag, type RequestContext } from './auth.js';
import type { Deps } from './deps.js';
import type { Permission } from '../domain/identity/roles.js';
import { requestHash, withIdempotency, withIdempotencyOwnTransaction, type CommandResult } from '../app/idempotency.js';
import type { TenantScope, Work } from '../store/tenant-scope.js';

/**
 * Runs a POST command with the API's conventions: authorisation, Idempotency-Key (the same key
 * and body replays the first response, with Idempotent-Replayed: true), one unit of work, and an
 * ETag when the result carries a version.
 */
export function runCommand(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  permission: Permission,
  run: (tx: Work, ctx: RequestContext) => Promise<CommandResult>,
) {
  return answer(deps, request, reply, permission, (ctx, key, hash) =>
    withIdempotency(ctx.store, key, hash, (tx) => run(tx, ctx)),
  );
}

/** The same for a command that makes its changes atomically itself: without a key it gets no transaction. */
export function runOwnTransactionCommand(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  permission: Permission,
  run: (scope: TenantScope, ctx: RequestContext) => Promise<CommandResult>,
) {
  return answer(deps, request, reply, permission, (ctx, key, hash) =>
    withIdempotencyOwnTransaction(ctx.store, key, hash, (s) => run(s, ctx)),
  );
}

async function answer(
  deps: Deps,
  request: FastifyRequest,
  reply: FastifyReply,
  permission: Permission,
  exec: (ctx: RequestContext, key: string | undefined, hash: string) => Promise<CommandResult & { replayed: boolean }>,
) {
  const ctx = authorize(deps.db, request, permission);
  const header = request.headers['idempotency-key'];
  const key = typeof header === 'string' ? header : undefined;
  // the request's hash is only compared with a stored key's: not computed without one
  const result = await exec(ctx, key, key ? requestHash(request.method, request.url, request.body) : '');
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  const version = (result.body as { version?: unknown } | null)?.version;
  if (typeof version === 'number') etag(reply, version);
  return reply.code(result.status).send(result.body);
}
