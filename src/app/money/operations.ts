import { z } from 'zod';
import { externalOperation } from '../process/operation.js';

/**
 * Money operations. Until Ordo keeps payments and invoices itself (the money issue), a payment
 * provider or the ERP carries them out: each is requested through the outbox as
 * `action.requested`, and the state that asked waits for the result the integration posts to
 * `POST /orders/{id}/events`.
 */
export const moneyOperations = [
  externalOperation({
    code: 'authorize_payment',
    description: 'authorise the payment with the provider',
    argsSchema: z.object({}).strict(),
    results: { succeeded: 'payment_authorized', failed: 'payment_failed' },
  }),
  externalOperation({
    code: 'capture_payment',
    description: 'capture an authorised payment (or collect cash on delivery)',
    argsSchema: z.object({ amount: z.enum(['total', 'remaining', 'prepayment']).optional() }).strict(),
    results: { succeeded: 'payment_captured', failed: 'payment_failed' },
  }),
  externalOperation({
    code: 'refund_payment',
    description: 'refund captured money',
    argsSchema: z.object({}).strict(),
    results: { succeeded: 'refunded', failed: 'refund_failed' },
  }),
  externalOperation({
    code: 'issue_invoice',
    description: 'issue the invoice (and УПД where required)',
    argsSchema: z
      .object({
        documents: z
          .array(z.enum(['invoice', 'upd', 'proforma', 'receipt']))
          .min(1)
          .optional(),
      })
      .strict(),
    results: { succeeded: 'invoice_issued', failed: 'invoice_failed' },
  }),
];
