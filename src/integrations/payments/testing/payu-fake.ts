/**
 * A local PayU (REST 2.1): OAuth client_credentials, orders (302 + JSON on create, extOrderId unique
 * per POS), lookup by orderId and extOrderId, captures (full/partial), cancel, refunds (a repeated
 * extRefundId returns the same refund; more than is left → NO_BALANCE), PayU status bodies, and
 * notifications signed with OpenPayu-Signature (MD5 of body + second key).
 */
import { payuSignatureHeader } from '../payu/payu-signature.js';
import {
  formFields,
  startPaymentFake,
  type FakeNotification,
  type FakePaymentServer,
  type FakeReply,
  type RecordedRequest,
} from './payment-fake-http.js';

interface Refund {
  refundId: string;
  extRefundId?: string;
  amount: string;
  currencyCode: string;
  description: string;
  creationDateTime: string;
  status: string;
  statusDateTime: string;
}
interface Order {
  orderId: string;
  extOrderId?: string;
  orderCreateDate: string;
  notifyUrl?: string;
  customerIp: string;
  merchantPosId: string;
  description: string;
  currencyCode: string;
  totalAmount: string;
  buyer?: unknown;
  products: unknown[];
  status: string;
  captured: bigint;
  refunds: Refund[];
}

const status = (
  http: number,
  statusCode: string,
  statusDesc: string,
  extra: Record<string, string> = {},
): FakeReply => ({
  status: http,
  json: { status: { statusCode, severity: http >= 400 ? 'ERROR' : 'INFO', ...extra, statusDesc } },
});
const notFound = () => status(404, 'DATA_NOT_FOUND', 'Could not find data for given criteria.');

