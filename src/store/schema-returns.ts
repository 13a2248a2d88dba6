import type { Generated } from 'kysely';
import type { Int8, Json, Timestamp } from './schema.js';

export type ReturnSource = 'api' | 'console' | 'self_service' | 'channel';
export type ReturnWish = 'refund' | 'exchange' | 'store_credit';
export type ReturnGrade = 'resell' | 'refurbish' | 'write_off';

/** How the parcel comes back: a carrier's return label, or dropped at a store or pickup point. */
export interface DropOff {
  kind?: 'label' | 'store' | 'point';
  carrier?: string;
  locationCode?: string;
  point?: string;
}

/** What the customer wants instead (an exchange): SKUs and quantities; `advance` ships before the return arrives. */
export interface ExchangeRequest {
  lines: Array<{ sku: string; quantity: number }>;
  advance: boolean;
}

export interface ReturnsTable {
  tenant_id: string;
  id: string;
  order_id: string;
  source: ReturnSource;
  wish: ReturnWish;
  reason_code: string;
  note: string | null;
  photos: Json<string[]>;
  drop_off: Json<DropOff>;
  exchange: Json<ExchangeRequest> | null;
  exchange_order_id: string | null;
  receiving_location_id: string | null;
  label: Json<Record<string, unknown>> | null;
  refunded: Generated<string>;
  store_credit: Generated<string>;
  credit_note_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface ReturnLinesTable {
  tenant_id: string;
  id: string;
  return_id: string;
  order_line_id: string;
  product_id: string;
  sku: string;
  quantity: number;
  received: Generated<number>;
  resell: Generated<number>;
  refurbish: Generated<number>;
  write_off: Generated<number>;
  value: Int8;
  reason_code: string | null;
}

export interface ReturnReceiptsTable {
  tenant_id: string;
  id: string;
  return_id: string | null;
  return_line_id: string | null;
  location_id: string;
  product_id: string | null;
  sku: string;
  quantity: number;
  unexpected: boolean;
  status: 'matched' | 'queued' | 'resolved';
  resolution: string | null;
  note: string | null;
  actor: Json<Record<string, unknown>>;
  received_at: Timestamp;
}

export interface ReturnInspectionsTable {
  tenant_id: string;
  id: string;
  return_id: string;
  return_line_id: string;
  grade: ReturnGrade;
  quantity: number;
  serial: string | null;
  note: string | null;
  location_id: string;
  stocked: Generated<boolean>;
  actor: Json<Record<string, unknown>>;
  inspected_at: Timestamp;
}

export interface StoreCreditEntriesTable {
  tenant_id: string;
  id: string;
  customer_id: string;
  currency: string;
  amount: Int8;
  return_id: string | null;
  order_id: string | null;
  note: string | null;
  at: Timestamp;
}

export interface ReturnReasonsTable {
  tenant_id: string;
  code: string;
  labels: Json<Record<string, string>>;
  needs_photo: Generated<boolean>;
  active: Generated<boolean>;
  updated_at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    returns: ReturnsTable;
    return_lines: ReturnLinesTable;
    return_receipts: ReturnReceiptsTable;
    return_inspections: ReturnInspectionsTable;
    store_credit_entries: StoreCreditEntriesTable;
    return_reasons: ReturnReasonsTable;
  }
}
