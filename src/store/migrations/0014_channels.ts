import { sql, type Kysely } from 'kysely';

/**
 * Channel connections (issue 16). A connection ties one tenant channel (`channels`) to a shop or
 * marketplace account through a connector: encrypted credentials, settings, mappings (locations,
 * cancellation reasons, statuses), a polling cursor and its health. `channel_offers` maps the
 * channel's offer ids to Ordo SKUs. `channel_ingestions` is the ingestion log: every payload that
 * came in (webhook, poll, replay) with its outcome; rows with status 'failed' are the error queue.
 * The unique dedupe key per connection makes redeliveries and overlapping polls harmless.
 * `channel_outbound` records each call Ordo made to the channel for an event (shipment
 * confirmations, cancellations, pack/label steps whose label the marketplace makes), one per
 * event and kind, so an event is sent at least once and never twice once it succeeded.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table channel_connections (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      channel_id uuid not null,
      kind text not null,
      status text not null default 'active' check (status in ('active','paused')),
      base_url text not null,
      credentials text not null,
      settings jsonb not null default '{}',
      mappings jsonb not null default '{}',
      webhook_token text not null,
      poll_every_s int not null default 300 check (poll_every_s >= 5),
      poll_cursor text,
      last_polled_at timestamptz,
      outbound_seq bigint not null default 0,
      stock_synced_at timestamptz,
      last_error text,
      last_error_at timestamptz,
      failures int not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, channel_id),
      foreign key (tenant_id, channel_id) references channels(tenant_id, id)
    )`,
    `create unique index channel_connections_webhook on channel_connections (webhook_token)`,
    `create table channel_offers (
      tenant_id uuid not null references tenants(id),
      connection_id uuid not null,
      offer_id text not null,
      sku text not null,
      pushed_quantity int,
      pushed_at timestamptz,
      push_error text,
      updated_at timestamptz not null,
      primary key (tenant_id, connection_id, offer_id),
      foreign key (tenant_id, connection_id) references channel_connections(tenant_id, id) on delete cascade
    )`,
    // the outbound job reads the outbox in order, per tenant
    `create index events_tenant_seq on events (tenant_id, seq)`,
    `create index channel_offers_sku on channel_offers (tenant_id, connection_id, sku)`,
    `create table channel_ingestions (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      connection_id uuid not null,
      via text not null check (via in ('webhook','poll','replay')),
      dedupe_key text not null,
      event_type text not null,
      external_id text,
      status text not null check (status in ('created','updated','ignored','failed','rejected','exception')),
      reason text,
      payload jsonb not null,
      order_id uuid,
      attempts int not null default 1,
      received_at timestamptz not null,
      processed_at timestamptz,
      primary key (tenant_id, id),
      unique (tenant_id, connection_id, dedupe_key),
      foreign key (tenant_id, connection_id) references channel_connections(tenant_id, id) on delete cascade
    )`,
    `create index channel_ingestions_status on channel_ingestions (tenant_id, connection_id, status, id)`,
    `create index channel_ingestions_external on channel_ingestions (tenant_id, connection_id, external_id)`,
    `create table channel_outbound (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      connection_id uuid not null,
      event_id uuid not null,
      kind text not null,
      order_id uuid,
      status text not null check (status in ('sent','failed','skipped')),
      attempts int not null default 1,
      detail text,
      tracking_number text,
      label bytea,
      label_type text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (tenant_id, id),
      unique (tenant_id, connection_id, event_id, kind),
      foreign key (tenant_id, connection_id) references channel_connections(tenant_id, id) on delete cascade
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop index if exists events_tenant_seq').execute(db);
  for (const table of ['channel_outbound', 'channel_ingestions', 'channel_offers', 'channel_connections'])
    await sql.raw(`drop table if exists ${table}`).execute(db);
}
