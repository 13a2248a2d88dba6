import { sql } from 'kysely';
import type { Conn } from '../../store/db.js';
import type { JobDefinition } from '../events/timers.js';
import { scheduleTimer } from '../events/timers.js';
import { tenantTables } from './tenant-tables.js';
import { forgetTenantState } from './tenant-state.js';
import '../../store/schema-tenants.js';

export const STORAGE_JOB = 'tenant.measure-storage';
/** How often a tenant's storage is measured. */
export const STORAGE_EVERY_MS = 3_600_000;

/**
 * The bytes a tenant's rows take (pg_column_size of each row, every table with a tenant_id): a
 * scan of the tenant's rows, so it runs as a job, not on writes; intake and imports compare the
 * last figure with the limit.
 */
export async function measureTenantStorage(conn: Conn, tenantId: string, now: Date): Promise<number> {
  let bytes = 0;
  for (const table of await tenantTables(conn)) {
    const { rows } = await sql<{ bytes: string | null }>`select sum(pg_column_size(t.*))::int8 as bytes
      from ${sql.table(table.name)} t where t.tenant_id = ${tenantId}`.execute(conn);
    bytes += Number(rows[0]?.bytes ?? 0);
  }
  await sql`update tenants set storage_used_bytes = ${bytes}, storage_measured_at = ${now} where id = ${tenantId}`.execute(
    conn,
  );
  forgetTenantState(tenantId);
  return bytes;
}

/** The hourly measurement of one tenant, rescheduling itself (created with the tenant). */
export function storageJob(): JobDefinition {
  return {
    kind: STORAGE_JOB,
    async run(ctx) {
      await measureTenantStorage(ctx.tx.conn, ctx.tx.tenantId, ctx.now);
      await scheduleTimer(ctx.tx, {
        kind: STORAGE_JOB,
        key: STORAGE_JOB,
        runAt: new Date(ctx.now.getTime() + STORAGE_EVERY_MS),
      });
    },
  };
}
