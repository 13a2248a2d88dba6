/**
 * Stripe PaymentIntents. Authorise-only is `capture_method=manual` (then `/capture`, optionally
 * with `amount_to_capture`), one-step is `automatic`. Every POST carries `Idempotency-Key` = Ordo's
 * operation id: Stripe replays the first answer for a key and marks it `Idempotent-Replayed: true`,
 * which is how a retry learns it found the earlier payment. `metadata[ordo_key]` lets `findPayment`
 * search for a payment whose create response was lost (Stripe's search index may lag by up to a
 * minute; a retried create with the same key is the immediate recovery).
 */
import type { z } from 'zod';
import { err, ok, type Result } from '../../../shared/result.js';
import {
  header,
  httpStatusError,
  joinUrl,
  parseJson,
  providerError,
  send,
  tryJson,
  type HttpRequest,
} from '../http.js';
import type {
  HttpPaymentConfig,
  NotificationError,
  NotificationInput,
  PaymentNotification,
  PaymentProviderAdapter,
  ProviderPayment,
  ProviderPaymentStatus,
  ProviderRefund,
  ProviderResult,
} from '../types.js';
import {
  stripeCharge,
  stripeEvent,
  stripeMessages,
  stripePaymentIntent,
  stripeRefund,
  stripeSearchResult,
  type StripePaymentIntent,
} from './stripe-schemas.js';
import { verifyStripeSignature } from './stripe-signature.js';

export const STRIPE_DEFAULT_BASE_URL = 'https://api.stripe.com';

export interface StripeConfig extends HttpPaymentConfig {
  /** sk_live_… / sk_test_… (Bearer). */
  secretKey: string;
  /** whsec_… of the webhook endpoint. */
  webhookSecret: string;
  /** Pin the API version the schemas were written against (Stripe-Version header). */
  apiVersion?: string;
}

export function stripeStatus(pi: StripePaymentIntent): ProviderPaymentStatus {
  switch (pi.status) {
    case 'requires_capture':
      return 'authorized';
    case 'succeeded':
      return 'captured';
    case 'canceled':
      return 'cancelled';
    case 'requires_payment_method':
      // Back in requires_payment_method after an attempt = that attempt was declined.
      return pi.last_payment_error ? 'failed' : 'pending';
    default:
      return 'pending';
  }
}

export function stripePaymentView(pi: StripePaymentIntent, existing: boolean): ProviderPayment {
  const refunded = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge.amount_refunded : 0;
  const redirect = pi.next_action?.redirect_to_url?.url;
  return {
    providerPaymentId: pi.id,
    status: stripeStatus(pi),
    providerStatus: pi.status,
    amount: BigInt(pi.amount),
    currency: pi.currency.toUpperCase(),
    capturable: BigInt(pi.amount_capturable),
    captured: BigInt(pi.amount_received),
    refunded: BigInt(refunded),
    ...(redirect ? { redirectUrl: redirect } : {}),
    existing,
  };
}

const REFUND_STATUS: Record<string, ProviderRefund['status']> = {
  pending: 'pending',
  requires_action: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'failed',
};

