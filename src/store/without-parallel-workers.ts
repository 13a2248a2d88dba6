import { sql } from 'kysely';
import { scope as tenantScope, type TenantScope } from './tenant-scope.js';

/**
 * Runs `read` with no parallel workers, in a read-only transaction of its own for `set local` (or
 * in the caller's): for reads of a few thousand rows at most, such as the orders list (a page and
 * at most 10,000 matches). At 1M orders the planner took parallel plans for the list's late
 * orders' ids and its count of the oversold ones, and starting the workers cost more than they
 * shared: 58–155 ms against 18–20 ms without.
 */
export async function withoutParallelWorkers<T>(scope: TenantScope, read: (reader: TenantScope) => Promise<T>) {
  if (scope.conn.isTransaction) return read(scope);
  return scope.conn
    .transaction()
    .setAccessMode('read only')
    .execute(async (tx) => {
      await sql`set local max_parallel_workers_per_gather = 0`.execute(tx);
      return read(tenantScope(tx, scope.tenantId));
    });
}
