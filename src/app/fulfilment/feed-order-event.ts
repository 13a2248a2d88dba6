import { isAppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { applyOrderEvent } from '../process/apply-order-event.js';

/**
 * Feeds a fulfilment fact (shipped, short_pick, delivered, …) to the order's process. The
 * location's or carrier's fact is true whatever the process expects, so an event the current
 * state does not accept (or an order without a process) is recorded in the history instead of
 * failing the caller; the savepoint keeps a refused event from leaving half its writes behind.
 */
export async function feedOrderEvent(tx: TenantScope, actor: Actor, now: Date, orderId: string, name: string, data: Record<string, unknown> = {}): Promise<{ accepted: boolean; state?: string }> {
  try {
    const r = await atomically(tx, (inner) => applyOrderEvent(inner, actor, now, orderId, { name, data }, { action: 'process.event' }));
    return { accepted: true, ...(r ? { state: r.state } : {}) };
  } catch (e) {
    if (!isAppError(e) || e.code !== 'TRANSITION_NOT_ALLOWED') throw e;
    await writeHistory(tx, actor, now, [{ orderId, action: 'fulfilment.event_not_accepted',
      changes: { event: name, data }, reason: { note: e.message, allowed: e.data.allowed ?? [] } }]);
    return { accepted: false };
  }
}
