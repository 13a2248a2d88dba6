/**
 * One interface for every payment provider (Stripe, PayU, Przelewy24, YooKassa). Ordo commits a
 * payment operation row before it calls the provider; the row's id is the provider's idempotency
 * key (Stripe/YooKassa `Idempotency-Key`/`Idempotence-Key`, PayU `extOrderId`/`extRefundId`, P24
 * `sessionId`/`requestId`), so a retried call after a lost response finds the first one instead of
 * charging twice. Expected failures (declines, outages, timeouts, garbage responses) are values;
 * only bugs throw. Amounts are integer minor units (bigint) in the payment's currency; adapters
 * convert at the edge (PayU strings of minor units, YooKassa decimal strings of major units).
 */
import type { Result } from '../../shared/result.js';

export type PaymentProviderCode = 'stripe' | 'payu' | 'przelewy24' | 'yookassa';

export type PaymentProviderErrorCode =
  /** The provider refused the request (4xx, decline); the same request will not succeed. */
  | 'PROVIDER_REJECTED'
  /** Our credentials were refused. */
  | 'PROVIDER_AUTH_FAILED'
  /** The provider does not know the payment / refund. */
  | 'PROVIDER_NOT_FOUND'
  /** 5xx, 429, connection refused or reset. */
  | 'PROVIDER_UNAVAILABLE'
  /** No answer within the timeout. */
  | 'PROVIDER_TIMEOUT'
  /** Malformed JSON or a body that does not match the published format. */
  | 'PROVIDER_BAD_RESPONSE'
  /** The provider does not offer this (e.g. partial capture at a method that cannot). */
  | 'PROVIDER_UNSUPPORTED';

export interface PaymentProviderError {
  code: PaymentProviderErrorCode;
  message: string;
  /** True when the same call (same idempotency key) may succeed later. */
  retryable: boolean;
  /** Messages/codes exactly as the provider wrote them (decline codes, statusCode, …). */
  providerMessages: string[];
  httpStatus?: number;
  /** The call was sent but its outcome was not observed: look it up (`find`) before anything else. */
  outcomeUnknown?: boolean;
}

export type ProviderResult<T> = Result<T, PaymentProviderError>;

/** Ordo's view of a provider payment, whatever the provider calls its states. */
export type ProviderPaymentStatus =
  /** Created, the buyer has not paid yet (redirect pending, 3-DS, NEW/PENDING). */
  | 'pending'
  /** Authorised, waiting for capture (requires_capture, WAITING_FOR_CONFIRMATION, waiting_for_capture). */
  | 'authorized'
  /** Money taken (succeeded, COMPLETED, verified, succeeded). */
  | 'captured'
  /** Voided / cancelled before capture, or failed. */
  | 'cancelled'
  | 'failed';

export interface ProviderPayment {
  /** The provider's id (PaymentIntent id, PayU orderId, P24 orderId/token, YooKassa payment id). */
  providerPaymentId: string;
  status: ProviderPaymentStatus;
  /** The provider's own status text, kept for people. */
  providerStatus: string;
  amount: bigint;
  currency: string;
  /** Authorised and still capturable (0 when captured or cancelled). */
  capturable: bigint;
  /** Captured so far. */
  captured: bigint;
  /** Refunded so far (when the provider reports it). */
  refunded: bigint;
  /** Where to send the buyer to pay (PayU redirectUri, P24 /trnRequest/{token}, YooKassa confirmation_url), when there is one. */
  redirectUrl?: string;
  /** True when the call found an earlier payment with the same idempotency key (a retry). */
  existing: boolean;
}

export interface ProviderRefund {
  providerRefundId: string;
  status: 'pending' | 'succeeded' | 'failed';
  providerStatus: string;
  amount: bigint;
  existing: boolean;
}

