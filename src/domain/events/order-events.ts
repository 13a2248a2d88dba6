import { z } from 'zod';
import { id, line, money, qty, time, type EventDefinition } from './event-fields.js';

/** Order and stock events: acceptance, updates, state changes, cancellation, change sets, routing, reservations and stock levels. */
export const ORDER_EVENTS = {
  'order.accepted': {
    subject: 'order',
    version: 1,
    description: 'An order was accepted from a channel.',
    payload: z.looseObject({
      orderId: id,
      number: z.string(),
      channelId: id,
      externalId: z.string().nullable(),
      state: z.string(),
      currency: z.string(),
      grandTotal: money,
      lineCount: qty,
      customerId: id.nullable(),
      placedAt: time,
    }),
  },
  'order.updated': {
    subject: 'order',
    version: 1,
    description: 'Addresses, attributes or notes of an order changed.',
    payload: z.looseObject({
      orderId: id,
      version: z.number().int(),
      changed: z.array(z.string()),
      changes: z.record(z.string(), z.unknown()),
    }),
  },
  'order.state_changed': {
    subject: 'order',
    version: 1,
    description: 'An order moved from one process state to another.',
    payload: z.looseObject({
      orderId: id,
      from: z.string().nullable(),
      to: z.string(),
      reason: z.record(z.string(), z.unknown()).optional(),
    }),
  },
  'order.cancelled': {
    subject: 'order',
    version: 1,
    description: 'An order or some of its lines were cancelled.',
    payload: z.looseObject({ orderId: id, reason: z.string().optional(), lines: z.array(line).optional() }),
  },
  'order.changed': {
    subject: 'order',
    version: 1,
    description:
      'A change set was confirmed on a placed order (lines added, removed or cancelled, quantities, prices, items, the delivery fee or method).',
    payload: z.looseObject({
      orderId: id,
      number: z.string(),
      version: z.number().int().describe("the order's version after the change"),
      changeId: id,
      changeVersion: z.number().int(),
      actions: z.array(z.string()),
      currency: z.string(),
      grandTotal: money,
      previousGrandTotal: money,
      refund: money.describe('given back through the payments that took the money'),
      outstanding: money.describe('still to be paid for the new total'),
      stock: z.array(z.looseObject({ sku: z.string(), delta: qty })),
    }),
  },
  'order.routed': {
    subject: 'order',
    version: 1,
    description: 'Lines of an order were assigned to locations.',
    payload: z.looseObject({
      orderId: id,
      allocations: z.array(z.looseObject({ sku: z.string(), locationId: id, quantity: qty })),
    }),
  },
  'stock.reserved': {
    subject: 'order',
    version: 1,
    description: 'Stock was reserved for an order.',
    payload: z.looseObject({
      orderId: id,
      reservations: z.array(z.looseObject({ sku: z.string(), locationId: id, quantity: qty })),
    }),
  },
  'stock.released': {
    subject: 'order',
    version: 1,
    description: 'Reserved stock was released (cancelled, expired or shipped).',
    payload: z.looseObject({
      orderId: id,
      reason: z.string(),
      reservations: z.array(z.looseObject({ sku: z.string(), locationId: id, quantity: qty })),
    }),
  },
  'stock.changed': {
    subject: 'sku',
    version: 1,
    description: 'On-hand or available stock of a SKU at a location changed.',
    payload: z.looseObject({
      sku: z.string(),
      locationId: id,
      onHand: qty,
      available: qty,
      reason: z.string().optional(),
    }),
  },
} as const satisfies Record<string, EventDefinition>;
