import { z } from 'zod';
import { id, money, type EventDefinition } from './event-fields.js';

/**
 * What payment.authorized, .captured, .voided and .refunded each tell: which payment (and the operation
 * that moved it, when one did), how much, and the order's payment status after it.
 */
const paymentChange = z.looseObject({
  orderId: id,
  paymentId: id,
  operationId: id.optional(),
  method: z.string(),
  provider: z.string().nullable(),
  amount: money,
  currency: z.string(),
  paymentStatus: z.string().describe("the order's payment status after it"),
});

/** Money events: payments, invoices, credit notes and a company's credit hold. */
export const PAYMENT_EVENTS = {
  'payment.authorized': {
    subject: 'order',
    version: 1,
    description: 'A payment for an order was authorised (money held, not taken yet).',
    payload: paymentChange,
  },
  'payment.captured': {
    subject: 'order',
    version: 1,
    description: 'Money for an order was taken (a full or partial capture, or cash collected on delivery).',
    payload: paymentChange,
  },
  'payment.voided': {
    subject: 'order',
    version: 1,
    description: 'An authorisation was released without taking the money.',
    payload: paymentChange,
  },
  'payment.refunded': {
    subject: 'order',
    version: 1,
    description: 'Captured money was given back (full or partial).',
    payload: paymentChange,
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
} as const satisfies Record<string, EventDefinition>;
