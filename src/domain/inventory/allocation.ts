import type { ReservationStatus } from './stock.js';

/**
 * The allocation policy's pure part: what a reservation run works on and decides. Where to
 * reserve from is reservationOrder() and the outcome is outcomeOf() (stock.ts); the conditional
 * UPDATEs that take the units are app/inventory/reserve.ts.
 */

export interface ReserveLine {
  lineId: string;
  lineNo: number;
  productId: string;
  sku: string;
  quantity: number;
}

export interface LineOutcome {
  lineId: string;
  lineNo: number;
  sku: string;
  quantity: number;
  reserved: number;
  shortage: number;
  allocations: Array<{ location: string; locationId: string; quantity: number; reservationId: string }>;
  /** Set when the shortage was recorded as a backorder; promisedOn from inbound supply (ATP). */
  backorder?: { id: string; quantity: number; promisedOn: string | null };
}

export interface ReservationOutcome {
  status: ReservationStatus;
  lines: LineOutcome[];
  expiresAt: string | null;
  reason?: string;
}

/** The outcome when the order's channel reserves later, not at intake. */
export function skippedOnIntake(): ReservationOutcome {
  return {
    status: 'skipped',
    lines: [],
    expiresAt: null,
    reason: 'the channel reserves later (settings.reserveOnIntake = false)',
  };
}

/**
 * The order lines are reserved in: by product, then line number, so two orders over the same
 * SKUs lock stock rows in the same order (no deadlock cycle between them).
 */
export function inLockOrder<L extends Pick<ReserveLine, 'productId' | 'lineNo'>>(lines: readonly L[]): L[] {
  return [...lines].sort((a, b) =>
    a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : a.lineNo - b.lineNo,
  );
}

/** One reservation a plan takes: a quantity of a line at one location. */
export interface PlannedTake {
  lineId: string;
  productId: string;
  locationId: string;
  quantity: number;
}

/**
 * What a reservation run takes when every stock row it may touch is locked and its free quantity
 * known (`free`, by `productId|locationId`; a missing row has none): per line in lock order, the
 * whole need at the first candidate that has it, else (partial allowed) what each candidate has in
 * turn — the choices the row-by-row guarded UPDATEs make on those figures. `free` is not changed.
 */
export function planOnLockedRows(
  lines: readonly ReserveLine[],
  candidates: ReadonlyArray<{ id: string }>,
  free: ReadonlyMap<string, number>,
  already: ReadonlyMap<string | null, number>,
  allowPartial: boolean,
): PlannedTake[] {
  const left = new Map(free);
  const takes: PlannedTake[] = [];
  const take = (line: ReserveLine, locationId: string, quantity: number) => {
    const key = `${line.productId}|${locationId}`;
    left.set(key, (left.get(key) ?? 0) - quantity);
    takes.push({ lineId: line.lineId, productId: line.productId, locationId, quantity });
  };
  for (const line of inLockOrder(lines)) {
    let missing = line.quantity - Math.min(line.quantity, already.get(line.lineId) ?? 0);
    if (missing <= 0) continue;
    const freeAt = (locationId: string) => left.get(`${line.productId}|${locationId}`) ?? 0;
    const whole = candidates.find((location) => freeAt(location.id) >= missing);
    if (whole) {
      take(line, whole.id, missing);
      continue;
    }
    if (!allowPartial) continue;
    for (const location of candidates) {
      if (missing <= 0) break;
      const quantity = Math.min(missing, freeAt(location.id));
      if (quantity <= 0) continue;
      take(line, location.id, quantity);
      missing -= quantity;
    }
  }
  return takes;
}
