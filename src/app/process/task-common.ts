import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';

/** How a person or key is named on tasks (assignee, completed by). */
export const actorRef = (a: Actor) => a.id ?? a.name ?? a.type;

/** Locks a task row for a command; it must still be open (or claimed). */
export async function lockOpenTask(tx: TenantScope, id: string, expectedVersion: number | null = null) {
  const row = await tx.selectFrom('process_tasks').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `task ${id} not found`);
  if (row.state !== 'open' && row.state !== 'claimed')
    throw new AppError('TASK_NOT_OPEN', `task ${id} is ${row.state}`, [], { state: row.state });
  if (expectedVersion !== null && expectedVersion !== row.version)
    throw new AppError('VERSION_MISMATCH', `the task is at version ${row.version}, not ${expectedVersion}`, [], {
      currentVersion: row.version,
    });
  return row;
}
