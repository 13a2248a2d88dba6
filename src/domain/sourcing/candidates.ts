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
  const routingOrder = problem.order;
  if (routingOrder.deliveryMethod === 'ship') {
    return {
      to: routingOrder.destination,
      country: routingOrder.destination.country,
      region: routingOrder.destination.region,
      pickup: null,
    };
  }
  const location = problem.locations.find((l) => l.id === routingOrder.pickupLocationId);
  if (!location) return `pickup location ${routingOrder.pickupLocationId ?? '(none)'} is unknown`;
  if (!location.open) return `pickup location ${location.id} is closed`;
  if (!location.capabilities.includes('pickup')) return `location ${location.id} does not offer pickup`;
  if (location.dailyCapacity !== undefined && (location.usedToday ?? 0) >= location.dailyCapacity) {
    return `pickup location ${location.id} is at its daily capacity (${location.usedToday ?? 0}/${location.dailyCapacity})`;
  }
  return { to: location.position, country: location.country, region: location.region, pickup: location };
}

/** The first filter a location fails, or null. Cheap checks first: 2,000 locations per order. */
function filterLocation(
  problem: RoutingProblem,
  step: CompiledStep,
  loc: RoutingLocation,
  leg: Leg,
  excluded: ReadonlySet<string>,
): LossReason | null {
  const filters = step.filters;
  if (excluded.has(loc.id)) return { code: 'EXCLUDED' };
  if (filters.openOnly && !loc.open) return { code: 'CLOSED' };
  if (filters.underDailyCapacity && loc.dailyCapacity !== undefined && (loc.usedToday ?? 0) >= loc.dailyCapacity) {
    return { code: 'OVER_CAPACITY', used: loc.usedToday ?? 0, capacity: loc.dailyCapacity };
  }
  if (filters.locationTypes && !filters.locationTypes.includes(loc.type)) {
    return {
      code: 'FILTERED',
      filter: 'locationType',
      detail: `type ${loc.type} not in ${filters.locationTypes.join(', ')}`,
    };
  }
  const isPickupShelf = leg.pickup !== null && leg.pickup.id === loc.id;
  if (!isPickupShelf && !loc.capabilities.includes('ships')) {
    return { code: 'FILTERED', filter: 'capability', detail: 'cannot ship' };
  }
  if (filters.capabilities) {
    const missing = filters.capabilities.filter((c) => !loc.capabilities.includes(c));
    if (missing.length > 0) return { code: 'FILTERED', filter: 'capability', detail: `lacks ${missing.join(', ')}` };
  }
  if (filters.countries && !filters.countries.includes(loc.country)) {
    return {
      code: 'FILTERED',
      filter: 'country',
      detail: `country ${loc.country} not in ${filters.countries.join(', ')}`,
    };
  }
  if (filters.sameCountryAsDestination && loc.country !== leg.country) {
    return {
      code: 'FILTERED',
      filter: 'country',
      detail: `country ${loc.country} is not the destination's ${leg.country}`,
    };
  }
  if (filters.regions && !(loc.region && filters.regions.includes(loc.region))) {
    return {
      code: 'FILTERED',
      filter: 'region',
      detail: `region ${loc.region ?? '(none)'} not in ${filters.regions.join(', ')}`,
    };
  }
  if (filters.channelNetwork && !loc.networks.includes(problem.order.channel)) {
    return { code: 'FILTERED', filter: 'channelNetwork', detail: `does not serve channel ${problem.order.channel}` };
  }
  return null;
}

export function buildStepModel(problem: RoutingProblem, step: CompiledStep, leg: Leg): StepModel {
  const order = problem.order;
  const skus = [...new Set(order.lines.map((l) => l.sku))];
  const skuIndex = new Map(skus.map((s, i) => [s, i]));
  const units = order.lines.reduce((n, l) => n + l.quantity, 0);
  const objective = step.objective;
  const constraints = step.constraints;
  const excluded = new Set(problem.excludedLocationIds ?? []);
  const minStock = step.filters.minStock ?? 0;
  const candidates: Candidate[] = [];
  const rejected: Alternative[] = [];
  // A carrier service is chosen per location by the step's own weights for this order's units.
  const score = (base: number, perUnit: number, days: number) =>
    objective.shippingCost * (base + perUnit * units) + objective.deliveryPromise * days;

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
      for (let skuIndex = 0; skuIndex < skus.length; skuIndex++) {
        const level = levels[skus[skuIndex]!] ?? 0;
        if (level >= 1) {
          anyBeforeMin = true;
          if (level >= minStock) {
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
    const stock = skus.map((sku) => {
      const value = Math.max(0, Math.floor(levels![sku] ?? 0));
      return value >= minStock ? value : 0;
    });
    const distanceKm = haversineKm(loc.position, leg.to);
    if (step.filters.maxDistanceKm !== undefined && distanceKm > step.filters.maxDistanceKm) {
      rejected.push({
        locationId: loc.id,
        reason: { code: 'TOO_FAR', distanceKm: round1(distanceKm), maxKm: step.filters.maxDistanceKm },
      });
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
        reason: {
          code: 'NO_RATE',
          detail: `no ${mode} rate ${loc.country}→${leg.country} for ${Math.round(distanceKm)} km`,
        },
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

  const lines: ModelLine[] = order.lines.map((line) => {
    const batch = constraints.minBatch
      ? (constraints.minBatch.bySku?.[line.sku] ?? constraints.minBatch.default ?? 1)
      : 1;
    return { sku: skuIndex.get(line.sku)!, qty: line.quantity, minAlloc: Math.min(batch, line.quantity) };
  });
  const model: RoutingModel = {
    lines,
    skuCount: skus.length,
    promiseWeight: objective.deliveryPromise,
    maxShipments: constraints.maxShipments ?? Number.POSITIVE_INFINITY,
    shipComplete: constraints.shipComplete,
    keepLinesWhole: constraints.keepLinesWhole,
    locs: candidates.map((cand) => {
      const perUnit = objective.shippingCost * Number(cand.quote?.perUnit ?? 0n);
      const unit = new Array<number>(lines.length);
      for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
        const st = cand.stock[lines[lineIndex]!.sku]!;
        unit[lineIndex] = perUnit + (objective.stockBalance > 0 && st > 0 ? (objective.stockBalance * 100) / st : 0);
      }
      return {
        fixed:
          objective.shippingCost * Number(cand.quote?.base ?? 0n) +
          objective.distance * cand.distanceKm +
          objective.shipments +
          objective.locationPriority * (cand.location.priority ?? 0),
        unit,
        days: cand.days,
        stock: cand.stock,
      };
    }),
  };
  return { model, candidates, rejected, skus };
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
