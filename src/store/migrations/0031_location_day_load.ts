import { sql, type Kysely } from 'kysely';

/**
 * A location's daily capacity as a counter (issue 19 item 4, docs/routing.md "Daily capacity"):
 * how many orders' current routes of a UTC day use the location, kept for locations with a
 * `daily_capacity`. Routing reads one row per location instead of every route of the day, and
 * claims a unit with a guarded upsert in the transaction that writes the route (never past the
 * capacity, whoever routes at the same time); a route superseded by a re-route gives its unit back.
 * Backfilled from the current routes of today and yesterday (UTC): older days are never read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const statement of [
    `create table location_day_load (
      tenant_id uuid not null,
      location_id uuid not null,
      day date not null,
      orders int not null check (orders >= 0),
      primary key (tenant_id, location_id, day),
      foreign key (tenant_id, location_id) references locations(tenant_id, id) on delete cascade
    )`,
    `insert into location_day_load (tenant_id, location_id, day, orders)
     select r.tenant_id, used.location_id, (r.created_at at time zone 'UTC')::date, count(distinct r.order_id)
       from order_routes r
       cross join lateral unnest(r.location_ids) as used(location_id)
       join locations l on l.tenant_id = r.tenant_id and l.id = used.location_id and l.daily_capacity is not null
      where r.current and r.created_at >= date_trunc('day', now(), 'UTC') - interval '1 day'
      group by 1, 2, 3`,
  ])
    await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql.raw(`drop table if exists location_day_load`).execute(db);
}
