import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { forgetCachedKeys } from './authenticate.js';

/** Revokes an active API key (404 when there is none of that id) and audits it; this process forgets its cached keys at once. */
export async function revokeApiKey(scope: TenantScope, actor: Actor, now: Date, id: string): Promise<void> {
  const row = await scope
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(row.numUpdatedRows) === 0) throw new AppError('NOT_FOUND', 'no such active API key');
  forgetCachedKeys();
  await writeAudit(scope, actor, now, { entity: 'api_key', entityId: id, action: 'revoked' });
}
