import { sql, type Kysely } from 'kysely';

/**
 * Company depth (issue 17, item 5): business roles, buyers inside a customer company, the
 * company's own approval rule, and budgets.
 *
 * - `users.business_roles`, `api_keys.business_roles`: the business roles (finance, sales_lead,
 *   warehouse_lead, …) a person or an integration's key acts as; a process task for role R is
 *   claimed, completed or delegated only by a holder of R (or an admin, recorded as an override).
 *   `api_keys.company_member_id`: a B2B portal key bound to one company member (who approves).
 * - `business_role_map`: the tenant's equivalences (holding `cfo` also counts as `finance`).
 * - `company_members`: the people of a customer company who order for it (requester, approver,
 *   buyer), each a customer record of that company or an external portal user id, with an
 *   optional per-order spending limit and a cost centre.
 * - `company_approval_policies`: when the company approves its own orders before the seller
 *   sees them (above an amount, anything from a requester, above the member's limit; 1 or 2 steps).
 * - `orders.placed_by_member_id`: who placed the order for the company.
 * - `budgets` / `budget_consumptions`: money a cost centre may spend per period; approved
 *   requisitions consume it (a guarded update: never past the amount unless overspend is
 *   allowed), cancelled ones release it; one consumption row per order and budget.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `alter table users add column business_roles text[] not null default '{}'`,
    `alter table api_keys add column business_roles text[] not null default '{}'`,
    `alter table api_keys add column company_member_id uuid`,
    `create table business_role_map (
      tenant_id uuid not null references tenants(id),
      role text not null,
      acts_as text not null,
      primary key (tenant_id, role, acts_as)
    )`,
    `create table company_members (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      company_id uuid not null,
      customer_id uuid,
      external_user_id text,
      name text not null,
      email text,
      roles text[] not null,
      spending_limit bigint check (spending_limit is null or spending_limit >= 0),
      currency text,
      cost_centre text,
      department text,
      active boolean not null default true,
      version int not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      foreign key (tenant_id, company_id) references companies(tenant_id, id),
      foreign key (tenant_id, customer_id) references customers(tenant_id, id),
      check (customer_id is not null or external_user_id is not null)
    )`,
    `create index company_members_company on company_members (tenant_id, company_id)`,
    `create unique index company_members_external on company_members (tenant_id, company_id, external_user_id) where external_user_id is not null`,
    `create unique index company_members_customer on company_members (tenant_id, company_id, customer_id) where customer_id is not null`,
    `create table company_approval_policies (
      tenant_id uuid not null references tenants(id),
      company_id uuid not null,
      above_amount bigint check (above_amount is null or above_amount >= 0),
      currency text,
      requesters_always boolean not null default false,
      over_member_limit boolean not null default true,
      steps int not null default 1 check (steps in (1, 2)),
      version int not null default 1,
      updated_at timestamptz not null default now(),
      primary key (tenant_id, company_id),
      foreign key (tenant_id, company_id) references companies(tenant_id, id)
    )`,
    `alter table orders add column placed_by_member_id uuid`,
    `create table budgets (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      company_id uuid not null,
      cost_centre text not null,
      period text not null check (period in ('month', 'quarter', 'year')),
      period_start date not null,
      time_zone text not null,
      currency text not null,
      amount bigint not null check (amount >= 0),
      consumed bigint not null default 0 check (consumed >= 0),
      version int not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, id),
      unique (tenant_id, company_id, cost_centre, period, period_start),
      foreign key (tenant_id, company_id) references companies(tenant_id, id)
    )`,
    `create table budget_consumptions (
      tenant_id uuid not null references tenants(id),
      budget_id uuid not null,
      order_id uuid not null,
      amount bigint not null check (amount >= 0),
      state text not null check (state in ('consumed', 'released')),
      consumed_at timestamptz not null,
      released_at timestamptz,
      primary key (tenant_id, budget_id, order_id),
      foreign key (tenant_id, budget_id) references budgets(tenant_id, id)
    )`,
    `create index budget_consumptions_order on budget_consumptions (tenant_id, order_id)`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'budget_consumptions',
    'budgets',
    'company_approval_policies',
    'company_members',
    'business_role_map',
  ])
    await sql.raw(`drop table if exists ${table}`).execute(db);
  await sql.raw(`alter table orders drop column if exists placed_by_member_id`).execute(db);
  await sql.raw(`alter table api_keys drop column if exists company_member_id`).execute(db);
  await sql.raw(`alter table api_keys drop column if exists business_roles`).execute(db);
  await sql.raw(`alter table users drop column if exists business_roles`).execute(db);
}
