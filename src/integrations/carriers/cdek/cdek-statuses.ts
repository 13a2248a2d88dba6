import type { OrdoShipmentStatus } from '../types.js';

/**
 * CDEK v2 order statuses, "Приложение 15" of the CDEK API documentation (every code in the
 * table; one row lists two codes). Notes in the table matter: RETURNED_TO_*_WAREHOUSE is a
 * re-arrival at a warehouse, not a return to the sender.
 */
export const CDEK_STATUS_MAP = {
  ACCEPTED: 'created',
  CREATED: 'label_ready',
  RECEIVED_AT_SHIPMENT_WAREHOUSE: 'handed_over',
  READY_TO_SHIP_AT_SENDING_OFFICE: 'in_transit',
  READY_FOR_SHIPMENT_IN_TRANSIT_CITY: 'in_transit',
  READY_FOR_SHIPMENT_IN_SENDER_CITY: 'in_transit',
  RETURNED_TO_SENDER_CITY_WAREHOUSE: 'in_transit',
  TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY: 'in_transit',
  SENT_TO_TRANSIT_CITY: 'in_transit',
  ACCEPTED_IN_TRANSIT_CITY: 'in_transit',
  ACCEPTED_AT_TRANSIT_WAREHOUSE: 'in_transit',
  RETURNED_TO_TRANSIT_WAREHOUSE: 'in_transit',
  READY_TO_SHIP_IN_TRANSIT_OFFICE: 'in_transit',
  TAKEN_BY_TRANSPORTER_FROM_TRANSIT_CITY: 'in_transit',
  // Travelling back towards the sender's city: the return leg.
  SENT_TO_SENDER_CITY: 'returning',
  ACCEPTED_IN_SENDER_CITY: 'returning',
  SENT_TO_RECIPIENT_CITY: 'in_transit',
  ACCEPTED_IN_RECIPIENT_CITY: 'in_transit',
  ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE: 'in_transit',
  ACCEPTED_AT_PICK_UP_POINT: 'ready_for_pickup',
  TAKEN_BY_COURIER: 'out_for_delivery',
  // Delivery failed; CDEK tries again.
  RETURNED_TO_RECIPIENT_CITY_WAREHOUSE: 'failed_delivery',
  DELIVERED: 'delivered',
  // Refused by the buyer: final for this order, the goods go back to the shop.
  NOT_DELIVERED: 'returning',
  // CDEK could not accept the order data: it will never move.
  INVALID: 'cancelled',
  IN_CUSTOMS_INTERNATIONAL: 'in_transit',
  SHIPPED_TO_DESTINATION: 'in_transit',
  PASSED_TO_TRANSIT_CARRIER: 'in_transit',
  IN_CUSTOMS_LOCAL: 'in_transit',
  CUSTOMS_COMPLETE: 'in_transit',
  POSTOMAT_POSTED: 'ready_for_pickup',
  // Storage time in the locker ran out; returned to the shop.
  POSTOMAT_SEIZED: 'returning',
  POSTOMAT_RECEIVED: 'delivered',
} as const satisfies Record<string, OrdoShipmentStatus>;

export const CDEK_STATUSES = Object.keys(CDEK_STATUS_MAP);
