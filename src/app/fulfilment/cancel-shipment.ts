import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { CarrierRegistry } from '../../integrations/carriers/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { type TenantScope, type Work, transaction } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { adapterFor, loadShipmentView, refOf } from './shipment-common.js';

/**
 * Cancels a shipment that has not left yet: at the carrier first (its refusal comes back as the
 * carrier's error, nothing changes here), then here — the fulfilment orders go back to `packed`
 * without a shipment, ready for another. A shipment never accepted by the carrier is cancelled
 * locally. Cancelling twice returns the cancelled shipment.
 */
export async function cancelShipment(
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  actor: Actor,
  clock: Clock,
  shipmentId: string,
) {
  const sh = await scope.selectFrom('shipments').selectAll().where('id', '=', shipmentId).executeTakeFirst();
  if (!sh) throw new AppError('NOT_FOUND', `shipment ${shipmentId} not found`);
  if (sh.status === 'cancelled') return loadShipmentView(scope, shipmentId);
  if (sh.handed_over_at)
    throw new AppError(
      'SHIPMENT_STATE_CONFLICT',
      `shipment ${shipmentId} was handed over to the carrier; it can no longer be cancelled`,
      [],
      { shipmentStatus: sh.status },
    );
  if (sh.carrier_shipment_id) {
    const carrierResult = await adapterFor(carriers, sh.carrier).cancel(refOf(sh));
    if (!carrierResult.ok)
      throw new AppError(carrierResult.error.code, carrierResult.error.message, [], {
        carrierMessages: carrierResult.error.carrierMessages,
        retryable: carrierResult.error.retryable,
      });
  }
  return transaction(scope, async (tx) => {
    const now = clock.now();
    await tx.selectFrom('orders').select('id').where('id', '=', sh.order_id).forUpdate().execute();
    const cur = await tx
      .selectFrom('shipments')
      .select(['status', 'handed_over_at'])
      .where('id', '=', shipmentId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (cur.status !== 'cancelled') await cancelShipmentHere(tx, actor, now, sh);
    return loadShipmentView(tx, shipmentId);
  });
}

/**
 * The local part of a cancellation, in the caller's transaction (the carrier was dealt with
 * before): the shipment becomes `cancelled`, the fulfilment orders in it lose it (all but
 * `opts.except`, which the caller moves itself), and history and `shipment.cancelled` record it,
 * with the caller's extra changes, payload and note.
 */
export async function cancelShipmentHere(
  tx: Work,
  actor: Actor,
  now: Date,
  sh: { id: string; order_id: string; carrier: string },
  opts: { except?: string; changes?: Record<string, unknown>; payload?: Record<string, unknown>; note?: string } = {},
) {
  await tx
    .updateTable('shipments')
    .set((eb) => ({ status: 'cancelled', status_at: now, version: eb('version', '+', 1), updated_at: now }))
    .where('id', '=', sh.id)
    .execute();
  let detach = tx
    .updateTable('fulfilment_orders')
    .set((eb) => ({ shipment_id: null, version: eb('version', '+', 1), updated_at: now }))
    .where('shipment_id', '=', sh.id);
  if (opts.except) detach = detach.where('id', '!=', opts.except);
  const fos = await detach.returning('id').execute();
  await writeHistory(tx, actor, now, [
    {
      orderId: sh.order_id,
      action: 'shipment.cancelled',
      changes: {
        shipmentId: sh.id,
        carrier: sh.carrier,
        fulfilmentOrderIds: [...(opts.except ? [opts.except] : []), ...fos.map((f) => f.id)],
        ...opts.changes,
      },
      ...(opts.note ? { reason: { note: opts.note } } : {}),
    },
  ]);
  await emitEvent(tx, {
    type: 'shipment.cancelled',
    subject: sh.order_id,
    time: now,
    payload: { orderId: sh.order_id, shipmentId: sh.id, carrier: sh.carrier, ...opts.payload },
  });
}
