import { AppError, ERROR_CODES, type ErrorCode, type FieldError } from '../../shared/errors.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import '../../store/schema-returns.js';

/** States a return can no longer take units, grades or money in. */
export const CLOSED_STATES = ['rejected', 'cancelled', 'refused', 'closed', 'completed'];

/** The return (locked) with its order's state and currency; 404 when it is not one. */
export async function lockReturn(
  tx: Work,
  returnId: string,
  missing: () => AppError = () => new AppError('NOT_FOUND', `return ${returnId} not found`),
) {
  const row = await tx
    .selectFrom('returns')
    .innerJoin('orders', (j) =>
      j.onRef('orders.tenant_id', '=', 'returns.tenant_id').onRef('orders.id', '=', 'returns.id'),
    )
    .selectAll('returns')
    .select(['orders.state', 'orders.number', 'orders.currency', 'orders.customer_id', 'orders.version'])
    .where('returns.id', '=', returnId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw missing();
  return row;
}

export type LockedReturn = Awaited<ReturnType<typeof lockReturn>>;

export function assertOpen(ret: LockedReturn, doing: string): void {
  if (CLOSED_STATES.includes(ret.state) || ret.closed_at)
    throw new AppError('RETURN_STATE_CONFLICT', `return ${ret.number} is ${ret.state}: it cannot ${doing}`);
}

export async function returnLines(scope: TenantScope, returnId: string) {
  return scope.selectFrom('return_lines').selectAll().where('return_id', '=', returnId).orderBy('id').execute();
}

export async function locationByCode(scope: TenantScope, code: string, path: string) {
  const loc = await scope
    .selectFrom('locations')
    .select(['id', 'code', 'active'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!loc || !loc.active)
    throw new AppError('UNKNOWN_LOCATION', `location ${code} does not exist or is inactive`, [
      { path, message: 'unknown location', code: 'UNKNOWN_LOCATION' },
    ]);
  return loc;
}

/** A problem for each field at fault, under the first field's code when it is a catalogue code (each error keeps its own). */
export function refuse(message: string, errors: FieldError[]): never {
  const first = errors[0]?.code;
  const code: ErrorCode = first && Object.hasOwn(ERROR_CODES, first) ? (first as ErrorCode) : 'VALIDATION_FAILED';
  throw new AppError(code, message, errors);
}
