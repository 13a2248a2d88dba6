/**
 * Przelewy24 REST v1 (extended OpenAPI 1.0): register, verify, reject, refund, transaction by
 * sessionId, and the two notification bodies (TransactionResult, TransactionRefundResult), plus the
 * SHA-384 `sign` over compact JSON of fixed fields, `crc` last.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Field orders from the spec's `sign` descriptions; the values' JSON order is what is hashed. */
export const P24_SIGN_FIELDS = {
  register: ['sessionId', 'merchantId', 'amount', 'currency', 'crc'],
  verify: ['sessionId', 'orderId', 'amount', 'currency', 'crc'],
  notification: [
    'merchantId',
    'posId',
    'sessionId',
    'amount',
    'originAmount',
    'currency',
    'orderId',
    'methodId',
    'statement',
    'crc',
  ],
  refundNotification: ['orderId', 'sessionId', 'refundsUuid', 'merchantId', 'amount', 'currency', 'status', 'crc'],
  reject: ['merchantId', 'orderId', 'sessionId', 'crc'],
} as const;

/**
 * hex SHA-384 of `{"field":value,…,"crc":"…"}`. JSON.stringify leaves unicode and slashes
 * unescaped, which is what P24 hashes (PHP JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES).
 */
export function p24Sign(fields: readonly string[], values: Record<string, unknown>, crc: string): string {
  const ordered: Record<string, unknown> = {};
  for (const field of fields) ordered[field] = field === 'crc' ? crc : values[field];
  return createHash('sha384').update(JSON.stringify(ordered), 'utf8').digest('hex');
}

export function p24SignMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{96}$/i.test(given)) return false;
  return timingSafeEqual(Buffer.from(given.toLowerCase(), 'hex'), Buffer.from(expected, 'hex'));
}

export const p24Registered = z.looseObject({
  data: z.looseObject({ token: z.string().min(1) }),
  responseCode: z.number(),
});
export const p24Success = z.looseObject({
  data: z.looseObject({ status: z.string() }),
  responseCode: z.union([z.number(), z.string()]),
});

export const p24Transaction = z.looseObject({
  orderId: z.number().int().nonnegative(),
  sessionId: z.string(),
  status: z.number().int().min(0).max(3),
  amount: z.number().int().nonnegative(),
  currency: z.string().length(3),
});
export type P24Transaction = z.infer<typeof p24Transaction>;

/** The spec's v2 answer is `data: [..]`; the v1 one (and the PHP SDK) `data: {..}`: take either. */
export const p24BySession = z.looseObject({
  data: z.union([z.array(p24Transaction), p24Transaction]),
  responseCode: z.number(),
});

export const p24RefundItem = z.looseObject({
  orderId: z.number().int(),
  sessionId: z.string(),
  amount: z.number().int(),
  status: z.boolean(),
  message: z.string().nullish(),
});
export const p24Refunded = z.looseObject({ data: z.array(p24RefundItem), responseCode: z.number() });

const int = z.coerce.number().int();
export const p24Notification = z.looseObject({
  merchantId: int,
  posId: int,
  sessionId: z.string(),
  amount: int,
  originAmount: int,
  currency: z.string().length(3),
  orderId: int,
  methodId: int,
  statement: z.string(),
  sign: z.string(),
});
export const p24RefundNotification = z.looseObject({
  orderId: int,
  sessionId: z.string(),
  merchantId: int,
  requestId: z.string(),
  refundsUuid: z.string(),
  amount: int,
  currency: z.string().length(3),
  timestamp: int,
  status: int,
  sign: z.string(),
});

/** P24 error bodies: `{"error":"…","code":400}` or, for refunds, `{"error":[{…,"message"}],"code":409}`. */
export function p24Messages(raw: unknown): string[] {
  if (!raw || typeof raw !== 'object') return [];
  const error = (raw as { error?: unknown }).error;
  if (typeof error === 'string') return [error];
  if (Array.isArray(error)) {
    return error
      .map((i) => (i && typeof i === 'object' ? (i as { message?: unknown }).message : undefined))
      .filter((m): m is string => typeof m === 'string');
  }
  return [];
}
