/**
 * From a problem and one strategy step to the numeric model: run the candidate filters (and
 * remember which filter removed each location), price each surviving location from the rate
 * table, and weight its costs with the step's objective.
 */
import { haversineKm } from './geo.js';
import type { ModelLine, RoutingModel } from './model.js';
import { bestQuote, type RateQuote } from './rates.js';
import type { CompiledStep } from './strategy.js';
import type { Alternative, GeoPoint, LossReason, RoutingLocation, RoutingProblem, ShipmentKind } from './types.js';

export interface Candidate {
  location: RoutingLocation;
  kind: ShipmentKind;
  distanceKm: number;
  /** null for a pickup store serving from its own shelf. */
  quote: RateQuote | null;
  /** Handling plus transit. */
  days: number;
  /** Usable units per model SKU index (after the minStock filter). */
  stock: number[];
}

export interface StepModel {
  model: RoutingModel;
  /** Aligned with model.locs. */
  candidates: Candidate[];
  /** Locations that did not make it into the model, with the reason. */
  rejected: Alternative[];
  skus: string[];
}

export interface Leg {
  to: GeoPoint;
  country: string;
  region: string | undefined;
  /** For click-and-collect: the store or point the customer collects from. */
  pickup: RoutingLocation | null;
}

/** Where the goods must end up. Returns a reason string when a pickup order's location cannot take it. */
export function destinationOf(problem: RoutingProblem): Leg | string {
  const o = problem.order;
  if (o.deliveryMethod === 'ship') {
    return { to: o.destination, country: o.destination.country, region: o.destination.region, pickup: null };
  }
  const p = problem.locations.find((l) => l.id === o.pickupLocationId);
  if (!p) return `pickup location ${o.pickupLocationId ?? '(none)'} is unknown`;
  if (!p.open) return `pickup location ${p.id} is closed`;
  if (!p.capabilities.includes('pickup')) return `location ${p.id} does not offer pickup`;
  if (p.dailyCapacity !== undefined && (p.usedToday ?? 0) >= p.dailyCapacity) {
    return `pickup location ${p.id} is at its daily capacity (${p.usedToday ?? 0}/${p.dailyCapacity})`;
  }
  return { to: p.position, country: p.country, region: p.region, pickup: p };
}


/** The first filter a location fails, or null. Cheap checks first: 2,000 locations per order. */
function filterLocation(
  problem: RoutingProblem,
  step: CompiledStep,
  loc: RoutingLocation,
  leg: Leg,
  excluded: ReadonlySet<string>,
): LossReason | null {
  const f = step.filters;
  if (excluded.has(loc.id)) return { code: 'EXCLUDED' };
  if (f.openOnly && !loc.open) return { code: 'CLOSED' };
  if (f.underDailyCapacity && loc.dailyCapacity !== undefined && (loc.usedToday ?? 0) >= loc.dailyCapacity) {
    return { code: 'OVER_CAPACITY', used: loc.usedToday ?? 0, capacity: loc.dailyCapacity };
  }
  if (f.locationTypes && !f.locationTypes.includes(loc.type)) {
    return { code: 'FILTERED', filter: 'locationType', detail: `type ${loc.type} not in ${f.locationTypes.join(', ')}` };
  }
  const isPickupShelf = leg.pickup !== null && leg.pickup.id === loc.id;
  if (!isPickupShelf && !loc.capabilities.includes('ships')) {
    return { code: 'FILTERED', filter: 'capability', detail: 'cannot ship' };
  }
  if (f.capabilities) {
    const missing = f.capabilities.filter((c) => !loc.capabilities.includes(c));
    if (missing.length > 0) return { code: 'FILTERED', filter: 'capability', detail: `lacks ${missing.join(', ')}` };
  }
  if (f.countries && !f.countries.includes(loc.country)) {
    return { code: 'FILTERED', filter: 'country', detail: `country ${loc.country} not in ${f.countries.join(', ')}` };
  }
  if (f.sameCountryAsDestination && loc.country !== leg.country) {
    return { code: 'FILTERED', filter: 'country', detail: `country ${loc.country} is not the destination's ${leg.country}` };
  }
  if (f.regions && !(loc.region && f.regions.includes(loc.region))) {
    return { code: 'FILTERED', filter: 'region', detail: `region ${loc.region ?? '(none)'} not in ${f.regions.join(', ')}` };
  }
  if (f.channelNetwork && !loc.networks.includes(problem.order.channel)) {
    return { code: 'FILTERED', filter: 'channelNetwork', detail: `does not serve channel ${problem.order.channel}` };
  }
  return null;
}

