/**
 * A local Stripe: PaymentIntents (create, retrieve, search by metadata, capture, cancel), Refunds,
 * Stripe error bodies, `Idempotency-Key` replays marked `Idempotent-Replayed: true` (a reused key
 * with different parameters is refused, as Stripe does), and signed Events.
 */
import { stripeSignatureHeader } from '../stripe/stripe-signature.js';
import {
  formFields,
  startPaymentFake,
  type FakeNotification,
  type FakePaymentServer,
  type FakeReply,
  type NotificationKind,
  type RecordedRequest,
} from './payment-fake-http.js';

interface Intent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: string;
  capture_method: 'manual' | 'automatic';
  description: string | null;
  metadata: Record<string, string>;
  last_payment_error: { code: string; decline_code: string; message: string } | null;
  cancellation_reason: string | null;
  latest_charge: string | null;
  created: number;
  livemode: false;
}
interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  status: string;
  payment_intent: string;
  charge: string | null;
  metadata: Record<string, string>;
  created: number;
}

const error = (status: number, type: string, message: string, extra: Record<string, string> = {}): FakeReply => ({
  status,
  json: { error: { type, message, ...extra, doc_url: `https://stripe.com/docs/error-codes/${extra.code ?? type}` } },
});

const CANCELLABLE = new Set([
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
]);

