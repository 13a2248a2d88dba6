import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../store/db.js';
import { scope } from '../../store/tenant-scope.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { AppError } from '../../shared/errors.js';
import { createTenant } from '../identity/create-tenant.js';
import { forgetCachedKeys } from '../identity/authenticate.js';
import { scheduleTimer } from '../events/timers.js';
import { forgetTenantState } from './tenant-state.js';
import { ordersToday } from './order-quota.js';
import { STORAGE_JOB } from './measure-storage.js';
import type { PlatformOperator } from './platform-keys.js';
import '../../store/schema-tenants.js';

/** Limits of one tenant; null = none. */
export interface TenantLimits {
  requestsPerSecond: number | null;
  ordersPerDay: number | null;
  storageBytes: number | null;
}

export interface NewPlatformTenant {
  slug: string;
  name: string;
  admin: { email: string; name: string; password?: string | undefined; locale?: string | undefined };
  limits?: Partial<TenantLimits> | undefined;
}

const operatorName = (operator: PlatformOperator) => `platform:${operator.name}`;

/**
 * A tenant with its first admin user and admin API key (both secrets returned once: the key, and
 * the password when Ordo generated it). Limits not given are the configured defaults
 * (ORDO_TENANT_*); its storage is measured from now on by a job.
 */
export async function createPlatformTenant(db: Db, input: NewPlatformTenant, defaults: TenantLimits, now: Date) {
  const generated = input.admin.password ? null : randomBytes(18).toString('base64url');
  const password = input.admin.password ?? generated!;
  const taken = await db.selectFrom('tenants').select('id').where('slug', '=', input.slug).executeTakeFirst();
  const tomb = await db.selectFrom('tenant_tombstones').select('id').where('slug', '=', input.slug).executeTakeFirst();
  if (taken || tomb)
    throw new AppError('ALREADY_EXISTS', `a tenant with slug ${input.slug} exists or existed`, [
      { path: '/slug', message: 'taken' },
    ]);
  let created;
  try {
    created = await createTenant(db, {
      slug: input.slug,
      name: input.name,
      admin: { email: input.admin.email, name: input.admin.name, password, locale: input.admin.locale },
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('ALREADY_EXISTS', `a tenant with slug ${input.slug} exists`, [
        { path: '/slug', message: 'taken' },
      ]);
    throw error;
  }
  const limits = { ...defaults, ...input.limits };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tenants')
      .set({
        rate_limit_rps: limits.requestsPerSecond,
        orders_per_day: limits.ordersPerDay,
        storage_limit_bytes: limits.storageBytes,
      })
      .where('id', '=', created.tenantId)
      .execute();
    await scheduleTimer(scope(trx, created.tenantId), { kind: STORAGE_JOB, key: STORAGE_JOB, runAt: now });
  });
  return {
    tenant: await getTenant(db, created.tenantId),
    admin: { userId: created.userId, email: input.admin.email, ...(generated ? { password: generated } : {}) },
    apiKey: created.apiKey,
  };
}

type TenantRow = {
  id: string;
  slug: string;
  name: string;
  created_at: Date;
  status: 'active' | 'suspended' | 'deleted';
  status_reason: string | null;
  status_changed_at: Date | null;
  status_changed_by: string | null;
  rate_limit_rps: number | null;
  orders_per_day: number | null;
  storage_limit_bytes: string | null;
  storage_used_bytes: string;
  storage_measured_at: Date | null;
};

async function view(db: Db, row: TenantRow, nowMs: number) {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status,
    statusReason: row.status_reason,
    statusChangedAt: row.status_changed_at ? new Date(row.status_changed_at).toISOString() : null,
    statusChangedBy: row.status_changed_by,
    createdAt: new Date(row.created_at).toISOString(),
    limits: {
      requestsPerSecond: row.rate_limit_rps,
      ordersPerDay: row.orders_per_day,
      storageBytes: row.storage_limit_bytes === null ? null : Number(row.storage_limit_bytes),
    },
    usage: {
      ordersToday: row.status === 'deleted' ? 0 : await ordersToday(scope(db, row.id), nowMs),
      storageBytes: Number(row.storage_used_bytes),
      storageMeasuredAt: row.storage_measured_at ? new Date(row.storage_measured_at).toISOString() : null,
    },
  };
}
export type TenantView = Awaited<ReturnType<typeof view>>;

export async function getTenant(db: Db, id: string, nowMs = Date.now()): Promise<TenantView> {
  const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'no such tenant');
  return view(db, row as unknown as TenantRow, nowMs);
}

