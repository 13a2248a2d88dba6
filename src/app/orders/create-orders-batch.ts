import { AppError, ERROR_CODES } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { findUnstorable, unstorableError } from '../../shared/storable.js';
import { orderInput } from './schemas.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import { createOrder } from './create-order.js';
import type { OrderProcesses } from '../process/order-processes.js';

export const BATCH_MAX = 1000;

function problemOf(error: unknown) {
  if (error instanceof AppError)
    return {
      status: error.status,
      problem: {
        code: error.code,
        title: ERROR_CODES[error.code].title,
        detail: error.message,
        errors: error.errors,
        ...error.data,
      },
    };
  throw error;
}

/**
 * Accepts many orders, each on its own: a bad or duplicate order is reported with its index and
 * problem and does not stop the others. Infrastructure failures still throw (nothing is
 * reported as accepted that was not committed).
 */
export async function createOrdersBatch(
  processes: OrderProcesses,
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  raw: unknown[],
) {
  const items: Array<{ index: number; status: number; id?: string; number?: string; problem?: unknown }> = [];
  for (const [index, candidate] of raw.entries()) {
    // the API's parser leaves the items to us: what cannot be stored, or nests too deep, is this item's 400
    const unstorable = findUnstorable(candidate);
    if (unstorable) {
      items.push({ index, ...problemOf(unstorableError(unstorable)) });
      continue;
    }
    const parsed = orderInput.safeParse(candidate);
    if (!parsed.success) {
      items.push({
        index,
        status: 400,
        problem: {
          code: 'VALIDATION_FAILED',
          title: ERROR_CODES.VALIDATION_FAILED.title,
          errors: parsed.error.issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message, code: i.code })),
        },
      });
      continue;
    }
    try {
      const order = await createOrder(processes, scope, actor, clock, parsed.data);
      items.push({ index, status: 201, id: order.id, number: order.number });
    } catch (error) {
      items.push({ index, ...problemOf(error) });
    }
  }
  const accepted = items.filter((i) => i.status === 201).length;
  return { accepted, refused: items.length - accepted, items };
}
