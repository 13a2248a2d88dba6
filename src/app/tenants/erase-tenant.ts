import { sql } from 'kysely';
import type { Db } from '../../store/db.js';
import { AppError } from '../../shared/errors.js';
import { tenantTables } from './tenant-tables.js';
import { forgetTenantState } from './tenant-state.js';
import { forgetCachedKeys } from '../identity/authenticate.js';
import '../../store/schema-tenants.js';

export interface EraseProgress {
  /** True once nothing is left but the tombstone. */
  erased: boolean;
  rowsDeleted: number;
  /** Tables that still hold rows of the tenant (when stopped by the time budget). */
  remaining: string[];
}

/**
 * Erases a deleted tenant's data: every table with a tenant_id column (tenant-tables.ts), children
 * before parents, in batches of `batchSize` rows, each batch its own short statement so that other
 * tenants' work is never held up by one long transaction. Stops after `budgetMs` and can be called
 * again (it resumes where the data still is). When every table is empty the tenant row becomes a
 * tombstone: id, slug, who deleted it, when and why — nothing else is kept.
 */
export async function eraseTenant(
  db: Db,
  tenantId: string,
  opts: { batchSize?: number; budgetMs?: number; now?: () => Date } = {},
): Promise<EraseProgress> {
  const batchSize = opts.batchSize ?? 1000;
  const now = opts.now ?? (() => new Date());
  const deadline = Date.now() + (opts.budgetMs ?? Number.POSITIVE_INFINITY);
  const tenant = await db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
  if (!tenant) {
    const tomb = await db.selectFrom('tenant_tombstones').select('id').where('id', '=', tenantId).executeTakeFirst();
    if (tomb) return { erased: true, rowsDeleted: 0, remaining: [] };
    throw new AppError('NOT_FOUND', 'no such tenant');
  }
  if (tenant.status !== 'deleted')
    throw new AppError('TENANT_NOT_DELETED', 'only a deleted tenant is erased: delete it first (with confirmation)');
  forgetTenantState(tenantId);
  const tables = await tenantTables(db);
  let rowsDeleted = 0;
  for (const [index, table] of tables.entries()) {
    for (;;) {
      if (Date.now() > deadline)
        return { erased: false, rowsDeleted, remaining: tables.slice(index).map((t) => t.name) };
      const result = await sql`delete from ${sql.table(table.name)} where ctid in
        (select ctid from ${sql.table(table.name)} where tenant_id = ${tenantId} limit ${batchSize})`.execute(db);
      const deleted = Number(result.numAffectedRows ?? 0);
      rowsDeleted += deleted;
      if (deleted < batchSize) break;
    }
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('tenant_tombstones')
      .values({
        id: tenant.id,
        slug: tenant.slug,
        deleted_at: tenant.status_changed_at ?? now(),
        deleted_by: tenant.status_changed_by ?? 'unknown',
        reason: tenant.status_reason ?? '',
        erased_at: now(),
      })
      .execute();
    await trx.deleteFrom('tenants').where('id', '=', tenantId).execute();
  });
  forgetTenantState(tenantId);
  forgetCachedKeys();
  return { erased: true, rowsDeleted, remaining: [] };
}
