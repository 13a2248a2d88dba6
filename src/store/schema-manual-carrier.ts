import type { Generated } from 'kysely';
import type { Json } from './schema.js';

/** Own-fleet (manual carrier) shipments: the carrier's side of a shipment, kept by Ordo itself.
 * `request` is the carrier ShipmentRequest, `events` its TrackingEvents (oldest first). */
export interface ManualCarrierShipmentsTable {
  tenant_id: string;
  carrier_shipment_id: string;
  tracking_number: string;
  reference: string;
  request: Json<Record<string, unknown>>;
  events: Json<Array<Record<string, unknown>>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

declare module './schema.js' {
  interface DB {
    manual_carrier_shipments: ManualCarrierShipmentsTable;
  }
}
