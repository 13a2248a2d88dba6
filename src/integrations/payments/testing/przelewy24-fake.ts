/**
 * A local Przelewy24 (REST v1): register (sign checked, sessionId unique), transaction by
 * sessionId, verify (a smaller amount captures part on a pre-authorisation POS), reject, refunds
 * (a repeated requestId replays; more than is left → 409 with per-item messages), P24 error bodies,
 * and notifications signed with SHA-384 `sign` like P24's.
 */
import { P24_SIGN_FIELDS, p24Sign } from '../przelewy24/przelewy24-schemas.js';
import {
  startPaymentFake,
  type FakeNotification,
  type FakePaymentServer,
  type FakeReply,
  type RecordedRequest,
} from './payment-fake-http.js';

interface Tx {
  sessionId: string;
  token: string;
  orderId: number;
  status: number;
  amount: number;
  originAmount: number;
  currency: string;
  description: string;
  email: string;
  methodId: number;
  statement: string;
  refunds: { requestId: string; refundsUuid: string; amount: number; timestamp: number; reply: FakeReply }[];
}

const bad = (error = 'Invalid input data'): FakeReply => ({ status: 400, json: { error, code: 400 } });
const notFound = (): FakeReply => ({ status: 404, json: { error: 'Transaction not found', code: 404 } });

