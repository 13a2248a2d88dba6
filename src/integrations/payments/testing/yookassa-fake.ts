/**
 * A local YooKassa (API v3): payments (one- and two-stage), capture (full/partial, which rewrites
 * `amount`), cancel, refunds, the payment list with cursors, YooKassa error bodies, replays for a
 * repeated `Idempotence-Key` (required on every POST), and unsigned notifications — YooKassa signs
 * nothing, so the fake's notification is just the body.
 */
import { randomUUID } from 'node:crypto';
import { decimalToMinor, minorToDecimal } from '../money.js';
import {
  IdempotencyCache,
  startPaymentFake,
  type FakeNotification,
  type FakePaymentServer,
  type FakeReply,
  type RecordedRequest,
} from './payment-fake-http.js';

interface Amount {
  value: string;
  currency: string;
}
interface Payment {
  id: string;
  status: string;
  paid: boolean;
  amount: Amount;
  description?: string;
  metadata: Record<string, string>;
  confirmation: { type: string; confirmation_url: string; return_url?: string };
  created_at: string;
  captured_at?: string;
  refunded_amount?: Amount;
  cancellation_details?: { party: string; reason: string };
  refundable: boolean;
  test: true;
  capture: boolean; // not published: how the fake knows where a paid payment goes
}
interface Refund {
  id: string;
  payment_id: string;
  status: string;
  created_at: string;
  amount: Amount;
  description?: string;
}

const error = (status: number, code: string, description: string, parameter?: string): FakeReply => ({
  status,
  json: { type: 'error', id: randomUUID(), code, description, ...(parameter ? { parameter } : {}) },
});
const invalid = (description: string, parameter?: string) => error(400, 'invalid_request', description, parameter);

