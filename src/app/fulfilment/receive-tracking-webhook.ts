import { sql } from 'kysely';
import type { OrderProcessPort } from '../process/port.js';
import { AppError } from '../../shared/errors.js';
import { parseJsonChecked } from '../../shared/storable.js';
import type { Clock } from '../../shared/clock.js';
import type { CarrierRegistry, TrackingEvent, WebhookInput } from '../../integrations/carriers/index.js';
import type { Db } from '../../store/db.js';
import type { Actor } from '../../store/history.js';
import { scope, transaction } from '../../store/tenant-scope.js';
import { applyTrackingEvents } from './apply-tracking.js';
import '../../store/schema-fulfilment.js';

/** The carrier itself, as the actor of the changes its webhooks cause. */
export const carrierActor = (carrier: string): Actor => ({ type: 'system', id: `carrier:${carrier}`, name: carrier });

/**
 * An inbound tracking webhook. The carrier knows no tenant, so the shipment is found by the
 * carrier's shipment id, tracking number or our reference (the shipment id) across tenants —
 * the only cross-tenant read — and every write after it goes through that tenant's scope, one
 * transaction per shipment. Events for shipments Ordo does not know are counted, not errors
 * (carriers retry errors forever); a body the adapter cannot read is 400.
 */
export async function receiveTrackingWebhook(
  processes: OrderProcessPort,
  db: Db,
  carriers: CarrierRegistry | undefined,
  clock: Clock,
  carrier: string,
  input: WebhookInput,
) {
  const adapter = carriers?.get(carrier);
  if (!adapter)
    throw new AppError('UNKNOWN_CARRIER', `carrier ${carrier} is not configured`, [
      { path: 'path:carrier', message: 'unknown carrier' },
    ]);
  if (!adapter.parseWebhook) throw new AppError('CARRIER_UNSUPPORTED', `${carrier} sends no tracking webhooks`);
  // what the adapter reads ends up in the database: refused here when it cannot be stored (a body
  // that is not JSON at all is the adapter's to judge)
  parseJsonChecked(input.body.toString('utf8'));
  const parsed = adapter.parseWebhook(input);
  if (!parsed.ok)
    throw new AppError('VALIDATION_FAILED', parsed.error.message, [{ path: '/', message: parsed.error.message }]);

  const groups = new Map<string, { tenantId: string; events: TrackingEvent[] }>();
  let unknownShipments = 0;
  for (const trackingEvent of parsed.value) {
    const keys = [trackingEvent.carrierShipmentId, trackingEvent.trackingNumber].filter((x): x is string => Boolean(x));
    const isUuid = trackingEvent.reference && /^[0-9a-f-]{36}$/i.test(trackingEvent.reference);
    if (keys.length === 0 && !isUuid) {
      unknownShipments++;
      continue;
    }
    const row = await db
      .selectFrom('shipments')
      .select(['tenant_id', 'id'])
      .where('carrier', '=', carrier)
      .where((eb) =>
        eb.or([
          ...(keys.length ? [eb('carrier_shipment_id', 'in', keys), eb('tracking_number', 'in', keys)] : []),
          ...(isUuid ? [eb('id', '=', sql<string>`${trackingEvent.reference}::uuid`)] : []),
        ]),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!row) {
      unknownShipments++;
      continue;
    }
    const group = groups.get(row.id) ?? { tenantId: row.tenant_id, events: [] };
    group.events.push(trackingEvent);
    groups.set(row.id, group);
  }
  const totals = { received: parsed.value.length, applied: 0, duplicates: 0, unknownStatuses: 0, unknownShipments };
  for (const [shipmentId, value] of groups) {
    const store = scope(db, value.tenantId);
    const trackingOutcome = await transaction(store, (tx) =>
      applyTrackingEvents(processes, tx, carrierActor(carrier), clock.now(), shipmentId, value.events, 'webhook'),
    );
    totals.applied += value.events.length - trackingOutcome.duplicates;
    totals.duplicates += trackingOutcome.duplicates;
    totals.unknownStatuses += trackingOutcome.unknownStatuses;
  }
  return totals;
}
