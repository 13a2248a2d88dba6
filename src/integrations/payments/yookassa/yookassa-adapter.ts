/**
 * YooKassa (ЮKassa) API v3. Every POST carries `Idempotence-Key` = Ordo's operation id: YooKassa
 * replays the first answer for 24 h (without marking it as a replay, so `existing` stays false).
 * `capture: false` is the two-stage flow (waiting_for_capture → /capture or /cancel). Amounts go out
 * as exact decimal strings from bigint. Notifications carry no signature at all: the sender's IP
 * is checked against YooKassa's published networks when known, and every notification needs
 * `confirmNotification`, which re-reads the object with a GET and trusts only that.
 */
import { BlockList, isIP } from 'node:net';
import type { z } from 'zod';
import { err, ok, type Result } from '../../../shared/result.js';
import {
  basicAuth,
  httpStatusError,
  joinUrl,
  parseJson,
  providerError,
  send,
  tryJson,
  type HttpRequest,
} from '../http.js';
import { decimalToMinor, minorToDecimal } from '../money.js';
import type {
  HttpPaymentConfig,
  NotificationError,
  PaymentNotification,
  PaymentProviderAdapter,
  ProviderPayment,
  ProviderPaymentStatus,
  ProviderRefund,
  ProviderResult,
} from '../types.js';
import { ykMessages, ykNotification, ykPayment, ykPaymentList, ykRefund, type YkPayment } from './yookassa-schemas.js';

export const YOOKASSA_DEFAULT_BASE_URL = 'https://api.yookassa.ru';

/** YooKassa's notification senders, as its SDKs publish them (security_helper.py / SecurityHelper.php). */
export const YOOKASSA_NETWORKS = [
  '77.75.153.0/25',
  '77.75.156.11',
  '77.75.156.35',
  '77.75.154.128/25',
  '185.71.76.0/27',
  '185.71.77.0/27',
  '2a02:5180:0:1509::/64',
  '2a02:5180:0:2655::/64',
  '2a02:5180:0:1533::/64',
  '2a02:5180:0:2669::/64',
];

export interface YookassaConfig extends HttpPaymentConfig {
  shopId: string;
  secretKey: string;
  /** Allowed notification senders; `false` turns the IP check off (behind a proxy that hides it). */
  trustedNetworks?: string[] | false;
  /** How many list pages (100 each, newest first) `findPayment` scans without a payment id. */
  findPages?: number;
}

