import '../../store/schema-sourcing.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { requireParent } from '../require-parent.js';

/** Every routing attempt of an order, first to last, with the stored plan. */
export async function listOrderRoutes(scope: TenantScope, orderId: string) {
  await requireParent(scope, 'orders', orderId);
  const rows = await scope
    .selectFrom('order_routes')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('attempt')
    .execute();
  return {
    orderId,
    items: rows.map((r) => ({
      attempt: r.attempt,
      current: r.current,
      strategy: { key: r.strategy_key, version: r.strategy_version },
      status: r.status,
      outcome: r.outcome,
      reason: r.reason,
      locationIds: r.location_ids,
      excludedLocationIds: r.excluded_location_ids,
      plan: r.plan,
      createdAt: new Date(r.created_at).toISOString(),
    })),
  };
}
