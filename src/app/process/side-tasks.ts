import { newId } from '../../shared/ids.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import '../../store/schema-process.js';

/**
 * A side task: work for people about an order that its process does not wait for (a cash-on-
 * delivery remittance that differs, a payment to check). It sits in the same inbox as process
 * tasks; completing it records the outcome and comment, and feeds nothing to the process (the
 * order may have finished long ago). Its engine id starts with `side:`; one per key and order.
 */
export const SIDE_TASK_PREFIX = 'side:';

export async function openSideTask(
  tx: Work,
  actor: Actor,
  now: Date,
  task: {
    orderId: string;
    key: string;
    kind: 'resolve' | 'review';
    role: string;
    title: string;
    options: string[];
    dueAt?: Date;
  },
): Promise<string | null> {
  const id = newId();
  const order = await tx.selectFrom('orders').select('state').where('id', '=', task.orderId).executeTakeFirstOrThrow();
  const inserted = await tx
    .insertInto('process_tasks', {
      id,
      order_id: task.orderId,
      engine_task_id: `${SIDE_TASK_PREFIX}${task.key}`,
      kind: task.kind,
      role: task.role,
      party: 'seller',
      title: task.title,
      options: task.options,
      step: null,
      state: 'open',
      assignee: null,
      due_at: task.dueAt ?? null,
      escalate_to: null,
      outcome: null,
      comment: null,
      completed_by: null,
      completed_at: null,
      delegated_from: null,
      // where the order was when the task opened (the process does not wait for it)
      process_state: order.state,
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'order_id', 'engine_task_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return null;
  await emitEvent(tx, {
    type: 'task.opened',
    subject: id,
    time: now,
    payload: { taskId: id, kind: task.kind, orderId: task.orderId, dueAt: task.dueAt?.toISOString() ?? null },
  });
  await writeHistory(tx, actor, now, [
    {
      orderId: task.orderId,
      action: 'task.opened',
      changes: { taskId: id, kind: task.kind, role: task.role, title: task.title },
      reason: { note: 'a side task: the process does not wait for it' },
    },
  ]);
  return id;
}
