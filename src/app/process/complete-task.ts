import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { applyOrderEvent } from './apply-order-event.js';
import { taskView } from './order-process-view.js';
import type { Operations } from './operation.js';
import { actorRef, lockOpenTask } from './task-common.js';
import { authorizeTaskAct, type TaskActor } from './task-roles.js';
import { SIDE_TASK_PREFIX } from './side-tasks.js';
import { writeHistory } from '../../store/history.js';
import { emitEvent } from '../events/emit-event.js';
import type { Work } from '../../store/tenant-scope.js';
import { sql } from 'kysely';

/**
 * Completes a task with an outcome (approve, reject, or one of its options) and a comment: the
 * outcome is the event the order's process receives, with the task's id, so an approval chain
 * records the vote of this step. A task claimed by someone else cannot be completed.
 */
export async function completeTask(
  ops: Operations,
  scope: TenantScope,
  who: TaskActor,
  now: Date,
  id: string,
  input: { outcome: string; comment?: string | undefined; data?: Record<string, unknown> | undefined },
  expectedVersion: number | null = null,
) {
  return atomically(scope, async (tx) => {
    const { actor, roles } = who;
    const row = await lockOpenTask(tx, id, expectedVersion);
    const me = actorRef(actor);
    if (row.state === 'claimed' && row.assignee !== me)
      throw new AppError('TASK_NOT_OPEN', `task ${id} is claimed by ${row.assignee}`, [], { assignee: row.assignee });
    await authorizeTaskAct(tx, who, now, row, 'complete', input.comment);
    const options = row.kind === 'approval' && row.options.length === 0 ? ['approve', 'reject'] : row.options;
    if (options.length > 0 && !options.includes(input.outcome)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `outcome must be one of ${options.join(', ')}`,
        [{ path: '/outcome', message: `one of ${options.join(', ')}` }],
        { allowed: options },
      );
    }
    if (row.engine_task_id.startsWith(SIDE_TASK_PREFIX)) return completeSideTask(tx, actor, now, row, me, input);
    const applied = await applyOrderEvent(
      ops,
      tx,
      actor,
      now,
      row.order_id,
      {
        name: input.outcome,
        taskId: row.engine_task_id,
        actor: { id: me, roles },
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.data ? { data: input.data } : {}),
      },
      { action: 'task.outcome' },
    );
    const after = await tx.selectFrom('process_tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return {
      task: taskView(after, now),
      order: { id: row.order_id, state: applied!.state, version: applied!.version },
    };
  });
}

/** A side task's outcome is recorded, not fed to the process (it does not wait for it). */
async function completeSideTask(
  tx: Work,
  actor: Actor,
  now: Date,
  row: Awaited<ReturnType<typeof lockOpenTask>>,
  me: string,
  input: { outcome: string; comment?: string | undefined },
) {
  await tx
    .updateTable('process_tasks')
    .set({
      state: 'completed',
      outcome: input.outcome,
      comment: input.comment ?? null,
      completed_by: me,
      completed_at: now,
      updated_at: now,
      version: sql`version + 1`,
    })
    .where('id', '=', row.id)
    .execute();
  await emitEvent(tx, {
    type: 'task.completed',
    subject: row.id,
    time: now,
    payload: { taskId: row.id, kind: row.kind, outcome: input.outcome, orderId: row.order_id },
  });
  await writeHistory(tx, actor, now, [
    {
      orderId: row.order_id,
      action: 'task.completed',
      changes: { taskId: row.id, outcome: input.outcome, comment: input.comment ?? null },
      reason: { note: row.title ?? 'side task' },
    },
  ]);
  const order = await tx
    .selectFrom('orders')
    .select(['state', 'version'])
    .where('id', '=', row.order_id)
    .executeTakeFirstOrThrow();
  const after = await tx.selectFrom('process_tasks').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  return { task: taskView(after, now), order: { id: row.order_id, state: order.state, version: order.version } };
}
