import type {} from '../../store/schema-inventory.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { resolveLocation, resolveSku } from './common.js';

/** The ledger, newest first, by SKU, location or order: what explains the figures. */
export async function listMovements(s: TenantScope, q: { sku?: string | undefined; location?: string | undefined; orderId?: string | undefined; limit: number; cursor?: string | undefined }) {
  let query = s.selectFrom('stock_movements')
    .innerJoin('products', (j) => j.onRef('products.tenant_id', '=', 'stock_movements.tenant_id').onRef('products.id', '=', 'stock_movements.product_id'))
    .innerJoin('locations', (j) => j.onRef('locations.tenant_id', '=', 'stock_movements.tenant_id').onRef('locations.id', '=', 'stock_movements.location_id'))
    .selectAll('stock_movements').select(['products.sku', 'locations.code as location']);
  if (q.sku) query = query.where('stock_movements.product_id', '=', (await resolveSku(s, q.sku, 'querystring:sku')).id);
  if (q.location) query = query.where('stock_movements.location_id', '=', (await resolveLocation(s, q.location, 'querystring:location')).id);
  if (q.orderId) query = query.where('stock_movements.order_id', '=', q.orderId);
  if (q.cursor) query = query.where('stock_movements.id', '<', q.cursor);
  const rows = await query.orderBy('stock_movements.id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((m) => ({
      id: m.id, at: m.at.toISOString(), kind: m.kind, sku: m.sku, location: m.location, onHandDelta: m.on_hand_delta, reservedDelta: m.reserved_delta,
      quantity: m.quantity, orderId: m.order_id, orderLineId: m.order_line_id, reservationId: m.reservation_id, reference: m.reference, reason: m.reason,
      lot: m.lot, serials: m.serials, actor: { type: m.actor_type, id: m.actor_id },
    })),
    nextCursor: rows.length > q.limit ? page[page.length - 1]!.id : null,
  };
}
