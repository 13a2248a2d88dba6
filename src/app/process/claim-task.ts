import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { writeHistory } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { taskView } from './order-process-view.js';
import { actorRef, lockOpenTask } from './task-common.js';
import { authorizeTaskAct, type TaskActor } from './task-roles.js';

/** Takes an open task: it is the caller's until completed, delegated or released. */
export async function claimTask(
  scope: TenantScope,
  who: TaskActor,
  now: Date,
  id: string,
  expectedVersion: number | null = null,
) {
  return atomically(scope, async (tx) => {
    const actor = who.actor;
    const row = await lockOpenTask(tx, id, expectedVersion);
    await authorizeTaskAct(tx, who, now, row, 'claim');
    const me = actorRef(actor);
    if (row.state === 'claimed' && row.assignee !== me)
      throw new AppError('TASK_NOT_OPEN', `task ${id} is claimed by ${row.assignee}`, [], { assignee: row.assignee });
    const updated = await tx
      .updateTable('process_tasks')
      .set({ state: 'claimed', assignee: me, updated_at: now, version: sql`version + 1` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeHistory(tx, actor, now, [
      { orderId: row.order_id, action: 'task.claimed', changes: { taskId: id, assignee: me } },
    ]);
    return taskView(updated, now);
  });
}
