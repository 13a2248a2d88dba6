/**
 * PayU REST API 2.1. PayU has no idempotency header: `extOrderId` = Ordo's key must be unique per
 * POS, so a retried create is refused as ERROR_ORDER_NOT_UNIQUE and the adapter returns the order
 * it finds by extOrderId (`existing: true`). Whether a paid order waits for capture is the POS's
 * "auto-receive" setting, not a per-order flag: with auto-receive on, authorise-only is refused
 * here rather than silently taking the money. Refunds carry `extRefundId` = the refund's key.
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
import { minorFromString } from '../money.js';
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
import {
  payuCreated,
  payuMessages,
  payuOrderNotification,
  payuOrders,
  payuRefundCreated,
  payuRefundNotification,
  payuStatusOnly,
  payuToken,
  type PayuOrder,
} from './payu-schemas.js';
import { verifyPayuSignature } from './payu-signature.js';

export const PAYU_DEFAULT_BASE_URL = 'https://secure.payu.com';

export interface PayuConfig extends HttpPaymentConfig {
  /** POS id (merchantPosId); also the OAuth client_id unless clientId is given. */
  posId: string;
  clientId?: string;
  clientSecret: string;
  /** The POS "second key (MD5)": verifies notification signatures. */
  secondKey: string;
  /** PayU's default: paid orders complete at once. Turn off at PayU to authorise and capture later. */
  autoReceive?: boolean;
  /** Required by PayU on every order; Ordo's server address when the buyer's is unknown. */
  customerIp?: string;
}

const STATUS: Record<PayuOrder['status'], ProviderPaymentStatus> = {
  NEW: 'pending',
  PENDING: 'pending',
  WAITING_FOR_CONFIRMATION: 'authorized',
  COMPLETED: 'captured',
  CANCELED: 'cancelled',
};
const REFUND_STATUS: Record<string, ProviderRefund['status']> = {
  PENDING: 'pending',
  FINALIZED: 'succeeded',
  CANCELED: 'failed',
};

export function payuPaymentView(payuOrder: PayuOrder, existing: boolean, redirectUrl?: string | null): ProviderPayment {
  const amount = minorFromString(payuOrder.totalAmount) ?? 0n;
  return {
    providerPaymentId: payuOrder.orderId,
    status: STATUS[payuOrder.status],
    providerStatus: payuOrder.status,
    amount,
    currency: payuOrder.currencyCode,
    capturable: payuOrder.status === 'WAITING_FOR_CONFIRMATION' ? amount : 0n,
    captured: payuOrder.status === 'COMPLETED' ? amount : 0n,
    // Refunds are listed separately (GET …/refunds); the order itself does not carry their total.
    refunded: 0n,
    ...(redirectUrl ? { redirectUrl } : {}),
    existing,
  };
}

const splitName = (name = ''): { firstName?: string; lastName?: string } => {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return {};
  if (parts.length === 1) return { lastName: parts[0] };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1] };
};

