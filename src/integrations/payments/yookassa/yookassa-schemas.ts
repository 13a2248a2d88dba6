/**
 * The parts of YooKassa API v3 (payment, refund, list, notification, error) that Ordo reads.
 * Amounts are decimal strings in major units ("10.00"); SDK samples sometimes carry numbers.
 */
import { z } from 'zod';

export const YOOKASSA_PAYMENT_STATUSES = ['pending', 'waiting_for_capture', 'succeeded', 'canceled'] as const;

export const ykAmount = z.looseObject({ value: z.union([z.string(), z.number()]), currency: z.string().length(3) });

export const ykPayment = z.looseObject({
  id: z.string().min(1),
  status: z.enum(YOOKASSA_PAYMENT_STATUSES),
  amount: ykAmount,
  paid: z.boolean().optional(),
  description: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  confirmation: z.looseObject({ type: z.string(), confirmation_url: z.string().nullish() }).nullish(),
  refunded_amount: ykAmount.nullish(),
  cancellation_details: z.looseObject({ party: z.string(), reason: z.string() }).nullish(),
  created_at: z.string().nullish(),
  captured_at: z.string().nullish(),
});
export type YkPayment = z.infer<typeof ykPayment>;

export const ykRefund = z.looseObject({
  id: z.string().min(1),
  payment_id: z.string().min(1),
  status: z.enum(['pending', 'succeeded', 'canceled']),
  amount: ykAmount,
  created_at: z.string().nullish(),
});

export const ykPaymentList = z.looseObject({
  type: z.literal('list'),
  items: z.array(ykPayment),
  next_cursor: z.string().nullish(),
});

export const ykNotification = z.looseObject({
  type: z.literal('notification'),
  event: z.string(),
  object: z.looseObject({ id: z.string().min(1) }),
});

/** YooKassa's error body `{"type":"error","id","code","description","parameter"}` as messages. */
export function ykMessages(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object') return [];
  const error = raw as Record<string, unknown>;
  return [error.code, error.description, error.parameter].filter((x): x is string => typeof x === 'string' && x !== '');
}
