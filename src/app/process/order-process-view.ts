import type { Selectable } from 'kysely';
import { allowedEvents } from '../../process/index.js';
import type { ProcessSnapshot } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { ProcessTasksTable } from '../../store/schema-process.js';
import { loadCompiled } from './definition-store.js';
import '../../store/schema-process.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function taskView(t: Selectable<ProcessTasksTable>, now?: Date) {
  return {
    id: t.id, orderId: t.order_id, engineTaskId: t.engine_task_id, kind: t.kind, role: t.role, party: t.party, title: t.title,
    options: t.kind === 'approval' && t.options.length === 0 ? ['approve', 'reject'] : t.options,
    step: t.step, state: t.state, assignee: t.assignee, dueAt: iso(t.due_at),
    overdue: Boolean(t.due_at && (t.state === 'open' || t.state === 'claimed') && new Date(t.due_at).getTime() < (now ?? new Date()).getTime()),
    escalateTo: t.escalate_to, outcome: t.outcome, comment: t.comment, completedBy: t.completed_by, completedAt: iso(t.completed_at),
    delegatedFrom: t.delegated_from, processState: t.process_state, version: t.version, createdAt: iso(t.created_at)!, updatedAt: iso(t.updated_at)!,
  };
}
export type TaskView = ReturnType<typeof taskView>;

/** What the order view shows of the process: where it is, what it accepts next, who must act. */
export async function orderProcessView(s: TenantScope, orderId: string, fallback: { state: string; process_key: string | null; process_version: number | null }) {
  const proc = await s.selectFrom('order_processes').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!proc) {
    return { process: { key: fallback.process_key, version: fallback.process_version, state: fallback.state, status: null, exception: null }, allowedEvents: [] as string[], openTasks: [] as TaskView[] };
  }
  const def = await loadCompiled(s, proc.definition_key, proc.definition_version);
  const tasks = await s.selectFrom('process_tasks').selectAll().where('order_id', '=', orderId).where('state', 'in', ['open', 'claimed']).orderBy('created_at').orderBy('id').execute();
  return {
    process: {
      key: proc.definition_key, version: proc.definition_version, state: proc.state, status: proc.status,
      exception: proc.exception_kind ? { kind: proc.exception_kind, resolutions: proc.exception_resolutions } : null,
    },
    allowedEvents: allowedEvents(def, proc.snapshot as unknown as ProcessSnapshot),
    openTasks: tasks.map((t) => taskView(t)),
  };
}
