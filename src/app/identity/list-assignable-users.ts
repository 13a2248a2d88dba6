import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-companies.js';

/**
 * The people a task can be handed to (issue 18, bulk assign): active users by name with the
 * roles that decide which tasks they may act on. No e-mail addresses: anyone who acts on tasks
 * may read this list, the user directory itself stays with admins.
 */
export async function listAssignableUsers(scope: TenantScope) {
  const rows = await scope
    .selectFrom('users')
    .select(['id', 'name', 'roles', 'business_roles'])
    .where('active', '=', true)
    .orderBy('name')
    .orderBy('id')
    .limit(1000)
    .execute();
  return {
    items: rows.map((row) => ({ id: row.id, name: row.name, roles: row.roles, businessRoles: row.business_roles })),
  };
}

/** An active user of this tenant by id, with the roles a task's business role is checked against. */
export async function activeUser(scope: TenantScope, id: string) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return scope
    .selectFrom('users')
    .select(['id', 'name', 'roles', 'business_roles'])
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
}
