import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/**
 * Table types. Each capability adds its tables to `DB` by module augmentation in its own
 * schema file (`declare module './schema.js' { interface DB { … } }`), so no one file grows
 * with every capability.
 */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** int8 columns (money in minor units, counters): strings out, bigint or string in. */
export type Int8 = ColumnType<string, bigint | string | number, bigint | string | number>;
export type Json<T extends object | null> = JSONColumnType<T, string, string>;

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  created_at: Generated<Date>;
}

export interface UsersTable {
  tenant_id: string;
  id: string;
  email: string;
  name: string;
  password_hash: string;
  roles: string[];
  locale: Generated<string>;
  /** 0037: the IANA zone the console shows this user's times in; null = the browser's */
  time_zone: ColumnType<string | null, string | null | undefined, string | null>;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ApiKeysTable {
  tenant_id: string;
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  roles: string[];
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface SessionsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

interface Versioned {
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ChannelsTable extends Versioned {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  kind: string;
  process_key: string | null;
  price_list: string | null;
  currency: string | null;
  active: Generated<boolean>;
  settings: Json<Record<string, unknown>>;
}

export interface ProductsTable extends Versioned {
  tenant_id: string;
  id: string;
  sku: string;
  name: string;
  unit: Generated<string>;
  weight_g: number | null;
  dimensions: Json<{ lengthMm: number; widthMm: number; heightMm: number } | null>;
  attributes: Json<Record<string, unknown>>;
  serial_tracked: Generated<boolean>;
  lot_tracked: Generated<boolean>;
  active: Generated<boolean>;
  /** 0016: the least quantity an order line may ask for, and the multiple it is sold in */
  min_order_quantity: number | null;
  order_multiple: number | null;
}

export interface CompaniesTable extends Versioned {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  tax_id: string | null;
  segment: string | null;
  terms: Json<Record<string, unknown>>;
  addresses: Json<unknown[]>;
  contacts: Json<unknown[]>;
}

export interface CustomersTable extends Versioned {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  email: string | null;
  phone: string | null;
  segment: string | null;
  company_id: string | null;
  locale: string | null;
  addresses: Json<unknown[]>;
  contacts: Json<unknown[]>;
  attributes: Json<Record<string, unknown>>;
}

export interface LocationsTable extends Versioned {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  kind: string;
  address: Json<Record<string, unknown>>;
  country: string | null;
  latitude: string | null;
  longitude: string | null;
  capabilities: string[];
  priority: Generated<number>;
  daily_capacity: number | null;
  timezone: string | null;
  active: Generated<boolean>;
}

export interface OrdersTable extends Versioned {
  tenant_id: string;
  id: string;
  number: string;
  channel_id: string;
  external_id: string | null;
  order_type: string;
  customer_id: string | null;
  customer_name: string | null;
  customer_email: string | null;
  company_id: string | null;
  currency: string;
  state: string;
  process_key: string | null;
  process_version: number | null;
  subtotal: Int8;
  discount_total: Int8;
  tax_total: Int8;
  shipping_total: Int8;
  grand_total: Int8;
  delivery_method: string;
  pickup_location_id: string | null;
  shipping_address: Json<Record<string, unknown> | null>;
  billing_address: Json<Record<string, unknown> | null>;
  payment_terms: Json<Record<string, unknown>>;
  attributes: Json<Record<string, unknown>>;
  notes: string | null;
  line_count: number;
  search_text: string;
  placed_at: Timestamp;
  /** 0015: the channel's human order number ("#1001") */
  display_number: ColumnType<string | null, string | null | undefined, string | null>;
  customer_external_id: ColumnType<string | null, string | null | undefined, string | null>;
  customer_masked: Generated<boolean>;
  /** a third-party locker or point: { provider, id, name?, address? } */
  pickup_point: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  /** [{ code, title, carrier, amount, discount, allocatedDiscount, allocations, taxRate, tax, net, total }] in minor units */
  shipping_lines: ColumnType<Record<string, unknown>[], string | undefined, string>;
  /** [{ target, amount, code, title }] in minor units */
  discounts: ColumnType<Record<string, unknown>[], string | undefined, string>;
  /** [{ method, amount, status, provider, reference }] in minor units */
  payments: ColumnType<Record<string, unknown>[], string | undefined, string>;
  /** { fulfilmentModel, shipBy, deliverBy, commission, marketplaceId } */
  marketplace: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
}

export interface OrderLinesTable {
  tenant_id: string;
  order_id: string;
  id: string;
  line_no: number;
  external_line_id: string | null;
  product_id: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price: Int8;
  discount: Int8;
  tax_rate: string | null;
  tax: Int8;
  net: Int8;
  total: Int8;
  attributes: Json<Record<string, unknown>>;
  /** 0015: 'product' | 'service' (a service line holds no stock) */
  kind: Generated<string>;
  /** the line's share of the order-level discounts (part of `discount`) */
  allocated_discount: ColumnType<string, bigint | string | number | undefined, bigint | string | number>;
  /** [{ index, amount }] per order-level discount, amount in minor units as a string */
  discount_allocations: ColumnType<Array<{ index: number; amount: string }>, string | undefined, string>;
}

export interface OrderHistoryTable {
  tenant_id: string;
  id: string;
  order_id: string;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  action: string;
  from_state: string | null;
  to_state: string | null;
  changes: Json<Record<string, unknown>>;
  reason: Json<Record<string, unknown>>;
}

/**
 * An order's KPI facts (migration 0040), written only by the triggers on order_history, shipments,
 * returns and fulfilment_orders; an order without a row has none of them yet.
 */
export interface OrderFactsTable {
  tenant_id: string;
  order_id: string;
  /** first shipped state in the history or first shipment hand-over */
  shipped_at: Date | null;
  /** first end state in the history */
  ended_at: Date | null;
  oversold: boolean;
  returned: boolean;
  /** the first fulfilment order's location (by created_at, id) */
  location_id: string | null;
  location_since: Date | null;
  location_by: string | null;
  /** shipped_at less the order's placement (an interval, compared in SQL: `kpi=late`), migration 0041 */
  shipped_after: unknown;
}

export interface AuditLogTable {
  tenant_id: string;
  id: string;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  entity: string;
  entity_id: string;
  action: string;
  changes: Json<Record<string, unknown>>;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: Json<object> | null;
  created_at: Generated<Date>;
}

export interface DB {
  tenants: TenantsTable;
  users: UsersTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  channels: ChannelsTable;
  products: ProductsTable;
  companies: CompaniesTable;
  customers: CustomersTable;
  locations: LocationsTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  order_history: OrderHistoryTable;
  order_facts: OrderFactsTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
}