export interface CreatePaymentRequest {
  /** Ordo's payment operation id (UUIDv7): the idempotency key and the provider-side external id. */
  key: string;
  /** Ordo's order number, shown to the buyer at the provider. */
  orderNumber: string;
  amount: bigint;
  currency: string;
  description: string;
  /** false: authorise only (capture later); true: authorise and capture in one step. */
  capture: boolean;
  buyer?: { email?: string; name?: string; phone?: string; language?: string };
  /** Where the provider sends notifications (Ordo's public endpoint for this provider). */
  notifyUrl?: string;
  /** Where the buyer returns after paying. */
  returnUrl?: string;
  /** Method hint: card, blik, transfer, … (providers that let the merchant choose). */
  method?: string;
}

export interface PaymentRef {
  providerPaymentId: string;
  /** The Ordo key the payment was created with (P24 needs the sessionId for verify/refund). */
  key: string;
  amount: bigint;
  currency: string;
}

/** A provider notification, verified and parsed: what happened to which payment or refund. */
export interface PaymentNotification {
  /** Stable across redeliveries of the same notification: stored to ignore duplicates. */
  notificationId: string;
  kind: 'payment' | 'refund';
  providerPaymentId: string | null;
  /** The key Ordo created the payment with, when the provider echoes it (metadata, extOrderId, sessionId). */
  key: string | null;
  providerRefundId?: string | null;
  /** For payments: the new payment status; for refunds: 'captured' never appears, see refundStatus. */
  status?: ProviderPaymentStatus;
  refundStatus?: ProviderRefund['status'];
  providerStatus: string;
  amount?: bigint;
  currency?: string;
  /** ISO-8601 UTC, when the provider says it happened. */
  occurredAt?: string;
  /**
   * Some providers require a call after the notification before the payment counts
   * (Przelewy24 `verify`): the adapter does it in `confirmNotification`.
   */
  needsConfirmation?: boolean;
}

export interface NotificationInput {
  /** The raw body exactly as received (signatures are over the raw bytes). */
  body: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** Seconds since the epoch, for timestamp tolerance checks (Stripe 300 s). Injected for tests. */
  nowSeconds?: number;
  /** YooKassa has no signature: its notifications are checked by source IP and confirmed by a GET. */
  remoteAddress?: string;
}

export type NotificationError =
  { code: 'SIGNATURE_INVALID'; message: string } | { code: 'NOTIFICATION_MALFORMED'; message: string };

export interface PaymentProviderAdapter {
  readonly code: PaymentProviderCode;
  /** Create (and, with capture: true, capture) a payment; a retry with the same key returns the first one. */
  createPayment(req: CreatePaymentRequest): Promise<ProviderResult<ProviderPayment>>;
  /** The payment created with this key, if the provider has one (after a lost response). */
  findPayment(key: string, providerPaymentId?: string): Promise<ProviderResult<ProviderPayment | null>>;
  /** Capture all (amount undefined) or part of an authorised payment; `key` is the capture operation's id. */
  capture(ref: PaymentRef, amount: bigint | undefined, key: string): Promise<ProviderResult<ProviderPayment>>;
  /** Release an authorisation that was not captured. */
  void(ref: PaymentRef, key: string): Promise<ProviderResult<ProviderPayment>>;
  /** Refund all or part of what was captured; `key` is the refund operation's id (idempotency key). */
  refund(ref: PaymentRef, amount: bigint, key: string, reason?: string): Promise<ProviderResult<ProviderRefund>>;
  /** Verify a notification with the provider's own scheme and parse it; one body may hold several. */
  parseNotification(input: NotificationInput): Result<PaymentNotification[], NotificationError>;
  /** After a verified notification, what the provider requires before it counts (P24 verify; YooKassa GET). */
  confirmNotification?(notification: PaymentNotification, ref: PaymentRef): Promise<ProviderResult<ProviderPayment>>;
}

/** Shared knobs of every HTTP adapter. */
export interface HttpPaymentConfig {
  baseUrl: string;
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}
