import { sql, type Kysely } from 'kysely';

/**
 * Hot SKUs (issue 19 item 3, docs/inventory.md "Hot SKUs: stock buckets").
 * An operator may split the free quantity of one stock row into N buckets; reservations of a
 * bucketed row lock one bucket instead of the single stock_levels row, so concurrent buyers of
 * one SKU queue on N rows. The quantity in the buckets is lent out of the stock row: the row
 * counts it as reserved while it is lent, so every reader that knows nothing of buckets still
 * sees a figure that can never oversell (it under-reports what is free in the buckets).
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `create table stock_buckets (
      tenant_id uuid not null,
      product_id uuid not null,
      location_id uuid not null,
      bucket int not null check (bucket >= 0),
      on_hand int not null default 0 check (on_hand >= 0),
      reserved int not null default 0 check (reserved >= 0),
      updated_at timestamptz not null default now(),
      primary key (tenant_id, product_id, location_id, bucket),
      constraint stock_bucket_backed check (reserved <= on_hand),
      foreign key (tenant_id, product_id, location_id) references stock_levels(tenant_id, product_id, location_id)
    )`,
  ])
    await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`drop table if exists stock_buckets`).execute(db);
}
