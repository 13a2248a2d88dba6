/**
 * Przelewy24 REST v1. sessionId = Ordo's key (unique per transaction; P24 has no idempotency
 * header). P24 assigns its orderId only when the buyer pays, so `providerPaymentId` is the
 * registration token until then and the orderId after; operations find the orderId by sessionId.
 * A paid transaction counts only after `PUT /transaction/verify` (`confirmNotification`). On a POS
 * with card pre-authorisation, verify is the capture (a smaller amount captures part, the rest is
 * released) and `/transaction/reject` the void; elsewhere neither partial capture nor void exists.
 */
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
import { minorToSafeNumber } from '../money.js';
import type {
  HttpPaymentConfig,
  NotificationError,
  PaymentNotification,
  PaymentProviderAdapter,
  PaymentRef,
  ProviderPayment,
  ProviderPaymentStatus,
  ProviderResult,
} from '../types.js';
import {
  P24_SIGN_FIELDS,
  p24BySession,
  p24Messages,
  p24Notification,
  p24Refunded,
  p24RefundNotification,
  p24Registered,
  p24Sign,
  p24SignMatches,
  p24Success,
  type P24Transaction,
} from './przelewy24-schemas.js';

export const P24_DEFAULT_BASE_URL = 'https://secure.przelewy24.pl';

export interface Przelewy24Config extends HttpPaymentConfig {
  merchantId: number;
  /** Defaults to merchantId. */
  posId?: number;
  /** The API key ("klucz do raportów"): Basic auth password. */
  reportKey: string;
  /** The CRC key: salts every `sign`. */
  crc: string;
  /** The POS has card pre-authorisation enabled: notification = authorised, verify = capture. */
  preauthorization?: boolean;
  /** Where P24 posts refund results (refund `urlStatus`). */
  refundNotifyUrl?: string;
}

const STATUS: Record<number, ProviderPaymentStatus> = { 0: 'pending', 1: 'authorized', 2: 'captured', 3: 'cancelled' };
const STATUS_TEXT: Record<number, string> = {
  0: 'no payment',
  1: 'advance payment',
  2: 'payment made',
  3: 'payment returned',
};

export function p24PaymentView(transaction: P24Transaction, existing: boolean): ProviderPayment {
  const amount = BigInt(transaction.amount);
  return {
    providerPaymentId: transaction.orderId > 0 ? String(transaction.orderId) : `p24-session:${transaction.sessionId}`,
    status: STATUS[transaction.status] ?? 'pending',
    providerStatus: `${transaction.status} (${STATUS_TEXT[transaction.status] ?? 'unknown'})`,
    amount,
    currency: transaction.currency,
    capturable: transaction.status === 1 ? amount : 0n,
    captured: transaction.status === 2 ? amount : 0n,
    refunded: 0n,
    existing,
  };
}

const tooLarge = (what: string) =>
  err(providerError('PROVIDER_REJECTED', `${what}: amount too large for P24`, { retryable: false }));

