import { AppError } from '../../shared/errors.js';
import type { OrderProcessPort } from '../process/port.js';
import type { CarrierRegistry } from '../../integrations/carriers/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import {
  assertMove,
  fulfilmentLines,
  loadFulfilmentView,
  lockFulfilment,
  moveFulfilment,
  type FulfilmentRow,
} from './common.js';
import { releaseShortfall } from './release-shortfall.js';
import { cancelShipmentHere } from './cancel-shipment.js';
import { adapterFor, refOf, type ShipmentRow } from './shipment-common.js';
import { canMove, type FulfilmentState } from '../../domain/fulfilment/states.js';
import '../../store/schema-fulfilment.js';

/** States in which the goods have left the location with the carrier. */
const LEFT: readonly FulfilmentState[] = ['shipped', 'delivered'];
const GONE: FulfilmentState[] = ['rejected', 'cancelled'];

/** What happened to the shipment's booking at the carrier when it was cancelled here. */
type CarrierBooking = 'voided' | 'not_booked' | 'to_void';

const booked = (sh: ShipmentRow | undefined): sh is ShipmentRow =>
  Boolean(sh && sh.status !== 'cancelled' && !sh.handed_over_at && sh.carrier_shipment_id);

async function shipmentOf(tx: TenantScope, fo: FulfilmentRow, lock: boolean): Promise<ShipmentRow | undefined> {
  if (!fo.shipment_id) return undefined;
  const query = tx.selectFrom('shipments').selectAll().where('id', '=', fo.shipment_id);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * 412 on a stale If-Match, 409 SHIPMENT_ALREADY_HANDED_OVER once the parcel has left, 409
 * FULFILMENT_TRANSITION_NOT_ALLOWED from any other state the state machine does not cancel.
 */
function assertCancellable(fo: FulfilmentRow, sh: ShipmentRow | undefined, expectedVersion?: number | null): void {
  if (expectedVersion != null && expectedVersion !== fo.version) {
    throw new AppError(
      'VERSION_MISMATCH',
      `the fulfilment order is at version ${fo.version}, not ${expectedVersion}`,
      [],
      { currentVersion: fo.version },
    );
  }
  if (LEFT.includes(fo.state) || sh?.handed_over_at) {
    const by = sh
      ? ` with ${sh.carrier}${sh.tracking_number ? ` (tracking ${sh.tracking_number})` : ''}${sh.handed_over_at ? ` on ${new Date(sh.handed_over_at).toISOString()}` : ''}`
      : '';
    throw new AppError(
      'SHIPMENT_ALREADY_HANDED_OVER',
      `fulfilment order ${fo.id} cannot be cancelled: the parcel has left${by}; stop it at the carrier or take it back as a return`,
      [],
      {
        state: fo.state,
        shipmentId: sh?.id ?? null,
        carrier: sh?.carrier ?? null,
        trackingNumber: sh?.tracking_number ?? null,
      },
    );
  }
  assertMove(fo, 'cancelled');
}

/**
 * The cancellation itself, on a locked, cancellable fulfilment order, in the caller's transaction:
 * the shipment not handed over is cancelled here as POST /shipments/{id}/cancel does (other
 * fulfilment orders consolidated into it go back to packed without a shipment), the reservations
 * the location holds for these lines are given back, and the move to `cancelled` writes the
 * history row (with the reason) and `fulfilment.cancelled` for the location's WMS.
 */
async function cancelLocked(
  tx: Work,
  actor: Actor,
  now: Date,
  fo: FulfilmentRow,
  sh: ShipmentRow | undefined,
  reason: string,
  booking: CarrierBooking,
) {
  const lines = await fulfilmentLines(tx, [fo.id]);
  // After a pick the location holds the picked units only (the shortfall was released then).
  const held = lines.map((l) => ({ orderLineId: l.order_line_id, sku: l.sku, quantity: l.picked ?? l.quantity }));
  const released = await releaseShortfall(tx, actor, now, {
    orderId: fo.order_id,
    locationId: fo.location_id,
    reason: `fulfilment cancelled: ${reason}`,
    lines: held,
  });
  let shipment: Record<string, unknown> | null = null;
  if (sh && sh.status !== 'cancelled') {
    shipment = { shipmentId: sh.id, carrier: sh.carrier, carrierBooking: booking };
    await cancelShipmentHere(tx, actor, now, sh, {
      except: fo.id,
      changes: {
        carrierBooking: booking,
        ...(booking === 'to_void' ? { carrierShipmentId: sh.carrier_shipment_id } : {}),
      },
      payload: { carrierBooking: booking, carrierShipmentId: sh.carrier_shipment_id },
      note:
        booking === 'to_void'
          ? `fulfilment order cancelled; the booking ${sh.carrier_shipment_id} at ${sh.carrier} could not be voided from here: void it at the carrier`
          : 'fulfilment order cancelled',
    });
  }
  await moveFulfilment(tx, actor, now, fo, 'cancelled', {
    set: { reason, shipment_id: null },
    note: reason,
    changes: {
      released,
      lines: held.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      ...(shipment ? { shipment } : {}),
    },
    event: {
      type: 'fulfilment.cancelled',
      payload: {
        orderId: fo.order_id,
        fulfilmentId: fo.id,
        locationId: fo.location_id,
        reason,
        fromState: fo.state,
        shipmentId: sh?.id ?? null,
        lines: lines.map((l) => ({ sku: l.sku, quantity: l.picked ?? l.quantity, lineId: l.order_line_id })),
      },
    },
  });
  return { released, shipment };
}

/**
 * API step 1, before the transaction: the same checks (so a refused cancel calls no carrier), then
 * a shipment booked at the carrier and not handed over is voided there first — as
 * cancel-shipment.ts does, a carrier's refusal comes back as its error and nothing changes here.
 * Returns the id of the shipment voided at the carrier, for step 2.
 */
export async function voidShipmentForCancel(
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  id: string,
  expectedVersion?: number | null,
): Promise<string | null> {
  const fo = await scope.selectFrom('fulfilment_orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!fo) throw new AppError('NOT_FOUND', `fulfilment order ${id} not found`);
  if (fo.state === 'cancelled') return null;
  const sh = await shipmentOf(scope, fo, false);
  assertCancellable(fo, sh, expectedVersion);
  if (!booked(sh)) return null;
  const carrierResult = await adapterFor(carriers, sh.carrier).cancel(refOf(sh));
  if (!carrierResult.ok)
    throw new AppError(carrierResult.error.code, carrierResult.error.message, [], {
      carrierMessages: carrierResult.error.carrierMessages,
      retryable: carrierResult.error.retryable,
    });
  return sh.id;
}

/**
 * POST /fulfilment-orders/{id}/cancel, step 2, in one transaction: the fulfilment order becomes
 * `cancelled` (see cancelLocked) and the order's process hears `short_pick` with
 * `data.cancelled = true` — as after a rejection, "this location will not ship these units", so
 * the process decides (an exception for the order desk, a re-route, or the order's cancellation)
 * instead of waiting for a `shipped` that will not come. Cancelling a cancelled one returns it.
 */
export async function cancelFulfilment(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { reason: string; expectedVersion?: number | null; voidedShipmentId?: string | null },
) {
  const fo = await lockFulfilment(tx, id);
  if (fo.state === 'cancelled') return { ...(await loadFulfilmentView(tx, id)), processEvent: null };
  const sh = await shipmentOf(tx, fo, true);
  assertCancellable(fo, sh, input.expectedVersion);
  if (booked(sh) && sh.id !== input.voidedShipmentId) {
    // Booked between step 1 and now: the label would stay paid for at the carrier.
    throw new AppError(
      'SHIPMENT_STATE_CONFLICT',
      `shipment ${sh.id} was booked at ${sh.carrier} while the cancel was under way; send the cancel again`,
      [],
      { shipmentStatus: sh.status },
    );
  }
  await cancelLocked(
    tx,
    actor,
    now,
    fo,
    sh,
    input.reason,
    sh && sh.id === input.voidedShipmentId ? 'voided' : 'not_booked',
  );
  const fed = await processes.feed(tx, actor, now, fo.order_id, 'short_pick', {
    fulfilmentId: id,
    cancelled: true,
    reason: input.reason,
  });
  return { ...(await loadFulfilmentView(tx, id)), processEvent: { name: 'short_pick', accepted: fed.accepted } };
}

export interface OrderFulfilmentCancellation {
  cancelled: Array<{
    fulfilmentId: string;
    locationId: string;
    from: string;
    released: number;
    shipmentId: string | null;
  }>;
  /** Left as they are: shipped or delivered (the parcel has left), or collected. */
  notRecalled: Array<{ fulfilmentId: string; locationId: string; state: string; shipmentId: string | null }>;
  /** Shipments cancelled here whose booking at the carrier still has to be voided there. */
  toVoidAtCarrier: Array<{ shipmentId: string; carrier: string; carrierShipmentId: string | null }>;
}

/**
 * The process action `cancel_fulfilment`, in the order's transaction (the order is already on its
 * way to `cancelled`, so no event is fed back): every open fulfilment order is cancelled as the
 * API does. Carriers are not called from inside a transaction, so a shipment booked at the carrier
 * is cancelled here and reported in `toVoidAtCarrier` (and in its `shipment.cancelled` event).
 * Fulfilment orders the state machine cannot cancel any more get a history row saying so; they
 * never stop the order's cancellation.
 */
export async function cancelOrderFulfilment(
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  input: { reason: string },
): Promise<OrderFulfilmentCancellation> {
  const out: OrderFulfilmentCancellation = { cancelled: [], notRecalled: [], toVoidAtCarrier: [] };
  const ids = await tx
    .selectFrom('fulfilment_orders')
    .select('id')
    .where('order_id', '=', orderId)
    .where('state', 'not in', GONE)
    .orderBy('id')
    .execute();
  for (const { id } of ids) {
    // Read under lock each time: cancelling one may have detached another from a shared shipment.
    const fo = await lockFulfilment(tx, id);
    if (GONE.includes(fo.state)) continue;
    const sh = await shipmentOf(tx, fo, true);
    const left = LEFT.includes(fo.state) || Boolean(sh?.handed_over_at);
    if (left || !canMove(fo.state, 'cancelled', fo.kind)) {
      out.notRecalled.push({
        fulfilmentId: fo.id,
        locationId: fo.location_id,
        state: fo.state,
        shipmentId: sh?.id ?? null,
      });
      const note = left
        ? `already ${fo.state === 'delivered' ? 'delivered' : 'shipped'}${sh ? ` with ${sh.carrier}${sh.tracking_number ? ` (tracking ${sh.tracking_number})` : ''}` : ''}: the parcel could not be recalled; the order's cancellation proceeds`
        : fo.state === 'collected'
          ? "already collected by the customer: nothing to recall; the order's cancellation proceeds"
          : `in state ${fo.state} it cannot be cancelled (the fulfilment state machine has no such move); the order's cancellation proceeds`;
      await writeHistory(tx, actor, now, [
        {
          orderId,
          action: 'fulfilment.not_recalled',
          changes: {
            fulfilmentId: fo.id,
            locationId: fo.location_id,
            state: fo.state,
            ...(sh ? { shipmentId: sh.id, carrier: sh.carrier, trackingNumber: sh.tracking_number } : {}),
          },
          reason: { note, reason: input.reason },
        },
      ]);
      continue;
    }
    const booking: CarrierBooking = booked(sh) ? 'to_void' : 'not_booked';
    const locked = await cancelLocked(tx, actor, now, fo, sh, input.reason, booking);
    if (booking === 'to_void')
      out.toVoidAtCarrier.push({
        shipmentId: sh!.id,
        carrier: sh!.carrier,
        carrierShipmentId: sh!.carrier_shipment_id,
      });
    out.cancelled.push({
      fulfilmentId: fo.id,
      locationId: fo.location_id,
      from: fo.state,
      released: locked.released,
      shipmentId: sh?.id ?? null,
    });
  }
  return out;
}
