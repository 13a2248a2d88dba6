/**
 * Inventory rules as pure functions: no I/O, no clock. The database guards concurrency; these
 * decide figures and choices from facts already loaded.
 */

export interface StockFigures {
  onHand: number;
  reserved: number;
  safety: number;
}

/**
 * Sellable quantity. Reservations are always backed by stock (reserved ≤ on hand is a database
 * CHECK); safety stock is a hold-back, not a commitment, so when it exceeds the free stock the
 * answer is 0 — availability is never negative.
 */
export const availableOf = (f: StockFigures): number => Math.max(0, f.onHand - f.reserved - f.safety);

/** A stock row's figures as the API shows them, with what is available and the row's version (for compare-and-swap). */
export interface Figures {
  onHand: number;
  reserved: number;
  safety: number;
  available: number;
  version: number;
}

export function figures(result: { on_hand: number; reserved: number; safety: number; version: number }): Figures {
  return {
    onHand: result.on_hand,
    reserved: result.reserved,
    safety: result.safety,
    available: Math.max(0, result.on_hand - result.reserved - result.safety),
    version: result.version,
  };
}

/** Channel rules kept in `channels.settings`. */
export interface ChannelStockRules {
  /** Location codes feeding the channel, in preference order; empty = every shipping location. */
  locations: string[];
  /** Units held back from the channel per SKU. */
  bufferQty: number;
  /** Percentage (0–100) of the stock held back from the channel. */
  bufferPct: number;
  /** Most the channel is ever shown per SKU. */
  cap: number | null;
  /** false: orders from the channel are accepted without reserving (a process reserves later). */
  reserveOnIntake: boolean;
  /** Minutes an intake reservation is held before it expires; null = until released. */
  holdMinutes: number | null;
}

const num = (v: unknown, min: number, max: number): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : null;

export function channelRules(settings: Record<string, unknown> | null | undefined): ChannelStockRules {
  const currentSettings = settings ?? {};
  const locs = Array.isArray(currentSettings.locations)
    ? currentSettings.locations.filter((x): x is string => typeof x === 'string')
    : [];
  return {
    locations: locs,
    bufferQty: Math.floor(num(currentSettings.bufferQty, 0, 1e9) ?? 0),
    bufferPct: num(currentSettings.bufferPct, 0, 100) ?? 0,
    cap: num(currentSettings.cap, 0, 1e9) === null ? null : Math.floor(currentSettings.cap as number),
    reserveOnIntake: currentSettings.reserveOnIntake !== false,
    holdMinutes: num(currentSettings.holdMinutes, 1, 60 * 24 * 365),
  };
}

/**
 * What a channel may show: the feeding locations' availability, less the percentage held back
 * (rounded down: never promise a fraction), less the buffer, capped.
 */
export function channelAvailable(
  total: number,
  result: Pick<ChannelStockRules, 'bufferQty' | 'bufferPct' | 'cap'>,
): number {
  // Integer arithmetic on basis points so 33.3 % of 10 is exactly 6 after rounding down.
  const kept = Math.floor((total * Math.round((100 - result.bufferPct) * 100)) / 10_000);
  const after = Math.max(0, kept - result.bufferQty);
  return result.cap === null ? after : Math.min(after, result.cap);
}

export interface CandidateLocation {
  id: string;
  code: string;
  priority: number;
  capabilities: string[];
  /** Kilometres to the order's destination, when both are placed; null or absent when not known. */
  km?: number | null;
}

/**
 * Locations to reserve from, best first: the pickup location alone for pickup orders; otherwise
 * shipping locations, the channel's feeding locations first (in the channel's order), then the
 * rest by priority (1 is best), among equal priorities the nearest to the destination (a placed
 * location before an unplaced one: where routing's default strategy would send the order, so the
 * hold need not move when it is routed), then code.
 */
export function reservationOrder(
  all: CandidateLocation[],
  opts: { pickupLocationId: string | null; feeding: string[] },
): CandidateLocation[] {
  if (opts.pickupLocationId) return all.filter((l) => l.id === opts.pickupLocationId);
  const distance = (l: CandidateLocation) => l.km ?? Number.POSITIVE_INFINITY;
  const ships = all
    .filter((l) => l.capabilities.includes('ships'))
    .sort(
      (a, b) =>
        a.priority - b.priority ||
        (distance(a) < distance(b) ? -1 : distance(a) > distance(b) ? 1 : 0) ||
        (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
    );
  const rank = new Map(opts.feeding.map((c, i) => [c, i]));
  const fed = ships.filter((l) => rank.has(l.code)).sort((a, b) => rank.get(a.code)! - rank.get(b.code)!);
  return [...fed, ...ships.filter((l) => !rank.has(l.code))];
}

export type ReservationStatus = 'reserved' | 'partial' | 'shortage' | 'skipped';

/** The outcome a process branches on: every unit held, some held, none held. */
export function outcomeOf(lines: Array<{ quantity: number; reserved: number }>): Exclude<ReservationStatus, 'skipped'> {
  const want = lines.reduce((a, l) => a + l.quantity, 0);
  const got = lines.reduce((a, l) => a + l.reserved, 0);
  if (got >= want) return 'reserved';
  return got === 0 ? 'shortage' : 'partial';
}

export interface SupplyLine {
  expectedOn: string;
  quantity: number;
}

/**
 * The earliest date by which open supply covers `needed` units after `ahead` units already
 * promised to earlier backorders (first come, first served); null when supply never covers it.
 */
export function promiseDate(supply: SupplyLine[], ahead: number, needed: number): string | null {
  let cumulative = 0;
  for (const supplyLine of [...supply].sort((a, b) =>
    a.expectedOn < b.expectedOn ? -1 : a.expectedOn > b.expectedOn ? 1 : 0,
  )) {
    cumulative += supplyLine.quantity;
    if (cumulative >= ahead + needed) return supplyLine.expectedOn;
  }
  return null;
}

/** Promise dates for backorders in arrival order, each behind the ones before it. */
export function promiseAll(
  supply: SupplyLine[],
  backorders: Array<{ id: string; quantity: number }>,
): Map<string, string | null> {
  const out = new Map<string, string | null>();
  let ahead = 0;
  for (const backorder of backorders) {
    out.set(backorder.id, promiseDate(supply, ahead, backorder.quantity));
    ahead += backorder.quantity;
  }
  return out;
}

export interface LotStock {
  lot: string;
  expiresOn: string | null;
  onHand: number;
}

/**
 * First expiry, first out: expired lots are never chosen, lots without a date go last.
 * Returns the picks and how many units could not be covered.
 */
export function chooseLotsFefo(
  lots: LotStock[],
  quantity: number,
  today: string,
): { picks: Array<{ lot: string; quantity: number }>; short: number } {
  const usable = lots
    .filter((l) => l.onHand > 0 && (l.expiresOn === null || l.expiresOn >= today))
    .sort((left, right) => {
      if (left.expiresOn !== right.expiresOn) {
        if (left.expiresOn === null) return 1;
        if (right.expiresOn === null) return -1;
        return left.expiresOn < right.expiresOn ? -1 : 1;
      }
      return left.lot < right.lot ? -1 : left.lot > right.lot ? 1 : 0;
    });
  const picks: Array<{ lot: string; quantity: number }> = [];
  let left = quantity;
  for (const lotStock of usable) {
    if (left === 0) break;
    const take = Math.min(left, lotStock.onHand);
    picks.push({ lot: lotStock.lot, quantity: take });
    left -= take;
  }
  return { picks, short: left };
}
