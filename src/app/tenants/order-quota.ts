import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';
import { AppError } from '../../shared/errors.js';
import { requireActive, tenantState } from './tenant-state.js';

/**
 * Orders today per tenant, counted on the primary key: order ids are UUIDv7, so "created since
 * 00:00 UTC" is `id >= <the smallest v7 id of that millisecond>`, an index-only range on
 * (tenant_id, id). The count is taken at most once per COUNT_MS per tenant and process and
 * advanced locally for each order admitted here, so intake pays no extra round trip in between.
 * Across processes the count may run over by what the others accepted in the last COUNT_MS.
 */
export const COUNT_MS = 1_000;
const counts = new Map<string, { day: number; count: number; syncedAt: number }>();
const DAY_MS = 86_400_000;

/** The smallest UUIDv7 of a millisecond: its 48-bit time, then zeros. */
export function firstIdAt(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** Orders the tenant created since 00:00 UTC (order ids carry their creation time). */
export async function ordersToday(store: TenantScope, nowMs: number): Promise<number> {
  const dayStart = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const { rows } = await sql<{ count: number }>`select count(*)::int as count from orders
    where tenant_id = ${store.tenantId} and id >= ${firstIdAt(dayStart)}::uuid`.execute(store.conn);
  return rows[0]!.count;
}

/**
 * The intake check (create-order.ts): the tenant is active, under its storage limit and under
 * its orders per day; else TENANT_SUSPENDED (403) or a 429 with the seconds to wait. Order ids
 * use the wall clock, so the day does too.
 */
export async function admitOrder(store: TenantScope, nowMs = Date.now()): Promise<void> {
  const state = await tenantState(store.conn, store.tenantId, nowMs);
  requireActive(state);
  if (state.storageLimitBytes !== null && state.storageUsedBytes >= state.storageLimitBytes)
    throw new AppError(
      'STORAGE_LIMIT_REACHED',
      `this tenant stores ${state.storageUsedBytes} bytes, its limit is ${state.storageLimitBytes}`,
      [],
      { retryAfter: 3600 },
    );
  if (state.ordersPerDay === null) return;
  const day = Math.floor(nowMs / DAY_MS);
  let entry = counts.get(store.tenantId);
  if (!entry || entry.day !== day || nowMs - entry.syncedAt >= COUNT_MS) {
    entry = { day, count: await ordersToday(store, nowMs), syncedAt: nowMs };
    if (counts.size >= 100_000) counts.clear();
    counts.set(store.tenantId, entry);
  }
  if (entry.count >= state.ordersPerDay)
    throw new AppError(
      'ORDERS_PER_DAY_REACHED',
      `this tenant may create ${state.ordersPerDay} order(s) a day (UTC); it has reached it`,
      [],
      { retryAfter: Math.max(1, Math.ceil(((day + 1) * DAY_MS - nowMs) / 1000)), limit: state.ordersPerDay },
    );
  entry.count += 1;
}

/** Forgets the counts (tests; after an erasure). */
export function forgetOrderCounts(): void {
  counts.clear();
}
