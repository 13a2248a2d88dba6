import { AppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { actorRef } from './task-common.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';
import '../../store/schema-companies.js';

/**
 * Who acts on a task: the person or key, its permission roles, the business roles it holds and,
 * for a B2B portal key, the company member it is bound to.
 */
export interface TaskActor {
  actor: Actor;
  /** Permission roles (roles.ts); `admin` may act on any task, recorded as an override. */
  roles: string[];
  /** Business roles (finance, sales_lead, …) as given to the user or key. */
  businessRoles?: string[] | undefined;
  memberId?: string | undefined;
}

export type TaskAct = 'claim' | 'complete' | 'delegate';

/**
 * The business roles an actor holds: its own, the permission roles of the same name (a key
 * with the `finance` permission role acts as finance), and what the tenant's map adds
 * (business_role_map: holding `cfo` counts as `finance`).
 */
export async function heldBusinessRoles(scope: TenantScope, who: Pick<TaskActor, 'roles' | 'businessRoles'>) {
  const held = new Set([...(who.businessRoles ?? []), ...who.roles.filter((r) => r !== 'admin')]);
  if (held.size === 0) return held;
  const mapped = await scope
    .selectFrom('business_role_map')
    .select('acts_as')
    .where('role', 'in', [...held])
    .execute();
  for (const row of mapped) held.add(row.acts_as);
  return held;
}

/** The company member a portal key acts for, when active: its company and roles (mapped too). */
export async function actingMember(scope: TenantScope, memberId: string | undefined) {
  if (!memberId) return undefined;
  const member = await scope
    .selectFrom('company_members')
    .select(['id', 'company_id', 'roles'])
    .where('id', '=', memberId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!member) return undefined;
  const roles = new Set(member.roles);
  const mapped = member.roles.length
    ? await scope.selectFrom('business_role_map').select('acts_as').where('role', 'in', member.roles).execute()
    : [];
  for (const row of mapped) roles.add(row.acts_as);
  return { id: member.id, companyId: member.company_id, roles };
}

/**
 * A task for business role R is claimed, completed or delegated only by a holder of R; a task
 * of the customer's party (the company's own approval) only by a member of the order's company
 * with that role, acting through a key bound to the member. An admin may act on any task: that
 * is an override, written to the order's history (`task.override`) with the admin's comment. The
 * refusal is 403 TASK_ROLE_REQUIRED or TASK_MEMBER_REQUIRED naming the role.
 */
export async function authorizeTaskAct(
  tx: Work,
  who: TaskActor,
  now: Date,
  row: { id: string; order_id: string; role: string; party: string; step?: number | null; process_state?: string },
  act: TaskAct,
  comment?: string,
): Promise<{ override: boolean }> {
  if (row.party === 'customer') {
    const member = await actingMember(tx, who.memberId);
    if (member && member.roles.has(row.role)) {
      const order = await tx
        .selectFrom('orders')
        .select('company_id')
        .where('id', '=', row.order_id)
        .executeTakeFirst();
      if (order?.company_id && order.company_id === member.companyId) {
        if (act === 'complete' && (row.step ?? 0) > 0) await refuseSameApprover(tx, who, row);
        return { override: false };
      }
    }
  } else {
    const held = await heldBusinessRoles(tx, who);
    if (held.has(row.role)) return { override: false };
  }
  if (who.roles.includes('admin')) {
    await writeHistory(tx, who.actor, now, [
      {
        orderId: row.order_id,
        action: 'task.override',
        changes: { taskId: row.id, act, role: row.role, party: row.party },
        reason: { override: 'admin', ...(comment ? { comment } : {}) },
      },
    ]);
    return { override: true };
  }
  if (row.party === 'customer')
    throw new AppError(
      'TASK_MEMBER_REQUIRED',
      `the task is for the ${row.role} of the order's company: act through a key bound to that company's member`,
      [],
      { role: row.role, party: row.party },
    );
  throw new AppError('TASK_ROLE_REQUIRED', `the task is for business role ${row.role}`, [], {
    role: row.role,
    party: row.party,
  });
}

/**
 * A company's two-step approval needs two people: the member who approved an earlier step of the
 * chain cannot approve a later one (403 TASK_SECOND_APPROVER_REQUIRED).
 */
async function refuseSameApprover(
  tx: Work,
  who: TaskActor,
  row: { order_id: string; step?: number | null; process_state?: string },
) {
  const earlier = await tx
    .selectFrom('process_tasks')
    .select('id')
    .where('order_id', '=', row.order_id)
    .where('party', '=', 'customer')
    .where('process_state', '=', row.process_state ?? '')
    .where('step', '<', row.step ?? 0)
    .where('state', '=', 'completed')
    .where('outcome', '=', 'approve')
    .where('completed_by', '=', actorRef(who.actor))
    .executeTakeFirst();
  if (earlier)
    throw new AppError(
      'TASK_SECOND_APPROVER_REQUIRED',
      'you approved an earlier step: another approver signs this one',
      [],
      {
        role: 'approver',
        party: 'customer',
      },
    );
}
