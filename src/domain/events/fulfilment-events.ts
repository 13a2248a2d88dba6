import { z } from 'zod';
import { id, line, qty, time, type EventDefinition } from './event-fields.js';

/** Fulfilment and delivery events (issue 6): requests to a location, picking, packing, pickup, shipments and their carrier status. */
export const FULFILMENT_EVENTS = {
  'fulfilment.requested': {
    subject: 'order',
    version: 1,
    description: 'A location was asked to pick, pack and ship lines of an order.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id, lines: z.array(line) }),
  },
  'shipment.shipped': {
    subject: 'order',
    version: 1,
    description: 'A shipment left the location.',
    payload: z.looseObject({
      orderId: id,
      shipmentId: id,
      carrier: z.string(),
      trackingNumber: z.string().nullable().optional(),
    }),
  },
  'shipment.delivered': {
    subject: 'order',
    version: 1,
    description: 'A shipment was delivered to the customer.',
    payload: z.looseObject({ orderId: id, shipmentId: id, deliveredAt: time }),
  },
  // fulfilment and delivery (issue 6)
  'fulfilment.accepted': {
    subject: 'order',
    version: 1,
    description: 'A location accepted a fulfilment order.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id }),
  },
  'fulfilment.rejected': {
    subject: 'order',
    version: 1,
    description: 'A location rejected a fulfilment order.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id, reason: z.string() }),
  },
  'fulfilment.cancelled': {
    subject: 'order',
    version: 1,
    description:
      "A fulfilment order was cancelled (by the API or the order's cancellation): the location stops work and puts picked goods back; its reservations were released.",
    payload: z.looseObject({
      orderId: id,
      fulfilmentId: id,
      locationId: id,
      reason: z.string(),
      fromState: z
        .string()
        .optional()
        .describe('the state it was cancelled from: picked or packed goods go back to the shelf'),
      shipmentId: id.nullable().optional().describe('the shipment cancelled with it, if any'),
      lines: z.array(line).optional(),
    }),
  },
  'fulfilment.picking_started': {
    subject: 'order',
    version: 1,
    description: 'A location started picking a fulfilment order.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id }),
  },
  'fulfilment.picked': {
    subject: 'order',
    version: 1,
    description: 'Every line of a fulfilment order was picked in full.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id, lines: z.array(line) }),
  },
  'fulfilment.short_picked': {
    subject: 'order',
    version: 1,
    description: 'A fulfilment order was picked with fewer units than asked.',
    payload: z.looseObject({
      orderId: id,
      fulfilmentId: id,
      locationId: id,
      lines: z.array(z.looseObject({ sku: z.string(), quantity: qty, picked: qty })),
    }),
  },
  'fulfilment.packed': {
    subject: 'order',
    version: 1,
    description: 'A fulfilment order was packed.',
    payload: z.looseObject({
      orderId: id,
      fulfilmentId: id,
      locationId: id,
      packages: z.array(z.looseObject({ weightG: qty })),
    }),
  },
  'fulfilment.ready_for_pickup': {
    subject: 'order',
    version: 1,
    description: 'A pickup fulfilment order waits for the customer.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id }),
  },
  'fulfilment.collected': {
    subject: 'order',
    version: 1,
    description: 'The customer collected a pickup fulfilment order.',
    payload: z.looseObject({ orderId: id, fulfilmentId: id, locationId: id }),
  },
  'shipment.created': {
    subject: 'order',
    version: 1,
    description: 'A carrier accepted a shipment (label bought).',
    payload: z.looseObject({ orderId: id, shipmentId: id, carrier: z.string(), trackingNumber: z.string().nullable() }),
  },
  'shipment.failed': {
    subject: 'order',
    version: 1,
    description: 'A carrier refused or did not answer a shipment request; the shipment waits for a retry.',
    payload: z.looseObject({
      orderId: id,
      shipmentId: id,
      carrier: z.string(),
      code: z.string(),
      message: z.string(),
      retryable: z.boolean(),
    }),
  },
  'shipment.cancelled': {
    subject: 'order',
    version: 1,
    description: 'A shipment was cancelled (at the carrier first, unless carrierBooking says otherwise).',
    payload: z.looseObject({
      orderId: id,
      shipmentId: id,
      carrier: z.string(),
      carrierBooking: z
        .enum(['voided', 'not_booked', 'to_void'])
        .optional()
        .describe(
          "to_void: cancelled by the order's process, which calls no carrier; the booking carrierShipmentId is still to be voided at the carrier",
        ),
    }),
  },
  'shipment.status_changed': {
    subject: 'order',
    version: 1,
    description: 'Carrier tracking moved a shipment to another status.',
    payload: z.looseObject({
      orderId: id,
      shipmentId: id,
      from: z.string(),
      to: z.string(),
      carrierStatus: z.string(),
      at: time,
    }),
  },
  'shipment.delivery_failed': {
    subject: 'order',
    version: 1,
    description: 'The carrier could not deliver a shipment (failed attempt or returned).',
    payload: z.looseObject({ orderId: id, shipmentId: id, carrierStatus: z.string(), at: time }),
  },
} as const satisfies Record<string, EventDefinition>;