export function createPayuAdapter(config: PayuConfig): PaymentProviderAdapter {
  const base = config.baseUrl || PAYU_DEFAULT_BASE_URL;
  let token: { value: string; until: number } | null = null;

  async function bearer(): Promise<ProviderResult<string>> {
    if (token && token.until > Date.now()) return ok(token.value);
    const res = await send(config, {
      method: 'POST',
      url: joinUrl(base, '/pl/standard/user/oauth/authorize'),
      form: [
        ['grant_type', 'client_credentials'],
        ['client_id', config.clientId ?? config.posId],
        ['client_secret', config.clientSecret],
      ],
    });
    // Asking for a token changes nothing at PayU, so a lost answer is never an unknown outcome.
    if (!res.ok) return err(providerError(res.error.code, res.error.message));
    const response = res.value;
    if (response.status !== 200)
      return err(httpStatusError(response, 'PayU OAuth', payuMessages(tryJson(response)), 'GET'));
    const parsedToken = parseJson(response, payuToken, 'PayU OAuth', 'GET');
    if (!parsedToken.ok) return parsedToken;
    // Renew a minute early so a token never expires in flight.
    token = { value: parsedToken.value.access_token, until: Date.now() + (parsedToken.value.expires_in - 60) * 1000 };
    return ok(token.value);
  }

  async function call<S extends z.ZodType>(
    method: HttpRequest['method'],
    path: string,
    what: string,
    schema: S,
    json?: unknown,
  ): Promise<ProviderResult<z.infer<S>>> {
    const auth = await bearer();
    if (!auth.ok) return auth;
    const res = await send(config, {
      method,
      url: joinUrl(base, path),
      headers: { authorization: `Bearer ${auth.value}` },
      ...(json !== undefined ? { json } : {}),
    });
    if (!res.ok) return res;
    const response = res.value;
    // 302 is PayU's normal answer to a created order (Location = redirectUri, JSON body).
    if (response.status !== 200 && response.status !== 201 && response.status !== 302) {
      if (response.status === 401) token = null;
      return err(httpStatusError(response, what, payuMessages(tryJson(response)), method));
    }
    return parseJson(response, schema, what, method);
  }

  async function find(key: string, orderId?: string): Promise<ProviderResult<ProviderPayment | null>> {
    const path = orderId
      ? `/api/v2_1/orders/${encodeURIComponent(orderId)}`
      : `/api/v2_1/orders/ext/${encodeURIComponent(key)}`;
    const result = await call('GET', path, 'PayU order', payuOrders);
    if (!result.ok) return result.error.code === 'PROVIDER_NOT_FOUND' ? ok(null) : result;
    const order = result.value.orders.find((o) => !orderId || o.orderId === orderId) ?? result.value.orders[0];
    return ok(order ? payuPaymentView(order, true) : null);
  }

  return {
    code: 'payu',

    async createPayment(req) {
      if (!req.capture && (config.autoReceive ?? true)) {
        return err(
          providerError('PROVIDER_UNSUPPORTED', 'PayU POS has auto-receive on: it cannot authorise without capturing', {
            retryable: false,
          }),
        );
      }
      const buyer = req.buyer
        ? {
            ...(req.buyer.email ? { email: req.buyer.email } : {}),
            ...(req.buyer.phone ? { phone: req.buyer.phone } : {}),
            ...splitName(req.buyer.name),
            ...(req.buyer.language ? { language: req.buyer.language } : {}),
          }
        : undefined;
      const body = {
        ...(req.notifyUrl ? { notifyUrl: req.notifyUrl } : {}),
        ...(req.returnUrl ? { continueUrl: req.returnUrl } : {}),
        customerIp: config.customerIp ?? '127.0.0.1',
        merchantPosId: config.posId,
        description: req.description,
        additionalDescription: req.orderNumber,
        currencyCode: req.currency,
        totalAmount: req.amount.toString(),
        extOrderId: req.key,
        ...(buyer ? { buyer } : {}),
        products: [{ name: req.description, unitPrice: req.amount.toString(), quantity: '1' }],
      };
      const auth = await bearer();
      if (!auth.ok) return auth;
      const res = await send(config, {
        method: 'POST',
        url: joinUrl(base, '/api/v2_1/orders'),
        headers: { authorization: `Bearer ${auth.value}` },
        json: body,
      });
      if (!res.ok) return res;
      const response = res.value;
      if (response.status === 400 && payuMessages(tryJson(response)).includes('ERROR_ORDER_NOT_UNIQUE')) {
        // The key was used before: this is a retry, and the first order is the answer.
        const found = await find(req.key);
        if (!found.ok) return found;
        if (found.value) return ok(found.value);
      }
      if (response.status !== 200 && response.status !== 201 && response.status !== 302) {
        if (response.status === 401) token = null;
        return err(httpStatusError(response, 'PayU create order', payuMessages(tryJson(response)), 'POST'));
      }
      const created = parseJson(response, payuCreated, 'PayU create order', 'POST');
      if (!created.ok) return created;
      return ok({
        providerPaymentId: created.value.orderId,
        status: 'pending',
        providerStatus: 'NEW',
        amount: req.amount,
        currency: req.currency,
        capturable: 0n,
        captured: 0n,
        refunded: 0n,
        ...(created.value.redirectUri ? { redirectUrl: created.value.redirectUri } : {}),
        existing: false,
      });
    },

    findPayment: find,

    async capture(ref, amount, _key) {
      // No idempotency at PayU: capturing a COMPLETED order fails; a retry then finds it captured.
      const path = `/api/v2_1/orders/${encodeURIComponent(ref.providerPaymentId)}/captures`;
      const partial = amount !== undefined && amount !== ref.amount;
      const result = await call(
        'POST',
        path,
        'PayU capture',
        payuStatusOnly,
        partial ? { amount: amount.toString(), currencyCode: ref.currency } : undefined,
      );
      const after = await find(ref.key, ref.providerPaymentId);
      if (!result.ok) {
        if (after.ok && after.value?.status === 'captured') return ok({ ...after.value, existing: true });
        return result;
      }
      if (!after.ok) return after;
      if (!after.value) return err(providerError('PROVIDER_NOT_FOUND', `PayU order ${ref.providerPaymentId} vanished`));
      return ok({ ...after.value, captured: amount ?? after.value.captured, existing: false });
    },

    async void(ref, _key) {
      const path = `/api/v2_1/orders/${encodeURIComponent(ref.providerPaymentId)}`;
      const result = await call('DELETE', path, 'PayU cancel order', payuStatusOnly);
      if (!result.ok) return result;
      const after = await find(ref.key, ref.providerPaymentId);
      if (!after.ok) return after;
      if (!after.value) return err(providerError('PROVIDER_NOT_FOUND', `PayU order ${ref.providerPaymentId} vanished`));
      return ok({ ...after.value, existing: false });
    },

    async refund(ref, amount, key, reason) {
      const path = `/api/v2_1/orders/${encodeURIComponent(ref.providerPaymentId)}/refunds`;
      const result = await call('POST', path, 'PayU refund', payuRefundCreated, {
        refund: {
          description: reason ?? 'Refund',
          amount: amount.toString(),
          extRefundId: key,
          currencyCode: ref.currency,
        },
      });
      if (!result.ok) return result;
      const rf = result.value.refund;
      return ok({
        providerRefundId: rf.refundId,
        status: REFUND_STATUS[rf.status] ?? 'pending',
        providerStatus: rf.status,
        amount: minorFromString(rf.amount) ?? amount,
        // PayU answers a repeated extRefundId with the same refund and no marker.
        existing: false,
      });
    },

    parseNotification(input): Result<PaymentNotification[], NotificationError> {
      const sig = header(input.headers, 'openpayu-signature') ?? header(input.headers, 'x-openpayu-signature');
      const check = verifyPayuSignature(sig, input.body, config.secondKey);
      if (!check.ok) return err({ code: 'SIGNATURE_INVALID', message: `PayU notification: ${check.reason}` });
      return parsePayuNotification(input.body);
    },
  };
}

