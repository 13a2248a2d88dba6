import { sql } from 'kysely';
import '../../store/schema-sourcing.js';
import type { Plan } from '../../domain/sourcing/index.js';
import type { CompiledStrategy } from '../../domain/sourcing/index.js';
import type { Work } from '../../store/tenant-scope.js';

/**
 * A location's daily capacity, counted (migration 0031, docs/routing.md "Daily capacity"): per
 * location with a `daily_capacity` and UTC day, how many orders' current routes use it. Routing
 * reads one row per location (loadNetwork) instead of the day's routes; the transaction that writes
 * a route claims its units here first, with a guarded upsert, so two orders routed at once can
 * never take a location past its capacity; a route superseded by a re-route gives them back.
 * Locations without a capacity are not counted: their routes take no row lock of a shared counter.
 */

/** The UTC day of an instant, as PostgreSQL's `date` text. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The UTC midnight starting the day of `now`. */
export function dayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * The locations a plan allocates from whose capacity the plan relied on: the step filtered on
 * `underDailyCapacity`, or the location is the order's pickup location (always checked). Their
 * claim is guarded; any other capped location is still counted, unguarded.
 */
export function enforcedLocations(plan: Plan, strategy: CompiledStrategy, pickupLocationId?: string): Set<string> {
  const step = strategy.steps.find((candidate) => candidate.id === plan.stepId);
  const enforced = new Set<string>();
  for (const line of plan.lines)
    for (const allocation of line.allocations)
      if (step?.filters.underDailyCapacity || allocation.locationId === pickupLocationId)
        enforced.add(allocation.locationId);
  return enforced;
}

/**
 * Claims one unit of today's capacity at each of the given capped locations, in the caller's
 * transaction. A guarded location whose counter is at its capacity is not claimed: the upsert's
 * condition is evaluated on the row as the last committed writer left it (a concurrent claimer is
 * waited for), so the capacity holds under concurrency. Returns the locations refused. The first
 * claim of a location's day also counts the day's current routes written before its counter
 * existed (a capacity set during the day).
 */
export async function claimCapacity(
  tx: Work,
  now: Date,
  orderId: string,
  cappedLocationIds: string[],
  enforced: ReadonlySet<string>,
): Promise<string[]> {
  if (cappedLocationIds.length === 0) return [];
  const day = dayOf(now);
  const guarded = cappedLocationIds.filter((id) => enforced.has(id));
  const { rows: claimed } = await sql<{ location_id: string; fresh: boolean }>`
    insert into location_day_load as d (tenant_id, location_id, day, orders)
    select l.tenant_id, l.id, ${day}::date, 1 from locations l
     where l.tenant_id = ${tx.tenantId} and l.id = any(${cappedLocationIds}::uuid[]) and l.daily_capacity is not null
       and (l.daily_capacity > 0 or l.id <> all(${guarded}::uuid[]))
    on conflict (tenant_id, location_id, day) do update set orders = d.orders + 1
     where d.location_id <> all(${guarded}::uuid[])
        or d.orders < (select l.daily_capacity from locations l where l.tenant_id = d.tenant_id and l.id = d.location_id)
    returning d.location_id, (d.xmax = 0) as fresh`.execute(tx.conn);
  const refused = new Set(guarded);
  const fresh: string[] = [];
  for (const row of claimed) {
    refused.delete(row.location_id);
    if (row.fresh) fresh.push(row.location_id);
  }
  if (fresh.length) {
    // A new day's row: count the routes of the day written while the location had no counter.
    const start = dayStart(now);
    const { rows: seeded } = await sql<{ location_id: string; orders: number; capacity: number }>`
      update location_day_load d set orders = d.orders + (
        select count(distinct r.order_id)::int from order_routes r
         where r.tenant_id = d.tenant_id and r.current and r.created_at >= ${start}
           and r.created_at < ${new Date(start.getTime() + 86_400_000)}
           and d.location_id = any(r.location_ids) and r.order_id <> ${orderId})
       from locations l
      where d.tenant_id = ${tx.tenantId} and d.day = ${day}::date and d.location_id = any(${fresh}::uuid[])
        and l.tenant_id = d.tenant_id and l.id = d.location_id
      returning d.location_id, d.orders, l.daily_capacity as capacity`.execute(tx.conn);
    const over = seeded.filter((row) => enforced.has(row.location_id) && row.orders > row.capacity);
    await releaseCapacity(
      tx,
      over.map((row) => ({ locationId: row.location_id, day })),
    );
    for (const row of over) refused.add(row.location_id);
  }
  return [...refused];
}

/** Gives back one unit per (location, day): a route that stopped being current, or a claim the final plan did not use. */
export async function releaseCapacity(tx: Work, units: Array<{ locationId: string; day: string }>): Promise<void> {
  if (units.length === 0) return;
  await sql`
    update location_day_load d set orders = greatest(d.orders - 1, 0)
      from unnest(${units.map((unit) => unit.locationId)}::uuid[], ${units.map((unit) => unit.day)}::date[]) as u(location_id, day)
     where d.tenant_id = ${tx.tenantId} and d.location_id = u.location_id and d.day = u.day`.execute(tx.conn);
}