export function networkList(networks: string[]): BlockList {
  const list = new BlockList();
  for (const network of networks) {
    const [addr = '', bits] = network.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export function ykStatus(payment: YkPayment): ProviderPaymentStatus {
  switch (payment.status) {
    case 'pending':
      return 'pending';
    case 'waiting_for_capture':
      return 'authorized';
    case 'succeeded':
      return 'captured';
    case 'canceled': {
      // Cancelled by us or expired before capture is a void; anything else is a failed payment.
      const cancellation = payment.cancellation_details;
      return !cancellation || cancellation.party === 'merchant' || cancellation.reason === 'expired_on_capture'
        ? 'cancelled'
        : 'failed';
    }
  }
}

export function ykPaymentView(payment: YkPayment, existing: boolean): ProviderResult<ProviderPayment> {
  const currency = payment.amount.currency;
  const amount = decimalToMinor(payment.amount.value, currency);
  const refunded = payment.refunded_amount ? decimalToMinor(payment.refunded_amount.value, currency) : 0n;
  if (amount === null || refunded === null) {
    return err(
      providerError(
        'PROVIDER_BAD_RESPONSE',
        `YooKassa amount ${String(payment.amount.value)} is not an exact ${currency} amount`,
        { retryable: false },
      ),
    );
  }
  const url = payment.confirmation?.confirmation_url;
  return ok({
    providerPaymentId: payment.id,
    status: ykStatus(payment),
    providerStatus: payment.cancellation_details
      ? `${payment.status} (${payment.cancellation_details.party}: ${payment.cancellation_details.reason})`
      : payment.status,
    amount,
    currency,
    capturable: payment.status === 'waiting_for_capture' ? amount : 0n,
    // After a partial capture YooKassa rewrites `amount` to what was captured.
    captured: payment.status === 'succeeded' ? amount : 0n,
    refunded,
    ...(url ? { redirectUrl: url } : {}),
    existing,
  });
}

const REFUND_STATUS: Record<string, ProviderRefund['status']> = {
  pending: 'pending',
  succeeded: 'succeeded',
  canceled: 'failed',
};

export function createYookassaAdapter(config: YookassaConfig): PaymentProviderAdapter {
  const base = config.baseUrl || YOOKASSA_DEFAULT_BASE_URL;
  const auth = basicAuth(config.shopId, config.secretKey);
  const trusted = config.trustedNetworks === false ? null : networkList(config.trustedNetworks ?? YOOKASSA_NETWORKS);

  async function call<S extends z.ZodType>(
    method: HttpRequest['method'],
    path: string,
    what: string,
    schema: S,
    opts: { json?: unknown; key?: string } = {},
  ): Promise<ProviderResult<z.infer<S>>> {
    const headers: Record<string, string> = { authorization: auth };
    if (opts.key) headers['idempotence-key'] = opts.key;
    const res = await send(config, { method, url: joinUrl(base, path), headers, json: opts.json });
    if (!res.ok) return res;
    const response = res.value;
    if (response.status !== 200) return err(httpStatusError(response, what, ykMessages(tryJson(response)), method));
    return parseJson(response, schema, what, method);
  }

  async function paymentOp(
    path: string,
    what: string,
    key: string,
    json: unknown,
  ): Promise<ProviderResult<ProviderPayment>> {
    const result = await call('POST', path, what, ykPayment, { json, key });
    return result.ok ? ykPaymentView(result.value, false) : result;
  }

  async function getPayment(id: string): Promise<ProviderResult<ProviderPayment | null>> {
    const result = await call('GET', `/v3/payments/${encodeURIComponent(id)}`, 'YooKassa payment', ykPayment);
    if (!result.ok) return result.error.code === 'PROVIDER_NOT_FOUND' ? ok(null) : result;
    return ykPaymentView(result.value, true);
  }

  return {
    code: 'yookassa',

    createPayment(req) {
      return paymentOp('/v3/payments', 'YooKassa create', req.key, {
        amount: { value: minorToDecimal(req.amount, req.currency), currency: req.currency },
        capture: req.capture,
        confirmation: {
          type: 'redirect',
          return_url: req.returnUrl ?? '',
          ...(req.buyer?.language ? { locale: req.buyer.language === 'ru' ? 'ru_RU' : 'en_US' } : {}),
        },
        // YooKassa allows 128 characters.
        description: [...req.description].slice(0, 128).join(''),
        metadata: { ordo_key: req.key, order_number: req.orderNumber },
        ...(req.method ? { payment_method_data: { type: req.method } } : {}),
      });
    },

    async findPayment(key, providerPaymentId) {
      if (providerPaymentId) return getPayment(providerPaymentId);
      // No search by metadata: scan the newest payments. A retried create with the same
      // Idempotence-Key (kept 24 h) is the provider's own recovery and needs no scan.
      let cursor: string | null | undefined;
      for (let page = 0; page < (config.findPages ?? 3); page++) {
        const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
        const result = await call('GET', `/v3/payments?${query.toString()}`, 'YooKassa list', ykPaymentList);
        if (!result.ok) return result;
        const hit = result.value.items.find((p) => p.metadata?.ordo_key === key);
        if (hit) return ykPaymentView(hit, true);
        cursor = result.value.next_cursor;
        if (!cursor) break;
      }
      return ok(null);
    },

    capture(ref, amount, key) {
      const json =
        amount === undefined ? {} : { amount: { value: minorToDecimal(amount, ref.currency), currency: ref.currency } };
      return paymentOp(
        `/v3/payments/${encodeURIComponent(ref.providerPaymentId)}/capture`,
        'YooKassa capture',
        key,
        json,
      );
    },

    void(ref, key) {
      return paymentOp(`/v3/payments/${encodeURIComponent(ref.providerPaymentId)}/cancel`, 'YooKassa cancel', key, {});
    },

    async refund(ref, amount, key, reason) {
      const result = await call('POST', '/v3/refunds', 'YooKassa refund', ykRefund, {
        key,
        json: {
          payment_id: ref.providerPaymentId,
          amount: { value: minorToDecimal(amount, ref.currency), currency: ref.currency },
          ...(reason ? { description: [...reason].slice(0, 250).join('') } : {}),
        },
      });
      if (!result.ok) return result;
      const value = decimalToMinor(result.value.amount.value, result.value.amount.currency);
      if (value === null)
        return err(
          providerError('PROVIDER_BAD_RESPONSE', 'YooKassa refund amount is not exact', {
            retryable: true,
            outcomeUnknown: true,
          }),
        );
      return ok({
        providerRefundId: result.value.id,
        status: REFUND_STATUS[result.value.status] ?? 'pending',
        providerStatus: result.value.status,
        amount: value,
        existing: false,
      });
    },

    parseNotification(input): Result<PaymentNotification[], NotificationError> {
      if (trusted && input.remoteAddress) {
        const ip = input.remoteAddress.replace(/^::ffff:/, '');
        const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
        if (!isIP(ip) || !trusted.check(ip, type)) {
          return err({
            code: 'SIGNATURE_INVALID',
            message: `YooKassa notification from ${ip}, outside YooKassa's networks`,
          });
        }
      }
      return parseYookassaNotification(input.body);
    },

    async confirmNotification(notification, ref) {
      // The notification is only a hint: the GET answer is the truth.
      const id =
        notification.kind === 'payment'
          ? (notification.providerPaymentId ?? ref.providerPaymentId)
          : ref.providerPaymentId;
      const result = await getPayment(id);
      if (!result.ok) return result;
      return result.value
        ? ok(result.value)
        : err(providerError('PROVIDER_NOT_FOUND', `YooKassa has no payment ${id}`));
    },
  };
}

/** A YooKassa notification body → an unconfirmed Ordo notification (needsConfirmation always). */
export function parseYookassaNotification(body: string | Buffer): Result<PaymentNotification[], NotificationError> {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString());
  } catch {
    return err({ code: 'NOTIFICATION_MALFORMED', message: 'YooKassa notification is not JSON' });
  }
  const parsed = ykNotification.safeParse(raw);
  if (!parsed.success) return err({ code: 'NOTIFICATION_MALFORMED', message: 'not a YooKassa notification' });
  const { event, object } = parsed.data;
  if (event.startsWith('payment.')) {
    const payment = ykPayment.safeParse(object);
    if (!payment.success) return err({ code: 'NOTIFICATION_MALFORMED', message: `${event}: not a payment object` });
    const view = ykPaymentView(payment.data, false);
    if (!view.ok) return err({ code: 'NOTIFICATION_MALFORMED', message: view.error.message });
    return ok([
      {
        notificationId: `yookassa:${event}:${payment.data.id}`,
        kind: 'payment',
        providerPaymentId: payment.data.id,
        key: payment.data.metadata?.ordo_key ?? null,
        status: view.value.status,
        providerStatus: payment.data.status,
        amount: view.value.amount,
        currency: view.value.currency,
        needsConfirmation: true,
      },
    ]);
  }
  if (event.startsWith('refund.')) {
    const refund = ykRefund.safeParse(object);
    if (!refund.success) return err({ code: 'NOTIFICATION_MALFORMED', message: `${event}: not a refund object` });
    const amount = decimalToMinor(refund.data.amount.value, refund.data.amount.currency);
    if (amount === null) return err({ code: 'NOTIFICATION_MALFORMED', message: `${event}: inexact amount` });
    return ok([
      {
        notificationId: `yookassa:${event}:${refund.data.id}`,
        kind: 'refund',
        providerPaymentId: refund.data.payment_id,
        key: null,
        providerRefundId: refund.data.id,
        refundStatus: REFUND_STATUS[refund.data.status] ?? 'pending',
        providerStatus: refund.data.status,
        amount,
        currency: refund.data.amount.currency,
        needsConfirmation: true,
      },
    ]);
  }
  return ok([]);
}
