import { z } from 'zod';
import { code, country, moneyString, text, uuid } from '../schemas.js';

/** The commands of the money capability (payments, refunds, invoices, sellers, credit, remittances). */

export const paymentMethod = z.enum([
  'card',
  'online',
  'transfer',
  'blik',
  'gift_card',
  'store_credit',
  'cod',
  'terms',
]);

export const addPaymentInput = z
  .object({
    method: paymentMethod,
    provider: z.enum(['stripe', 'payu', 'przelewy24', 'yookassa']).optional().describe('take it through this provider'),
    amount: moneyString.optional().describe('default: what is outstanding'),
    providerPaymentId: text(200)
      .optional()
      .describe("a payment that already exists at the provider (the shop's checkout): registered, not created"),
    status: z
      .enum(['pending', 'authorized', 'captured'])
      .optional()
      .describe(
        'what already happened to a registered payment (default pending; gift card and store credit: captured)',
      ),
    reference: text(200).optional(),
    capture: z.boolean().optional().describe('created at a provider: take the money at once'),
    allowOverpayment: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'AddPayment' });

export const captureInput = z
  .object({
    amount: moneyString.optional().describe('default: all that is authorised and not captured'),
    allowOverpayment: z.boolean().optional(),
  })
  .strict();

export const voidInput = z.object({ reason: text(500).optional() }).strict();

export const refundInput = z
  .object({
    amount: moneyString.optional().describe('default: the value of the lines, or everything paid'),
    lines: z
      .array(z.object({ lineId: uuid, quantity: z.number().int().min(1).max(1_000_000) }).strict())
      .max(500)
      .optional(),
    reason: text(500).trim().min(1),
    paymentId: uuid.optional(),
    paidOut: z
      .boolean()
      .optional()
      .describe(
        'a payment without a provider: the money was paid back by hand already (else it waits for confirmation)',
      ),
  })
  .strict()
  .meta({ id: 'RefundInput' });

export const settleOperationInput = z
  .object({ succeeded: z.boolean(), reason: text(500).optional() })
  .strict()
  .refine((v) => v.succeeded || Boolean(v.reason), { message: 'a failed operation needs a reason', path: ['reason'] });

export const issueInvoiceInput = z
  .object({
    kind: z.enum(['invoice', 'proforma']).default('invoice'),
    shipmentId: uuid.optional().describe('invoice only what this shipment carried'),
    dueDays: z.number().int().min(0).max(365).optional(),
    seller: code.optional(),
  })
  .strict();

export const creditNoteInput = z
  .object({
    reason: text(500).trim().min(1),
    lines: z
      .array(
        z
          .object({ no: z.number().int().min(1).max(10_000), quantity: z.number().int().min(1).max(1_000_000) })
          .strict(),
      )
      .max(500)
      .optional(),
    amount: moneyString.optional().describe('a gross amount spread over the invoice’s VAT rates'),
  })
  .strict()
  .refine((v) => Boolean(v.lines?.length) !== (v.amount !== undefined), {
    message: 'give either lines or amount',
    path: ['lines'],
  });

export const sellerInput = z
  .object({
    name: text(300).trim().min(1),
    taxId: text(20).nullable().optional(),
    kpp: z
      .string()
      .regex(/^\d{9}$/)
      .nullable()
      .optional(),
    address: z
      .object({
        line1: text(300).trim().min(1),
        line2: text(300).optional(),
        city: text(200).trim().min(1),
        postalCode: text(20),
        country,
        regionCode: text(10).optional(),
      })
      .strict(),
    country,
    language: z.enum(['pl', 'ru', 'en']).optional(),
    timeZone: text(60).optional(),
    bankAccount: text(60).nullable().optional(),
    signer: z
      .object({
        lastName: text(100).trim().min(1),
        firstName: text(100).trim().min(1),
        middleName: text(100).optional(),
        position: text(200).optional(),
      })
      .strict()
      .nullable()
      .optional(),
    edoId: text(100).nullable().optional(),
    invoiceSeries: z
      .string()
      .regex(/^[A-Za-zА-Яа-я0-9-]{1,20}$/)
      .optional(),
    creditNoteSeries: z
      .string()
      .regex(/^[A-Za-zА-Яа-я0-9-]{1,20}$/)
      .optional(),
    proformaSeries: z
      .string()
      .regex(/^[A-Za-zА-Яа-я0-9-]{1,20}$/)
      .optional(),
    ksef: z.boolean().optional(),
    isDefault: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'Seller' });

export const creditHoldInput = z.object({ reason: text(500).trim().min(1) }).strict();

export const remittanceInput = z
  .object({
    carrier: code,
    reference: text(100).trim().min(1),
    currency: z.string().regex(/^[A-Z]{3}$/),
    rows: z
      .array(z.object({ trackingNumber: text(100), amount: text(40) }).strict())
      .min(1)
      .max(100_000)
      .optional(),
    csv: z.string().max(20_000_000).optional().describe("the carrier's report as CSV text (instead of rows)"),
    fileName: text(200).optional(),
    missingAfterDays: z.number().int().min(1).max(365).optional(),
  })
  .strict()
  .refine((v) => Boolean(v.rows) !== Boolean(v.csv), { message: 'give rows or csv', path: ['rows'] });

export const revenueQuery = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    groupBy: z.enum(['day', 'month']).default('month'),
    timeZone: text(60).optional(),
    channel: text(64).optional().describe('only this channel code'),
    location: text(64)
      .optional()
      .describe('only orders fulfilled from this location code (their first fulfilment order), as on the KPI report'),
  })
  .strict();
