/**
 * The parts of PayU REST 2.1 (OpenAPI 2.1.0: OAuth, orders, captures, refunds, notifications)
 * that Ordo reads. Amounts are strings of minor units ("200").
 */
import { z } from 'zod';

export const PAYU_ORDER_STATUSES = ['NEW', 'PENDING', 'WAITING_FOR_CONFIRMATION', 'COMPLETED', 'CANCELED'] as const;
export const PAYU_REFUND_STATUSES = ['PENDING', 'FINALIZED', 'CANCELED'] as const;

const minor = z.string().regex(/^\d+$/, 'minor units as a string of digits');

export const payuStatus = z.looseObject({
  statusCode: z.string(),
  statusDesc: z.string().nullish(),
  code: z.string().nullish(),
  codeLiteral: z.string().nullish(),
  severity: z.string().nullish(),
});

export const payuToken = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().int().positive(),
});

export const payuCreated = z.looseObject({
  status: payuStatus,
  redirectUri: z.string().nullish(),
  orderId: z.string().min(1),
  extOrderId: z.string().nullish(),
});

export const payuOrder = z.looseObject({
  orderId: z.string().min(1),
  extOrderId: z.string().nullish(),
  totalAmount: minor,
  currencyCode: z.string().length(3),
  status: z.enum(PAYU_ORDER_STATUSES),
  description: z.string().nullish(),
});
export type PayuOrder = z.infer<typeof payuOrder>;

export const payuOrders = z.looseObject({ orders: z.array(payuOrder), status: payuStatus });

export const payuStatusOnly = z.looseObject({ status: payuStatus });

export const payuRefund = z.looseObject({
  refundId: z.string().min(1),
  extRefundId: z.string().nullish(),
  amount: minor,
  currencyCode: z.string().length(3),
  status: z.enum(PAYU_REFUND_STATUSES),
  statusDateTime: z.string().nullish(),
});

export const payuRefundCreated = z.looseObject({ orderId: z.string(), refund: payuRefund, status: payuStatus });

export const payuOrderNotification = z.looseObject({
  order: payuOrder,
  localReceiptDateTime: z.string().nullish(),
  properties: z.array(z.looseObject({ name: z.string(), value: z.string() })).nullish(),
});

export const payuRefundNotification = z.looseObject({
  orderId: z.string().min(1),
  extOrderId: z.string().nullish(),
  refund: payuRefund.extend({ refundDate: z.string().nullish() }),
});

/** PayU's error body as provider messages (statusCode, codeLiteral, statusDesc). */
export function payuMessages(raw: unknown): string[] {
  const parsed = payuStatusOnly.safeParse(raw);
  if (!parsed.success) return [];
  const status = parsed.data.status;
  return [status.statusCode, status.codeLiteral, status.statusDesc].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
}
