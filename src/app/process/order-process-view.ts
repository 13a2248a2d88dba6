import type { Selectable } from 'kysely';
import { allowedEvents } from '../../process/index.js';
import type { ActionRegistry, CompiledDefinition, ProcessSnapshot } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { ProcessTasksTable } from '../../store/schema-process.js';
import { loadCompiled } from './definition-store.js';
import { compiledTaskWords, eventDetails, stateWords } from './process-words.js';
import '../../store/schema-process.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function taskView(value: Selectable<ProcessTasksTable>, now?: Date) {
  return {
    id: value.id,
    orderId: value.order_id,
    engineTaskId: value.engine_task_id,
    kind: value.kind,
    role: value.role,
    party: value.party,
    title: value.title,
    options: value.kind === 'approval' && value.options.length === 0 ? ['approve', 'reject'] : value.options,
    step: value.step,
    state: value.state,
    assignee: value.assignee,
    dueAt: iso(value.due_at),
    overdue: Boolean(
      value.due_at &&
      (value.state === 'open' || value.state === 'claimed') &&
      new Date(value.due_at).getTime() < (now ?? new Date()).getTime(),
    ),
    escalateTo: value.escalate_to,
    outcome: value.outcome,
    comment: value.comment,
    completedBy: value.completed_by,
    completedAt: iso(value.completed_at),
    delegatedFrom: value.delegated_from,
    processState: value.process_state,
    version: value.version,
    createdAt: iso(value.created_at)!,
    updatedAt: iso(value.updated_at)!,
  };
}
export type TaskView = ReturnType<typeof taskView>;

type Fallback = {
  state: string;
  process_key: string | null;
  process_version: number | null;
  /** The order's attributes: flags the process raised are risks of destructive events. */
  attributes?: Record<string, unknown>;
};

/** The view of an order that runs no process. */
export function noProcessView(fallback: Fallback) {
  return {
    process: {
      key: fallback.process_key,
      version: fallback.process_version,
      state: fallback.state,
      status: null,
      exception: null,
    },
    stateLabels: null as ReturnType<typeof stateWords>,
    allowedEvents: [] as string[],
    allowedEventDetails: [] as ReturnType<typeof eventDetails>,
    openTasks: [] as TaskView[],
  };
}

/** What the order view shows of the process: where it is, what it accepts next, who must act. */
export async function orderProcessView(
  actions: ActionRegistry,
  scope: TenantScope,
  orderId: string,
  fallback: Fallback,
) {
  const proc = await scope.selectFrom('order_processes').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!proc) return noProcessView(fallback);
  const def = await loadCompiled(actions, scope, proc.definition_key, proc.definition_version);
  const exception = proc.exception_kind ? { kind: proc.exception_kind, resolutions: proc.exception_resolutions } : null;
  return processViewOf(
    scope,
    orderId,
    def,
    proc.snapshot as unknown as ProcessSnapshot,
    exception,
    fallback.attributes,
  );
}

/**
 * The same view from a snapshot the caller holds (intake, just after starting the process); the
 * task rows are read only when the snapshot has open tasks.
 */
export async function processViewOf(
  scope: TenantScope,
  orderId: string,
  def: CompiledDefinition,
  snapshot: ProcessSnapshot,
  exception: { kind: string; resolutions: string[] } | null,
  attributes?: Record<string, unknown>,
) {
  const tasks =
    snapshot.tasks.length === 0
      ? []
      : await scope
          .selectFrom('process_tasks')
          .selectAll()
          .where('order_id', '=', orderId)
          .where('state', 'in', ['open', 'claimed'])
          .orderBy('created_at')
          .orderBy('id')
          .execute();
  const names = allowedEvents(def, snapshot);
  return {
    process: {
      key: def.key,
      version: def.version,
      state: snapshot.state,
      status: snapshot.status as string,
      exception,
    },
    stateLabels: stateWords(def, snapshot.state),
    allowedEvents: names,
    allowedEventDetails: eventDetails(def, snapshot.state, names, attributes),
    openTasks: tasks.map((t) => ({ ...taskView(t), ...compiledTaskWords(def, t.process_state, t.role) })),
  };
}