export function buildStepModel(problem: RoutingProblem, step: CompiledStep, leg: Leg): StepModel {
  const order = problem.order;
  const skus = [...new Set(order.lines.map((l) => l.sku))];
  const skuIndex = new Map(skus.map((s, i) => [s, i]));
  const units = order.lines.reduce((n, l) => n + l.quantity, 0);
  const w = step.objective;
  const c = step.constraints;
  const excluded = new Set(problem.excludedLocationIds ?? []);
  const minStock = step.filters.minStock ?? 0;
  const candidates: Candidate[] = [];
  const rejected: Alternative[] = [];
  // A carrier service is chosen per location by the step's own weights for this order's units.
  const score = (base: number, perUnit: number, days: number) =>
    w.shippingCost * (base + perUnit * units) + w.deliveryPromise * days;

  for (const loc of problem.locations) {
    const reason = filterLocation(problem, step, loc, leg, excluded);
    if (reason) {
      rejected.push({ locationId: loc.id, reason });
      continue;
    }
    const levels = problem.stock[loc.id];
    // Most locations hold none of an order's SKUs: find that out before allocating anything.
    let any = false;
    let anyBeforeMin = false;
    if (levels) {
      for (let k = 0; k < skus.length; k++) {
        const v = levels[skus[k]!] ?? 0;
        if (v >= 1) {
          anyBeforeMin = true;
          if (v >= minStock) {
            any = true;
            break;
          }
        }
      }
    }
    if (!any) {
      rejected.push({
        locationId: loc.id,
        reason: anyBeforeMin
          ? { code: 'FILTERED', filter: 'minStock', detail: `stock below the minimum of ${minStock}` }
          : { code: 'NO_STOCK' },
      });
      continue;
    }
    const stock = skus.map((s) => {
      const v = Math.max(0, Math.floor(levels![s] ?? 0));
      return v >= minStock ? v : 0;
    });
    const distanceKm = haversineKm(loc.position, leg.to);
    if (step.filters.maxDistanceKm !== undefined && distanceKm > step.filters.maxDistanceKm) {
      rejected.push({ locationId: loc.id, reason: { code: 'TOO_FAR', distanceKm: round1(distanceKm), maxKm: step.filters.maxDistanceKm } });
      continue;
    }
    const handling = loc.handlingDays ?? 0;
    if (leg.pickup && leg.pickup.id === loc.id) {
      candidates.push({ location: loc, kind: 'pickup_local', distanceKm: 0, quote: null, days: handling, stock });
      continue;
    }
    const mode = leg.pickup ? 'transfer' : 'delivery';
    const quote = bestQuote(problem.rates, mode, loc.country, leg.country, distanceKm, step.filters.services, score);
    if (!quote) {
      rejected.push({
        locationId: loc.id,
        reason: { code: 'NO_RATE', detail: `no ${mode} rate ${loc.country}→${leg.country} for ${Math.round(distanceKm)} km` },
      });
      continue;
    }
    candidates.push({
      location: loc,
      kind: leg.pickup ? 'transfer' : 'ship',
      distanceKm,
      quote,
      days: handling + quote.transitDays,
      stock,
    });
  }

  const lines: ModelLine[] = order.lines.map((l) => {
    const batch = c.minBatch ? (c.minBatch.bySku?.[l.sku] ?? c.minBatch.default ?? 1) : 1;
    return { sku: skuIndex.get(l.sku)!, qty: l.quantity, minAlloc: Math.min(batch, l.quantity) };
  });
  const model: RoutingModel = {
    lines,
    skuCount: skus.length,
    promiseWeight: w.deliveryPromise,
    maxShipments: c.maxShipments ?? Number.POSITIVE_INFINITY,
    shipComplete: c.shipComplete,
    keepLinesWhole: c.keepLinesWhole,
    locs: candidates.map((cand) => {
      const perUnit = w.shippingCost * Number(cand.quote?.perUnit ?? 0n);
      const unit = new Array<number>(lines.length);
      for (let i = 0; i < lines.length; i++) {
        const st = cand.stock[lines[i]!.sku]!;
        unit[i] = perUnit + (w.stockBalance > 0 && st > 0 ? (w.stockBalance * 100) / st : 0);
      }
      return {
        fixed:
          w.shippingCost * Number(cand.quote?.base ?? 0n) +
          w.distance * cand.distanceKm +
          w.shipments +
          w.locationPriority * (cand.location.priority ?? 0),
        unit,
        days: cand.days,
        stock: cand.stock,
      };
    }),
  };
  return { model, candidates, rejected, skus };
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
