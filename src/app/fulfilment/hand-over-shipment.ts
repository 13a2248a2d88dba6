import { AppError } from '../../shared/errors.js';
import type { OrderProcessPort } from '../process/port.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { assertMove, fulfilmentLines, moveFulfilment } from './common.js';
import { consumeFulfilment } from './consume-fulfilment.js';
import { afterShipped } from './order-progress.js';
import { loadShipmentView } from './shipment-common.js';

/**
 * The parcels leave with the carrier: every fulfilment order of the shipment becomes `shipped`,
 * the order's reservations at those locations are consumed (serials and lots captured at the
 * pick), `shipment.shipped` goes out, and the order's process hears `shipped` (see afterShipped).
 * Only a shipment the carrier accepted can be handed over; doing it twice is 409.
 */
export async function handOverShipment(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  shipmentId: string,
) {
  const head = await tx.selectFrom('shipments').select('order_id').where('id', '=', shipmentId).executeTakeFirst();
  if (!head) throw new AppError('NOT_FOUND', `shipment ${shipmentId} not found`);
  await tx.selectFrom('orders').select('id').where('id', '=', head.order_id).forUpdate().executeTakeFirstOrThrow();
  const sh = await tx
    .selectFrom('shipments')
    .selectAll()
    .where('id', '=', shipmentId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (sh.status === 'cancelled') throw new AppError('SHIPMENT_CANCELLED', `shipment ${shipmentId} is cancelled`);
  if (sh.status === 'pending' || sh.status === 'failed' || !sh.carrier_shipment_id) {
    throw new AppError(
      'SHIPMENT_STATE_CONFLICT',
      `shipment ${shipmentId} is ${sh.status}: the carrier has not accepted it, so it cannot be handed over (retry it first)`,
      [],
      { shipmentStatus: sh.status },
    );
  }
  if (sh.handed_over_at)
    throw new AppError('SHIPMENT_STATE_CONFLICT', `shipment ${shipmentId} was already handed over`, [], {
      shipmentStatus: sh.status,
    });
  const fos = await tx
    .selectFrom('fulfilment_orders')
    .selectAll()
    .where('shipment_id', '=', shipmentId)
    .orderBy('id')
    .forUpdate()
    .execute();
  const lines = await fulfilmentLines(
    tx,
    fos.map((f) => f.id),
  );
  for (const fo of fos) {
    assertMove(fo, 'shipped');
    const consumed = await consumeFulfilment(tx, actor, now, fo, lines, `shipment ${shipmentId}`);
    await moveFulfilment(tx, actor, now, fo, 'shipped', { changes: { shipmentId, consumed: consumed.shipped } });
  }
  await tx
    .updateTable('shipments')
    .set((eb) => ({ handed_over_at: now, version: eb('version', '+', 1), updated_at: now }))
    .where('id', '=', shipmentId)
    .execute();
  await emitEvent(tx, {
    type: 'shipment.shipped',
    subject: sh.order_id,
    time: now,
    payload: {
      orderId: sh.order_id,
      shipmentId,
      carrier: sh.carrier,
      trackingNumber: sh.tracking_number,
      fulfilmentOrderIds: fos.map((f) => f.id),
    },
  });
  const fed = await afterShipped(processes, tx, actor, now, sh.order_id, shipmentId);
  return {
    ...(await loadShipmentView(tx, shipmentId)),
    processEvent: fed.accepted ? { name: 'shipped', accepted: true } : null,
  };
}
