import { createHash } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { transaction, type TenantScope, type Work } from '../store/tenant-scope.js';

export interface CommandResult {
  status: number;
  /**
   * The answer, or its promise when it is made of what statements sent ahead answer
   * (UnitOfWork.sendAhead): without a key it is awaited after the commit, so they leave with it;
   * with a key it is awaited inside, since the key's row holds the answer.
   */
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
  if (!key) return transaction(scope, run).then(async (result) => ({ ...(await settled(result)), replayed: false }));
  return onceByKey(scope, key, hash, async (work) => settled(await run(work)));
}

/** A command's result with its body settled (the body may be a promise). */
async function settled(result: CommandResult): Promise<CommandResult> {
  return { status: result.status, body: await result.body };
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
  if (!key) return run(scope).then(async (result) => ({ ...(await settled(result)), replayed: false }));
  return onceByKeyWrittenLast(scope, key, hash, async (work) => settled(await run(work)));
}

/**
 * Intake's form (a command with no effect outside its transaction): the key's row is written once,
 * with the answer, by the unit of work's closing statement (storeIdempotencyKey) — no statement of
 * its own. A concurrent twin runs too, then waits on the key's unique index in that statement until
 * the first commits, and fails there (unique violation), which rolls back everything it did (its
 * order, its reservation); a retry of a request that committed does the same. Either then replays
 * the stored answer, as does a run that failed (its stock went to the twin) while the key holds an
 * answer. Only a command that does nothing outside its transaction may use this: it runs again
 * before the key is read.
 */
async function onceByKeyWrittenLast(
  scope: TenantScope,
  key: string,
  hash: string,
  run: (work: Work) => Promise<CommandResult>,
): Promise<CommandResult & { replayed: boolean }> {
  checkKey(key);
  try {
    return await transaction(scope, async (tx) => {
      const result = await run(tx);
      tx.work.storeIdempotencyKey({
        tenant_id: tx.tenantId,
        key,
        request_hash: hash,
        status_code: result.status,
        response: JSON.stringify(result.body),
      });
      return { ...result, replayed: false };
    });
  } catch (error) {
    const prior = await scope
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status_code', 'response'])
      .where('key', '=', key)
      .executeTakeFirst()
      .catch(() => undefined);
    // no answer stored (or none readable, the database gone): this run's own failure stands (a 4xx leaves the key free for a corrected retry)
    if (!prior) throw error;
    if (prior.request_hash !== hash)
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request');
    if (prior.status_code === null) throw new AppError('IDEMPOTENCY_IN_PROGRESS');
    return { status: prior.status_code, body: prior.response, replayed: true };
  }
}

function checkKey(key: string): void {
  if (key.length > 200)
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key is too long', [
      { path: 'header:Idempotency-Key', message: 'at most 200 characters' },
    ]);
}

async function onceByKey(
  scope: TenantScope,
  key: string,
  hash: string,
  run: (work: Work) => Promise<CommandResult>,
): Promise<CommandResult & { replayed: boolean }> {
  checkKey(key);
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
