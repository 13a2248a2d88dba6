import { sql, type Kysely } from 'kysely';

/**
 * Subscriptions and recurring orders (issue 17 item 4). A subscription is its own record: who
 * (customer, company), where its cycle orders come in (channel), how they are delivered and paid,
 * what (subscription_lines), and when (an RFC 5545 RRULE from a local start in a time zone).
 * Each occurrence the `subscription.cycle` job reaches is a row of `subscription_cycles`: the
 * order it created (a real order, external id `sub-<number>-<cycle>`, unique per channel), or
 * why it failed, was skipped or missed. `subscription_history` records every change with who and
 * why. `next_run_at` is the next occurrence to create; it moves in the transaction that creates
 * the cycle's order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create sequence subscription_number_seq`,
    `create table subscriptions (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      number text not null,
      state text not null check (state in ('active','paused','cancelled','completed')),
      customer_id uuid not null,
      company_id uuid,
      channel_id uuid not null,
      order_type text not null check (order_type in ('subscription','service')),
      currency char(3) not null,
      rrule text not null,
      start_local text not null,
      time_zone text not null,
      cycles_total int check (cycles_total > 0),
      cycles_done int not null default 0 check (cycles_done >= 0),
      cycle_seq int not null default 0 check (cycle_seq >= 0),
      next_run_at timestamptz,
      skip_at jsonb not null default '[]',
      paused_until timestamptz,
      delivery jsonb not null,
      shipping_address jsonb,
      billing_address jsonb,
      payment_terms jsonb not null,
      shipping jsonb,
      prices_include_tax boolean not null default false,
      attributes jsonb not null default '{}',
      notes text,
      exception jsonb,
      version int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      ended_at timestamptz,
      primary key (tenant_id, id),
      unique (tenant_id, number),
      foreign key (tenant_id, customer_id) references customers(tenant_id, id),
      foreign key (tenant_id, channel_id) references channels(tenant_id, id)
    )`,
    `create index subscriptions_customer on subscriptions (tenant_id, customer_id, id)`,
    `create index subscriptions_state on subscriptions (tenant_id, state, id)`,
    `create table subscription_lines (
      tenant_id uuid not null references tenants(id),
      subscription_id uuid not null,
      line_no int not null check (line_no > 0),
      kind text not null default 'product' check (kind in ('product','service')),
      sku text not null,
      quantity int not null check (quantity > 0),
      unit_price bigint check (unit_price >= 0),
      tax_rate text,
      primary key (tenant_id, subscription_id, line_no),
      foreign key (tenant_id, subscription_id) references subscriptions(tenant_id, id) on delete cascade
    )`,
    `create table subscription_cycles (
      tenant_id uuid not null references tenants(id),
      subscription_id uuid not null,
      cycle int not null check (cycle > 0),
      due_at timestamptz not null,
      status text not null check (status in ('created','failed','skipped','missed')),
      order_id uuid,
      error_code text,
      reason text,
      attempts int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, subscription_id, cycle),
      foreign key (tenant_id, subscription_id) references subscriptions(tenant_id, id) on delete cascade,
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
    `create index subscription_cycles_failed on subscription_cycles (tenant_id, subscription_id) where status = 'failed'`,
    `create table subscription_history (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      subscription_id uuid not null,
      at timestamptz not null,
      actor_type text not null,
      actor_id text,
      actor_name text,
      action text not null,
      from_state text,
      to_state text,
      changes jsonb not null default '{}',
      reason text,
      primary key (tenant_id, id),
      foreign key (tenant_id, subscription_id) references subscriptions(tenant_id, id) on delete cascade
    )`,
    `create index subscription_history_sub on subscription_history (tenant_id, subscription_id, id)`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['subscription_history', 'subscription_cycles', 'subscription_lines', 'subscriptions'])
    await sql.raw(`drop table if exists ${table}`).execute(db);
  await sql.raw(`drop sequence if exists subscription_number_seq`).execute(db);
}
