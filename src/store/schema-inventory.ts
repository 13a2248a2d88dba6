import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from './schema.js';

/** Transaction ids (xid8) travel as decimal strings. */
export type Xid8 = ColumnType<string, string | undefined, string>;

export interface StockLevelsTable {
  tenant_id: string;
  product_id: string;
  location_id: string;
  on_hand: Generated<number>;
  reserved: Generated<number>;
  safety: Generated<number>;
  version: Generated<number>;
  change_xid: Generated<string>;
  updated_at: Generated<Date>;
  /** Buckets the row's free quantity is lent to (0 = none; migration 0032, app/inventory/buckets.ts). */
  buckets: Generated<number>;
}

export type MovementKind =
  'receipt' | 'adjustment' | 'reservation' | 'release' | 'pick' | 'shipment' | 'return' | 'write_off' | 'count';

export interface StockMovementsTable {
  tenant_id: string;
  id: string;
  product_id: string;
  location_id: string;
  kind: MovementKind;
  on_hand_delta: number;
  reserved_delta: number;
  quantity: number;
  order_id: string | null;
  order_line_id: string | null;
  reservation_id: string | null;
  reference: string | null;
  reason: string | null;
  lot: string | null;
  serials: string[] | null;
  actor_type: string;
  actor_id: string | null;
  at: Timestamp;
}

export type ReservationStatus = 'active' | 'released' | 'consumed' | 'expired';

export interface StockReservationsTable {
  tenant_id: string;
  id: string;
  product_id: string;
  location_id: string;
  order_id: string | null;
  order_line_id: string | null;
  reference: string | null;
  quantity: number;
  original_quantity: number;
  status: ReservationStatus;
  expires_at: Timestamp | null;
  created_at: Timestamp;
  closed_at: Timestamp | null;
  /** The stock bucket holding the units (null: the stock row itself). */
  bucket: Generated<number | null>;
}

export interface StockBackordersTable {
  tenant_id: string;
  id: string;
  order_id: string;
  order_line_id: string;
  product_id: string;
  quantity: number;
  status: 'open' | 'filled' | 'cancelled';
  promised_on: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type SupplyKind = 'purchase_order' | 'transfer' | 'production';

export interface InboundSupplyTable {
  tenant_id: string;
  id: string;
  kind: SupplyKind;
  reference: string;
  product_id: string;
  location_id: string;
  quantity: number;
  received: Generated<number>;
  expected_on: string;
  status: Generated<'open' | 'closed' | 'cancelled'>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StockLotsTable {
  tenant_id: string;
  product_id: string;
  location_id: string;
  lot: string;
  expires_on: string | null;
  on_hand: number;
}

export interface StockSerialsTable {
  tenant_id: string;
  product_id: string;
  serial: string;
  location_id: string;
  status: 'in_stock' | 'picked' | 'shipped';
  order_id: string | null;
  updated_at: Timestamp;
}

export interface StockSyncsTable {
  tenant_id: string;
  sync_id: string;
  request_hash: string;
  result: ColumnType<unknown, string | null, string | null>;
  created_at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    stock_levels: StockLevelsTable;
    stock_movements: StockMovementsTable;
    stock_reservations: StockReservationsTable;
    stock_backorders: StockBackordersTable;
    inbound_supply: InboundSupplyTable;
    stock_lots: StockLotsTable;
    stock_serials: StockSerialsTable;
    stock_syncs: StockSyncsTable;
  }
}
