import type { GeoPoint } from './types.js';
import { CITIES } from './demo-network.js';

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** Great-circle distance in km (haversine); accurate to ~0.5 % which is plenty for zone bands. */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** A shipping address as far as geocoding reads it (free-form JSON: anything may be missing). */
export interface AddressLike { latitude?: unknown; longitude?: unknown; city?: unknown; country?: unknown; region?: unknown }

/** A location as geocoding reads it (its row: coordinates as numeric text, the address as JSON). */
export interface GeoLocation { code: string; country: string | null; latitude: string | null; longitude: string | null; address: Record<string, unknown> }

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').replace(/ł/g, 'l').replace(/Ł/g, 'L').toLowerCase().trim();

export function locPoint(l: GeoLocation): { lat: number; lon: number } | null {
  if (l.latitude !== null && l.longitude !== null) return { lat: Number(l.latitude), lon: Number(l.longitude) };
  const city = typeof l.address?.city === 'string' ? cityPoint(l.address.city, l.country ?? '') : null;
  return city;
}

export function cityPoint(city: string, country: string): { lat: number; lon: number } | null {
  const c = Object.values(CITIES).find((x) => fold(x.name) === fold(city) && (!country || x.country === country));
  return c ? { lat: c.lat, lon: c.lon } : null;
}

/**
 * Coordinates of a shipping address: its own latitude/longitude; else a location of the tenant
 * in the same city, or a known city; else the middle of the tenant's locations in that country.
 * The trace says which, so an operator sees when "nearest" was a guess.
 */
export function geocode(a: AddressLike, locations: GeoLocation[]): { lat: number; lon: number; how: string } {
  if (typeof a.latitude === 'number' && typeof a.longitude === 'number') return { lat: a.latitude, lon: a.longitude, how: 'address' };
  const country = typeof a.country === 'string' ? a.country : '';
  if (typeof a.city === 'string' && a.city) {
    const same = locations.find((l) => typeof l.address?.city === 'string' && fold(l.address.city) === fold(a.city as string) && l.latitude !== null);
    if (same) return { lat: Number(same.latitude), lon: Number(same.longitude), how: `city (${a.city}, as location ${same.code})` };
    const p = cityPoint(a.city, country);
    if (p) return { ...p, how: `city (${a.city})` };
  }
  const inCountry = locations.map((l) => ({ l, p: locPoint(l) })).filter((x) => x.p && (x.l.country ?? '') === country);
  if (inCountry.length) {
    const lat = inCountry.reduce((n, x) => n + x.p!.lat, 0) / inCountry.length;
    const lon = inCountry.reduce((n, x) => n + x.p!.lon, 0) / inCountry.length;
    return { lat, lon, how: `country (${country}: middle of the locations; the address has no coordinates and an unknown city)` };
  }
  return { lat: 0, lon: 0, how: 'none (no coordinates, city or located country)' };
}
