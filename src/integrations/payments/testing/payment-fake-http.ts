/**
 * The plumbing shared by the local payment provider servers: request log, failure switches, clean
 * shutdown, and sending notifications. Same switches as the carrier fakes (their FakeFailure type
 * is reused); a separate server because payment fakes must set response headers
 * (Stripe's `Idempotent-Replayed`) that the carrier fake-http cannot.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeFailure, RecordedRequest } from '../../carriers/testing/fake-http.js';

export type { FakeFailure, RecordedRequest };

export interface FakeReply {
  status: number;
  json?: unknown;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A notification ready to POST: raw body and the headers that authenticate it. */
export interface FakeNotification {
  body: string;
  headers: Record<string, string>;
}

export type NotificationKind = 'payment' | 'refund';

export interface FakePaymentServer {
  url: string;
  requests: RecordedRequest[];
  /** The next `times` non-auth requests (matching `when`, if given) fail this way. */
  failNext(failure: FakeFailure, times?: number, when?: (req: RecordedRequest) => boolean): void;
  clearFailures(): void;
  /** How many payments (orders, intents, transactions) the provider holds. */
  paymentCount(): number;
  refundCount(): number;
  /** The buyer completes (or fails) payment for the payment created with this Ordo key. */
  pay(key: string, outcome?: 'paid' | 'declined'): void;
  /** A correctly authenticated notification about the payment created with this key (or its last refund). */
  notification(kind: NotificationKind, key: string): FakeNotification;
  /** POSTs that notification to `url` (Ordo's endpoint); resolves with the HTTP status received. */
  sendNotification(url: string, kind: NotificationKind, key: string): Promise<number>;
  close(): Promise<void>;
}

export interface PaymentFakeRoutes {
  /** Token endpoints are exempt from failNext so failures hit the operation under test. */
  isAuthPath?(path: string): boolean;
  route(req: RecordedRequest): FakeReply | Promise<FakeReply>;
  rejection(): FakeReply;
  unauthorized(): FakeReply;
  paymentCount(): number;
  refundCount(): number;
  pay(key: string, outcome: 'paid' | 'declined'): void;
  notification(kind: NotificationKind, key: string): FakeNotification;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function write(res: ServerResponse, reply: FakeReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.json !== undefined) {
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(reply.json));
    return;
  }
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/plain; charset=utf-8', ...headers });
  res.end(reply.body ?? '');
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
  const requests: RecordedRequest[] = [];
  const pending: { failure: FakeFailure; when?: (req: RecordedRequest) => boolean }[] = [];
  const takeFailure = (rec: RecordedRequest): FakeFailure | undefined => {
    if (routes.isAuthPath?.(rec.path)) return undefined;
    const i = pending.findIndex((p) => !p.when || p.when(rec));
    return i < 0 ? undefined : pending.splice(i, 1)[0]?.failure;
  };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: await readBody(req),
      };
      requests.push(rec);
      switch (takeFailure(rec)) {
        case 'hang':
          return; // left open until close() destroys it
        case 'reject':
          return write(res, routes.rejection());
        case 'unauthorized':
          return write(res, routes.unauthorized());
        case 'server-error':
          return write(res, {
            status: 500,
            body: '<html><body>500 Internal Server Error</body></html>',
            contentType: 'text/html',
          });
        case 'malformed':
          return write(res, { status: 200, body: '{"id": "pay_', contentType: 'application/json' });
        case 'bad-shape':
          return write(res, { status: 200, json: { unexpected: ['shape'] } });
        case 'drop-after-processing':
          await routes.route(rec);
          req.socket.destroy();
          return;
        case undefined:
          return write(res, await routes.route(rec));
      }
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake server bug: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(failure, times = 1, when) {
      for (let i = 0; i < times; i++) pending.push(when ? { failure, when } : { failure });
    },
    clearFailures: () => void pending.splice(0),
    paymentCount: () => routes.paymentCount(),
    refundCount: () => routes.refundCount(),
    pay: (key, outcome = 'paid') => routes.pay(key, outcome),
    notification: (kind, key) => routes.notification(kind, key),
    async sendNotification(target, kind, key) {
      const n = routes.notification(kind, key);
      const res = await fetch(target, { method: 'POST', headers: n.headers, body: n.body });
      await res.arrayBuffer();
      return res.status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** application/x-www-form-urlencoded → flat map ("metadata[ordo_key]" stays one key). */
export const formFields = (body: string): Record<string, string> => Object.fromEntries(new URLSearchParams(body));