export function createPrzelewy24Adapter(config: Przelewy24Config): PaymentProviderAdapter {
  const base = config.baseUrl || P24_DEFAULT_BASE_URL;
  const posId = config.posId ?? config.merchantId;
  const auth = basicAuth(String(posId), config.reportKey);

  async function call<S extends z.ZodType>(
    method: HttpRequest['method'],
    path: string,
    what: string,
    schema: S,
    json?: unknown,
  ): Promise<ProviderResult<z.infer<S>>> {
    const res = await send(config, { method, url: joinUrl(base, path), headers: { authorization: auth }, json });
    if (!res.ok) return res;
    const response = res.value;
    if (response.status !== 200 && response.status !== 201)
      return err(httpStatusError(response, what, p24Messages(tryJson(response)), method));
    return parseJson(response, schema, what, method);
  }

  async function transaction(key: string): Promise<ProviderResult<P24Transaction | null>> {
    const result = await call(
      'GET',
      `/api/v2/transaction/by/sessionId/${encodeURIComponent(key)}`,
      'P24 transaction',
      p24BySession,
    );
    if (!result.ok) return result.error.code === 'PROVIDER_NOT_FOUND' ? ok(null) : result;
    const matches = result.value.data;
    return ok((Array.isArray(matches) ? matches.find((t) => t.sessionId === key) : matches) ?? null);
  }

  /** The paid transaction behind a ref: P24's refund/verify/reject need its orderId. */
  async function paid(ref: PaymentRef, what: string): Promise<ProviderResult<P24Transaction>> {
    const found = await transaction(ref.key);
    if (!found.ok) return found;
    if (!found.value) return err(providerError('PROVIDER_NOT_FOUND', `${what}: P24 has no transaction ${ref.key}`));
    if (found.value.orderId <= 0) {
      return err(providerError('PROVIDER_REJECTED', `${what}: the buyer has not paid yet`, { retryable: false }));
    }
    return ok(found.value);
  }

  async function verify(
    paidTransaction: P24Transaction,
    amount: bigint,
    currency: string,
  ): Promise<ProviderResult<ProviderPayment>> {
    const amt = minorToSafeNumber(amount);
    if (amt === null) return tooLarge('P24 verify');
    const values = { sessionId: paidTransaction.sessionId, orderId: paidTransaction.orderId, amount: amt, currency };
    const body = {
      merchantId: config.merchantId,
      posId,
      ...values,
      sign: p24Sign(P24_SIGN_FIELDS.verify, values, config.crc),
    };
    const result = await call('PUT', '/api/v1/transaction/verify', 'P24 verify', p24Success, body);
    if (!result.ok) return result;
    return ok(p24PaymentView({ ...paidTransaction, amount: amt, status: 2 }, false));
  }

  return {
    code: 'przelewy24',

    async createPayment(req) {
      const amount = minorToSafeNumber(req.amount);
      if (amount === null) return tooLarge('P24 register');
      const signed = { sessionId: req.key, merchantId: config.merchantId, amount, currency: req.currency };
      const body = {
        ...signed,
        posId,
        description: req.description,
        email: req.buyer?.email ?? '',
        ...(req.buyer?.name ? { client: req.buyer.name } : {}),
        ...(req.buyer?.phone ? { phone: req.buyer.phone } : {}),
        country: 'PL',
        language: (req.buyer?.language ?? 'pl').slice(0, 2),
        urlReturn: req.returnUrl ?? '',
        ...(req.notifyUrl ? { urlStatus: req.notifyUrl } : {}),
        ...(req.method && /^\d+$/.test(req.method) ? { method: Number(req.method) } : {}),
        sign: p24Sign(P24_SIGN_FIELDS.register, signed, config.crc),
      };
      const res = await send(config, {
        method: 'POST',
        url: joinUrl(base, '/api/v1/transaction/register'),
        headers: { authorization: auth },
        json: body,
      });
      if (!res.ok) return res;
      const response = res.value;
      if (response.status === 400) {
        // A sessionId P24 already holds means this is a retry: answer with that transaction.
        const found = await transaction(req.key);
        if (found.ok && found.value) return ok(p24PaymentView(found.value, true));
      }
      if (response.status !== 200)
        return err(httpStatusError(response, 'P24 register', p24Messages(tryJson(response)), 'POST'));
      const reg = parseJson(response, p24Registered, 'P24 register', 'POST');
      if (!reg.ok) return reg;
      const token = reg.value.data.token;
      return ok({
        providerPaymentId: token,
        status: 'pending',
        providerStatus: '0 (no payment)',
        amount: req.amount,
        currency: req.currency,
        capturable: 0n,
        captured: 0n,
        refunded: 0n,
        redirectUrl: joinUrl(base, `/trnRequest/${encodeURIComponent(token)}`),
        existing: false,
      });
    },

    async findPayment(key) {
      const found = await transaction(key);
      if (!found.ok) return found;
      return ok(found.value ? p24PaymentView(found.value, true) : null);
    },

    async capture(ref, amount, _key) {
      const paidTransaction = await paid(ref, 'P24 capture');
      if (!paidTransaction.ok) return paidTransaction;
      if (paidTransaction.value.status === 2) return ok(p24PaymentView(paidTransaction.value, true)); // verified before: a retry
      if (paidTransaction.value.status !== 1) {
        return err(
          providerError('PROVIDER_REJECTED', `P24 capture: transaction status ${paidTransaction.value.status}`, {
            retryable: false,
          }),
        );
      }
      const take = amount ?? BigInt(paidTransaction.value.amount);
      if (take !== BigInt(paidTransaction.value.amount) && !config.preauthorization) {
        return err(
          providerError('PROVIDER_UNSUPPORTED', 'P24 captures part of a payment only on a pre-authorisation POS', {
            retryable: false,
          }),
        );
      }
      return verify(paidTransaction.value, take, paidTransaction.value.currency);
    },

    async void(ref, _key) {
      if (!config.preauthorization) {
        return err(
          providerError('PROVIDER_UNSUPPORTED', 'P24 voids only card pre-authorisations', { retryable: false }),
        );
      }
      const paidTransaction = await paid(ref, 'P24 reject');
      if (!paidTransaction.ok) return paidTransaction;
      if (paidTransaction.value.status === 3) return ok(p24PaymentView(paidTransaction.value, true));
      const values = {
        merchantId: config.merchantId,
        orderId: paidTransaction.value.orderId,
        sessionId: paidTransaction.value.sessionId,
      };
      const body = {
        orderId: values.orderId,
        sessionId: values.sessionId,
        sign: p24Sign(P24_SIGN_FIELDS.reject, values, config.crc),
      };
      const result = await call('PUT', '/api/v1/transaction/reject', 'P24 reject', p24Success, body);
      if (!result.ok) return result;
      return ok(p24PaymentView({ ...paidTransaction.value, status: 3 }, false));
    },

    async refund(ref, amount, key, reason) {
      const amt = minorToSafeNumber(amount);
      if (amt === null) return tooLarge('P24 refund');
      const paidTransaction = await paid(ref, 'P24 refund');
      if (!paidTransaction.ok) return paidTransaction;
      // refundsUuid allows 35 characters: a UUID without its hyphens (32) is still unique.
      const refundsUuid = key.replace(/-/g, '');
      const body = {
        requestId: key,
        refundsUuid,
        ...(config.refundNotifyUrl ? { urlStatus: config.refundNotifyUrl } : {}),
        refunds: [
          {
            orderId: paidTransaction.value.orderId,
            sessionId: paidTransaction.value.sessionId,
            amount: amt,
            description: reason ?? 'Zwrot',
          },
        ],
      };
      const result = await call('POST', '/api/v1/transaction/refund', 'P24 refund', p24Refunded, body);
      if (!result.ok) return result;
      const item = result.value.data[0];
      if (!item?.status) {
        return err(
          providerError('PROVIDER_REJECTED', `P24 refund refused: ${item?.message ?? 'no item'}`, {
            retryable: false,
            providerMessages: item?.message ? [item.message] : [],
          }),
        );
      }
      // Accepted for processing; the refund notification (status 0/1) says how it ended.
      return ok({
        providerRefundId: refundsUuid,
        status: 'pending',
        providerStatus: item.message ?? 'success',
        amount,
        existing: false,
      });
    },

    parseNotification(input): Result<PaymentNotification[], NotificationError> {
      const text = input.body.toString();
      let raw: unknown;
      try {
        // P24 REST posts JSON; the spec also describes form fields, so accept both.
        raw = text.trimStart().startsWith('{') ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text));
      } catch {
        return err({ code: 'NOTIFICATION_MALFORMED', message: 'P24 notification is not JSON' });
      }
      if (raw && typeof raw === 'object' && 'refundsUuid' in raw) {
        const parsedRefund = p24RefundNotification.safeParse(raw);
        if (!parsedRefund.success)
          return err({ code: 'NOTIFICATION_MALFORMED', message: 'P24 refund notification has an unexpected shape' });
        const refundNotification = parsedRefund.data;
        if (
          !p24SignMatches(
            refundNotification.sign,
            p24Sign(P24_SIGN_FIELDS.refundNotification, refundNotification, config.crc),
          ) ||
          refundNotification.merchantId !== config.merchantId
        ) {
          return err({ code: 'SIGNATURE_INVALID', message: 'P24 refund notification: sign does not match' });
        }
        return ok([
          {
            notificationId: `p24:refund:${refundNotification.refundsUuid}:${refundNotification.orderId}:${refundNotification.status}`,
            kind: 'refund',
            providerPaymentId: String(refundNotification.orderId),
            key: refundNotification.sessionId,
            providerRefundId: refundNotification.refundsUuid,
            refundStatus: refundNotification.status === 0 ? 'succeeded' : 'failed',
            providerStatus:
              refundNotification.status === 0 ? '0 (completed)' : `${refundNotification.status} (rejected)`,
            amount: BigInt(refundNotification.amount),
            currency: refundNotification.currency,
            occurredAt: new Date(refundNotification.timestamp * 1000).toISOString(),
          },
        ]);
      }
      const parsed = p24Notification.safeParse(raw);
      if (!parsed.success)
        return err({ code: 'NOTIFICATION_MALFORMED', message: 'P24 notification has an unexpected shape' });
      const notification = parsed.data;
      if (
        !p24SignMatches(notification.sign, p24Sign(P24_SIGN_FIELDS.notification, notification, config.crc)) ||
        notification.merchantId !== config.merchantId
      ) {
        return err({ code: 'SIGNATURE_INVALID', message: 'P24 notification: sign does not match' });
      }
      return ok([
        {
          // P24 repeats the same body until verified; orderId + sessionId identify it.
          notificationId: `p24:payment:${notification.orderId}:${notification.sessionId}`,
          kind: 'payment',
          providerPaymentId: String(notification.orderId),
          key: notification.sessionId,
          status: 'authorized',
          providerStatus: `paid (method ${notification.methodId}, ${notification.statement})`,
          amount: BigInt(notification.amount),
          currency: notification.currency,
          needsConfirmation: !config.preauthorization,
        },
      ]);
    },

    async confirmNotification(notification, ref) {
      const paidTransaction = await paid(ref, 'P24 confirm');
      if (!paidTransaction.ok) return paidTransaction;
      // Pre-authorisation: the notification is the authorisation; verify would capture it.
      if (config.preauthorization || paidTransaction.value.status !== 1)
        return ok(p24PaymentView(paidTransaction.value, true));
      return verify(
        paidTransaction.value,
        notification.amount ?? BigInt(paidTransaction.value.amount),
        notification.currency ?? paidTransaction.value.currency,
      );
    },
  };
}
