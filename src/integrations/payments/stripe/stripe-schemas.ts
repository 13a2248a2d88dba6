/**
 * The parts of Stripe's published objects (API 2023-08-16 spec: PaymentIntent, Refund, Charge,
 * Event, search_result, error) that Ordo reads. Unknown fields pass through untouched.
 */
import { z } from 'zod';

export const STRIPE_PI_STATUSES = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
] as const;

export const stripePaymentIntent = z.looseObject({
  id: z.string().min(1),
  object: z.literal('payment_intent'),
  amount: z.number().int().nonnegative(),
  amount_capturable: z.number().int().nonnegative(),
  amount_received: z.number().int().nonnegative(),
  currency: z.string().min(3),
  status: z.enum(STRIPE_PI_STATUSES),
  capture_method: z.string().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  last_payment_error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
  cancellation_reason: z.string().nullish(),
  next_action: z.looseObject({ redirect_to_url: z.looseObject({ url: z.string().nullish() }).nullish() }).nullish(),
  latest_charge: z
    .union([z.string(), z.looseObject({ id: z.string(), amount_refunded: z.number().int().nonnegative() })])
    .nullish(),
});
export type StripePaymentIntent = z.infer<typeof stripePaymentIntent>;

export const stripeRefund = z.looseObject({
  id: z.string().min(1),
  object: z.literal('refund'),
  amount: z.number().int().nonnegative(),
  currency: z.string().min(3),
  status: z.string().nullish(),
  payment_intent: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

export const stripeCharge = z.looseObject({
  id: z.string().min(1),
  object: z.literal('charge'),
  amount: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string().min(3),
  payment_intent: z.string().nullish(),
  refunded: z.boolean().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

export const stripeSearchResult = z.looseObject({
  object: z.literal('search_result'),
  data: z.array(stripePaymentIntent),
  has_more: z.boolean(),
});

export const stripeEvent = z.looseObject({
  id: z.string().min(1),
  object: z.literal('event'),
  type: z.string(),
  created: z.number().int(),
  data: z.looseObject({ object: z.looseObject({ object: z.string() }) }),
});

export const stripeErrorBody = z.looseObject({
  error: z.looseObject({
    type: z.string().optional(),
    code: z.string().nullish(),
    decline_code: z.string().nullish(),
    message: z.string().nullish(),
    param: z.string().nullish(),
  }),
});

/** Stripe's error body as provider messages: code, decline code and text, as Stripe wrote them. */
export function stripeMessages(raw: unknown): string[] {
  const parsed = stripeErrorBody.safeParse(raw);
  if (!parsed.success) return [];
  const error = parsed.data.error;
  return [error.type, error.code, error.decline_code, error.message].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
}