export async function startPayuFake(opts: {
  posId: string;
  clientSecret: string;
  secondKey: string;
  autoReceive?: boolean;
}): Promise<FakePaymentServer> {
  const orders = new Map<string, Order>();
  const tokens = new Set<string>();
  let seq = 0;
  const stamp = () => new Date().toISOString().replace('Z', '+01:00');
  const byKey = (key: string) => [...orders.values()].find((o) => o.extOrderId === key);
  const view = ({ captured: _c, refunds: _r, ...o }: Order) => o;
  const left = (o: Order) => o.captured - o.refunds.reduce((s, r) => s + BigInt(r.amount), 0n);

  function route(req: RecordedRequest): FakeReply {
    if (req.path === '/pl/standard/user/oauth/authorize' && req.method === 'POST') {
      const f = formFields(req.body);
      if (
        f.grant_type !== 'client_credentials' ||
        f.client_id !== opts.posId ||
        f.client_secret !== opts.clientSecret
      ) {
        return { status: 401, json: { error: 'invalid_client', error_description: 'Bad client credentials' } };
      }
      const token = `${opts.posId}-tok-${++seq}`;
      tokens.add(token);
      return {
        status: 200,
        json: { access_token: token, token_type: 'bearer', expires_in: 43199, grant_type: 'client_credentials' },
      };
    }
    const auth = String(req.headers.authorization ?? '');
    if (!tokens.has(auth.replace(/^Bearer /, '')))
      return status(401, 'UNAUTHORIZED', 'Incorrect authentication', {
        code: '401',
        codeLiteral: 'INVALID_OR_MISSING_ACCESS_TOKEN',
      });

    if (req.path === '/api/v2_1/orders' && req.method === 'POST') {
      const b = JSON.parse(req.body) as Record<string, unknown>;
      for (const f of ['customerIp', 'merchantPosId', 'description', 'currencyCode', 'totalAmount', 'products']) {
        if (b[f] === undefined) return status(400, 'ERROR_VALUE_MISSING', `Missing required field: ${f}`);
      }
      if (!/^\d+$/.test(String(b.totalAmount))) return status(400, 'ERROR_VALUE_INVALID', 'Invalid value: totalAmount');
      if (b.merchantPosId !== opts.posId) return status(400, 'ERROR_VALUE_INVALID', 'Invalid merchantPosId');
      const ext = typeof b.extOrderId === 'string' ? b.extOrderId : undefined;
      if (ext && byKey(ext)) return status(400, 'ERROR_ORDER_NOT_UNIQUE', 'Order with given extOrderId already exists');
      const orderId = `WZHF5FFDRJ${String(++seq).padStart(6, '0')}GUEST000P01`;
      const o: Order = {
        orderId,
        ...(ext ? { extOrderId: ext } : {}),
        orderCreateDate: stamp(),
        ...(typeof b.notifyUrl === 'string' ? { notifyUrl: b.notifyUrl } : {}),
        customerIp: String(b.customerIp),
        merchantPosId: opts.posId,
        description: String(b.description),
        currencyCode: String(b.currencyCode),
        totalAmount: String(b.totalAmount),
        buyer: b.buyer,
        products: b.products as unknown[],
        status: 'NEW',
        captured: 0n,
        refunds: [],
      };
      orders.set(orderId, o);
      const redirectUri = `https://merch-prod.snd.payu.com/pay/?orderId=${orderId}`;
      return {
        status: 302,
        headers: { location: redirectUri },
        json: { status: { statusCode: 'SUCCESS' }, redirectUri, orderId, ...(ext ? { extOrderId: ext } : {}) },
      };
    }
    const ext = /^\/api\/v2_1\/orders\/ext\/([^/]+)$/.exec(req.path);
    if (ext && req.method === 'GET') {
      const o = byKey(decodeURIComponent(ext[1] ?? ''));
      return o
        ? {
            status: 200,
            json: { orders: [view(o)], status: { statusCode: 'SUCCESS', statusDesc: 'Request processing successful' } },
          }
        : notFound();
    }
    const m = /^\/api\/v2_1\/orders\/([^/]+)(\/captures|\/refunds)?$/.exec(req.path);
    const o = m ? orders.get(decodeURIComponent(m[1] ?? '')) : undefined;
    if (!m || !o) return notFound();
    if (!m[2] && req.method === 'GET') {
      return {
        status: 200,
        json: { orders: [view(o)], status: { statusCode: 'SUCCESS', statusDesc: 'Request processing successful' } },
      };
    }
    if (!m[2] && req.method === 'DELETE') {
      if (!['NEW', 'PENDING', 'WAITING_FOR_CONFIRMATION'].includes(o.status)) {
        return status(400, 'OPENPAYU_BUSINESS_ERROR', `Order in status ${o.status} cannot be canceled`);
      }
      o.status = 'CANCELED';
      return {
        status: 200,
        json: {
          status: { statusCode: 'SUCCESS', statusDesc: 'Request processing successful' },
          orderId: o.orderId,
          extOrderId: o.extOrderId,
        },
      };
    }
    if (m[2] === '/captures' && req.method === 'POST') {
      if (o.status !== 'WAITING_FOR_CONFIRMATION')
        return status(400, 'OPENPAYU_BUSINESS_ERROR', `Order in status ${o.status} cannot be captured`);
      const b = req.body ? (JSON.parse(req.body) as { amount?: string; currencyCode?: string }) : {};
      const amount = b.amount === undefined ? BigInt(o.totalAmount) : BigInt(b.amount);
      if (amount < 1n || amount > BigInt(o.totalAmount))
        return status(400, 'ERROR_VALUE_INVALID', 'Invalid value: amount');
      o.status = 'COMPLETED';
      o.captured = amount;
      return { status: 200, json: { status: { statusCode: 'SUCCESS', statusDesc: 'Request processing successful' } } };
    }
    if (m[2] === '/refunds' && req.method === 'POST') {
      const b = (
        JSON.parse(req.body) as {
          refund?: { description?: string; amount?: string; extRefundId?: string; currencyCode?: string };
        }
      ).refund;
      if (!b?.description) return status(400, 'ERROR_VALUE_MISSING', 'Missing required field: refund.description');
      const same = b.extRefundId ? o.refunds.find((r) => r.extRefundId === b.extRefundId) : undefined;
      const answer = (r: Refund) => ({
        status: 200,
        json: {
          orderId: o.orderId,
          refund: r,
          status: { statusCode: 'SUCCESS', statusDesc: 'Refund queued for processing' },
        },
      });
      if (same) return answer(same);
      const amount = b.amount === undefined ? left(o) : BigInt(b.amount);
      if (o.status !== 'COMPLETED' || amount < 1n || amount > left(o)) {
        return status(400, 'OPENPAYU_BUSINESS_ERROR', 'No balance for refund', {
          code: '9102',
          codeLiteral: 'NO_BALANCE',
        });
      }
      const r: Refund = {
        refundId: String(5_000_009_987 + ++seq),
        ...(b.extRefundId ? { extRefundId: b.extRefundId } : {}),
        amount: amount.toString(),
        currencyCode: o.currencyCode,
        description: b.description,
        creationDateTime: stamp(),
        status: 'PENDING',
        statusDateTime: stamp(),
      };
      o.refunds.push(r);
      return answer(r);
    }
    return notFound();
  }

  function notification(kind: 'payment' | 'refund', key: string): FakeNotification {
    const o = byKey(key);
    if (!o) throw new Error(`payu fake: no order with extOrderId ${key}`);
    let payload: unknown;
    if (kind === 'refund') {
      const r = o.refunds[o.refunds.length - 1];
      if (!r) throw new Error(`payu fake: no refund for ${key}`);
      r.status = 'FINALIZED'; // refunds complete asynchronously; the notification reports it
      payload = {
        orderId: o.orderId,
        extOrderId: o.extOrderId,
        refund: {
          refundId: r.refundId,
          amount: r.amount,
          currencyCode: r.currencyCode,
          status: r.status,
          statusDateTime: r.statusDateTime,
          reason: 'refund',
          reasonDescription: r.description,
          refundDate: r.creationDateTime,
        },
      };
    } else {
      payload = {
        order: view(o),
        ...(o.status === 'COMPLETED' ? { localReceiptDateTime: o.orderCreateDate } : {}),
        properties: [{ name: 'PAYMENT_ID', value: String(1_234_567_890 + Number(o.orderId.slice(10, 16))) }],
      };
    }
    const body = JSON.stringify(payload);
    return {
      body,
      headers: {
        'content-type': 'application/json;charset=UTF-8',
        'openpayu-signature': payuSignatureHeader(body, opts.secondKey),
      },
    };
  }

  return startPaymentFake({
    isAuthPath: (path) => path === '/pl/standard/user/oauth/authorize',
    route,
    rejection: () => status(400, 'ERROR_VALUE_INVALID', 'Invalid value: buyer.email'),
    unauthorized: () =>
      status(401, 'UNAUTHORIZED', 'Incorrect authentication', {
        code: '401',
        codeLiteral: 'INVALID_OR_MISSING_ACCESS_TOKEN',
      }),
    paymentCount: () => orders.size,
    refundCount: () => [...orders.values()].reduce((n, o) => n + o.refunds.length, 0),
    pay(key, outcome) {
      const o = byKey(key);
      if (!o) throw new Error(`payu fake: no order with extOrderId ${key}`);
      if (o.status !== 'NEW' && o.status !== 'PENDING') return;
      if (outcome === 'declined') o.status = 'CANCELED';
      else if (opts.autoReceive) {
        o.status = 'COMPLETED';
        o.captured = BigInt(o.totalAmount);
      } else o.status = 'WAITING_FOR_CONFIRMATION';
    },
    notification,
  });
}