/** A tenant by id or slug (the CLI takes slugs). */
export async function findTenant(db: Db, idOrSlug: string): Promise<TenantView> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const row = await db
    .selectFrom('tenants')
    .select('id')
    .where(uuid ? 'id' : 'slug', '=', idOrSlug)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `no tenant ${idOrSlug}`);
  return getTenant(db, row.id);
}

export async function listTenants(db: Db, filter: { status?: string | undefined } = {}, nowMs = Date.now()) {
  let query = db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id');
  if (filter.status) query = query.where('status', '=', filter.status as TenantRow['status']);
  const rows = await query.execute();
  const items: TenantView[] = [];
  for (const row of rows) items.push(await view(db, row as unknown as TenantRow, nowMs));
  return items;
}

async function setStatus(
  db: Db,
  id: string,
  from: readonly string[],
  to: 'active' | 'suspended' | 'deleted',
  operator: PlatformOperator,
  reason: string | null,
  now: Date,
) {
  const current = await db.selectFrom('tenants').select(['status']).where('id', '=', id).executeTakeFirst();
  if (!current) throw new AppError('NOT_FOUND', 'no such tenant');
  if (!from.includes(current.status))
    throw new AppError('CONFLICT', `the tenant is ${current.status}; it cannot become ${to}`, [], {
      status: current.status,
    });
  await db
    .updateTable('tenants')
    .set({ status: to, status_reason: reason, status_changed_at: now, status_changed_by: operatorName(operator) })
    .where('id', '=', id)
    .where('status', 'in', from as TenantRow['status'][])
    .execute();
  forgetTenantState(id);
  forgetCachedKeys();
  return getTenant(db, id, now.getTime());
}

/** Its keys and users get 403 TENANT_SUSPENDED at once (other API nodes within seconds); its data stays. */
export function suspendTenant(db: Db, id: string, operator: PlatformOperator, reason: string, now: Date) {
  return setStatus(db, id, ['active', 'suspended'], 'suspended', operator, reason, now);
}

export function resumeTenant(db: Db, id: string, operator: PlatformOperator, now: Date) {
  return setStatus(db, id, ['suspended', 'active'], 'active', operator, null, now);
}

/**
 * Step one of deletion: the slug must be typed again as confirmation. The tenant is marked
 * deleted (nothing of it answers any more); step two, eraseTenant, removes its data in batches.
 */
export async function deleteTenant(
  db: Db,
  id: string,
  operator: PlatformOperator,
  input: { reason: string; confirm: string },
  now: Date,
) {
  const tenant = await db.selectFrom('tenants').select(['slug']).where('id', '=', id).executeTakeFirst();
  if (!tenant) throw new AppError('NOT_FOUND', 'no such tenant');
  if (input.confirm !== tenant.slug)
    throw new AppError('VALIDATION_FAILED', 'type the tenant slug in confirm to delete it', [
      { path: '/confirm', message: 'does not match the tenant slug' },
    ]);
  return setStatus(db, id, ['active', 'suspended', 'deleted'], 'deleted', operator, input.reason, now);
}

export async function setTenantLimits(db: Db, id: string, limits: Partial<TenantLimits>, now: Date) {
  const set: Record<string, number | null> = {};
  if (limits.requestsPerSecond !== undefined) set.rate_limit_rps = limits.requestsPerSecond;
  if (limits.ordersPerDay !== undefined) set.orders_per_day = limits.ordersPerDay;
  if (limits.storageBytes !== undefined) set.storage_limit_bytes = limits.storageBytes;
  const exists = await db.selectFrom('tenants').select('status').where('id', '=', id).executeTakeFirst();
  if (!exists) throw new AppError('NOT_FOUND', 'no such tenant');
  if (Object.keys(set).length) await db.updateTable('tenants').set(set).where('id', '=', id).execute();
  forgetTenantState(id);
  return getTenant(db, id, now.getTime());
}

/** Tombstones of erased tenants: who deleted them, when and why. */
export async function listTombstones(db: Db) {
  const rows = await sql<{
    id: string;
    slug: string;
    deleted_at: Date;
    deleted_by: string;
    reason: string;
    erased_at: Date;
  }>`select id, slug, deleted_at, deleted_by, reason, erased_at from tenant_tombstones order by erased_at, id`.execute(
    db,
  );
  return rows.rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    deletedAt: new Date(row.deleted_at).toISOString(),
    deletedBy: row.deleted_by,
    reason: row.reason,
    erasedAt: new Date(row.erased_at).toISOString(),
  }));
}
