import { newId } from '../../shared/ids.js';
import { newSecret } from '../../domain/identity/secrets.js';
import type { Role } from '../../domain/identity/roles.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';

/** Issues an API key. Only its hash is stored; the secret is shown once, to the caller. */
export async function issueApiKey(
  scope: TenantScope,
  actor: Actor,
  input: { name: string; roles: Role[] },
  now = new Date(),
) {
  const id = newId();
  const { secret, prefix, hash } = newSecret('key');
  await scope
    .insertInto('api_keys', {
      id,
      name: input.name,
      prefix,
      key_hash: hash,
      roles: input.roles,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  await writeAudit(scope, actor, now, {
    entity: 'api_key',
    entityId: id,
    action: 'created',
    changes: { name: input.name, roles: input.roles },
  });
  return { id, secret, prefix, name: input.name, roles: input.roles };
}
