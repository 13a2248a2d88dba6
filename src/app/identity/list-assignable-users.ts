import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { heldBusinessRoles } from '../process/task-roles.js';
import { publishedRoleWords } from '../process/process-words.js';
import '../../store/schema-companies.js';
import '../../store/schema-process.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which tasks the list is for: a business role, and/or the open tasks of these orders. */
export interface AssignableFilter {
  role?: string | undefined;
  orderIds?: string[] | undefined;
}

/**
 * The business roles the given orders' tasks are for: per order the task bulk assign would take
 * (its oldest open task, else its oldest claimed one). Tasks for the customer's side (B2B portal)
 * go to no console user and add nothing; orders without an open task add nothing either (bulk
 * assign tells them apart per order).
 */
async function rolesOfOrders(scope: TenantScope, orderIds: string[]) {
  const ids = orderIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return [];
  const tasks = await scope
    .selectFrom('process_tasks')
    .select(['order_id', 'state', 'role', 'party'])
    .where('order_id', 'in', ids)
    .where('state', 'in', ['open', 'claimed'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const chosen = new Map<string, (typeof tasks)[number]>();
  for (const task of tasks) {
    const seen = chosen.get(task.order_id);
    if (!seen || (seen.state !== 'open' && task.state === 'open')) chosen.set(task.order_id, task);
  }
  return [...new Set([...chosen.values()].filter((t) => t.party !== 'customer').map((t) => t.role))];
}

/**
 * The people a task can be handed to (issue 18, assign): active users by name with the roles that
 * decide which tasks they may act on. No e-mail addresses: anyone who acts on tasks may read this
 * list, the user directory itself stays with admins. With a `role` or `orderIds`, only those who
 * can take every one of those tasks (an admin, a holder of the role, or of a role mapped to it):
 * the console offers no one the assignment would refuse. `forRoles` names the roles, with labels.
 */
export async function listAssignableUsers(scope: TenantScope, filter: AssignableFilter = {}) {
  const rows = await scope
    .selectFrom('users')
    .select(['id', 'name', 'roles', 'business_roles'])
    .where('active', '=', true)
    .orderBy('name')
    .orderBy('id')
    .limit(1000)
    .execute();
  const needed = [
    ...new Set([...(filter.role ? [filter.role] : []), ...(await rolesOfOrders(scope, filter.orderIds ?? []))]),
  ];
  let people = rows;
  if (needed.length > 0) {
    const map = await scope.selectFrom('business_role_map').select(['role', 'acts_as']).execute();
    people = rows.filter((row) => {
      if (row.roles.includes('admin')) return true;
      const held = new Set([...row.business_roles, ...row.roles]);
      for (const entry of map) if (held.has(entry.role)) held.add(entry.acts_as);
      return needed.every((role) => held.has(role));
    });
  }
  const words = needed.length ? await publishedRoleWords(scope) : new Map();
  return {
    items: people.map((row) => ({
      id: row.id,
      name: row.name,
      roles: row.roles,
      businessRoles: row.business_roles,
    })),
    forRoles: needed.map((code) => ({ code, labels: words.get(code) ?? null })),
  };
}

/** An active user of this tenant by id, with the roles a task's business role is checked against. */
export async function activeUser(scope: TenantScope, id: string) {
  if (!UUID.test(id)) return undefined;
  return scope
    .selectFrom('users')
    .select(['id', 'name', 'roles', 'business_roles'])
    .where('id', '=', id)
    .where('active', '=', true)
    .executeTakeFirst();
}

/**
 * The refusal of handing a task to someone who cannot act on it (403 ASSIGNEE_ROLE_REQUIRED): the
 * role in words (its English label in `detail`, every label in `roleLabels`), for the API's callers
 * and the console alike.
 */
export async function assigneeRoleRequired(
  scope: TenantScope,
  assignee: { id: string; name: string },
  task: { role: string; party: string },
  what: string,
) {
  const labels = (await publishedRoleWords(scope)).get(task.role) ?? null;
  const role = labels?.en ? `${labels.en} (${task.role})` : task.role;
  return new AppError(
    'ASSIGNEE_ROLE_REQUIRED',
    task.party === 'customer'
      ? `${assignee.name} cannot take ${what}: it is for the customer's approver, not for a console user`
      : `${assignee.name} cannot take ${what}: it is for the business role ${role}, which ${assignee.name} does not hold`,
    [],
    { role: task.role, roleLabels: labels, assignee: assignee.id },
  );
}

/**
 * Checks that a task may be handed to this user: an active user of the tenant (else 400 at
 * /assignee) who can act on it (else 403 ASSIGNEE_ROLE_REQUIRED naming the role).
 */
export async function checkAssignee(
  scope: TenantScope,
  assigneeId: string,
  task: { role: string; party: string },
  what: string,
) {
  const user = await activeUser(scope, assigneeId);
  if (!user)
    throw new AppError('VALIDATION_FAILED', 'the assignee is not an active user of this tenant', [
      { path: '/assignee', message: 'not an active user' },
    ]);
  const held = await heldBusinessRoles(scope, { roles: user.roles, businessRoles: user.business_roles });
  if (task.party === 'customer' || !(user.roles.includes('admin') || held.has(task.role)))
    throw await assigneeRoleRequired(scope, user, task, what);
  return user;
}
