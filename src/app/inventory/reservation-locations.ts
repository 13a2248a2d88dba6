import { sql } from 'kysely';
import type { CandidateLocation } from '../../domain/inventory/stock.js';
import { geocode, haversineKm, locPoint, type AddressLike, type GeoLocation } from '../../domain/sourcing/geo.js';
import type { TenantScope } from '../../store/tenant-scope.js';

/** A location as reservation ranks it: its priority and capabilities, and where it is. */
export interface ReservationLocation extends CandidateLocation, GeoLocation {}

/** A location's address as reservation geocodes it: its city only (an address is free-form and may be long). */
export const LOCATION_CITY = sql<Record<string, unknown>>`json_build_object('city', address ->> 'city')`;

/** The tenant's active locations, as reservation ranks them. */
export function activeLocations(scope: TenantScope): Promise<ReservationLocation[]> {
  return scope
    .selectFrom('locations')
    .select(['id', 'code', 'priority', 'capabilities', 'latitude', 'longitude', 'country'])
    .select(LOCATION_CITY.as('address'))
    .where('active', '=', true)
    .execute();
}

/**
 * The locations with their distance to the destination, geocoded as routing geocodes it
 * (load-routing-problem.ts), so that among equal priorities the hold is taken where the order will
 * most likely ship from and routing need not move it. Unknown destination: no distances.
 */
export function withDistances(
  locations: ReservationLocation[],
  destination: AddressLike | null | undefined,
): CandidateLocation[] {
  if (!destination || locations.length < 2) return locations;
  const dest = geocode(destination, locations);
  if (dest.how.startsWith('none')) return locations;
  return locations.map((location) => {
    if (!location.capabilities.includes('ships')) return location; // not a candidate
    const point = locPoint(location);
    return { ...location, km: point ? haversineKm(dest, point) : null };
  });
}
