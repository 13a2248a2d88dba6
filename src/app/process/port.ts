import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';

/**
 * How a capability tells an order's process what happened (shipped, short_pick, delivered, …).
 * Injected by the composition root, so fulfilment and the others never import the engine.
 */
export interface OrderProcessPort {
  /**
   * Feeds a fact to the order's process inside the caller's transaction. A fact is true whatever
   * the process expects: an event the current state does not accept is recorded, not thrown.
   */
  feed(
    tx: Work,
    actor: Actor,
    now: Date,
    orderId: string,
    name: string,
    data?: Record<string, unknown>,
  ): Promise<{ accepted: boolean; state?: string }>;
}
