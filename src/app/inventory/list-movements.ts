import type {} from '../../store/schema-inventory.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { resolveLocation, resolveSku } from './common.js';

/** The ledger, newest first, by SKU, location or order: what explains the figures. */
export async function listMovements(
  scope: TenantScope,
  filter: {
    sku?: string | undefined;
    location?: string | undefined;
    orderId?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  let query = scope
    .selectFrom('stock_movements')
    .innerJoin('products', (j) =>
      j
        .onRef('products.tenant_id', '=', 'stock_movements.tenant_id')
        .onRef('products.id', '=', 'stock_movements.product_id'),
    )
    .innerJoin('locations', (j) =>
      j
        .onRef('locations.tenant_id', '=', 'stock_movements.tenant_id')
        .onRef('locations.id', '=', 'stock_movements.location_id'),
    )
    .selectAll('stock_movements')
    .select(['products.sku', 'locations.code as location']);
  if (filter.sku)
    query = query.where('stock_movements.product_id', '=', (await resolveSku(scope, filter.sku, 'querystring:sku')).id);
  if (filter.location)
    query = query.where(
      'stock_movements.location_id',
      '=',
      (await resolveLocation(scope, filter.location, 'querystring:location')).id,
    );
  if (filter.orderId) query = query.where('stock_movements.order_id', '=', filter.orderId);
  if (filter.cursor) query = query.where('stock_movements.id', '<', filter.cursor);
  const rows = await query
    .orderBy('stock_movements.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  return {
    items: page.map((m) => ({
      id: m.id,
      at: m.at.toISOString(),
      kind: m.kind,
      sku: m.sku,
      location: m.location,
      onHandDelta: m.on_hand_delta,
      reservedDelta: m.reserved_delta,
      quantity: m.quantity,
      orderId: m.order_id,
      orderLineId: m.order_line_id,
      reservationId: m.reservation_id,
      reference: m.reference,
      reason: m.reason,
      lot: m.lot,
      serials: m.serials,
      actor: { type: m.actor_type, id: m.actor_id },
    })),
    nextCursor: rows.length > filter.limit ? page[page.length - 1]!.id : null,
  };
}
