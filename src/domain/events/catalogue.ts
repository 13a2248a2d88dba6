import { z } from 'zod';

/**
 * The catalogue of domain event types. Each type has a payload schema (the contract with
 * subscribers: required fields are promised, extra fields may appear) and a schema version;
 * a breaking change to a payload is a new version, announced here first.
 */
const id = z.string().min(1).max(100);
const money = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .describe('exact decimal string');
const qty = z.number().int();
const time = z.string().describe('RFC 3339 UTC');

const line = z.looseObject({ sku: z.string(), quantity: qty, lineId: id.optional() });

export const EVENT_TYPES = {
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
  'payment.authorized': {
    subject: 'order',
    version: 1,
    description: 'A payment for an order was authorised (money held, not taken yet).',
    payload: z.looseObject({
      orderId: id,
      paymentId: id,
      operationId: id.optional(),
      method: z.string(),
      provider: z.string().nullable(),
      amount: money,
      currency: z.string(),
      paymentStatus: z.string().describe("the order's payment status after it"),
    }),
  },
  'payment.captured': {
    subject: 'order',
    version: 1,
    description: 'Money for an order was taken (a full or partial capture, or cash collected on delivery).',
    payload: z.looseObject({
      orderId: id,
      paymentId: id,
      operationId: id.optional(),
      method: z.string(),
      provider: z.string().nullable(),
      amount: money,
      currency: z.string(),
      paymentStatus: z.string().describe("the order's payment status after it"),
    }),
  },
  'payment.voided': {
    subject: 'order',
    version: 1,
    description: 'An authorisation was released without taking the money.',
    payload: z.looseObject({
      orderId: id,
      paymentId: id,
      operationId: id.optional(),
      method: z.string(),
      provider: z.string().nullable(),
      amount: money,
      currency: z.string(),
      paymentStatus: z.string().describe("the order's payment status after it"),
    }),
  },
  'payment.refunded': {
    subject: 'order',
    version: 1,
    description: 'Captured money was given back (full or partial).',
    payload: z.looseObject({
      orderId: id,
      paymentId: id,
      operationId: id.optional(),
      method: z.string(),
      provider: z.string().nullable(),
      amount: money,
      currency: z.string(),
      paymentStatus: z.string().describe("the order's payment status after it"),
    }),
  },
  'payment.failed': {
    subject: 'order',
    version: 1,
    description: 'A payment operation (authorise, capture, void, refund) failed; `reason` says why.',
    payload: z.looseObject({
      orderId: id,
      paymentId: id,
      operationId: id,
      kind: z.string(),
      amount: money,
      currency: z.string(),
      reason: z.string(),
    }),
  },
  'invoice.issued': {
    subject: 'order',
    version: 1,
    description: 'An invoice (or proforma) was issued; `links` point at its PDF and statutory XML for the ERP.',
    payload: z.looseObject({
      orderId: id,
      invoiceId: id,
      kind: z.string(),
      number: z.string(),
      currency: z.string(),
      net: money,
      vat: money,
      gross: money,
      issueDate: z.string(),
      dueDate: z.string().nullable(),
      links: z.record(z.string(), z.string()),
    }),
  },
  'credit_note.issued': {
    subject: 'order',
    version: 1,
    description: 'A credit note (korekta) was issued against an invoice; `corrects` names it.',
    payload: z.looseObject({
      orderId: id,
      invoiceId: id,
      number: z.string(),
      corrects: z.looseObject({ invoiceId: id, number: z.string() }),
      currency: z.string(),
      net: money,
      vat: money,
      gross: money,
      reason: z.string(),
      links: z.record(z.string(), z.string()),
    }),
  },
  'credit.hold_changed': {
    subject: 'company',
    version: 1,
    description: "A company's manual credit hold was placed or released.",
    payload: z.looseObject({ companyId: id, onHold: z.boolean(), reason: z.string() }),
  },
  'action.requested': {
    subject: 'order',
    version: 1,
    description:
      'A process asks an integration to carry out an external action (payment, invoice, ERP, …). The order waits in `state` until the integration posts `results.succeeded` or `results.failed` to POST /orders/{orderId}/events (with `data.requestId`); `waitUntil`, when set, is when the process gives up and takes the failure path.',
    payload: z.looseObject({
      requestId: id,
      orderId: id,
      action: z.string(),
      args: z.record(z.string(), z.unknown()),
      state: z.string(),
      process: z.looseObject({ key: z.string(), version: z.number().int() }),
      results: z.looseObject({ succeeded: z.string(), failed: z.string() }),
      waitUntil: time.nullable(),
    }),
  },
  'task.opened': {
    subject: 'task',
    version: 1,
    description: 'A human task (approval, exception) was opened.',
    payload: z.looseObject({
      taskId: id,
      kind: z.string(),
      orderId: id.nullable().optional(),
      dueAt: time.nullable().optional(),
    }),
  },
  'task.completed': {
    subject: 'task',
    version: 1,
    description: 'A human task was completed.',
    payload: z.looseObject({ taskId: id, kind: z.string(), outcome: z.string(), orderId: id.nullable().optional() }),
  },
  'notification.requested': {
    subject: 'order',
    version: 1,
    description:
      "A customer or staff notification about an order, or a user's invitation, was queued (the e-mail sink sends it; GET /notifications/{id} has the message). An invitation has no order (`orderId` null, the event's subject and `userId` the invited user) and never carries its link.",
    payload: z.looseObject({
      notificationId: id,
      orderId: id.nullable(),
      userId: id.optional(),
      template: z.string(),
      language: z.string(),
      channel: z.string(),
      to: z.string(),
    }),
  },
  'process.published': {
    subject: 'process',
    version: 1,
    description: 'A new version of a process definition was published.',
    payload: z.looseObject({ processKey: z.string(), version: z.number().int() }),
  },
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
  'inbound.received': {
    subject: 'inbound',
    version: 1,
    description: 'A partner event arrived through the inbound API and was stored.',
    payload: z.looseObject({
      inboundId: id,
      source: z.string(),
      type: z.string(),
      externalId: z.string(),
      known: z.boolean(),
    }),
  },
} as const satisfies Record<string, { subject: string; version: number; description: string; payload: z.ZodType }>;

