import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-companies.js';

/** The tenant's API keys, oldest first: names, prefixes and roles, never the secrets. */
export async function listApiKeys(scope: TenantScope) {
  const rows = await scope
    .selectFrom('api_keys')
    .select([
      'id',
      'name',
      'prefix',
      'roles',
      'business_roles',
      'company_member_id',
      'created_at',
      'last_used_at',
      'revoked_at',
    ])
    .orderBy('id')
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      roles: r.roles,
      businessRoles: r.business_roles,
      companyMemberId: r.company_member_id,
      createdAt: r.created_at.toISOString(),
      lastUsedAt: r.last_used_at?.toISOString() ?? null,
      revokedAt: r.revoked_at?.toISOString() ?? null,
    })),
  };
}
