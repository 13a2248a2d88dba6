import { sql, type Kysely } from 'kysely';

/**
 * Sourcing and routing (issue 5): routing strategies per tenant, versioned like process
 * definitions (draft → published → retired); rate tables uploaded as CSV; and every routing
 * attempt of an order (the plan, the strategy version, the excluded locations).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table routing_strategies (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      key text not null,
      version int not null,
      status text not null check (status in ('draft', 'published', 'retired')),
      name text,
      document jsonb not null,
      created_by text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      published_at timestamptz,
      retired_at timestamptz,
      primary key (tenant_id, id),
      unique (tenant_id, key, version)
    )`,
    `create unique index routing_strategies_one_draft on routing_strategies (tenant_id, key) where status = 'draft'`,
    `create table rate_tables (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      name text not null,
      currency text not null,
      csv text not null,
      row_count int not null,
      version int not null default 1,
      active boolean not null default true,
      uploaded_by text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, name)
    )`,
    `create table order_routes (
      tenant_id uuid not null,
      id uuid not null,
      order_id uuid not null,
      attempt int not null,
      current boolean not null,
      strategy_key text not null,
      strategy_version int not null,
      status text not null,
      outcome text not null,
      reason text,
      location_ids uuid[] not null default '{}',
      excluded_location_ids uuid[] not null default '{}',
      plan jsonb not null,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, order_id, attempt),
      foreign key (tenant_id, order_id) references orders(tenant_id, id) on delete cascade
    )`,
    // Daily capacity counts the current routes of the day per location.
    `create index order_routes_day on order_routes (tenant_id, created_at) where current`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const item of ['order_routes', 'rate_tables', 'routing_strategies'])
    await sql.raw(`drop table if exists ${item}`).execute(db);
}
