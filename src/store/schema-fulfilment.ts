import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from './schema.js';
import type { FulfilmentState } from '../domain/fulfilment/states.js';

export interface FulfilmentOrdersTable {
  tenant_id: string;
  id: string;
  order_id: string;
  location_id: string;
  kind: string;
  state: FulfilmentState;
  allow_partial: boolean;
  short_picked: Generated<boolean>;
  shipment_id: string | null;
  reason: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface FulfilmentLinesTable {
  tenant_id: string;
  id: string;
  fulfilment_id: string;
  order_id: string;
  order_line_id: string;
  product_id: string;
  sku: string;
  name: string;
  quantity: number;
  picked: number | null;
  serials: string[] | null;
  lots: string[] | null;
  wrong_item: Generated<number>;
  picked_at: Timestamp | null;
}

export interface FulfilmentPackagesTable {
  tenant_id: string;
  id: string;
  fulfilment_id: string;
  weight_g: number;
  length_mm: number;
  width_mm: number;
  height_mm: number;
  reference: string | null;
  created_at: Timestamp;
}

export interface ShipmentsTable {
  tenant_id: string;
  id: string;
  order_id: string;
  carrier: string;
  service: string | null;
  status: string;
  carrier_shipment_id: string | null;
  tracking_number: string | null;
  carrier_status: string | null;
  status_at: Timestamp | null;
  error: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  attempts: Generated<number>;
  handed_over_at: Timestamp | null;
  delivered_at: Timestamp | null;
  last_polled_at: Timestamp | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ShipmentEventsTable {
  tenant_id: string;
  id: string;
  shipment_id: string;
  event_key: string;
  carrier_status: string;
  status: string;
  known: boolean;
  occurred_at: Timestamp;
  description: string | null;
  location: string | null;
  source: string;
  received_at: Timestamp;
}

export interface OrderTrackingTokensTable {
  tenant_id: string;
  order_id: string;
  token: string;
  created_at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    fulfilment_orders: FulfilmentOrdersTable;
    fulfilment_lines: FulfilmentLinesTable;
    fulfilment_packages: FulfilmentPackagesTable;
    shipments: ShipmentsTable;
    shipment_events: ShipmentEventsTable;
    order_tracking_tokens: OrderTrackingTokensTable;
  }
}
