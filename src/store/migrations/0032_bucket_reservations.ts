import { sql, type Kysely } from 'kysely';

/**
 * Hot SKUs wired into reservations (issue 19 item 3, docs/inventory.md "Hot SKUs: stock buckets").
 * - stock_levels.buckets: how many buckets the row's free quantity is lent to (0 = none), so the
 *   readers that report figures add back what is free inside the buckets only for bucketed rows,
 *   and the writers know, from the row they already read, whether buckets are involved.
 * - stock_reservations.bucket: the bucket a reservation holds its units in (null = on the row), so
 *   a release, an expiry or a shipment gives them back to that bucket. Splitting or merging folds
 *   the buckets into the row and sets it back to null for the live reservations of that row
 *   (the partial index finds them).
 * - stock_buckets.change_xid: the writer's transaction id, so the availability feed sees a
 *   bucketed row change when only its buckets did.
 */
const statements = [
  `alter table stock_levels add column buckets smallint not null default 0 check (buckets >= 0)`,
  `alter table stock_reservations add column bucket int check (bucket >= 0)`,
  `alter table stock_buckets add column change_xid xid8 not null default '0'`,
  `create index stock_reservations_in_buckets on stock_reservations (tenant_id, product_id, location_id)
    where bucket is not null and status = 'active'`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `drop index if exists stock_reservations_in_buckets`,
    `alter table stock_buckets drop column if exists change_xid`,
    `alter table stock_reservations drop column if exists bucket`,
    `alter table stock_levels drop column if exists buckets`,
  ])
    await sql.raw(statement).execute(db);
}
