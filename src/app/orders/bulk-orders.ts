import { AppError, ERROR_CODES } from '../../shared/errors.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { OrderProcesses } from '../process/order-processes.js';
import type { EventCaller } from '../process/event-gate.js';
import { claimTask } from '../process/claim-task.js';
import { completeTask } from '../process/complete-task.js';
import { delegateTask } from '../process/delegate-task.js';
import { lockOpenTask } from '../process/task-common.js';
import { heldBusinessRoles, type TaskActor } from '../process/task-roles.js';
import { activeUser, assigneeRoleRequired } from '../identity/list-assignable-users.js';
import { checkPrintable, type PrintKind } from '../fulfilment/print-documents.js';
import { stateWordsOf } from '../process/process-words.js';
import type { Labels } from '../../process/index.js';
import '../../store/schema-process.js';

/**
 * Bulk actions on orders (issue 18 item 5): one request, each order on its own — its own unit of
 * work (a savepoint when the caller gives the request one, for Idempotency-Key), its own version
 * check, its own outcome. An expected refusal (no open task, a transition the process does not
 * allow, a stale version, nothing to print) is that order's problem and the others go on; a bug or
 * a lost database still throws, so nothing is reported as done that did not commit.
 */
export const BULK_MAX = 500;
export const BULK_ACTIONS = ['approve', 'assign', 'cancel', 'print'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export type BulkRequest =
  | { action: 'approve'; comment?: string | undefined }
  | { action: 'assign'; assignee?: string | undefined }
  | { action: 'cancel'; reason: string }
  | { action: 'print'; document: PrintKind };

export interface BulkTarget {
  id: string;
  /** If-Match for this order: the version the caller saw (null: no check). */
  version?: number | null | undefined;
}

export interface BulkItemProblem {
  status: number;
  code: string;
  title: string;
  detail: string;
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

export interface BulkItem {
  id: string;
  number: string | null;
  ok: boolean;
  /** The state the order reached (or is in, for assign and print). */
  state?: string;
  /** That state's name in words from the process definitions (null: none labels it). */
  stateLabels?: Labels | null;
  version?: number;
  /** print: where the document is fetched (GET, PDF). */
  document?: string;
  problem?: BulkItemProblem;
}

export interface BulkCaller extends TaskActor {
  permissions: ReadonlySet<string>;
}

function problemOf(error: unknown): BulkItemProblem {
  if (!(error instanceof AppError)) throw error;
  return {
    status: error.status,
    code: error.code,
    title: ERROR_CODES[error.code].title,
    detail: error.message,
    ...(error.errors.length ? { errors: error.errors } : {}),
    ...error.data,
  };
}

/** The order's version under its row lock: If-Match for one order of the batch. */
async function checkVersion(work: Work, orderId: string, number: string, expected: number | null | undefined) {
  const row = await work
    .selectFrom('orders')
    .select('version')
    .where('id', '=', orderId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  if (expected !== null && expected !== undefined && row.version !== expected)
    throw new AppError('VERSION_MISMATCH', `order ${number} is at version ${row.version}, not ${expected}`, [], {
      currentVersion: row.version,
    });
}

/** The order's oldest open (or claimed) task that fits: one with an approve option, or any. */
async function openTask(work: Work, orderId: string, number: string, approving: boolean) {
  const tasks = await work
    .selectFrom('process_tasks')
    .select(['id', 'kind', 'options', 'state', 'role', 'party'])
    .where('order_id', '=', orderId)
    .where('state', 'in', ['open', 'claimed'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const task = approving
    ? tasks.find((t) => t.options.includes('approve') || (t.kind === 'approval' && t.options.length === 0))
    : (tasks.find((t) => t.state === 'open') ?? tasks[0]);
  if (!task)
    throw new AppError(
      'NO_OPEN_TASK',
      approving ? `order ${number} has no open task to approve` : `order ${number} has no open task to assign`,
    );
  return task;
}

interface Assignee {
  id: string;
  name: string;
  admin: boolean;
  held: ReadonlySet<string>;
}

/** The person the tasks go to: an active user of this tenant, else the whole request is refused. */
async function assigneeOf(scope: TenantScope, id: string): Promise<Assignee> {
  const user = await activeUser(scope, id);
  if (!user)
    throw new AppError('VALIDATION_FAILED', 'the assignee is not an active user of this tenant', [
      { path: '/assignee', message: 'not an active user' },
    ]);
  const held = await heldBusinessRoles(scope, { roles: user.roles, businessRoles: user.business_roles });
  return { id: user.id, name: user.name, admin: user.roles.includes('admin'), held };
}

export async function bulkOrders(
  processes: OrderProcesses,
  scope: TenantScope,
  caller: BulkCaller,
  now: Date,
  request: BulkRequest,
  targets: readonly BulkTarget[],
): Promise<{ action: BulkAction; succeeded: number; failed: number; items: BulkItem[] }> {
  const known = await scope
    .selectFrom('orders')
    .select(['id', 'number', 'display_number'])
    .where(
      'id',
      'in',
      targets.map((target) => target.id),
    )
    .execute();
  const numbers = new Map(known.map((row) => [row.id, row.display_number ?? row.number]));
  const assignee = request.action === 'assign' && request.assignee ? await assigneeOf(scope, request.assignee) : null;
  const items: BulkItem[] = [];
  for (const target of targets) {
    const number = numbers.get(target.id) ?? null;
    try {
      if (number === null) throw new AppError('NOT_FOUND', `order ${target.id} not found`);
      const done = await atomically(scope, (work) =>
        one(processes, work, caller, now, request, target, number, assignee),
      );
      items.push({ id: target.id, number, ok: true, ...done });
    } catch (error) {
      items.push({ id: target.id, number, ok: false, problem: problemOf(error) });
    }
  }
  const reached = [...new Set(items.flatMap((item) => (item.state ? [item.state] : [])))];
  const words = await stateWordsOf(scope, reached);
  for (const item of items) if (item.state) item.stateLabels = words[item.state] ?? null;
  const succeeded = items.filter((item) => item.ok).length;
  return { action: request.action, succeeded, failed: items.length - succeeded, items };
}

async function one(
  processes: OrderProcesses,
  work: Work,
  caller: BulkCaller,
  now: Date,
  request: BulkRequest,
  target: BulkTarget,
  number: string,
  assignee: Assignee | null,
): Promise<{ state: string; version: number; document?: string }> {
  const current = async () =>
    work.selectFrom('orders').select(['state', 'version']).where('id', '=', target.id).executeTakeFirstOrThrow();
  switch (request.action) {
    case 'approve': {
      const task = await openTask(work, target.id, number, true);
      // the task's lock, then the order's: the order the single task route takes them in
      await lockOpenTask(work, task.id);
      await checkVersion(work, target.id, number, target.version);
      const completed = await completeTask(processes.ops, work, caller, now, task.id, {
        outcome: 'approve',
        ...(request.comment ? { comment: request.comment } : {}),
      });
      return { state: completed.order.state, version: completed.order.version };
    }
    case 'assign': {
      const task = await openTask(work, target.id, number, false);
      await lockOpenTask(work, task.id);
      await checkVersion(work, target.id, number, target.version);
      if (assignee) {
        // a task handed to someone who could not act on it would only sit there
        if (task.party === 'customer' || !(assignee.admin || assignee.held.has(task.role)))
          throw await assigneeRoleRequired(work, assignee, task, `order ${number}'s task`);
        await delegateTask(work, caller, now, task.id, { assignee: assignee.id });
      } else await claimTask(work, caller, now, task.id);
      return current();
    }
    case 'cancel': {
      const gate: EventCaller = { actor: caller.actor, permissions: caller.permissions, reason: request.reason };
      const applied = await processes.apply(
        work,
        caller.actor,
        now,
        target.id,
        {
          name: 'cancel',
          actor: { id: caller.actor.id ?? caller.actor.type, roles: caller.roles },
          reason: request.reason,
        },
        { expectedVersion: target.version ?? null, caller: gate },
      );
      if (!applied) throw new AppError('NOT_FOUND', `order ${number} has no process to cancel`);
      return { state: applied.state, version: applied.version };
    }
    case 'print': {
      await checkPrintable(work, { orderId: target.id, kind: request.document, locale: 'en' });
      const order = await current();
      if (target.version !== null && target.version !== undefined && order.version !== target.version)
        throw new AppError(
          'VERSION_MISMATCH',
          `order ${number} is at version ${order.version}, not ${target.version}`,
          [],
          {
            currentVersion: order.version,
          },
        );
      return { ...order, document: `/api/v1/orders/${target.id}/documents/${request.document}` };
    }
  }
}
