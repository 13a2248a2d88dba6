import { sql } from 'kysely';
import type { Conn } from '../../store/db.js';
import type { TenantStatus } from '../../store/schema-tenants.js';
import { AppError } from '../../shared/errors.js';
import '../../store/schema-tenants.js';

/** What every request and every intake needs to know about its tenant: status and limits. */
export interface TenantState {
  status: TenantStatus;
  reason: string | null;
  rateLimitRps: number | null;
  ordersPerDay: number | null;
  storageLimitBytes: number | null;
  storageUsedBytes: number;
}

/**
 * Read at most once per TENANT_STATE_MS per tenant and process: a suspension or a new limit made
 * through this process applies at once (it forgets the entry), one made through another API node
 * within TENANT_STATE_MS.
 */
export const TENANT_STATE_MS = 2_000;
const cache = new Map<string, { state: TenantState | null; until: number }>();

export function forgetTenantState(tenantId?: string): void {
  if (tenantId) cache.delete(tenantId);
  else cache.clear();
}

export async function tenantState(conn: Conn, tenantId: string, now = Date.now()): Promise<TenantState | null> {
  const hit = cache.get(tenantId);
  if (hit && hit.until > now) return hit.state;
  const { rows } = await sql<{
    status: TenantStatus;
    status_reason: string | null;
    rate_limit_rps: number | null;
    orders_per_day: number | null;
    storage_limit_bytes: string | null;
    storage_used_bytes: string;
  }>`select status, status_reason, rate_limit_rps, orders_per_day, storage_limit_bytes, storage_used_bytes
     from tenants where id = ${tenantId}`.execute(conn);
  const row = rows[0];
  const state: TenantState | null = row
    ? {
        status: row.status,
        reason: row.status_reason,
        rateLimitRps: row.rate_limit_rps,
        ordersPerDay: row.orders_per_day,
        storageLimitBytes: row.storage_limit_bytes === null ? null : Number(row.storage_limit_bytes),
        storageUsedBytes: Number(row.storage_used_bytes),
      }
    : null;
  if (cache.size >= 10_000) cache.clear();
  cache.set(tenantId, { state, until: now + TENANT_STATE_MS });
  return state;
}

/** Throws TENANT_SUSPENDED (or TENANT_DELETED) unless the tenant is active. */
export function requireActive(state: TenantState | null): asserts state is TenantState {
  if (!state || state.status === 'deleted')
    throw new AppError('TENANT_DELETED', 'this tenant was deleted; its keys and users no longer work');
  if (state.status === 'suspended')
    throw new AppError(
      'TENANT_SUSPENDED',
      `this tenant is suspended${state.reason ? `: ${state.reason}` : ''}; contact the platform operator`,
    );
}

/** For entry points that are not API requests of a tenant principal (inbound channel webhooks). */
export async function refuseInactiveTenant(conn: Conn, tenantId: string): Promise<void> {
  requireActive(await tenantState(conn, tenantId));
}
