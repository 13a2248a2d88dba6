import { sql, type Kysely } from 'kysely';

/**
 * Prices (issue 17). A price list is a versioned document: currency, net or tax-inclusive prices,
 * the orders it applies to (`scope`: every order (base), a channel, a customer group, one company's
 * contract), a priority among lists of the same scope and optional validity dates. Its entries are
 * prices per SKU with quantity breaks (`min_quantity`), an optional floor (no order line may sell
 * below it) and optional validity of their own. Every change writes a `price_list_changes` row with
 * the list's new version, who made it and why. Products gain the minimum order quantity and the
 * multiple they are sold in.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table price_lists (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      code text not null,
      name text not null,
      currency char(3) not null,
      prices_include_tax boolean not null default false,
      scope text not null check (scope in ('base','channel','customer_group','company')),
      scope_ref text,
      priority int not null default 0,
      valid_from timestamptz,
      valid_to timestamptz,
      active boolean not null default true,
      version int not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, code),
      check ((scope = 'base') = (scope_ref is null)),
      check (valid_to is null or valid_from is null or valid_to > valid_from)
    )`,
    `create table price_list_entries (
      tenant_id uuid not null,
      price_list_id uuid not null,
      id uuid not null,
      sku text not null,
      min_quantity int not null default 1 check (min_quantity >= 1),
      unit_price bigint not null check (unit_price >= 0),
      floor_price bigint check (floor_price >= 0),
      tax_rate text,
      valid_from timestamptz,
      valid_to timestamptz,
      primary key (tenant_id, price_list_id, id),
      foreign key (tenant_id, price_list_id) references price_lists(tenant_id, id) on delete cascade
    )`,
    // Intake reads the entries of an order's SKUs across the tenant's lists.
    `create index price_list_entries_sku on price_list_entries (tenant_id, sku)`,
    `create table price_list_changes (
      tenant_id uuid not null,
      price_list_id uuid not null,
      version int not null,
      at timestamptz not null,
      actor_type text not null,
      actor_id text,
      reason text not null,
      changes jsonb not null default '{}',
      primary key (tenant_id, price_list_id, version),
      foreign key (tenant_id, price_list_id) references price_lists(tenant_id, id) on delete cascade
    )`,
    `alter table products add column min_order_quantity int check (min_order_quantity >= 1)`,
    `alter table products add column order_multiple int check (order_multiple >= 1)`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    'alter table products drop column order_multiple',
    'alter table products drop column min_order_quantity',
    'drop table price_list_changes',
    'drop table price_list_entries',
    'drop table price_lists',
  ])
    await sql.raw(statement).execute(db);
}
