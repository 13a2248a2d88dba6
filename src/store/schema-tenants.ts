import type { Generated } from 'kysely';
import type { Timestamp } from './schema.js';

export type TenantStatus = 'active' | 'suspended' | 'deleted';

/** Platform operators' API keys (0030): `ordop_…`, stored as a SHA-256 hash. */
export interface PlatformKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Generated<Timestamp>;
  revoked_at: Timestamp | null;
}

/** What is left of an erased tenant: who deleted it, when and why (0030). */
export interface TenantTombstonesTable {
  id: string;
  slug: string;
  deleted_at: Timestamp;
  deleted_by: string;
  reason: string;
  erased_at: Timestamp;
}

declare module './schema.js' {
  interface TenantsTable {
    status: Generated<TenantStatus>;
    status_reason: string | null;
    status_changed_at: Timestamp | null;
    status_changed_by: string | null;
    rate_limit_rps: number | null;
    orders_per_day: number | null;
    storage_limit_bytes: Int8 | null;
    storage_used_bytes: Generated<Int8>;
    storage_measured_at: Timestamp | null;
  }
  interface DB {
    platform_keys: PlatformKeysTable;
    tenant_tombstones: TenantTombstonesTable;
  }
}
