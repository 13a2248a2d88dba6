import { sql, type Kysely } from 'kysely';

/**
 * Inventory: stock per SKU × location, the append-only movement ledger, reservations, backorders,
 * inbound supply, lots and serials, and sync receipts.
 *
 * The database holds the invariants it can: quantities are never negative, reserved never
 * exceeds on hand (so reservations are always backed by stock), the ledger cannot be updated or
 * deleted, and a live reservation has a positive quantity. Reservations are taken by a
 * conditional UPDATE on stock_levels, so the row lock and the availability check are one step.
 * `change_xid` (the writing transaction's id) drives the changed-since availability feed: a
 * reader's snapshot xmin is a horizon below which every writer has committed or aborted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table stock_levels (
      tenant_id uuid not null,
      product_id uuid not null,
      location_id uuid not null,
      on_hand int not null default 0 check (on_hand >= 0),
      reserved int not null default 0 check (reserved >= 0),
      safety int not null default 0 check (safety >= 0),
      version int not null default 1,
      change_xid xid8 not null default pg_current_xact_id(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, product_id, location_id),
      constraint stock_reserved_backed check (reserved <= on_hand),
      foreign key (tenant_id, product_id) references products(tenant_id, id),
      foreign key (tenant_id, location_id) references locations(tenant_id, id)
    )`,
    // No index on change_xid on purpose: an indexed column changed by every reservation would
    // make each one a non-HOT update (new entries in every index of the hot row). The feed scans
    // the tenant's rows by primary key instead; connectors poll, reservations are the hot path.
    `create table stock_movements (
      tenant_id uuid not null,
      id uuid not null,
      product_id uuid not null,
      location_id uuid not null,
      kind text not null check (kind in ('receipt','adjustment','reservation','release','pick','shipment','return','write_off','count')),
      on_hand_delta int not null,
      reserved_delta int not null,
      quantity int not null check (quantity >= 0),
      order_id uuid,
      order_line_id uuid,
      reservation_id uuid,
      reference text,
      reason text,
      lot text,
      serials text[],
      actor_type text not null,
      actor_id text,
      at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, product_id, location_id) references stock_levels(tenant_id, product_id, location_id)
    )`,
    `create index stock_movements_row on stock_movements (tenant_id, product_id, location_id, id)`,
    `create index stock_movements_order on stock_movements (tenant_id, order_id) where order_id is not null`,
    `create function stock_movements_append_only() returns trigger language plpgsql as $$
      begin raise exception 'stock_movements is append-only' using errcode = '55000'; end $$`,
    `create trigger stock_movements_append_only before update or delete on stock_movements
      for each row execute function stock_movements_append_only()`,
    `create table stock_reservations (
      tenant_id uuid not null,
      id uuid not null,
      product_id uuid not null,
      location_id uuid not null,
      order_id uuid,
      order_line_id uuid,
      reference text,
      quantity int not null check (quantity >= 0),
      original_quantity int not null check (original_quantity > 0),
      status text not null check (status in ('active','released','consumed','expired')),
      expires_at timestamptz,
      created_at timestamptz not null,
      closed_at timestamptz,
      primary key (tenant_id, id),
      constraint stock_reservation_live_positive check (status <> 'active' or quantity > 0),
      foreign key (tenant_id, product_id, location_id) references stock_levels(tenant_id, product_id, location_id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
    `create index stock_reservations_order on stock_reservations (tenant_id, order_id) where order_id is not null`,
    `create index stock_reservations_due on stock_reservations (expires_at) where status = 'active' and expires_at is not null`,
    `create table stock_backorders (
      tenant_id uuid not null,
      id uuid not null,
      order_id uuid not null,
      order_line_id uuid not null,
      product_id uuid not null,
      quantity int not null check (quantity > 0),
      status text not null check (status in ('open','filled','cancelled')),
      promised_on date,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id),
      foreign key (tenant_id, product_id) references products(tenant_id, id)
    )`,
    `create index stock_backorders_open on stock_backorders (tenant_id, product_id, created_at) where status = 'open'`,
    `create table inbound_supply (
      tenant_id uuid not null,
      id uuid not null,
      kind text not null check (kind in ('purchase_order','transfer','production')),
      reference text not null,
      product_id uuid not null,
      location_id uuid not null,
      quantity int not null check (quantity > 0),
      received int not null default 0 check (received >= 0 and received <= quantity),
      expected_on date not null,
      status text not null default 'open' check (status in ('open','closed','cancelled')),
      version int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, product_id) references products(tenant_id, id),
      foreign key (tenant_id, location_id) references locations(tenant_id, id)
    )`,
    `create index inbound_supply_open on inbound_supply (tenant_id, product_id, expected_on) where status = 'open'`,
    `create table stock_lots (
      tenant_id uuid not null,
      product_id uuid not null,
      location_id uuid not null,
      lot text not null,
      expires_on date,
      on_hand int not null check (on_hand >= 0),
      primary key (tenant_id, product_id, location_id, lot),
      foreign key (tenant_id, product_id, location_id) references stock_levels(tenant_id, product_id, location_id)
    )`,
    `create table stock_serials (
      tenant_id uuid not null,
      product_id uuid not null,
      serial text not null,
      location_id uuid not null,
      status text not null check (status in ('in_stock','picked','shipped')),
      order_id uuid,
      updated_at timestamptz not null,
      primary key (tenant_id, product_id, serial),
      foreign key (tenant_id, product_id, location_id) references stock_levels(tenant_id, product_id, location_id)
    )`,
    `create table stock_syncs (
      tenant_id uuid not null references tenants(id),
      sync_id text not null,
      request_hash text not null,
      result jsonb,
      created_at timestamptz not null,
      primary key (tenant_id, sync_id)
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('the inventory migration is not reversible');
}
