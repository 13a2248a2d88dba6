import { z } from 'zod';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { code } from '../schemas.js';
import '../../store/schema-companies.js';

/**
 * The tenant's business-role equivalences (docs/users.md): `{ role: cfo, actsAs: finance }` lets
 * whoever holds `cfo` act on tasks for `finance`. One level: what a mapped role maps to is not followed.
 */
export const roleMapInput = z
  .object({ entries: z.array(z.object({ role: code, actsAs: code }).strict()).max(200) })
  .strict();

export async function getRoleMap(scope: TenantScope) {
  const rows = await scope
    .selectFrom('business_role_map')
    .select(['role', 'acts_as'])
    .orderBy('role')
    .orderBy('acts_as')
    .execute();
  return { entries: rows.map((r) => ({ role: r.role, actsAs: r.acts_as })) };
}

/** Replaces the whole map. */
async function setRoleMapWithin(scope: TenantScope, actor: Actor, now: Date, input: z.infer<typeof roleMapInput>) {
  await scope.deleteFrom('business_role_map').execute();
  const unique = new Map(input.entries.map((e) => [`${e.role}\u0000${e.actsAs}`, e]));
  if (unique.size)
    await scope
      .insertInto(
        'business_role_map',
        [...unique.values()].map((e) => ({ role: e.role, acts_as: e.actsAs })),
      )
      .execute();
  await writeAudit(scope, actor, now, {
    entity: 'business_role_map',
    entityId: scope.tenantId,
    action: 'set',
    changes: input,
  });
  return getRoleMap(scope);
}

/** setRoleMap in its own unit of work (or the caller's). */
export function setRoleMap(scope: TenantScope, actor: Actor, now: Date, input: z.infer<typeof roleMapInput>) {
  return atomically(scope, (tx) => setRoleMapWithin(tx, actor, now, input));
}
