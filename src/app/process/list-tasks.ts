import type { TenantScope } from '../../store/tenant-scope.js';
import { taskView } from './order-process-view.js';
import '../../store/schema-process.js';

export interface TaskQuery {
  role?: string | undefined;
  assignee?: string | undefined;
  state?: 'open' | 'claimed' | 'completed' | 'cancelled' | 'active' | undefined;
  party?: 'seller' | 'customer' | undefined;
  orderId?: string | undefined;
  dueBefore?: string | undefined;
  overdue?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The task inbox: filters by role, assignee, state (default: open or claimed), due date, overdue. */
export async function listTasks(s: TenantScope, now: Date, q: TaskQuery) {
  let sel = s.selectFrom('process_tasks').selectAll();
  const state = q.state ?? 'active';
  sel = state === 'active' ? sel.where('state', 'in', ['open', 'claimed']) : sel.where('state', '=', state);
  if (q.role) sel = sel.where('role', 'in', q.role.split(',').filter(Boolean));
  if (q.assignee) sel = sel.where('assignee', '=', q.assignee);
  if (q.party) sel = sel.where('party', '=', q.party);
  if (q.orderId) sel = sel.where('order_id', '=', q.orderId);
  if (q.dueBefore) sel = sel.where('due_at', '<', new Date(q.dueBefore));
  if (q.overdue) sel = sel.where('due_at', '<', now).where('state', 'in', ['open', 'claimed']);
  if (q.cursor) sel = sel.where('id', '>', q.cursor);
  const rows = await sel.orderBy('id').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  return { items: page.map((t) => taskView(t, now)), nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null };
}

export async function getTask(s: TenantScope, now: Date, id: string) {
  const row = await s.selectFrom('process_tasks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  return taskView(row, now);
}
