import { createHash } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { transaction, type TenantScope, type Work } from '../store/tenant-scope.js';

export interface CommandResult {
  status: number;
  body: unknown;
}

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

/**
 * Runs a command once per Idempotency-Key. The key row is inserted in the command's own
 * transaction: a concurrent retry with the same key waits on the unique index until the first
 * commits, then reads its stored response. A command that fails with a 4xx rolls back with its
 * key, so a corrected retry may reuse the key; the same key with a different request is 422.
 */
export function withIdempotency(
  scope: TenantScope,
  key: string | undefined,
  hash: string,
  run: (work: Work) => Promise<CommandResult>,
): Promise<CommandResult & { replayed: boolean }> {
  if (!key) return transaction(scope, run).then((r) => ({ ...r, replayed: false }));
  return onceByKey(scope, key, hash, run);
}

/**
 * The same for a command that makes its changes atomically itself (intake chooses between one
 * statement and a unit of work): without a key it gets the plain scope; with a key it runs in the
 * key's unit of work.
 */
export function withIdempotencyOwnTransaction(
  scope: TenantScope,
  key: string | undefined,
  hash: string,
  run: (scope: TenantScope) => Promise<CommandResult>,
): Promise<CommandResult & { replayed: boolean }> {
  if (!key) return run(scope).then((r) => ({ ...r, replayed: false }));
  return onceByKey(scope, key, hash, run);
}

async function onceByKey(
  scope: TenantScope,
  key: string,
  hash: string,
  run: (work: Work) => Promise<CommandResult>,
): Promise<CommandResult & { replayed: boolean }> {
  if (key.length > 200)
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key is too long', [
      { path: 'header:Idempotency-Key', message: 'at most 200 characters' },
    ]);
  return transaction(scope, async (tx) => {
    const inserted = await tx
      .insertInto('idempotency_keys', { key, request_hash: hash, status_code: null, response: null })
      .onConflict((oc) => oc.columns(['tenant_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!inserted) {
      const prior = await tx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'response'])
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (prior.request_hash !== hash)
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
      if (prior.status_code === null) throw new AppError('IDEMPOTENCY_IN_PROGRESS');
      return { status: prior.status_code, body: prior.response, replayed: true };
    }
    const result = await run(tx);
    await tx
      .updateTable('idempotency_keys')
      .set({ status_code: result.status, response: JSON.stringify(result.body) })
      .where('key', '=', key)
      .execute();
    return { ...result, replayed: false };
  });
}
