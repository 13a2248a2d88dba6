import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { writeHistory } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { taskView } from './order-process-view.js';
import { lockOpenTask } from './task-common.js';
import { authorizeTaskAct, type TaskActor } from './task-roles.js';
import { checkAssignee } from '../identity/list-assignable-users.js';

/** Hands a task to a person (assignee) or to another role; who had it is kept as delegatedFrom. */
export async function delegateTask(
  scope: TenantScope,
  who: TaskActor,
  now: Date,
  id: string,
  to: { assignee?: string | undefined; role?: string | undefined; comment?: string | undefined },
  expectedVersion: number | null = null,
) {
  if (!to.assignee && !to.role)
    throw new AppError('VALIDATION_FAILED', 'give an assignee or a role', [
      { path: '/assignee', message: 'assignee or role is required' },
    ]);
  return atomically(scope, async (tx) => {
    const actor = who.actor;
    const row = await lockOpenTask(tx, id, expectedVersion);
    await authorizeTaskAct(tx, who, now, row, 'delegate', to.comment);
    // a task handed to someone who could not act on it would only sit there (as bulk assign)
    if (to.assignee) await checkAssignee(tx, to.assignee, { role: to.role ?? row.role, party: row.party }, 'this task');
    const from = row.assignee ?? `role:${row.role}`;
    const updated = await tx
      .updateTable('process_tasks')
      .set({
        role: to.role ?? row.role,
        assignee: to.assignee ?? null,
        state: to.assignee ? 'claimed' : 'open',
        delegated_from: from,
        updated_at: now,
        version: sql`version + 1`,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeHistory(tx, actor, now, [
      {
        orderId: row.order_id,
        action: 'task.delegated',
        changes: { taskId: id, from, to: to.assignee ?? `role:${to.role}` },
        reason: to.comment ? { comment: to.comment } : {},
      },
    ]);
    return taskView(updated, now);
  });
}
