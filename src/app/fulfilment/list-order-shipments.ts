import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-fulfilment.js';
import { loadShipmentView } from './shipment-common.js';

/** An order's shipments, oldest first. */
export async function listOrderShipments(scope: TenantScope, orderId: string) {
  const rows = await scope.selectFrom('shipments').select('id').where('order_id', '=', orderId).orderBy('id').execute();
  return { items: await Promise.all(rows.map((r) => loadShipmentView(scope, r.id))) };
}
