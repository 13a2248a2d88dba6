import { z } from 'zod';
import { AppError, type FieldError } from '../../shared/errors.js';
import { parseMoney } from '../../shared/money.js';
import { ssccProblem } from './sscc.js';
import type {
  DocumentLocale,
  PackingSlipData,
  PickListData,
  PostalAddress,
  ShippingLabelData,
  WaybillData,
} from './types.js';

// C0/C1 controls break layout and ZPL; bidi overrides and line separators can make printed
// text read differently from the data, so they are refused too.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

function text(max: number) {
  return z
    .string()
    .refine((s) => !CONTROL.test(s), {
      params: { code: 'CONTROL_CHARACTER' },
      error: (index) => {
        const match = CONTROL.exec(String(index.input));
        const hex = match ? match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0') : '';
        return `contains the control character U+${hex}`;
      },
    })
    .refine((s) => s.trim().length > 0, { message: 'must not be blank', params: { code: 'REQUIRED' } })
    .refine((s) => s.length <= max, { message: `must be at most ${max} characters`, params: { code: 'TOO_LONG' } });
}

const optionalText = (max: number) => text(max).optional();
const positiveInt = z.number().int().positive().max(1_000_000_000);
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD');
const isoInstant = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(s) && !Number.isNaN(Date.parse(s)),
    'must be a UTC instant such as 2026-11-23T10:15:00Z',
  );
const locale: z.ZodType<DocumentLocale> = z.enum(['en', 'pl', 'ru']);
/** What Code128 can carry without surprises in PDF or ZPL (no spaces, no ZPL "^", "~", ">"). */
const code128Safe = /^[A-Za-z0-9\-/.]{1,50}$/;

export const postalAddressSchema: z.ZodType<PostalAddress> = z.object({
  name: text(120),
  company: optionalText(120),
  lines: z.array(text(120)).min(1).max(3),
  postalCode: text(16),
  city: text(80),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as PL'),
  phone: optionalText(40),
  email: optionalText(120),
});

const base = { locale, createdAt: isoInstant.optional() };

export const shippingLabelSchema: z.ZodType<ShippingLabelData> = z.object({
  ...base,
  orderNumber: text(40),
  sender: postalAddressSchema,
  recipient: postalAddressSchema,
  carrier: z.object({ name: text(40), service: text(60) }),
  trackingNumber: z.string().regex(code128Safe, 'must be 1–50 ASCII letters, digits, "-", "/" or "."'),
  trackingUrl: z
    .string()
    .max(300)
    .refine((text) => {
      try {
        return ['http:', 'https:'].includes(new URL(text).protocol);
      } catch {
        return false;
      }
    }, 'must be an http(s) URL'),
  sscc: z.string().superRefine((text, ctx) => {
    const problem = ssccProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { code: 'SSCC_INVALID' } });
  }),
  weightGrams: positiveInt,
  package: z
    .object({ index: positiveInt, count: positiveInt })
    .refine((p) => p.index <= p.count, { message: 'index must not exceed count', params: { code: 'OUT_OF_RANGE' } }),
});

export const packingSlipSchema: z.ZodType<PackingSlipData> = z.object({
  ...base,
  orderNumber: text(40),
  orderDate: isoDate,
  customer: z.object({ name: text(120), email: optionalText(120), phone: optionalText(40) }),
  shipTo: postalAddressSchema,
  shipFrom: postalAddressSchema.optional(),
  shipmentReference: optionalText(60),
  lines: z
    .array(z.object({ sku: text(60), name: text(200), quantity: positiveInt }))
    .min(1)
    .max(10_000),
  note: optionalText(1000),
});

export const waybillSchema: z.ZodType<WaybillData> = z.object({
  ...base,
  documentNumber: text(40),
  issueDate: isoDate,
  orderNumber: optionalText(40),
  consignor: postalAddressSchema,
  consignee: postalAddressSchema,
  carrier: z.object({ name: text(80), service: optionalText(60), vehicle: optionalText(40), driver: optionalText(80) }),
  packages: z
    .array(
      z.object({
        reference: optionalText(40),
        description: optionalText(120),
        weightGrams: positiveInt,
        lengthMm: positiveInt.max(100_000),
        widthMm: positiveInt.max(100_000),
        heightMm: positiveInt.max(100_000),
      }),
    )
    .min(1)
    .max(1000),
  declaredValue: z
    .object({ amount: z.string(), currency: z.string() })
    .superRefine((value, ctx) => {
      const parsed = parseMoney(value.amount, value.currency);
      if (typeof parsed === 'string')
        ctx.addIssue({ code: 'custom', message: `not a valid amount: ${parsed}`, params: { code: parsed } });
      else if (parsed < 0n)
        ctx.addIssue({ code: 'custom', message: 'must not be negative', params: { code: 'NEGATIVE' } });
    })
    .optional(),
  remarks: optionalText(1000),
});

export const pickListSchema: z.ZodType<PickListData> = z.object({
  ...base,
  pickListNumber: text(40),
  location: z.object({ code: text(20), name: text(80) }),
  picker: optionalText(80),
  lines: z
    .array(
      z.object({
        sku: z
          .string()
          .regex(/^[\x21-\x7E]{1,40}$/, 'must be 1–40 printable ASCII characters to be encoded as Code128'),
        name: text(200),
        quantity: positiveInt,
        zone: text(20),
        bin: text(30),
        lot: optionalText(40),
        serialRequired: z.boolean().optional(),
        orderNumber: optionalText(40),
      }),
    )
    .min(1)
    .max(10_000),
});

/**
 * Validates document input, throwing DOCUMENT_INPUT_INVALID with one FieldError per problem
 * (JSON-pointer paths) so the API can show every mistake at once.
 */
export function parseDocumentInput<T>(schema: z.ZodType<T>, input: unknown, document: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.map((i) => ({
    path: '/' + i.path.map(String).join('/'),
    message: i.message,
    code:
      i.code === 'custom'
        ? String((i as { params?: { code?: unknown } }).params?.code ?? 'INVALID')
        : i.code.toUpperCase(),
  }));
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  throw new AppError('DOCUMENT_INPUT_INVALID', `${document}: ${first.path} ${first.message}${more}`, errors, {
    document,
  });
}
