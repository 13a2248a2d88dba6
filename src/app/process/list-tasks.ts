import type { TenantScope } from '../../store/tenant-scope.js';
import { taskView } from './order-process-view.js';
import { withTaskWords } from './process-words.js';
import '../../store/schema-process.js';
import { actingMember, heldBusinessRoles, type TaskActor } from './task-roles.js';

export interface TaskQuery {
  role?: string | undefined;
  assignee?: string | undefined;
  state?: 'open' | 'claimed' | 'completed' | 'cancelled' | 'active' | undefined;
  party?: 'seller' | 'customer' | undefined;
  orderId?: string | undefined;
  dueBefore?: string | undefined;
  overdue?: boolean | undefined;
  /** Only tasks the caller may act on: its business roles, or its company's customer-party tasks. */
  mine?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The task inbox: filters by role, assignee, state (default: open or claimed), due date, overdue. */
export async function listTasks(scope: TenantScope, now: Date, taskQuery: TaskQuery, who?: TaskActor) {
  let sel = scope.selectFrom('process_tasks').selectAll();
  const state = taskQuery.state ?? 'active';
  sel = state === 'active' ? sel.where('state', 'in', ['open', 'claimed']) : sel.where('state', '=', state);
  if (taskQuery.role) sel = sel.where('role', 'in', taskQuery.role.split(',').filter(Boolean));
  if (taskQuery.assignee) sel = sel.where('assignee', '=', taskQuery.assignee);
  if (taskQuery.party) sel = sel.where('party', '=', taskQuery.party);
  if (taskQuery.orderId) sel = sel.where('order_id', '=', taskQuery.orderId);
  if (taskQuery.dueBefore) sel = sel.where('due_at', '<', new Date(taskQuery.dueBefore));
  if (taskQuery.overdue) sel = sel.where('due_at', '<', now).where('state', 'in', ['open', 'claimed']);
  if (taskQuery.mine) {
    const held = who ? [...(await heldBusinessRoles(scope, who))] : [];
    const member = await actingMember(scope, who?.memberId);
    sel = sel.where((eb) =>
      eb.or([
        held.length ? eb.and([eb('party', '=', 'seller'), eb('role', 'in', held)]) : eb.val(false),
        member && member.roles.size
          ? eb.and([
              eb('party', '=', 'customer'),
              eb('role', 'in', [...member.roles]),
              eb(
                'order_id',
                'in',
                eb.selectFrom('orders').select('orders.id').where('orders.company_id', '=', member.companyId),
              ),
            ])
          : eb.val(false),
      ]),
    );
  }
  if (taskQuery.cursor) sel = sel.where('id', '>', taskQuery.cursor);
  const rows = await sel
    .orderBy('id')
    .limit(taskQuery.limit + 1)
    .execute();
  const page = rows.slice(0, taskQuery.limit);
  return {
    items: await withTaskWords(
      scope,
      page.map((t) => taskView(t, now)),
    ),
    nextCursor: rows.length > taskQuery.limit ? page[page.length - 1]!.id : null,
  };
}

export async function getTask(scope: TenantScope, now: Date, id: string) {
  const row = await scope.selectFrom('process_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  return (await withTaskWords(scope, [taskView(row, now)]))[0]!;
}
