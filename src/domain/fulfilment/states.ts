/** Where a fulfilment order is in its life (stored in fulfilment_orders.state). */
export type FulfilmentState =
  | 'requested'
  | 'accepted'
  | 'rejected'
  | 'picking'
  | 'picked'
  | 'packed'
  | 'ready_for_pickup'
  | 'shipped'
  | 'delivered'
  | 'collected'
  | 'cancelled';

/**
 * The fulfilment-order state machine, as data. Ship orders go requested → accepted → picking →
 * picked → packed → shipped → delivered; pickup orders go … packed → ready_for_pickup → collected
 * (or → cancelled when not collected: the held units go back on the shelf).
 * Anything else is refused (409) before a row changes.
 */
export const FULFILMENT_MOVES: Readonly<Record<FulfilmentState, readonly FulfilmentState[]>> = {
  requested: ['accepted', 'rejected', 'cancelled'],
  accepted: ['picking', 'rejected', 'cancelled'],
  picking: ['picked', 'cancelled'],
  picked: ['packed', 'cancelled'],
  packed: ['shipped', 'ready_for_pickup', 'cancelled'],
  ready_for_pickup: ['collected', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  collected: [],
  rejected: [],
  cancelled: [],
};

/** States in which a fulfilment order still holds work or goods for its order. */
export const LIVE_STATES: readonly FulfilmentState[] = [
  'requested',
  'accepted',
  'picking',
  'picked',
  'packed',
  'ready_for_pickup',
  'shipped',
  'delivered',
  'collected',
];
export const isLive = (s: FulfilmentState): boolean => LIVE_STATES.includes(s);

/** True when `from` may move to `to`; pickup orders never ship and ship orders never wait for pickup. */
export function canMove(from: FulfilmentState, to: FulfilmentState, kind: string): boolean {
  if (!FULFILMENT_MOVES[from].includes(to)) return false;
  if (to === 'ready_for_pickup') return kind === 'pickup';
  if (to === 'shipped') return kind !== 'pickup';
  return true;
}

/** Shipment statuses after which a carrier no longer moves the parcel (polling stops). */
export const FINAL_SHIPMENT_STATUSES = ['delivered', 'returned', 'cancelled'] as const;