export async function startStripeFake(opts: { secretKey: string; webhookSecret: string }): Promise<FakePaymentServer> {
  const intents = new Map<string, Intent>();
  const refunds: Refund[] = [];
  const refundedByIntent = new Map<string, number>();
  const idem = new Map<string, { body: string; reply: FakeReply }>();
  const eventIds = new Map<string, string>();
  let seq = 0;
  const nextId = (prefix: string) => `${prefix}_3Ordo${String(++seq).padStart(8, '0')}Fake`;
  const now = () => Math.floor(Date.now() / 1000);

  const byKey = (key: string) => [...intents.values()].find((i) => i.metadata.ordo_key === key);

  function authorise(pi: Intent, outcome: 'paid' | 'declined') {
    if (outcome === 'declined') {
      pi.status = 'requires_payment_method';
      pi.last_payment_error = {
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      };
      return;
    }
    pi.last_payment_error = null;
    pi.latest_charge = nextId('ch');
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
    }
  }

  function create(f: Record<string, string>): FakeReply {
    const amount = Number(f.amount);
    if (!f.amount || !Number.isInteger(amount) || amount < 1) {
      return error(400, 'invalid_request_error', 'Missing required param: amount.', {
        code: 'parameter_missing',
        param: 'amount',
      });
    }
    if (!f.currency)
      return error(400, 'invalid_request_error', 'Missing required param: currency.', {
        code: 'parameter_missing',
        param: 'currency',
      });
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(f)) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m?.[1]) metadata[m[1]] = v;
    }
    const pi: Intent = {
      id: nextId('pi'),
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency: f.currency,
      status: 'requires_payment_method',
      capture_method: f.capture_method === 'manual' ? 'manual' : 'automatic',
      description: f.description ?? null,
      metadata,
      last_payment_error: null,
      cancellation_reason: null,
      latest_charge: null,
      created: now(),
      livemode: false,
    };
    intents.set(pi.id, pi);
    if (f.confirm === 'true' && f.payment_method)
      authorise(pi, f.payment_method === 'pm_card_chargeDeclined' ? 'declined' : 'paid');
    return { status: 200, json: pi };
  }

  function mutate(req: RecordedRequest): FakeReply {
    const f = formFields(req.body);
    if (req.path === '/v1/payment_intents') return create(f);
    if (req.path === '/v1/refunds') {
      const pi = intents.get(f.payment_intent ?? '');
      if (!pi)
        return error(400, 'invalid_request_error', `No such payment_intent: '${f.payment_intent}'`, {
          code: 'resource_missing',
          param: 'payment_intent',
        });
      if (pi.status !== 'succeeded') {
        return error(
          400,
          'invalid_request_error',
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          { code: 'charge_not_refundable' },
        );
      }
      const done = refundedByIntent.get(pi.id) ?? 0;
      const left = pi.amount_received - done;
      const amount = f.amount === undefined ? left : Number(f.amount);
      if (!Number.isInteger(amount) || amount < 1 || amount > left) {
        return error(
          400,
          'invalid_request_error',
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
          { code: 'amount_too_large', param: 'amount' },
        );
      }
      refundedByIntent.set(pi.id, done + amount);
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(f)) if (k.startsWith('metadata[')) metadata[k.slice(9, -1)] = v;
      const rf: Refund = {
        id: nextId('re'),
        object: 'refund',
        amount,
        currency: pi.currency,
        status: 'succeeded',
        payment_intent: pi.id,
        charge: pi.latest_charge,
        metadata,
        created: now(),
      };
      refunds.push(rf);
      return { status: 200, json: rf };
    }
    const m = /^\/v1\/payment_intents\/([^/]+)\/(capture|cancel)$/.exec(req.path);
    const pi = m ? intents.get(m[1] ?? '') : undefined;
    if (!m || !pi)
      return error(404, 'invalid_request_error', `No such payment_intent: '${m?.[1] ?? ''}'`, {
        code: 'resource_missing',
        param: 'intent',
      });
    if (m[2] === 'capture') {
      if (pi.status !== 'requires_capture') {
        return error(
          400,
          'invalid_request_error',
          `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
          { code: 'payment_intent_unexpected_state' },
        );
      }
      const take = f.amount_to_capture === undefined ? pi.amount_capturable : Number(f.amount_to_capture);
      if (!Number.isInteger(take) || take < 1 || take > pi.amount_capturable) {
        return error(
          400,
          'invalid_request_error',
          'The amount_to_capture must be less than or equal to the amount_capturable.',
          { code: 'amount_too_large', param: 'amount_to_capture' },
        );
      }
      pi.amount_received = take;
      pi.amount_capturable = 0;
      pi.status = 'succeeded';
      return { status: 200, json: pi };
    }
    if (!CANCELLABLE.has(pi.status)) {
      return error(
        400,
        'invalid_request_error',
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
        { code: 'payment_intent_unexpected_state' },
      );
    }
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    pi.cancellation_reason = f.cancellation_reason ?? null;
    return { status: 200, json: pi };
  }

  function route(req: RecordedRequest): FakeReply {
    if (req.headers.authorization !== `Bearer ${opts.secretKey}`) {
      return error(401, 'invalid_request_error', 'Invalid API Key provided: sk_test_****');
    }
    if (req.method === 'GET') {
      if (req.path === '/v1/payment_intents/search') {
        const m = /^metadata\['ordo_key'\]:'(.*)'$/.exec(req.query.get('query') ?? '');
        if (!m) return error(400, 'invalid_request_error', 'Unsupported search query.', { param: 'query' });
        const data = [...intents.values()].filter((i) => i.metadata.ordo_key === m[1]);
        return {
          status: 200,
          json: { object: 'search_result', url: '/v1/payment_intents/search', has_more: false, data, next_page: null },
        };
      }
      const one = /^\/v1\/payment_intents\/([^/]+)$/.exec(req.path);
      const pi = one ? intents.get(one[1] ?? '') : undefined;
      if (pi) return { status: 200, json: pi };
      return error(404, 'invalid_request_error', `No such payment_intent: '${one?.[1] ?? ''}'`, {
        code: 'resource_missing',
        param: 'intent',
      });
    }
    if (req.method !== 'POST')
      return error(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${req.path}).`);
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') return mutate(req);
    const seen = idem.get(key);
    if (seen) {
      if (seen.body !== req.body) {
        return error(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      return { ...seen.reply, headers: { 'idempotent-replayed': 'true' } };
    }
    // A snapshot: Stripe replays the first answer, not the object's current state.
    const reply = { ...mutate(req) };
    reply.json = structuredClone(reply.json);
    if (reply.status < 500) idem.set(key, { body: req.body, reply });
    return { ...reply, headers: { 'idempotency-key': key } };
  }

  function notification(kind: NotificationKind, key: string): FakeNotification {
    const pi = byKey(key);
    if (!pi) throw new Error(`stripe fake: no payment with key ${key}`);
    let type: string;
    let object: unknown;
    if (kind === 'refund') {
      const rf = [...refunds].reverse().find((r) => r.payment_intent === pi.id);
      if (!rf) throw new Error(`stripe fake: no refund for ${key}`);
      type = 'charge.refund.updated';
      object = rf;
    } else {
      type =
        {
          requires_capture: 'payment_intent.amount_capturable_updated',
          succeeded: 'payment_intent.succeeded',
          canceled: 'payment_intent.canceled',
        }[pi.status] ?? (pi.last_payment_error ? 'payment_intent.payment_failed' : 'payment_intent.created');
      object = pi;
    }
    const ref = `${kind}:${pi.id}:${type}:${kind === 'refund' ? (object as Refund).id : ''}`;
    const id = eventIds.get(ref) ?? nextId('evt');
    eventIds.set(ref, id);
    const event = {
      id,
      object: 'event',
      api_version: '2023-08-16',
      created: now(),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: key },
      type,
    };
    const body = JSON.stringify(event);
    return {
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': stripeSignatureHeader(opts.webhookSecret, now(), body),
      },
    };
  }

  return startPaymentFake({
    route,
    rejection: () =>
      error(402, 'card_error', 'Your card was declined.', { code: 'card_declined', decline_code: 'generic_decline' }),
    unauthorized: () => error(401, 'invalid_request_error', 'Invalid API Key provided: sk_test_****'),
    paymentCount: () => intents.size,
    refundCount: () => refunds.length,
    pay(key, outcome) {
      const pi = byKey(key);
      if (!pi) throw new Error(`stripe fake: no payment with key ${key}`);
      if (pi.status === 'requires_payment_method') authorise(pi, outcome);
    },
    notification,
  });
}
