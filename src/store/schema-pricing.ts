import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.js';

export type PriceListScope = 'base' | 'channel' | 'customer_group' | 'company';

export interface PriceListsTable {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  currency: string;
  prices_include_tax: Generated<boolean>;
  scope: PriceListScope;
  /** the channel code, customer segment or company code the list applies to (null for base) */
  scope_ref: string | null;
  priority: Generated<number>;
  valid_from: Timestamp | null;
  valid_to: Timestamp | null;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PriceListEntriesTable {
  tenant_id: string;
  price_list_id: string;
  id: string;
  sku: string;
  min_quantity: Generated<number>;
  unit_price: bigint | string;
  floor_price: bigint | string | null;
  tax_rate: string | null;
  valid_from: Timestamp | null;
  valid_to: Timestamp | null;
}

export interface PriceListChangesTable {
  tenant_id: string;
  price_list_id: string;
  version: number;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  reason: string;
  changes: Json<Record<string, unknown>>;
}

declare module './schema.js' {
  interface DB {
    price_lists: PriceListsTable;
    price_list_entries: PriceListEntriesTable;
    price_list_changes: PriceListChangesTable;
  }
}
