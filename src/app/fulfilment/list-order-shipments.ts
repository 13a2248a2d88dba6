import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-fulfilment.js';
import { loadShipmentView } from './shipment-common.js';
import { requireParent } from '../require-parent.js';

/** An order's shipments, oldest first. */
export async function listOrderShipments(scope: TenantScope, orderId: string) {
  await requireParent(scope, 'orders', orderId);
  const rows = await scope.selectFrom('shipments').select('id').where('order_id', '=', orderId).orderBy('id').execute();
  return { items: await Promise.all(rows.map((r) => loadShipmentView(scope, r.id))) };
}
