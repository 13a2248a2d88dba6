/**
 * The inputs and outputs of routing. Everything is plain data so the app layer can load it
 * from stock tables and rate tables, and the trace can be stored as JSON (see trace.ts).
 */
import type { RoutingStep, RoutingStrategy } from './strategy-schema.js';
import type { RateTable } from './rates.js';

export type DeliveryMethod = 'ship' | 'pickup';
export type LocationType = 'warehouse' | 'store' | 'pickup_point' | 'supplier';
export type Capability = 'ships' | 'pickup' | 'b2b';

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface RoutingOrderLine {
  lineId: string;
  sku: string;
  /** Whole units, > 0. */
  quantity: number;
}

export interface RoutingOrder {
  id?: string;
  lines: RoutingOrderLine[];
  deliveryMethod: DeliveryMethod;
  /** Where the parcel goes. For pickup orders the pickup location's own position is used instead. */
  destination: GeoPoint & { country: string; region?: string };
  /** Required when deliveryMethod is 'pickup'. */
  pickupLocationId?: string;
  channel: string;
  customer: { id?: string; segment: string };
  /** Extra facts strategy conditions may read as `order.attributes.x`. */
  attributes?: Record<string, string | number | boolean>;
}

export interface RoutingLocation {
  id: string;
  name?: string;
  type: LocationType;
  position: GeoPoint;
  country: string;
  region?: string;
  capabilities: Capability[];
  /** Channel networks the location serves (e.g. 'web', 'allegro', 'b2b-portal'). */
  networks: string[];
  open: boolean;
  /** Orders per day the location can fulfil; absent = unlimited. */
  dailyCapacity?: number;
  /** Orders already taken today. */
  usedToday?: number;
  /** Rank: 1 is the most preferred. Absent = 0 (no penalty). */
  priority?: number;
  /** Days to pick and pack before the carrier takes over. */
  handlingDays?: number;
}

/** locationId → sku → units available after safety stock (and after existing reservations). */
export type StockLevels = Record<string, Record<string, number>>;

export interface RoutingProblem {
  order: RoutingOrder;
  locations: RoutingLocation[];
  stock: StockLevels;
  rates: RateTable;
  /** Currency of the rate table and of every cost in the plan. */
  currency: string;
  /** Time is an input: promised dates are computed from it (UTC). */
  now: Date;
  strategy: CompiledStrategy;
  /** Locations never to use for this order (re-routing after a rejection). */
  excludedLocationIds?: string[];
}

export type SolverChoice = 'heuristic' | 'exact' | 'auto';

export interface SolveOptions {
  /** Overrides the strategy's solver choice. */
  solver?: SolverChoice;
  /** Time box of the exact optimiser, worker round trip included. Default: strategy or 200 ms. */
  exactTimeLimitMs?: number;
  /** 'auto' uses the exact optimiser when lines × candidate locations ≤ this. Default: strategy or 600. */
  autoExactMaxCells?: number;
  /** How many losing locations are listed individually (counts cover all). Default 50. */
  maxAlternatives?: number;
}

export interface Allocation {
  locationId: string;
  quantity: number;
}

export interface PlanLine {
  lineId: string;
  sku: string;
  requested: number;
  allocations: Allocation[];
  /** Units not allocated now: the backorder. */
  unfilled: number;
}

export type ShipmentKind = 'ship' | 'pickup_local' | 'transfer';

export interface Shipment {
  locationId: string;
  kind: ShipmentKind;
  carrier: string | null;
  service: string | null;
  units: number;
  distanceKm: number;
  /** Handling plus transit. */
  days: number;
  /** Exact, in minor units of the problem's currency. */
  cost: bigint;
  promisedDate: string;
}

export type LossReason =
  | { code: 'EXCLUDED' }
  | { code: 'CLOSED' }
  | { code: 'OVER_CAPACITY'; used: number; capacity: number }
  | { code: 'TOO_FAR'; distanceKm: number; maxKm: number }
  | { code: 'FILTERED'; filter: FilterName; detail: string }
  | { code: 'NO_STOCK' }
  | { code: 'NO_RATE'; detail: string }
  | {
      code: 'WORSE_COST';
      /** Units of this order it could have supplied. */
      coverableUnits: number;
      /** What one shipment from it would have cost (minor units) and taken. */
      shipmentCost: bigint;
      days: number;
      distanceKm: number;
    };

export type LossCode = LossReason['code'];

export type FilterName =
  | 'excluded'
  | 'open'
  | 'capacity'
  | 'maxDistance'
  | 'locationType'
  | 'capability'
  | 'country'
  | 'region'
  | 'channelNetwork'
  | 'minStock'
  | 'rate';

export interface Alternative {
  locationId: string;
  reason: LossReason;
}

/** The weighted objective, term by term, in the strategy's units (see docs/routing.md). */
export interface ScoreBreakdown {
  total: number;
  shippingCost: number;
  distance: number;
  deliveryPromise: number;
  shipments: number;
  locationPriority: number;
  stockBalance: number;
}

export type SolverUsed = 'heuristic' | 'exact' | 'exact-timeout-heuristic' | 'exact-error-heuristic' | 'none';

export type PlanStatus = 'complete' | 'backorder' | 'exception';

export interface StepAttempt {
  stepId: string;
  applied: boolean;
  /** What happened: condition false, filled, partial → fallback, … */
  outcome: 'condition_false' | 'complete' | 'partial' | 'no_candidates';
  unfilledUnits?: number;
  /** A condition that failed at run time (e.g. a missing attribute) counts as false; this says why. */
  conditionError?: string;
}

export interface Plan {
  status: PlanStatus;
  /** Set when status is 'exception'. */
  exceptionReason?: 'NO_STEP_APPLIES' | 'UNFILLED' | 'PICKUP_LOCATION_UNAVAILABLE';
  strategy: { key: string; version: number };
  /** The step whose plan this is (null when no step applied). */
  stepId: string | null;
  solver: SolverUsed;
  /** True when the exact optimiser proved optimality. */
  optimal: boolean;
  lines: PlanLine[];
  shipments: Shipment[];
  shipmentCount: number;
  cost: { currency: string; shipping: bigint; transfer: bigint; total: bigint };
  score: ScoreBreakdown;
  totalDistanceKm: number;
  /** The latest shipment's date (YYYY-MM-DD, UTC); null when nothing ships. */
  promisedDate: string | null;
  unfilled: { lineId: string; sku: string; quantity: number }[];
  alternatives: Alternative[];
  alternativeCounts: Partial<Record<LossCode, number>>;
  stepsTried: StepAttempt[];
  excludedLocationIds: string[];
}

/** The facts a condition sees. Numbers are CEL doubles; compare them with 5 or 5.0 alike. */
export interface ConditionContext {
  order: {
    id: string;
    channel: string;
    deliveryMethod: string;
    country: string;
    region: string;
    lineCount: number;
    totalQuantity: number;
    skus: string[];
    attributes: Record<string, string | number | boolean>;
  };
  channel: string;
  customer: { id: string; segment: string };
  delivery: string;
}

export type CompiledStep = RoutingStep & { condition: ((ctx: ConditionContext) => unknown) | null };

export interface CompiledStrategy extends Omit<RoutingStrategy, 'steps'> {
  steps: CompiledStep[];
}