/** Stripe search query strings quote with single quotes; escape them and backslashes. */
const searchQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function createStripeAdapter(config: StripeConfig): PaymentProviderAdapter {
  const base = config.baseUrl || STRIPE_DEFAULT_BASE_URL;

  async function call<S extends z.ZodType>(
    method: HttpRequest['method'],
    path: string,
    what: string,
    schema: S,
    opts: { form?: [string, string][]; key?: string } = {},
  ): Promise<ProviderResult<{ value: z.infer<S>; replayed: boolean }>> {
    const headers: Record<string, string> = { authorization: `Bearer ${config.secretKey}` };
    if (config.apiVersion) headers['stripe-version'] = config.apiVersion;
    if (opts.key) headers['idempotency-key'] = opts.key;
    const res = await send(config, {
      method,
      url: joinUrl(base, path),
      headers,
      ...(opts.form ? { form: opts.form } : {}),
    });
    if (!res.ok) return res;
    const response = res.value;
    if (response.status < 200 || response.status >= 300)
      return err(httpStatusError(response, what, stripeMessages(tryJson(response)), method));
    const parsed = parseJson(response, schema, what, method);
    if (!parsed.ok) return parsed;
    return ok({ value: parsed.value, replayed: response.headers.get('idempotent-replayed') === 'true' });
  }

  async function getIntent(id: string): Promise<ProviderResult<ProviderPayment | null>> {
    const result = await call(
      'GET',
      `/v1/payment_intents/${encodeURIComponent(id)}`,
      'Stripe get',
      stripePaymentIntent,
    );
    if (!result.ok) return result.error.code === 'PROVIDER_NOT_FOUND' ? ok(null) : result;
    return ok(stripePaymentView(result.value.value, true));
  }

  return {
    code: 'stripe',

    async createPayment(req) {
      const form: [string, string][] = [
        ['amount', req.amount.toString()],
        ['currency', req.currency.toLowerCase()],
        ['capture_method', req.capture ? 'automatic' : 'manual'],
        ['description', req.description],
        ['metadata[ordo_key]', req.key],
        ['metadata[order_number]', req.orderNumber],
      ];
      if (req.buyer?.email) form.push(['receipt_email', req.buyer.email]);
      if (req.method?.startsWith('pm_')) {
        // A payment method collected by the shop (or a test token): confirm server-side now.
        form.push(['payment_method', req.method], ['confirm', 'true']);
        if (req.returnUrl) form.push(['return_url', req.returnUrl]);
      } else {
        form.push(['automatic_payment_methods[enabled]', 'true']);
      }
      const result = await call('POST', '/v1/payment_intents', 'Stripe create', stripePaymentIntent, {
        form,
        key: req.key,
      });
      if (!result.ok) return result;
      return ok(stripePaymentView(result.value.value, result.value.replayed));
    },

    async findPayment(key, providerPaymentId) {
      if (providerPaymentId) return getIntent(providerPaymentId);
      const query = `metadata['ordo_key']:${searchQuote(key)}`;
      const path = `/v1/payment_intents/search?${new URLSearchParams({ query, limit: '10' }).toString()}`;
      const result = await call('GET', path, 'Stripe search', stripeSearchResult);
      if (!result.ok) return result;
      const hit = result.value.value.data.find((pi) => pi.metadata?.ordo_key === key);
      return ok(hit ? stripePaymentView(hit, true) : null);
    },

    async capture(ref, amount, key) {
      const form: [string, string][] = amount === undefined ? [] : [['amount_to_capture', amount.toString()]];
      const path = `/v1/payment_intents/${encodeURIComponent(ref.providerPaymentId)}/capture`;
      const result = await call('POST', path, 'Stripe capture', stripePaymentIntent, { form, key });
      if (!result.ok) return result;
      return ok(stripePaymentView(result.value.value, result.value.replayed));
    },

    async void(ref, key) {
      const path = `/v1/payment_intents/${encodeURIComponent(ref.providerPaymentId)}/cancel`;
      const result = await call('POST', path, 'Stripe cancel', stripePaymentIntent, {
        form: [['cancellation_reason', 'requested_by_customer']],
        key,
      });
      if (!result.ok) return result;
      return ok(stripePaymentView(result.value.value, result.value.replayed));
    },

    async refund(ref, amount, key, reason) {
      const form: [string, string][] = [
        ['payment_intent', ref.providerPaymentId],
        ['amount', amount.toString()],
        ['metadata[ordo_key]', key],
      ];
      // Stripe accepts only its own reason codes; free text goes to metadata.
      if (reason) form.push(['metadata[reason]', reason]);
      const result = await call('POST', '/v1/refunds', 'Stripe refund', stripeRefund, { form, key });
      if (!result.ok) return result;
      const rf = result.value.value;
      return ok({
        providerRefundId: rf.id,
        status: REFUND_STATUS[rf.status ?? 'pending'] ?? 'pending',
        providerStatus: rf.status ?? 'pending',
        amount: BigInt(rf.amount),
        existing: result.value.replayed,
      });
    },

    parseNotification(input: NotificationInput): Result<PaymentNotification[], NotificationError> {
      const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
      const check = verifyStripeSignature(
        config.webhookSecret,
        header(input.headers, 'stripe-signature'),
        input.body,
        now,
      );
      if (!check.ok) return err({ code: 'SIGNATURE_INVALID', message: `Stripe webhook: ${check.reason}` });
      return parseStripeEvent(input.body);
    },

    async confirmNotification(notification) {
      // Not required by Stripe (the signature suffices), offered so callers may re-read the truth.
      if (!notification.providerPaymentId) {
        return err(providerError('PROVIDER_NOT_FOUND', 'Stripe notification names no PaymentIntent'));
      }
      const result = await getIntent(notification.providerPaymentId);
      if (!result.ok) return result;
      return result.value
        ? ok(result.value)
        : err(providerError('PROVIDER_NOT_FOUND', `no PaymentIntent ${notification.providerPaymentId}`));
    },
  };
}

