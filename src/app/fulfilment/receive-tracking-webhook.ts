import { sql } from 'kysely';
import type { OrderProcessPort } from '../process/port.js';
import { AppError } from '../../shared/errors.js';
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
export async function receiveTrackingWebhook(processes: OrderProcessPort, db: Db, carriers: CarrierRegistry | undefined, clock: Clock, carrier: string, input: WebhookInput) {
  const adapter = carriers?.get(carrier);
  if (!adapter) throw new AppError('UNKNOWN_CARRIER', `carrier ${carrier} is not configured`, [{ path: 'path:carrier', message: 'unknown carrier' }]);
  if (!adapter.parseWebhook) throw new AppError('CARRIER_UNSUPPORTED', `${carrier} sends no tracking webhooks`);
  const parsed = adapter.parseWebhook(input);
  if (!parsed.ok) throw new AppError('VALIDATION_FAILED', parsed.error.message, [{ path: '/', message: parsed.error.message }]);

  const groups = new Map<string, { tenantId: string; events: TrackingEvent[] }>();
  let unknownShipments = 0;
  for (const e of parsed.value) {
    const keys = [e.carrierShipmentId, e.trackingNumber].filter((x): x is string => Boolean(x));
    const isUuid = e.reference && /^[0-9a-f-]{36}$/i.test(e.reference);
    if (keys.length === 0 && !isUuid) { unknownShipments++; continue; }
    const row = await db.selectFrom('shipments').select(['tenant_id', 'id']).where('carrier', '=', carrier)
      .where((eb) => eb.or([
        ...(keys.length ? [eb('carrier_shipment_id', 'in', keys), eb('tracking_number', 'in', keys)] : []),
        ...(isUuid ? [eb('id', '=', sql<string>`${e.reference}::uuid`)] : []),
      ])).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    if (!row) { unknownShipments++; continue; }
    const g = groups.get(row.id) ?? { tenantId: row.tenant_id, events: [] };
    g.events.push(e);
    groups.set(row.id, g);
  }
  const totals = { received: parsed.value.length, applied: 0, duplicates: 0, unknownStatuses: 0, unknownShipments };
  for (const [shipmentId, g] of groups) {
    const s = scope(db, g.tenantId);
    const r = await transaction(s, (tx) => applyTrackingEvents(processes, tx, carrierActor(carrier), clock.now(), shipmentId, g.events, 'webhook'));
    totals.applied += g.events.length - r.duplicates;
    totals.duplicates += r.duplicates;
    totals.unknownStatuses += r.unknownStatuses;
  }
  return totals;
}
