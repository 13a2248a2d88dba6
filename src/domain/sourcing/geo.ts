import type { GeoPoint } from './types.js';
import { CITIES } from './demo-network.js';

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance in km (haversine); accurate to ~0.5 % which is plenty for zone bands. */
export function haversineKm(left: GeoPoint, geoPoint: GeoPoint): number {
  const dLat = (geoPoint.lat - left.lat) * RAD;
  const dLon = (geoPoint.lon - left.lon) * RAD;
  const size =
    Math.sin(dLat / 2) ** 2 + Math.cos(left.lat * RAD) * Math.cos(geoPoint.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(size)));
}

/** A shipping address as far as geocoding reads it (free-form JSON: anything may be missing). */
export interface AddressLike {
  latitude?: unknown;
  longitude?: unknown;
  city?: unknown;
  country?: unknown;
  region?: unknown;
}

/**
 * Where an order goes, as routing and reservation geocode it: its shipping address, else the
 * address of its third-party pickup point (pickup_point delivery); null when it has neither.
 */
export function destinationOf(shippingAddress: unknown, pickupPoint: unknown): AddressLike | null {
  if (shippingAddress && typeof shippingAddress === 'object') return shippingAddress as AddressLike;
  const address = (pickupPoint as { address?: unknown } | null | undefined)?.address;
  return address && typeof address === 'object' ? (address as AddressLike) : null;
}

/** A location as geocoding reads it (its row: coordinates as numeric text, the address as JSON). */
export interface GeoLocation {
  code: string;
  country: string | null;
  /** Numeric text as a row gives it, or a number as JSON does. */
  latitude: string | number | null;
  longitude: string | number | null;
  address: Record<string, unknown>;
}

const fold = (s: string) =>
  s.normalize('NFD').replace(/\p{M}/gu, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').toLowerCase().trim();

export function locPoint(geoLocation: GeoLocation): { lat: number; lon: number } | null {
  if (geoLocation.latitude !== null && geoLocation.longitude !== null)
    return { lat: Number(geoLocation.latitude), lon: Number(geoLocation.longitude) };
  const city =
    typeof geoLocation.address?.city === 'string'
      ? cityPoint(geoLocation.address.city, geoLocation.country ?? '')
      : null;
  return city;
}

export function cityPoint(city: string, country: string): { lat: number; lon: number } | null {
  const item = Object.values(CITIES).find((x) => fold(x.name) === fold(city) && (!country || x.country === country));
  return item ? { lat: item.lat, lon: item.lon } : null;
}

/**
 * Coordinates of a shipping address: its own latitude/longitude; else a location of the tenant
 * in the same city, or a known city; else the middle of the tenant's locations in that country.
 * The trace says which, so an operator sees when "nearest" was a guess.
 */
export function geocode(addressLike: AddressLike, locations: GeoLocation[]): { lat: number; lon: number; how: string } {
  if (typeof addressLike.latitude === 'number' && typeof addressLike.longitude === 'number')
    return { lat: addressLike.latitude, lon: addressLike.longitude, how: 'address' };
  const country = typeof addressLike.country === 'string' ? addressLike.country : '';
  if (typeof addressLike.city === 'string' && addressLike.city) {
    const same = locations.find(
      (l) =>
        typeof l.address?.city === 'string' &&
        fold(l.address.city) === fold(addressLike.city as string) &&
        l.latitude !== null,
    );
    if (same)
      return {
        lat: Number(same.latitude),
        lon: Number(same.longitude),
        how: `city (${addressLike.city}, as location ${same.code})`,
      };
    const point = cityPoint(addressLike.city, country);
    if (point) return { ...point, how: `city (${addressLike.city})` };
  }
  const inCountry = locations.map((l) => ({ l, p: locPoint(l) })).filter((x) => x.p && (x.l.country ?? '') === country);
  if (inCountry.length) {
    const lat = inCountry.reduce((n, x) => n + x.p!.lat, 0) / inCountry.length;
    const lon = inCountry.reduce((n, x) => n + x.p!.lon, 0) / inCountry.length;
    return {
      lat,
      lon,
      how: `country (${country}: middle of the locations; the address has no coordinates and an unknown city)`,
    };
  }
  return { lat: 0, lon: 0, how: 'none (no coordinates, city or located country)' };
}
