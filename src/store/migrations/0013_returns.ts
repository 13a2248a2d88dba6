import { sql, type Kysely } from 'kysely';

/**
 * Returns (issue 15). A return is a return order (Sterling's model): a row in `orders` with
 * `order_type = 'return'` whose lines are the units coming back, run through a process of its own
 * (processes/returns.yaml) like any order, with tasks, timers and history. `returns` holds what
 * only a return has: the original order, the customer's wish, the reason, how the parcel comes
 * back, the exchange, the refund. `return_lines` ties each unit count to the original order line,
 * `return_receipts` records what arrived where (also what arrived without a request: queued for a
 * person), `return_inspections` the grade per unit, `store_credit_entries` the customer's store
 * credit ledger, `return_reasons` the tenant's reason catalogue (code defaults live in the code).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table returns (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      order_id uuid not null,
      source text not null check (source in ('api','console','self_service','channel')),
      wish text not null check (wish in ('refund','exchange','store_credit')),
      reason_code text not null,
      note text,
      photos jsonb not null default '[]',
      drop_off jsonb not null default '{}',
      exchange jsonb,
      exchange_order_id uuid,
      receiving_location_id uuid,
      label jsonb,
      refunded bigint not null default 0 check (refunded >= 0),
      store_credit bigint not null default 0 check (store_credit >= 0),
      credit_note_id uuid,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      closed_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, id) references orders(tenant_id, id) on delete cascade,
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
    `create index returns_order on returns (tenant_id, order_id)`,
    `create index returns_created on returns (tenant_id, created_at)`,
    `create table return_lines (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      return_id uuid not null,
      order_line_id uuid not null,
      product_id uuid not null,
      sku text not null,
      quantity int not null check (quantity > 0),
      received int not null default 0 check (received >= 0),
      resell int not null default 0 check (resell >= 0),
      refurbish int not null default 0 check (refurbish >= 0),
      write_off int not null default 0 check (write_off >= 0),
      value bigint not null,
      reason_code text,
      primary key (tenant_id, id),
      foreign key (tenant_id, return_id) references returns(tenant_id, id) on delete cascade,
      check (received <= quantity),
      check (resell + refurbish + write_off <= received)
    )`,
    `create index return_lines_return on return_lines (tenant_id, return_id)`,
    `create index return_lines_order_line on return_lines (tenant_id, order_line_id)`,
    `create table return_receipts (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      return_id uuid,
      return_line_id uuid,
      location_id uuid not null,
      product_id uuid,
      sku text not null,
      quantity int not null check (quantity > 0),
      unexpected boolean not null default false,
      status text not null check (status in ('matched','queued','resolved')),
      resolution text,
      note text,
      actor jsonb not null default '{}',
      received_at timestamptz not null,
      primary key (tenant_id, id)
    )`,
    `create index return_receipts_return on return_receipts (tenant_id, return_id)`,
    `create index return_receipts_queue on return_receipts (tenant_id, received_at) where status = 'queued'`,
    `create table return_inspections (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      return_id uuid not null,
      return_line_id uuid not null,
      grade text not null check (grade in ('resell','refurbish','write_off')),
      quantity int not null check (quantity > 0),
      serial text,
      note text,
      location_id uuid not null,
      stocked boolean not null default false,
      actor jsonb not null default '{}',
      inspected_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, return_id) references returns(tenant_id, id) on delete cascade
    )`,
    `create index return_inspections_return on return_inspections (tenant_id, return_id)`,
    `create table store_credit_entries (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      customer_id uuid not null,
      currency char(3) not null,
      amount bigint not null check (amount <> 0),
      return_id uuid,
      order_id uuid,
      note text,
      at timestamptz not null,
      primary key (tenant_id, id)
    )`,
    `create index store_credit_customer on store_credit_entries (tenant_id, customer_id, currency)`,
    `create table return_reasons (
      tenant_id uuid not null references tenants(id),
      code text not null,
      labels jsonb not null,
      needs_photo boolean not null default false,
      active boolean not null default true,
      updated_at timestamptz not null,
      primary key (tenant_id, code)
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'return_reasons',
    'store_credit_entries',
    'return_inspections',
    'return_receipts',
    'return_lines',
    'returns',
  ])
    await sql.raw(`drop table if exists ${table}`).execute(db);
}