export type EventType = keyof typeof EVENT_TYPES;
export type EventPayload<T extends EventType> = z.input<(typeof EVENT_TYPES)[T]['payload']>;

export const isEventType = (t: string): t is EventType => Object.hasOwn(EVENT_TYPES, t);

/** A subscription's filter: exact types, 'order.*' prefixes, or '*'. */
export function typeMatches(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}

/** A filter a subscription may use: '*', a known type, or a prefix of at least one known type. */
export function isValidFilter(file: string): boolean {
  if (file === '*' || isEventType(file)) return true;
  return file.endsWith('.*') && Object.keys(EVENT_TYPES).some((t) => t.startsWith(file.slice(0, -1)));
}

export interface CatalogueEntry {
  type: string;
  version: number;
  subject: string;
  description: string;
  schema: Record<string, unknown>;
}

let cached: CatalogueEntry[] | undefined;

/** The catalogue as JSON Schemas (draft 2020-12), for the API and the docs. */
export function catalogue(): CatalogueEntry[] {
  cached ??= Object.entries(EVENT_TYPES).map(([type, d]) => ({
    type,
    version: d.version,
    subject: d.subject,
    description: d.description,
    schema: {
      $id: `https://ordo.dev/events/${type}/v${d.version}.json`,
      title: type,
      ...z.toJSONSchema(d.payload, { io: 'input' }),
    },
  }));
  return cached;
}

/** The envelope every sink receives: the same fields in webhooks and CloudEvents. */
export interface DomainEvent {
  id: string;
  type: string;
  tenantId: string;
  subject: string;
  time: Date;
  schemaVersion: number;
  payload: Record<string, unknown>;
}
