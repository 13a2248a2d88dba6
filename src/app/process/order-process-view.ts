import type { Selectable } from 'kysely';
import { allowedEvents } from '../../process/index.js';
import type { ActionRegistry, CompiledDefinition, ProcessSnapshot } from '../../process/index.js';
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


type Fallback = { state: string; process_key: string | null; process_version: number | null };

/** The view of an order that runs no process. */
export function noProcessView(fallback: Fallback) {
  return { process: { key: fallback.process_key, version: fallback.process_version, state: fallback.state, status: null, exception: null }, allowedEvents: [] as string[], openTasks: [] as TaskView[] };
}

/** What the order view shows of the process: where it is, what it accepts next, who must act. */
export async function orderProcessView(actions: ActionRegistry, s: TenantScope, orderId: string, fallback: Fallback) {
  const proc = await s.selectFrom('order_processes').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!proc) return noProcessView(fallback);
  const def = await loadCompiled(actions, s, proc.definition_key, proc.definition_version);
  const exception = proc.exception_kind ? { kind: proc.exception_kind, resolutions: proc.exception_resolutions } : null;
  return processViewOf(s, orderId, def, proc.snapshot as unknown as ProcessSnapshot, exception);
}

/**
 * The same view from a snapshot the caller holds (intake, just after starting the process); the
 * task rows are read only when the snapshot has open tasks.
 */
export async function processViewOf(
  s: TenantScope, orderId: string, def: CompiledDefinition, snapshot: ProcessSnapshot, exception: { kind: string; resolutions: string[] } | null,
) {
  const tasks = snapshot.tasks.length === 0 ? []
    : await s.selectFrom('process_tasks').selectAll().where('order_id', '=', orderId).where('state', 'in', ['open', 'claimed']).orderBy('created_at').orderBy('id').execute();
  return {
    process: { key: def.key, version: def.version, state: snapshot.state, status: snapshot.status as string, exception },
    allowedEvents: allowedEvents(def, snapshot),
    openTasks: tasks.map((t) => taskView(t)),
  };
}
