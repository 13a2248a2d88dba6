/**
 * The local payment provider servers' plumbing (integrations/testing/fake-http.ts) with what
 * providers add: the buyer paying, authenticated notifications, idempotent replays (Stripe's
 * `Idempotent-Replayed` header). Each provider's fake supplies only its routes and error bodies.
 */
import { startFakeHttp, type FakeHttpRoutes, type FakeHttpServer, type FakeReply } from '../../testing/fake-http.js';

export type { FakeFailure, FakeReply, RecordedRequest } from '../../testing/fake-http.js';

/** A notification ready to POST: raw body and the headers that authenticate it. */
export interface FakeNotification {
  body: string;
  headers: Record<string, string>;
}

export type NotificationKind = 'payment' | 'refund';

export interface FakePaymentServer extends FakeHttpServer {
  /** How many payments (orders, intents, transactions) the provider holds. */
  paymentCount(): number;
  refundCount(): number;
  /** The buyer completes (or fails) payment for the payment created with this Ordo key. */
  pay(key: string, outcome?: 'paid' | 'declined'): void;
  /** A correctly authenticated notification about the payment created with this key (or its last refund). */
  notification(kind: NotificationKind, key: string): FakeNotification;
  /** POSTs that notification to `url` (Ordo's endpoint); resolves with the HTTP status received. */
  sendNotification(url: string, kind: NotificationKind, key: string): Promise<number>;
}

export interface PaymentFakeRoutes extends FakeHttpRoutes {
  paymentCount(): number;
  refundCount(): number;
  pay(key: string, outcome: 'paid' | 'declined'): void;
  notification(kind: NotificationKind, key: string): FakeNotification;
}

/** Answers a replayed idempotent request exactly as the first time (status and body). */
export class IdempotencyCache {
  private readonly seen = new Map<string, FakeReply>();
  replay(scope: string, key: string | undefined, perform: () => FakeReply, mark?: Record<string, string>): FakeReply {
    if (!key) return perform();
    const k = `${scope} ${key}`;
    const first = this.seen.get(k);
    if (first) return { ...first, headers: { ...first.headers, ...mark } };
    const reply = { ...perform() };
    // A snapshot: the provider replays the first answer, not the object's current state.
    reply.json = structuredClone(reply.json);
    // Stripe and YooKassa do not cache 5xx answers; nor do we, so such a retry runs again.
    if (reply.status < 500) this.seen.set(k, reply);
    return reply;
  }
}

export async function startPaymentFake(routes: PaymentFakeRoutes): Promise<FakePaymentServer> {
  const server = await startFakeHttp(routes, { serverErrorStatus: 500, malformedBody: '{"id": "pay_' });
  return {
    ...server,
    paymentCount: () => routes.paymentCount(),
    refundCount: () => routes.refundCount(),
    pay: (key, outcome = 'paid') => routes.pay(key, outcome),
    notification: (kind, key) => routes.notification(kind, key),
    async sendNotification(target, kind, key) {
      const note = routes.notification(kind, key);
      const res = await fetch(target, { method: 'POST', headers: note.headers, body: note.body });
      await res.arrayBuffer();
      return res.status;
    },
  };
}

/** application/x-www-form-urlencoded → flat map ("metadata[ordo_key]" stays one key). */
export const formFields = (body: string): Record<string, string> => Object.fromEntries(new URLSearchParams(body));
