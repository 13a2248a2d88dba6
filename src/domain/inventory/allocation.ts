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
