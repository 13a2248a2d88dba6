import { sql, type Kysely } from 'kysely';

/**
 * Fulfilment (issue 6): fulfilment orders per location and their lines (asked, picked, serials and
 * lots, wrong items returned — the picking-accuracy facts), packages, shipments at carriers with
 * their tracking events (unique per carrier event id, so a redelivered webhook is a no-op), and
 * the per-order public tracking tokens.
 *
 * A shipment row is written and committed BEFORE the carrier is called ('pending'), so a crash
 * or a carrier outage leaves a row to retry, never a label bought that Ordo does not know about.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table shipments (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      order_id uuid not null,
      carrier text not null,
      service text,
      status text not null,
      carrier_shipment_id text,
      tracking_number text,
      carrier_status text,
      status_at timestamptz,
      error jsonb,
      attempts int not null default 0,
      handed_over_at timestamptz,
      delivered_at timestamptz,
      last_polled_at timestamptz,
      version int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
    `create index shipments_order on shipments (tenant_id, order_id)`,
    `create index shipments_open on shipments (tenant_id, last_polled_at nulls first)
      where status not in ('delivered', 'returned', 'cancelled', 'failed', 'pending')`,
    `create index shipments_carrier_ref on shipments (carrier, carrier_shipment_id)`,
    `create index shipments_carrier_tracking on shipments (carrier, tracking_number)`,
    `create table fulfilment_orders (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      order_id uuid not null,
      location_id uuid not null,
      kind text not null,
      state text not null check (state in ('requested','accepted','rejected','picking','picked','packed','ready_for_pickup','shipped','delivered','collected','cancelled')),
      allow_partial boolean not null default false,
      short_picked boolean not null default false,
      shipment_id uuid,
      reason text,
      version int not null default 1,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id),
      foreign key (tenant_id, location_id) references locations(tenant_id, id),
      foreign key (tenant_id, shipment_id) references shipments(tenant_id, id)
    )`,
    `create index fulfilment_orders_order on fulfilment_orders (tenant_id, order_id)`,
    `create index fulfilment_orders_queue on fulfilment_orders (tenant_id, location_id, state, id)`,
    `create table fulfilment_lines (
      tenant_id uuid not null,
      id uuid not null,
      fulfilment_id uuid not null,
      order_id uuid not null,
      order_line_id uuid not null,
      product_id uuid not null,
      sku text not null,
      name text not null,
      quantity int not null check (quantity > 0),
      picked int check (picked >= 0),
      serials text[],
      lots text[],
      wrong_item int not null default 0 check (wrong_item >= 0),
      picked_at timestamptz,
      primary key (tenant_id, id),
      foreign key (tenant_id, fulfilment_id) references fulfilment_orders(tenant_id, id),
      foreign key (tenant_id, order_id, order_line_id) references order_lines(tenant_id, order_id, id)
    )`,
    `create index fulfilment_lines_fo on fulfilment_lines (tenant_id, fulfilment_id)`,
    `create table fulfilment_packages (
      tenant_id uuid not null,
      id uuid not null,
      fulfilment_id uuid not null,
      weight_g int not null check (weight_g > 0),
      length_mm int not null check (length_mm > 0),
      width_mm int not null check (width_mm > 0),
      height_mm int not null check (height_mm > 0),
      reference text,
      created_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, fulfilment_id) references fulfilment_orders(tenant_id, id)
    )`,
    `create index fulfilment_packages_fo on fulfilment_packages (tenant_id, fulfilment_id)`,
    `create table shipment_events (
      tenant_id uuid not null,
      id uuid not null,
      shipment_id uuid not null,
      event_key text not null,
      carrier_status text not null,
      status text not null,
      known boolean not null,
      occurred_at timestamptz not null,
      description text,
      location text,
      source text not null,
      received_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, shipment_id, event_key),
      foreign key (tenant_id, shipment_id) references shipments(tenant_id, id)
    )`,
    `create table order_tracking_tokens (
      tenant_id uuid not null references tenants(id),
      order_id uuid not null,
      token text not null unique,
      created_at timestamptz not null,
      primary key (tenant_id, order_id),
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const item of [
    'order_tracking_tokens',
    'shipment_events',
    'fulfilment_packages',
    'fulfilment_lines',
    'fulfilment_orders',
    'shipments',
  ]) {
    await sql.raw(`drop table if exists ${item}`).execute(db);
  }
}
