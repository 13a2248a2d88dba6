import { sql, type Kysely } from 'kysely';
import { newId } from '../../shared/ids.js';

/**
 * Tenants as a product (issue 20, docs/tenants.md): a tenant's status (active, suspended,
 * deleted) with who changed it, when and why; its limits (null = none) and the storage last
 * measured; the platform operators' API keys (no tenant: they reach only /api/v1/platform); and
 * the tombstone an erased tenant leaves behind. Neither new table has a tenant_id column, so
 * erasure (which deletes from every table that has one) never touches them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `alter table tenants
      add column status text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
      add column status_reason text,
      add column status_changed_at timestamptz,
      add column status_changed_by text,
      add column rate_limit_rps int check (rate_limit_rps > 0),
      add column orders_per_day int check (orders_per_day >= 0),
      add column storage_limit_bytes bigint check (storage_limit_bytes >= 0),
      add column storage_used_bytes bigint not null default 0,
      add column storage_measured_at timestamptz`,
    `create table platform_keys (
      id uuid primary key,
      name text not null,
      prefix text not null,
      key_hash text not null unique,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    )`,
    `create table tenant_tombstones (
      id uuid primary key,
      slug text not null,
      deleted_at timestamptz not null,
      deleted_by text not null,
      reason text not null,
      erased_at timestamptz not null
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
  // the tenants of before measure their storage too (new ones get the job when created)
  const tenants = await db.selectFrom('tenants').select('id').execute();
  for (const tenant of tenants)
    await db
      .insertInto('jobs')
      .values({
        tenant_id: tenant.id,
        id: newId(),
        kind: 'tenant.measure-storage',
        key: 'tenant.measure-storage',
        run_at: new Date(),
      })
      .execute();
}
