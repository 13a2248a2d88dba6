import { isDeepStrictEqual } from 'node:util';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { getOrder, loadOrderRow } from './get-order.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { emitEvent } from '../events/emit-event.js';
import { orderUpdatedPayload } from '../../domain/events/order-payloads.js';

export interface OrderPatch {
  shippingAddress?: Record<string, unknown> | undefined;
  billingAddress?: Record<string, unknown> | undefined;
  attributes?: Record<string, unknown> | undefined;
  notes?: string | null | undefined;
}

const TERMINAL = new Set(['cancelled', 'completed', 'rejected', 'closed']);

/**
 * Edits what may change after placement (addresses, attributes, notes) with optimistic
 * concurrency: the caller's If-Match version must still be current. The history row records
 * each field's old and new value.
 */
export async function updateOrder(
  processes: OrderProcesses,
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  id: string,
  patch: OrderPatch,
  ifMatch: number | null,
) {
  return atomically(scope, async (tx) => {
    const row = await loadOrderRow(tx, id, true);
    if (ifMatch !== null && ifMatch !== row.version) {
      throw new AppError('VERSION_MISMATCH', `order is at version ${row.version}, not ${ifMatch}`, [], {
        currentVersion: row.version,
      });
    }
    if (TERMINAL.has(row.state)) throw new AppError('CONFLICT', `order is ${row.state} and can no longer be edited`);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const set: Record<string, unknown> = {};
    const consider = (field: keyof OrderPatch, column: string, current: unknown, json: boolean) => {
      const next = patch[field];
      if (next === undefined || isDeepStrictEqual(next, current)) return;
      changes[field] = { from: current, to: next };
      set[column] = json ? JSON.stringify(next) : next;
    };
    const userAttrs = Object.fromEntries(Object.entries(row.attributes).filter(([k]) => k !== 'delivery'));
    consider('shippingAddress', 'shipping_address', row.shipping_address, true);
    consider('billingAddress', 'billing_address', row.billing_address, true);
    if (patch.attributes !== undefined) {
      const merged = { ...userAttrs, ...patch.attributes };
      if (!isDeepStrictEqual(merged, userAttrs)) {
        changes.attributes = { from: userAttrs, to: merged };
        set.attributes = JSON.stringify({ ...row.attributes, ...patch.attributes });
      }
    }
    consider('notes', 'notes', row.notes, false);
    if (Object.keys(changes).length === 0) return getOrder(processes.actions, tx, id);
    const now = clock.now();
    await tx
      .updateTable('orders')
      .set({ ...set, version: row.version + 1, updated_at: now })
      .where('id', '=', id)
      .execute();
    await writeHistory(tx, actor, now, [
      { orderId: id, action: 'order.edited', changes, reason: { command: 'PATCH /orders/{id}' } },
    ]);
    // outbox (issue 8): subscribers learn of the edit only if it commits
    await emitEvent(tx, {
      type: 'order.updated',
      subject: id,
      time: now,
      payload: orderUpdatedPayload(id, row.number, row.version + 1, changes),
    });
    return getOrder(processes.actions, tx, id);
  });
}
