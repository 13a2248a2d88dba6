import type { TenantScope } from '../../store/tenant-scope.js';
import type { Selectable } from 'kysely';
import type { ProcessTasksTable } from '../../store/schema-process.js';
import { taskView } from './order-process-view.js';
import { actorNameColumn, orderContextColumns, orderContextView, type ContextRow } from './order-context.js';
import { withTaskWords } from './process-words.js';
import '../../store/schema-process.js';
import { actingMember, heldBusinessRoles, type TaskActor } from './task-roles.js';
import { channelLocationCondition } from '../orders/kpi-filters.js';

export interface TaskQuery {
  role?: string | undefined;
  assignee?: string | undefined;
  state?: 'open' | 'claimed' | 'completed' | 'cancelled' | 'active' | undefined;
  party?: 'seller' | 'customer' | undefined;
  orderId?: string | undefined;
  /** Tasks of orders of this channel code. */
  channel?: string | undefined;
  /** Tasks of orders fulfilled from this location code (their first fulfilment order's). */
  location?: string | undefined;
  dueBefore?: string | undefined;
  overdue?: boolean | undefined;
  /** Only tasks the caller may act on: its business roles, or its company's customer-party tasks. */
  mine?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The task inbox: filters by role, assignee, state (default: open or claimed), channel, location, due date, overdue. */
export async function listTasks(scope: TenantScope, now: Date, taskQuery: TaskQuery, who?: TaskActor) {
  let sel = withContext(scope);
  const state = taskQuery.state ?? 'active';
  sel =
    state === 'active'
      ? sel.where('process_tasks.state', 'in', ['open', 'claimed'])
      : sel.where('process_tasks.state', '=', state);
  if (taskQuery.role) sel = sel.where('process_tasks.role', 'in', taskQuery.role.split(',').filter(Boolean));
  if (taskQuery.assignee) sel = sel.where('process_tasks.assignee', '=', taskQuery.assignee);
  if (taskQuery.party) sel = sel.where('process_tasks.party', '=', taskQuery.party);
  if (taskQuery.orderId) sel = sel.where('process_tasks.order_id', '=', taskQuery.orderId);
  if (taskQuery.channel || taskQuery.location) sel = sel.where(channelLocationCondition(scope.tenantId, taskQuery));
  if (taskQuery.dueBefore) sel = sel.where('process_tasks.due_at', '<', new Date(taskQuery.dueBefore));
  if (taskQuery.overdue)
    sel = sel.where('process_tasks.due_at', '<', now).where('process_tasks.state', 'in', ['open', 'claimed']);
  if (taskQuery.mine) {
    const held = who ? [...(await heldBusinessRoles(scope, who))] : [];
    const member = await actingMember(scope, who?.memberId);
    sel = sel.where((eb) =>
      eb.or([
        held.length
          ? eb.and([eb('process_tasks.party', '=', 'seller'), eb('process_tasks.role', 'in', held)])
          : eb.val(false),
        member && member.roles.size
          ? eb.and([
              eb('process_tasks.party', '=', 'customer'),
              eb('process_tasks.role', 'in', [...member.roles]),
              eb('orders.company_id', '=', member.companyId),
            ])
          : eb.val(false),
      ]),
    );
  }
  if (taskQuery.cursor) sel = sel.where('process_tasks.id', '>', taskQuery.cursor);
  const rows = await sel
    .orderBy('process_tasks.id')
    .limit(taskQuery.limit + 1)
    .execute();
  const page = rows.slice(0, taskQuery.limit);
  return {
    items: await withTaskWords(
      scope,
      page.map((t) => taskRowView(t as TaskRow, now)),
    ),
    nextCursor: rows.length > taskQuery.limit ? page[page.length - 1]!.id : null,
  };
}

export async function getTask(scope: TenantScope, now: Date, id: string) {
  const row = await withContext(scope).where('process_tasks.id', '=', id).executeTakeFirst();
  if (!row) return null;
  return (await withTaskWords(scope, [taskRowView(row as TaskRow, now)]))[0]!;
}

/** Tasks joined with their order and channel, and the names of who holds and who completed them. */
function withContext(scope: TenantScope) {
  return scope
    .selectFrom('process_tasks')
    .innerJoin('orders', (j) =>
      j.onRef('orders.tenant_id', '=', 'process_tasks.tenant_id').onRef('orders.id', '=', 'process_tasks.order_id'),
    )
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('process_tasks')
    .select(orderContextColumns())
    .select([
      actorNameColumn('process_tasks.assignee', 'assignee_name'),
      actorNameColumn('process_tasks.completed_by', 'completed_by_name'),
    ]);
}

type TaskRow = Selectable<ProcessTasksTable> &
  ContextRow & { assignee_name: string | null; completed_by_name: string | null };

function taskRowView(row: TaskRow, now: Date) {
  return {
    ...taskView(row, now),
    assigneeName: row.assignee_name,
    completedByName: row.completed_by_name,
    ...orderContextView(row, now),
  };
}
