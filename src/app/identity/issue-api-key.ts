import { newId } from '../../shared/ids.js';
import { newSecret } from '../../domain/identity/secrets.js';
import type { Role } from '../../domain/identity/roles.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { AppError } from '../../shared/errors.js';
import '../../store/schema-companies.js';

/** Issues an API key. Only its hash is stored; the secret is shown once, to the caller. */
export async function issueApiKey(
  scope: TenantScope,
  actor: Actor,
  input: { name: string; roles: Role[]; businessRoles?: string[] | undefined; companyMemberId?: string | undefined },
  now = new Date(),
) {
  const id = newId();
  // a B2B portal key acts for one active company member (its company's approvals are its tasks)
  if (input.companyMemberId) {
    const member = await scope
      .selectFrom('company_members')
      .select('id')
      .where('id', '=', input.companyMemberId)
      .where('active', '=', true)
      .executeTakeFirst();
    if (!member)
      throw new AppError('UNKNOWN_COMPANY_MEMBER', 'no active company member with this id', [
        { path: '/companyMemberId', message: 'unknown or inactive member' },
      ]);
  }
  const businessRoles = input.businessRoles ?? [];
  const { secret, prefix, hash } = newSecret('key');
  await scope
    .insertInto('api_keys', {
      id,
      name: input.name,
      prefix,
      key_hash: hash,
      roles: input.roles,
      business_roles: businessRoles,
      company_member_id: input.companyMemberId ?? null,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  await writeAudit(scope, actor, now, {
    entity: 'api_key',
    entityId: id,
    action: 'created',
    changes: {
      name: input.name,
      roles: input.roles,
      businessRoles,
      ...(input.companyMemberId ? { companyMemberId: input.companyMemberId } : {}),
    },
  });
  return {
    id,
    secret,
    prefix,
    name: input.name,
    roles: input.roles,
    businessRoles,
    companyMemberId: input.companyMemberId ?? null,
  };
}
