import { sql, type Kysely } from 'kysely';

/**
 * The 1C exchange (CommerceML 2, issue 17). A 1C connection is a channel connection of kind
 * `1c` (credentials, settings, the ingestion log are the channels'); these tables hold what the
 * protocol itself needs:
 * - `erp_exchange_sessions`: one per successful `checkauth`, found by the hash of the cookie
 *   Ordo handed out (the one lookup that crosses tenants, as a webhook token does);
 * - `erp_exchange_files`: the files 1C uploads with `mode=file`, chunks appended in order, per
 *   session, with the outcome of their import (a repeated `mode=import` answers it again);
 * - `erp_exchange_pending`: the orders the last `mode=query` answered, until 1C says
 *   `mode=success` — a query repeated before that answers the same orders again;
 * - `erp_exchange_orders`: per connection, the mark of each order 1C has taken: the id of the
 *   order's latest history row (UUIDv7, time-ordered; every change to an order — state, edit,
 *   payment, shipment — writes one). An order with a history row past its mark is new or
 *   changed and goes out with the next query.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table erp_exchange_sessions (
      tenant_id uuid not null references tenants(id),
      id uuid not null,
      connection_id uuid not null,
      token_hash text not null,
      exchange_type text not null check (exchange_type in ('catalog','sale')),
      created_at timestamptz not null,
      expires_at timestamptz not null,
      primary key (tenant_id, id),
      foreign key (tenant_id, connection_id) references channel_connections(tenant_id, id) on delete cascade
    )`,
    `create unique index erp_exchange_sessions_token on erp_exchange_sessions (token_hash)`,
    `create index erp_exchange_sessions_connection on erp_exchange_sessions (tenant_id, connection_id, expires_at)`,
    `create table erp_exchange_files (
      tenant_id uuid not null references tenants(id),
      session_id uuid not null,
      filename text not null,
      data bytea not null,
      chunks int not null default 1,
      imported_at timestamptz,
      outcome text,
      updated_at timestamptz not null,
      primary key (tenant_id, session_id, filename),
      foreign key (tenant_id, session_id) references erp_exchange_sessions(tenant_id, id) on delete cascade
    )`,
    `create table erp_exchange_pending (
      tenant_id uuid not null references tenants(id),
      connection_id uuid not null,
      order_id uuid not null,
      mark uuid not null,
      queried_at timestamptz not null,
      primary key (tenant_id, connection_id, order_id),
      foreign key (tenant_id, connection_id) references channel_connections(tenant_id, id) on delete cascade,
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
    `create table erp_exchange_orders (
      tenant_id uuid not null references tenants(id),
      connection_id uuid not null,
      order_id uuid not null,
      mark uuid not null,
      taken_at timestamptz not null,
      primary key (tenant_id, connection_id, order_id),
      foreign key (tenant_id, connection_id) references channel_connections(tenant_id, id) on delete cascade,
      foreign key (tenant_id, order_id) references orders(tenant_id, id)
    )`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['erp_exchange_orders', 'erp_exchange_pending', 'erp_exchange_files', 'erp_exchange_sessions'])
    await sql.raw(`drop table if exists ${table}`).execute(db);
}
