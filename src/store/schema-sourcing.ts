import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.js';
import type { VersionStatus } from './schema-versioning.js';

export type StrategyStatus = VersionStatus;

export interface RoutingStrategiesTable {
  tenant_id: string;
  id: string;
  key: string;
  version: number;
  status: StrategyStatus;
  name: string | null;
  document: Json<Record<string, unknown>>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: Timestamp | null;
  retired_at: Timestamp | null;
}

export interface RateTablesTable {
  tenant_id: string;
  id: string;
  name: string;
  currency: string;
  csv: string;
  row_count: number;
  version: Generated<number>;
  active: Generated<boolean>;
  uploaded_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrderRoutesTable {
  tenant_id: string;
  id: string;
  order_id: string;
  attempt: number;
  current: boolean;
  strategy_key: string;
  strategy_version: number;
  status: string;
  outcome: string;
  reason: string | null;
  location_ids: string[];
  excluded_location_ids: string[];
  plan: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

/** Orders whose current route of a UTC day uses a location with a daily capacity (0031). */
export interface LocationDayLoadTable {
  tenant_id: string;
  location_id: string;
  day: string;
  orders: number;
}

declare module './schema.js' {
  interface DB {
    routing_strategies: RoutingStrategiesTable;
    rate_tables: RateTablesTable;
    order_routes: OrderRoutesTable;
    location_day_load: LocationDayLoadTable;
  }
}