export async function startPrzelewy24Fake(opts: {
  merchantId: number;
  posId?: number;
  reportKey: string;
  crc: string;
  preauthorization?: boolean;
}): Promise<FakePaymentServer> {
  const posId = opts.posId ?? opts.merchantId;
  const auth = `Basic ${Buffer.from(`${posId}:${opts.reportKey}`).toString('base64')}`;
  const txs = new Map<string, Tx>();
  let seq = 0;
  const signOk = (fields: readonly string[], b: Record<string, unknown>) => b.sign === p24Sign(fields, b, opts.crc);
  const paidTx = (b: Record<string, unknown>) => {
    const t = txs.get(String(b.sessionId));
    return t && t.orderId === b.orderId ? t : undefined;
  };

  function route(req: RecordedRequest): FakeReply {
    if (req.headers.authorization !== auth)
      return { status: 401, json: { error: 'Incorrect authentication', code: 401 } };
    const b = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (req.path === '/api/v1/transaction/register' && req.method === 'POST') {
      for (const f of [
        'merchantId',
        'posId',
        'sessionId',
        'amount',
        'currency',
        'description',
        'email',
        'country',
        'language',
        'urlReturn',
        'sign',
      ]) {
        if (b[f] === undefined || b[f] === '') return bad(`Invalid input data: ${f}`);
      }
      if (!signOk(P24_SIGN_FIELDS.register, b)) return bad('Incorrect CRC value');
      const sessionId = String(b.sessionId);
      if (txs.has(sessionId)) return bad('Transaction with this sessionId already exists');
      const token = `${(++seq).toString(16).toUpperCase().padStart(8, '0')}-5B2C-4D1E-9F3A-0RD0FAKE`;
      txs.set(sessionId, {
        sessionId,
        token,
        orderId: 0,
        status: 0,
        amount: Number(b.amount),
        originAmount: Number(b.amount),
        currency: String(b.currency),
        description: String(b.description),
        email: String(b.email),
        methodId: 0,
        statement: '',
        refunds: [],
      });
      return { status: 200, json: { data: { token }, responseCode: 0 } };
    }
    const by = /^\/api\/v2\/transaction\/by\/sessionId\/(.+)$/.exec(req.path);
    if (by && req.method === 'GET') {
      const t = txs.get(decodeURIComponent(by[1] ?? ''));
      if (!t) return notFound();
      return {
        status: 200,
        json: {
          data: [
            {
              statement: t.statement,
              orderId: t.orderId,
              sessionId: t.sessionId,
              status: t.status,
              amount: t.amount,
              currency: t.currency,
              date: '202611230800',
              dateOfTransaction: '202611230759',
              clientEmail: t.email,
              accountMD5: '',
              paymentMethod: t.methodId,
              description: t.description,
              clientName: '',
              clientAddress: '',
              clientCity: '',
              clientPostcode: '',
              batchId: 0,
              fee: '0',
            },
          ],
          responseCode: 0,
        },
      };
    }
    if (req.path === '/api/v1/transaction/verify' && req.method === 'PUT') {
      if (!signOk(P24_SIGN_FIELDS.verify, b)) return bad('Incorrect CRC value');
      const t = paidTx(b);
      if (!t) return bad();
      const amount = Number(b.amount);
      if (t.status === 2 && amount === t.amount)
        return { status: 200, json: { data: { status: 'success' }, responseCode: 0 } };
      if (t.status !== 1 || amount < 1 || amount > t.amount || (amount !== t.amount && !opts.preauthorization))
        return bad();
      t.status = 2;
      t.amount = amount; // "Transaction amount is overwritten" (pre-authorisation capture)
      return { status: 200, json: { data: { status: 'success' }, responseCode: 0 } };
    }
    if (req.path === '/api/v1/transaction/reject' && req.method === 'PUT') {
      const t = paidTx(b);
      if (!t || !signOk(P24_SIGN_FIELDS.reject, { ...b, merchantId: opts.merchantId })) return bad();
      if (t.status !== 1 || !opts.preauthorization) return bad('Transaction cannot be rejected');
      t.status = 3;
      return { status: 200, json: { data: { status: 'success' }, responseCode: '0' } };
    }
    if (req.path === '/api/v1/transaction/refund' && req.method === 'POST') {
      const items = b.refunds as
        { orderId: number; sessionId: string; amount: number; description?: string }[] | undefined;
      if (!b.requestId || !b.refundsUuid || String(b.refundsUuid).length > 35 || !items?.length) return bad();
      for (const t of txs.values()) {
        const seen = t.refunds.find((r) => r.requestId === b.requestId);
        if (seen) return seen.reply;
      }
      const results = items.map((i) => {
        const t = paidTx(i);
        const left = t && t.status === 2 ? t.amount - t.refunds.reduce((s, r) => s + r.amount, 0) : 0;
        const okItem = !!t && i.amount >= 1 && i.amount <= left;
        return {
          t,
          i,
          okItem,
          message: okItem ? 'success' : 'The amount of refund exceeds available amount for the transaction',
        };
      });
      const view = (r: (typeof results)[number]) => ({
        orderId: r.i.orderId,
        sessionId: r.i.sessionId,
        amount: r.i.amount,
        description: r.i.description ?? null,
        status: r.okItem,
        message: r.message,
      });
      if (!results.every((r) => r.okItem)) return { status: 409, json: { error: results.map(view), code: 409 } };
      const reply: FakeReply = { status: 201, json: { data: results.map(view), responseCode: 0 } };
      for (const r of results)
        r.t?.refunds.push({
          requestId: String(b.requestId),
          refundsUuid: String(b.refundsUuid),
          amount: r.i.amount,
          timestamp: Math.floor(Date.now() / 1000),
          reply,
        });
      return reply;
    }
    return notFound();
  }

  function notification(kind: 'payment' | 'refund', key: string): FakeNotification {
    const t = txs.get(key);
    if (!t || t.orderId === 0) throw new Error(`p24 fake: no paid transaction ${key}`);
    let values: Record<string, unknown>;
    if (kind === 'refund') {
      const r = t.refunds[t.refunds.length - 1];
      if (!r) throw new Error(`p24 fake: no refund for ${key}`);
      const signed = {
        orderId: t.orderId,
        sessionId: t.sessionId,
        refundsUuid: r.refundsUuid,
        merchantId: opts.merchantId,
        amount: r.amount,
        currency: t.currency,
        status: 0,
      };
      values = {
        ...signed,
        requestId: r.requestId,
        timestamp: r.timestamp,
        sign: p24Sign(P24_SIGN_FIELDS.refundNotification, signed, opts.crc),
      };
    } else {
      const signed = {
        merchantId: opts.merchantId,
        posId,
        sessionId: t.sessionId,
        amount: t.originAmount,
        originAmount: t.originAmount,
        currency: t.currency,
        orderId: t.orderId,
        methodId: t.methodId,
        statement: t.statement,
      };
      values = { ...signed, sign: p24Sign(P24_SIGN_FIELDS.notification, signed, opts.crc) };
    }
    return { body: JSON.stringify(values), headers: { 'content-type': 'application/json' } };
  }

  return startPaymentFake({
    route,
    rejection: () => bad(),
    unauthorized: () => ({ status: 401, json: { error: 'Incorrect authentication', code: 401 } }),
    paymentCount: () => txs.size,
    refundCount: () => [...txs.values()].reduce((n, t) => n + t.refunds.length, 0),
    pay(key, outcome) {
      const t = txs.get(key);
      if (!t) throw new Error(`p24 fake: no transaction ${key}`);
      // P24 reports only successful payments; a declined buyer simply does not pay.
      if (outcome === 'declined' || t.status !== 0) return;
      t.orderId = 300_000_000 + ++seq;
      t.status = 1;
      t.methodId = 154;
      t.statement = `p24-A${seq}-B2-C3`;
    },
    notification,
  });
}