/** A verified PayU notification body → Ordo notifications (order status or refund status). */
export function parsePayuNotification(body: string | Buffer): Result<PaymentNotification[], NotificationError> {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString());
  } catch {
    return err({ code: 'NOTIFICATION_MALFORMED', message: 'PayU notification is not JSON' });
  }
  const order = payuOrderNotification.safeParse(raw);
  if (order.success) {
    const payuOrder = order.data.order;
    const view = payuPaymentView(payuOrder, false);
    return ok([
      {
        // PayU sends no notification id; order id + status is what a redelivery repeats.
        notificationId: `payu:order:${payuOrder.orderId}:${payuOrder.status}`,
        kind: 'payment',
        providerPaymentId: payuOrder.orderId,
        key: payuOrder.extOrderId ?? null,
        status: view.status,
        providerStatus: payuOrder.status,
        amount: view.amount,
        currency: payuOrder.currencyCode,
        ...(order.data.localReceiptDateTime
          ? { occurredAt: new Date(order.data.localReceiptDateTime).toISOString() }
          : {}),
      },
    ]);
  }
  const refund = payuRefundNotification.safeParse(raw);
  if (refund.success) {
    const rf = refund.data.refund;
    const at = rf.statusDateTime ?? rf.refundDate;
    return ok([
      {
        notificationId: `payu:refund:${rf.refundId}:${rf.status}`,
        kind: 'refund',
        providerPaymentId: refund.data.orderId,
        key: refund.data.extOrderId ?? null,
        providerRefundId: rf.refundId,
        refundStatus: REFUND_STATUS[rf.status] ?? 'pending',
        providerStatus: rf.status,
        amount: minorFromString(rf.amount) ?? 0n,
        currency: rf.currencyCode,
        ...(at && !Number.isNaN(Date.parse(at)) ? { occurredAt: new Date(at).toISOString() } : {}),
      },
    ]);
  }
  return err({ code: 'NOTIFICATION_MALFORMED', message: 'PayU notification is neither an order nor a refund' });
}
