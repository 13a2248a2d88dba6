import { z } from 'zod';

const amount = z.string().describe('exact decimal in the currency');

export const paymentOperationView = z.looseObject({
  id: z.string(),
  kind: z.enum(['authorize', 'capture', 'void', 'refund']),
  amount,
  status: z.enum(['pending', 'succeeded', 'failed']),
  providerRef: z.string().nullable(),
  reason: z.string().nullable(),
  attempts: z.number(),
});

export const paymentView = z
  .looseObject({
    id: z.string(),
    orderId: z.string(),
    method: z.string(),
    provider: z.string().nullable(),
    providerPaymentId: z.string().nullable(),
    status: z.string(),
    currency: z.string(),
    amount,
    authorized: amount,
    captured: amount,
    refunded: amount,
    voided: amount,
    redirectUrl: z.string().nullable(),
    operations: z.array(paymentOperationView),
  })
  .meta({ id: 'Payment' });

export const paymentSummary = z
  .looseObject({
    status: z.enum(['unpaid', 'authorized', 'partially_paid', 'paid', 'partially_refunded', 'refunded', 'overpaid']),
    currency: z.string(),
    authorized: amount,
    captured: amount,
    refunded: amount,
    paid: amount,
    outstanding: amount,
    overpaid: amount,
  })
  .meta({ id: 'PaymentSummary' });

export const orderPayments = z
  .object({ orderId: z.string(), total: amount, summary: paymentSummary, payments: z.array(paymentView) })
  .meta({ id: 'OrderPayments' });

export const paymentResult = z
  .looseObject({ payment: paymentView, summary: paymentSummary, operation: paymentOperationView.nullable() })
  .meta({ id: 'PaymentResult' });

export const refundResult = z
  .looseObject({ amount, operations: z.array(paymentOperationView), summary: paymentSummary })
  .meta({ id: 'RefundResult' });

export const notificationOutcome = z.object({
  received: z.number(),
  applied: z.number(),
  duplicates: z.number(),
  unchanged: z.number(),
});

const moneyLine = z.looseObject({ no: z.number(), sku: z.string(), name: z.string(), quantity: z.number() });
export const invoiceView = z
  .looseObject({
    id: z.string(),
    orderId: z.string(),
    kind: z.enum(['invoice', 'proforma', 'credit_note']),
    number: z.string(),
    currency: z.string(),
    net: amount,
    vat: amount,
    gross: amount,
    issueDate: z.string(),
    dueDate: z.string().nullable(),
    correctsId: z.string().nullable(),
    lines: z.array(moneyLine),
    vatSummary: z.array(z.looseObject({ rate: z.string(), net: amount, vat: amount, gross: amount })),
    ksef: z.looseObject({ status: z.string().nullable(), number: z.string().nullable() }),
  })
  .meta({ id: 'Invoice' });

export const sellerView = z
  .looseObject({ code: z.string(), name: z.string(), country: z.string() })
  .meta({ id: 'SellerView' });

export const creditPosition = z
  .looseObject({
    companyId: z.string(),
    currency: z.string(),
    limit: amount.nullable(),
    exposure: amount,
    available: amount.nullable(),
    onHold: z.boolean(),
    overdueInvoices: z.number(),
    overdueAmount: amount,
    holds: z.array(z.looseObject({ id: z.string(), reason: z.string() })),
  })
  .meta({ id: 'CreditPosition' });

export const remittanceView = z
  .looseObject({
    id: z.string(),
    carrier: z.string(),
    reference: z.string(),
    total: amount.nullable(),
    rows: z.union([z.number(), z.array(z.looseObject({ row: z.number(), outcome: z.string() }))]),
  })
  .meta({ id: 'Remittance' });

export const revenueView = z
  .looseObject({
    groupBy: z.string(),
    rows: z.array(
      z.looseObject({
        period: z.string(),
        channel: z.string(),
        currency: z.string(),
        orders: z.number(),
        ordered: amount,
        paid: amount,
        refunded: amount,
        outstanding: amount,
        overdue: amount,
      }),
    ),
  })
  .meta({ id: 'Revenue' });
