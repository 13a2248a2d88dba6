import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-privacy.js';

/** The erasures recorded (newest first, at most 500): the answer to "was this request carried out". */
export async function listErasures(store: TenantScope, customerId?: string) {
  let query = store.selectFrom('privacy_erasures').selectAll().orderBy('at', 'desc').limit(500);
  if (customerId) query = query.where('customer_id', '=', customerId);
  const rows = await query.execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      customerId: r.customer_id,
      orders: r.order_ids.length,
      reason: r.reason,
      legalBasis: r.legal_basis,
      forced: r.forced,
      actor: r.actor,
      erased: r.erased,
      retained: r.retained,
      at: new Date(r.at).toISOString(),
    })),
  };
}
