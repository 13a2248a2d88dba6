import { newId } from '../../shared/ids.js';
import type { OrderProcessPort } from '../process/port.js';
import type { TrackingEvent } from '../../integrations/carriers/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { moveFulfilment } from './common.js';
import { handOverShipment } from './hand-over-shipment.js';
import { afterArrived } from './order-progress.js';

/** Carrier statuses that prove the parcel left the location (an unconfirmed hand-over is implied). */
const LEFT = [
  'handed_over',
  'in_transit',
  'out_for_delivery',
  'ready_for_pickup',
  'delivered',
  'failed_delivery',
  'returning',
  'returned',
];

export interface TrackingOutcome {
  received: number;
  duplicates: number;
  unknownStatuses: number;
  changed: boolean;
  status: string;
}

/**
 * Applies carrier tracking events (webhook or poll) to one shipment, in the caller's transaction.
 * Each event is stored once (unique by the carrier's event id; a redelivered webhook or a poll
 * that sees it again changes nothing). Unknown carrier statuses are stored and flagged in the
 * order's history, never fatal and never a status change. The newest known event sets the status;
 * `delivered` moves the fulfilment orders and feeds `delivered` (or `collected` for orders
 * collected at a pickup point) to the process once the whole order is there; a failed delivery or
 * a return feeds `delivery_failed` (the process's exception).
 */
export async function applyTrackingEvents(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  shipmentId: string,
  events: TrackingEvent[],
  source: 'webhook' | 'poll',
): Promise<TrackingOutcome> {
  const head = await tx
    .selectFrom('shipments')
    .select('order_id')
    .where('id', '=', shipmentId)
    .executeTakeFirstOrThrow();
  const order = await tx
    .selectFrom('orders')
    .select(['id', 'delivery_method'])
    .where('id', '=', head.order_id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  let sh = await tx
    .selectFrom('shipments')
    .selectAll()
    .where('id', '=', shipmentId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const fresh: TrackingEvent[] = [];
  for (const event of events) {
    const row = await tx
      .insertInto('shipment_events', {
        id: newId(),
        shipment_id: shipmentId,
        event_key: event.eventId.slice(0, 500),
        carrier_status: event.carrierStatus,
        status: event.status,
        known: event.known,
        occurred_at: event.occurredAt,
        description: event.description ?? null,
        location: event.location ?? null,
        source,
        received_at: now,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'shipment_id', 'event_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row) fresh.push(event);
  }
  const tracking = fresh
    .map((e) => e.trackingNumber)
    .filter((x): x is string => Boolean(x))
    .pop();
  if (tracking && tracking !== sh.tracking_number) {
    // Some carriers (InPost) assign the tracking number after the create: their events bring it.
    sh = await tx
      .updateTable('shipments')
      .set({ tracking_number: tracking, updated_at: now })
      .where('id', '=', shipmentId)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  const unknown = fresh.filter((e) => !e.known);
  if (unknown.length) {
    await writeHistory(tx, actor, now, [
      {
        orderId: sh.order_id,
        action: 'shipment.unknown_status',
        changes: { shipmentId, carrier: sh.carrier, carrierStatuses: unknown.map((e) => e.carrierStatus) },
        reason: {
          note: 'the carrier reported a status Ordo does not know; the shipment keeps its status until a known one arrives',
        },
      },
    ]);
  }
  const latest = fresh
    .filter((e) => e.known)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
    .pop();
  const outcome = {
    received: events.length,
    duplicates: events.length - fresh.length,
    unknownStatuses: unknown.length,
    changed: false,
    status: sh.status,
  };
  // status_at holds the carrier's time of the status we show: an older event never moves it back.
  if (!latest || (sh.status_at && new Date(latest.occurredAt) < new Date(sh.status_at))) return outcome;
  if (latest.status === sh.status) {
    await tx
      .updateTable('shipments')
      .set({ carrier_status: latest.carrierStatus, status_at: latest.occurredAt, updated_at: now })
      .where('id', '=', shipmentId)
      .execute();
    return outcome;
  }

  const from = sh.status;
  const to = latest.status;
  if (LEFT.includes(to) && !sh.handed_over_at && sh.status !== 'cancelled') {
    // The carrier scanned the parcel: it left, whether or not the location confirmed the hand-over.
    await handOverShipment(processes, tx, actor, now, shipmentId);
  }
  sh = await tx
    .updateTable('shipments')
    .set((eb) => ({
      status: to,
      carrier_status: latest.carrierStatus,
      status_at: latest.occurredAt,
      ...(to === 'delivered' ? { delivered_at: latest.occurredAt } : {}),
      version: eb('version', '+', 1),
      updated_at: now,
    }))
    .where('id', '=', shipmentId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeHistory(tx, actor, now, [
    {
      orderId: sh.order_id,
      action: 'shipment.status',
      fromState: null,
      toState: null,
      changes: { shipmentId, status: { from, to }, carrierStatus: latest.carrierStatus, at: latest.occurredAt, source },
    },
  ]);
  await emitEvent(tx, {
    type: 'shipment.status_changed',
    subject: sh.order_id,
    time: now,
    payload: { orderId: sh.order_id, shipmentId, from, to, carrierStatus: latest.carrierStatus, at: latest.occurredAt },
  });

  const pickupOrder = order.delivery_method === 'pickup';
  if (to === 'delivered') {
    await emitEvent(tx, {
      type: 'shipment.delivered',
      subject: sh.order_id,
      time: now,
      payload: { orderId: sh.order_id, shipmentId, deliveredAt: latest.occurredAt },
    });
    const fos = await tx
      .selectFrom('fulfilment_orders')
      .selectAll()
      .where('shipment_id', '=', shipmentId)
      .where('state', '=', 'shipped')
      .forUpdate()
      .execute();
    for (const fo of fos) await moveFulfilment(tx, actor, now, fo, 'delivered', { changes: { shipmentId } });
    await afterArrived(processes, tx, actor, now, sh.order_id, pickupOrder ? 'collected' : 'delivered', { shipmentId });
  } else if (to === 'failed_delivery' || to === 'returned' || to === 'returning') {
    await emitEvent(tx, {
      type: 'shipment.delivery_failed',
      subject: sh.order_id,
      time: now,
      payload: { orderId: sh.order_id, shipmentId, carrierStatus: latest.carrierStatus, at: latest.occurredAt },
    });
    if (from !== 'failed_delivery' && from !== 'returning' && from !== 'returned') {
      await processes.feed(tx, actor, now, sh.order_id, 'delivery_failed', {
        shipmentId,
        carrierStatus: latest.carrierStatus,
      });
    }
  } else if (to === 'ready_for_pickup' && pickupOrder) {
    await processes.feed(tx, actor, now, sh.order_id, 'ready_for_pickup', { shipmentId });
  }
  return { ...outcome, changed: true, status: to };
}
