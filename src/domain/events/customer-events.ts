import { z } from 'zod';
import { id, line, money, qty, time, type EventDefinition } from './event-fields.js';

/** After-sale and customer events: returns, converted quotes, erasure, store credit and subscriptions. */
export const CUSTOMER_EVENTS = {
  'return.requested': {
    subject: 'order',
    version: 1,
    description:
      'A return was requested on an order (subject: the original order); `returnId` is the return order that carries it through its process.',
    payload: z.looseObject({
      orderId: id,
      returnId: id,
      returnNumber: z.string(),
      source: z.string(),
      wish: z.enum(['refund', 'exchange', 'store_credit']),
      reason: z.string(),
      lines: z.array(line),
      value: money,
      currency: z.string(),
    }),
  },
  'return.received': {
    subject: 'order',
    version: 1,
    description: 'Units of a return arrived at a location (subject: the original order).',
    payload: z.looseObject({
      orderId: id,
      returnId: id,
      location: z.string(),
      lines: z.array(line),
    }),
  },
  'return.inspected': {
    subject: 'order',
    version: 1,
    description: 'Returned units were graded (resell, refurbish, write_off) and restocked or written off.',
    payload: z.looseObject({
      orderId: id,
      returnId: id,
      location: z.string(),
      lines: z.array(z.looseObject({ sku: z.string(), quantity: qty, grade: z.string() })),
    }),
  },
  'return.closed': {
    subject: 'order',
    version: 1,
    description: "A return reached the end of its process; `outcome` is its final state's outcome.",
    payload: z.looseObject({
      orderId: id,
      returnId: id,
      state: z.string(),
      refunded: money,
      storeCredit: money,
      currency: z.string(),
      exchangeOrderId: id.nullable(),
    }),
  },
  'quote.converted': {
    subject: 'order',
    version: 1,
    description:
      'A quote became its sales order (subject: the quote); the order carries the negotiated prices and names the quote in attributes.fromQuote (docs/quotes.md).',
    payload: z.looseObject({
      orderId: id,
      quoteNumber: z.string(),
      salesOrderId: id,
      salesOrderNumber: z.string(),
      grandTotal: money,
      currency: z.string(),
    }),
  },
  'customer.erased': {
    subject: 'customer',
    version: 1,
    description:
      "A data subject's personal data was erased (GDPR art. 17, 152-ФЗ): erase it in downstream systems too. No personal data in the payload; the subject is the customer id, or the erasure id for guest orders (docs/privacy.md).",
    payload: z.looseObject({
      erasureId: id,
      customerId: id.nullable(),
      orderIds: z.array(id),
      orderNumbers: z.array(z.string()),
      legalBasis: z.string(),
      erasedAt: time,
      retained: z.array(z.looseObject({ table: z.string(), id, until: z.string() })),
    }),
  },
  'store_credit.changed': {
    subject: 'customer',
    version: 1,
    description: "A customer's store credit went up (a return) or down (spent on an order).",
    payload: z.looseObject({
      customerId: id,
      amount: money,
      balance: money,
      currency: z.string(),
      returnId: id.nullable(),
      orderId: id.nullable(),
    }),
  },
  'subscription.created': {
    subject: 'subscription',
    version: 1,
    description: 'A subscription (recurring order) was created; its first cycle is due at `nextCycleAt`.',
    payload: z.looseObject({
      subscriptionId: id,
      number: z.string(),
      customerId: id,
      channel: z.string(),
      rrule: z.string(),
      timeZone: z.string(),
      nextCycleAt: time,
      cyclesTotal: qty.nullable(),
    }),
  },
  'subscription.state_changed': {
    subject: 'subscription',
    version: 1,
    description: 'A subscription was paused, resumed, cancelled or completed (with the reason).',
    payload: z.looseObject({
      subscriptionId: id,
      number: z.string(),
      from: z.string(),
      to: z.enum(['active', 'paused', 'cancelled', 'completed']),
      reason: z.string().nullable(),
    }),
  },
  'subscription.cycle_created': {
    subject: 'subscription',
    version: 1,
    description: "A subscription cycle's order was created (a real order: it also emits order.accepted).",
    payload: z.looseObject({
      subscriptionId: id,
      number: z.string(),
      cycle: qty,
      dueAt: time,
      orderId: id.nullable(),
    }),
  },
  'subscription.cycle_failed': {
    subject: 'subscription',
    version: 1,
    description:
      "A subscription cycle's order was refused (an SKU no longer sold, a channel turned off…): the cycle is recorded as failed and the subscription carries an exception for an operator.",
    payload: z.looseObject({
      subscriptionId: id,
      number: z.string(),
      cycle: qty,
      dueAt: time,
      errorCode: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  },
} as const satisfies Record<string, EventDefinition>;