export async function startYookassaFake(opts: { shopId: string; secretKey: string }): Promise<FakePaymentServer> {
  const auth = `Basic ${Buffer.from(`${opts.shopId}:${opts.secretKey}`).toString('base64')}`;
  const payments: Payment[] = [];
  const refunds: Refund[] = [];
  const idem = new IdempotencyCache();
  const view = ({ capture: _c, ...p }: Payment) => p;
  const byId = (id: string) => payments.find((p) => p.id === id);
  const byKey = (key: string) => payments.find((p) => p.metadata.ordo_key === key);
  const minor = (a: Amount) => decimalToMinor(a.value, a.currency);

  function mutate(req: RecordedRequest): FakeReply {
    const b = JSON.parse(req.body || '{}') as {
      amount?: Amount;
      capture?: boolean;
      description?: string;
      metadata?: Record<string, string>;
      confirmation?: { return_url?: string };
      payment_id?: string;
    };
    if (req.path === '/v3/payments') {
      if (!b.amount || minor(b.amount) === null || (minor(b.amount) ?? 0n) <= 0n)
        return invalid('Invalid amount value', 'amount.value');
      if (b.description && [...b.description].length > 128) return invalid('Description is too long', 'description');
      const id = `2${randomUUID().slice(1)}`;
      const p: Payment = {
        id,
        status: 'pending',
        paid: false,
        amount: b.amount,
        ...(b.description ? { description: b.description } : {}),
        metadata: b.metadata ?? {},
        confirmation: {
          type: 'redirect',
          confirmation_url: `https://yoomoney.ru/checkout/payments/v2/contract?orderId=${id}`,
          ...(b.confirmation?.return_url ? { return_url: b.confirmation.return_url } : {}),
        },
        created_at: new Date().toISOString(),
        refundable: false,
        test: true,
        capture: b.capture === true,
      };
      payments.push(p);
      return { status: 200, json: view(p) };
    }
    if (req.path === '/v3/refunds') {
      const p = byId(b.payment_id ?? '');
      if (!p) return error(404, 'not_found', 'Payment not found', 'payment_id');
      const want = b.amount ? minor(b.amount) : null;
      const left = (minor(p.amount) ?? 0n) - (p.refunded_amount ? (minor(p.refunded_amount) ?? 0n) : 0n);
      if (p.status !== 'succeeded') return invalid(`Payment in status ${p.status} cannot be refunded`, 'payment_id');
      if (want === null || want <= 0n || want > left)
        return invalid('Refund amount exceeds the amount available for refund', 'amount.value');
      const done = left - want;
      p.refunded_amount = {
        value: minorToDecimal((minor(p.amount) ?? 0n) - done, p.amount.currency),
        currency: p.amount.currency,
      };
      p.refundable = done > 0n;
      const r: Refund = {
        id: `2${randomUUID().slice(1)}`,
        payment_id: p.id,
        status: 'succeeded',
        created_at: new Date().toISOString(),
        amount: { value: minorToDecimal(want, p.amount.currency), currency: p.amount.currency },
        ...(b.description ? { description: b.description } : {}),
      };
      refunds.push(r);
      return { status: 200, json: r };
    }
    const m = /^\/v3\/payments\/([^/]+)\/(capture|cancel)$/.exec(req.path);
    const p = m ? byId(m[1] ?? '') : undefined;
    if (!m || !p) return error(404, 'not_found', 'Payment not found');
    if (m[2] === 'capture') {
      if (p.status !== 'waiting_for_capture') return invalid(`Payment in status ${p.status} cannot be captured`);
      const take = b.amount ? minor(b.amount) : minor(p.amount);
      if (take === null || take <= 0n || take > (minor(p.amount) ?? 0n))
        return invalid('Capture amount exceeds the payment amount', 'amount.value');
      p.amount = { value: minorToDecimal(take, p.amount.currency), currency: p.amount.currency };
      p.status = 'succeeded';
      p.captured_at = new Date().toISOString();
      p.refundable = true;
      return { status: 200, json: view(p) };
    }
    if (p.status !== 'pending' && p.status !== 'waiting_for_capture')
      return invalid(`Payment in status ${p.status} cannot be canceled`);
    p.status = 'canceled';
    p.paid = false;
    p.cancellation_details = { party: 'merchant', reason: 'canceled_by_merchant' };
    return { status: 200, json: view(p) };
  }

  function route(req: RecordedRequest): FakeReply {
    if (req.headers.authorization !== auth)
      return error(401, 'invalid_credentials', 'Basic authentication failed. Check your shopId and secret key.');
    if (req.method === 'GET') {
      if (req.path === '/v3/payments') {
        const limit = Number(req.query.get('limit') ?? 10);
        const from = Number(req.query.get('cursor') ?? 0);
        const newest = [...payments].reverse();
        const items = newest.slice(from, from + limit).map(view);
        return {
          status: 200,
          json: { type: 'list', items, ...(from + limit < newest.length ? { next_cursor: String(from + limit) } : {}) },
        };
      }
      const one = /^\/v3\/payments\/([^/]+)$/.exec(req.path);
      const p = one ? byId(one[1] ?? '') : undefined;
      return p ? { status: 200, json: view(p) } : error(404, 'not_found', 'Payment not found');
    }
    const key = req.headers['idempotence-key'];
    if (typeof key !== 'string' || key === '') return invalid('Idempotence key is missing', 'Idempotence-Key');
    return idem.replay(req.path, key, () => mutate(req));
  }

  function notification(kind: 'payment' | 'refund', key: string): FakeNotification {
    const p = byKey(key);
    if (!p) throw new Error(`yookassa fake: no payment with key ${key}`);
    let body: unknown;
    if (kind === 'refund') {
      const r = [...refunds].reverse().find((x) => x.payment_id === p.id);
      if (!r) throw new Error(`yookassa fake: no refund for ${key}`);
      body = { type: 'notification', event: `refund.${r.status}`, object: r };
    } else {
      body = { type: 'notification', event: `payment.${p.status}`, object: view(p) };
    }
    return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  }

  return startPaymentFake({
    route,
    rejection: () => invalid('Invalid receipt: customer contact is required', 'receipt.customer'),
    unauthorized: () =>
      error(401, 'invalid_credentials', 'Basic authentication failed. Check your shopId and secret key.'),
    paymentCount: () => payments.length,
    refundCount: () => refunds.length,
    pay(key, outcome) {
      const p = byKey(key);
      if (!p) throw new Error(`yookassa fake: no payment with key ${key}`);
      if (p.status !== 'pending') return;
      if (outcome === 'declined') {
        p.status = 'canceled';
        p.cancellation_details = { party: 'payment_network', reason: 'general_decline' };
        return;
      }
      p.paid = true;
      p.status = p.capture ? 'succeeded' : 'waiting_for_capture';
      if (p.capture) p.refundable = true;
    },
    notification,
  });
}