/** A verified Stripe Event → Ordo notifications; event types Ordo does not act on give none. */
export function parseStripeEvent(body: string | Buffer): Result<PaymentNotification[], NotificationError> {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString());
  } catch {
    return err({ code: 'NOTIFICATION_MALFORMED', message: 'Stripe webhook body is not JSON' });
  }
  const ev = stripeEvent.safeParse(raw);
  if (!ev.success) return err({ code: 'NOTIFICATION_MALFORMED', message: 'Stripe webhook is not an Event' });
  const { id, type, created } = ev.data;
  const occurredAt = new Date(created * 1000).toISOString();
  const obj = ev.data.data.object;
  if (obj.object === 'payment_intent') {
    const pi = stripePaymentIntent.safeParse(obj);
    if (!pi.success) return err({ code: 'NOTIFICATION_MALFORMED', message: `${type}: not a PaymentIntent` });
    const view = stripePaymentView(pi.data, false);
    return ok([
      {
        notificationId: id,
        kind: 'payment',
        providerPaymentId: view.providerPaymentId,
        key: pi.data.metadata?.ordo_key ?? null,
        status: view.status,
        providerStatus: pi.data.status,
        amount: type === 'payment_intent.succeeded' ? view.captured : view.amount,
        currency: view.currency,
        occurredAt,
      },
    ]);
  }
  if (obj.object === 'refund') {
    const rf = stripeRefund.safeParse(obj);
    if (!rf.success) return err({ code: 'NOTIFICATION_MALFORMED', message: `${type}: not a Refund` });
    return ok([
      {
        notificationId: id,
        kind: 'refund',
        providerPaymentId: rf.data.payment_intent ?? null,
        key: null,
        providerRefundId: rf.data.id,
        refundStatus: REFUND_STATUS[rf.data.status ?? 'pending'] ?? 'pending',
        providerStatus: rf.data.status ?? 'pending',
        amount: BigInt(rf.data.amount),
        currency: rf.data.currency.toUpperCase(),
        occurredAt,
      },
    ]);
  }
  if (obj.object === 'charge' && type === 'charge.refunded') {
    // charge.refunded carries the charge's running total, not one refund: report it per payment.
    const ch = stripeCharge.safeParse(obj);
    if (!ch.success) return err({ code: 'NOTIFICATION_MALFORMED', message: `${type}: not a Charge` });
    return ok([
      {
        notificationId: id,
        kind: 'refund',
        providerPaymentId: ch.data.payment_intent ?? null,
        key: null,
        providerRefundId: null,
        refundStatus: 'succeeded',
        providerStatus: ch.data.refunded ? 'refunded' : 'partially_refunded',
        amount: BigInt(ch.data.amount_refunded),
        currency: ch.data.currency.toUpperCase(),
        occurredAt,
      },
    ]);
  }
  return ok([]);
}
