import { isRetentionKind, RETENTION_KINDS, type RetentionDays, type RetentionKind } from '../../shared/retention.js';
import { AppError } from '../../shared/errors.js';
import { scope, type TenantScope } from '../../store/tenant-scope.js';
import type { Db } from '../../store/db.js';
import '../../store/schema-retention.js';
import '../../store/schema-events.js';

/** The key of each tenant's live `retention.sweep` job (retention-job.ts schedules it). */
export const RETENTION_KEY = 'retention';

/** The days each kind is kept for this tenant: the process defaults, then the tenant's overrides. */
export async function retentionDaysFor(store: TenantScope, defaults: RetentionDays): Promise<RetentionDays> {
  const rows = await store.selectFrom('retention_overrides').select(['kind', 'days']).execute();
  const days = { ...defaults };
  for (const row of rows) if (isRetentionKind(row.kind)) days[row.kind] = row.days;
  return days;
}

/** Sets (days ≥ 0; 0 = keep forever) or clears (null) a tenant's override of one kind. */
export async function setRetentionOverride(store: TenantScope, kind: string, days: number | null): Promise<void> {
  if (!isRetentionKind(kind))
    throw new AppError('VALIDATION_FAILED', `unknown retention kind "${kind}"`, [
      { path: '/kind', message: `one of ${Object.keys(RETENTION_KINDS).join(', ')}` },
    ]);
  if (days === null) {
    await store.deleteFrom('retention_overrides').where('kind', '=', kind).execute();
    return;
  }
  if (!Number.isInteger(days) || days < 0 || days > 36_500)
    throw new AppError('VALIDATION_FAILED', 'days must be an integer from 0 to 36500', [
      { path: '/days', message: 'an integer from 0 (keep forever) to 36500' },
    ]);
  await store
    .insertInto('retention_overrides', { kind, days })
    .onConflict((oc) => oc.columns(['tenant_id', 'kind']).doUpdateSet({ days, updated_at: new Date() }))
    .execute();
}

export interface TenantRetention {
  slug: string;
  days: RetentionDays;
  overridden: RetentionKind[];
  totals: Partial<Record<RetentionKind, number>>;
  nextRun: Date | null;
}

/** Each tenant's (or one tenant's) days per kind, its overrides, and what its sweeps removed so far. */
export async function retentionStatus(db: Db, defaults: RetentionDays, tenantId?: string): Promise<TenantRetention[]> {
  let tenants = db.selectFrom('tenants').select(['id', 'slug']).orderBy('slug');
  if (tenantId) tenants = tenants.where('id', '=', tenantId);
  const out: TenantRetention[] = [];
  for (const tenant of await tenants.execute()) {
    const store = scope(db, tenant.id);
    const overrides = await store.selectFrom('retention_overrides').select('kind').execute();
    const job = await store
      .selectFrom('jobs')
      .select(['payload', 'run_at'])
      .where('key', '=', RETENTION_KEY)
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    out.push({
      slug: tenant.slug,
      days: await retentionDaysFor(store, defaults),
      overridden: overrides.map((o) => o.kind).filter(isRetentionKind),
      totals: (job?.payload as { totals?: TenantRetention['totals'] } | undefined)?.totals ?? {},
      nextRun: job ? new Date(job.run_at) : null,
    });
  }
  return out;
}
