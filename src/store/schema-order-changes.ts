import type { ColumnType } from 'kysely';
import type { Json, Timestamp } from './schema.js';

export type OrderChangeStatus = 'draft' | 'confirmed' | 'discarded';

export interface OrderChangesTable {
  tenant_id: string;
  id: string;
  order_id: string;
  /** 1..n per order, in the order the changes were previewed. */
  version: number;
  status: OrderChangeStatus;
  /** The order's version the preview was computed from: confirming needs it unchanged. */
  base_version: number;
  actions: Json<unknown[]>;
  preview: Json<Record<string, unknown>>;
  reason: string | null;
  requested_by: Json<Record<string, unknown>>;
  created_at: Timestamp;
  confirmed_at: Timestamp | null;
  confirmed_by: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  discarded_at: Timestamp | null;
}

declare module './schema.js' {
  interface DB {
    order_changes: OrderChangesTable;
  }
}
