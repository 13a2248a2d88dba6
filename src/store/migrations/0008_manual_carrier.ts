import { sql, type Kysely } from 'kysely';

/**
 * The own fleet's shipments (manual carrier), so labels and tracking survive a restart and are
 * seen by every process. `reference` is Ordo's shipment id (the tenant comes from it);
 * `carrier_shipment_id` is globally unique, as the adapter looks records up by it alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    `create table manual_carrier_shipments (
      tenant_id uuid not null references tenants(id),
      carrier_shipment_id text not null,
      tracking_number text not null,
      reference uuid not null,
      request jsonb not null,
      events jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, carrier_shipment_id),
      unique (carrier_shipment_id),
      foreign key (tenant_id, reference) references shipments(tenant_id, id)
    )`,
    `create index manual_carrier_shipments_reference on manual_carrier_shipments (reference)`,
  ];
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw('drop table if exists manual_carrier_shipments').execute(db);
}
