/**
 * End-to-end money tests against the four local payment providers (Stripe, PayU, Przelewy24,
 * YooKassa): the real adapters over HTTP to their fakes, wired into an Ordo test app, orders
 * running the shipped B2C process, and helpers that read both sides: Ordo through its API and
 * the provider through its own adapter (status, captured) and the requests its fake received
 * (what was asked of it, one per idempotency key).
 */
import assert from 'node:assert/strict';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { fixedClock, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';
import {
  decimalToMinor,
  paymentProvidersFromConfig,
  type PaymentProviderAdapter,
  type PaymentProviderCode,
} from '../../src/integrations/payments/index.js';
import type {
  FakeNotification,
  FakePaymentServer,
  RecordedRequest,
} from '../../src/integrations/payments/testing/payment-fake-http.js';
import { startStripeFake } from '../../src/integrations/payments/testing/stripe-fake.js';
import { startPayuFake } from '../../src/integrations/payments/testing/payu-fake.js';
import { startPrzelewy24Fake } from '../../src/integrations/payments/testing/przelewy24-fake.js';
import { startYookassaFake } from '../../src/integrations/payments/testing/yookassa-fake.js';

/** Per-request timeout of the adapters here: a `hang` at the fake becomes PROVIDER_TIMEOUT quickly. */
export const PROVIDER_TIMEOUT_MS = 2_000;

const stripeCreds = { secretKey: 'sk_test_ordo_e2e', webhookSecret: 'whsec_ordo_e2e' };
const payuCreds = {
  posId: '145227',
  clientSecret: '12f071174cb7eb79d4aac5bc2f07563f',
  secondKey: '13a980d4f851f3d9a1cfc792fb1f5e50',
};
const p24Creds = { merchantId: 12345, posId: 12345, reportKey: 'p24-report-key', crc: 'p24-crc-key' };
const ykCreds = { shopId: '54401', secretKey: 'test_ordo_secret' };
/** YooKassa notifications are trusted by sender address: here the test client's. */
const YK_TRUSTED = ['127.0.0.1', '::1'];
/** An address outside every trusted network (TEST-NET-3). */
export const UNTRUSTED_IP = '203.0.113.77';

/** What differs between the providers, as far as these tests care. */
export interface ProviderCase {
  code: PaymentProviderCode;
  name: string;
  currency: 'PLN' | 'RUB';
  /** The method Ordo asks the provider for. */
  method: 'card' | 'online' | 'blik';
  /** The adapter reads the payment back after a capture, so a lost capture answer resolves at once (PayU). */
  capturesReadBack: boolean;
  /** Refunds are accepted for processing and finished by the provider's notification (PayU, P24). */
  refundNotified: boolean;
  /**
   * A notification whose authenticity check fails: a flipped signature (Stripe, PayU, P24), or
   * for YooKassa, which signs nothing, one from outside its networks.
   */
  forge(n: FakeNotification): { body: string; headers: Record<string, string>; remoteAddress?: string };
  /** The body altered after signing to claim a different amount; null: nothing is signed (YooKassa). */
  tamper: ((body: string) => string) | null;
  /** The capture requests the fake received for a payment: [idempotency key, amount] (amount null: all). */
  captures(req: RecordedRequest, p: PaymentIds): { key: string; amount: bigint | null } | null;
  refunds(req: RecordedRequest, p: PaymentIds): { key: string; amount: bigint } | null;
}

export interface PaymentIds {
  id: string;
  providerPaymentId: string | null;
}

const flipHex = (s: string) => s.replace(/[0-9a-f]{32,}/, (h) => (h[0] === '0' ? '1' : '0') + h.slice(1));
const json = (body: string) => (body ? (JSON.parse(body) as Record<string, any>) : {});
const form = (body: string) => Object.fromEntries(new URLSearchParams(body));
const header = (req: RecordedRequest, name: string) => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
};
const post = (req: RecordedRequest) => req.method === 'POST' || req.method === 'PUT';

export const PROVIDERS: readonly ProviderCase[] = [
  {
    code: 'stripe',
    capturesReadBack: false,
    name: 'Stripe',
    currency: 'PLN',
    method: 'card',
    refundNotified: false,
    forge: (n) => ({ ...n, headers: { ...n.headers, 'stripe-signature': flipHex(n.headers['stripe-signature']!) } }),
    tamper: (body) => body.replace(/"amount":(\d+)/, '"amount":1'),
    captures(req, p) {
      const m = /^\/v1\/payment_intents\/([^/]+)\/capture$/.exec(req.path);
      if (!post(req) || !m || m[1] !== p.providerPaymentId) return null;
      const f = form(req.body);
      return { key: header(req, 'idempotency-key'), amount: f.amount_to_capture ? BigInt(f.amount_to_capture) : null };
    },
    refunds(req, p) {
      if (!post(req) || req.path !== '/v1/refunds') return null;
      const f = form(req.body);
      if (f.payment_intent !== p.providerPaymentId) return null;
      return { key: header(req, 'idempotency-key'), amount: BigInt(f.amount ?? '0') };
    },
  },
  {
    code: 'payu',
    capturesReadBack: true,
    name: 'PayU',
    currency: 'PLN',
    method: 'online',
    refundNotified: true,
    forge: (n) => ({
      ...n,
      headers: { ...n.headers, 'openpayu-signature': flipHex(n.headers['openpayu-signature']!) },
    }),
    tamper: (body) => body.replace(/"totalAmount":"(\d+)"/, '"totalAmount":"1"'),
    captures(req, p) {
      const m = /^\/api\/v2_1\/orders\/([^/]+)\/captures$/.exec(req.path);
      if (!post(req) || !m || decodeURIComponent(m[1]!) !== p.providerPaymentId) return null;
      const b = json(req.body);
      // PayU has no idempotency key for captures: each request is its own.
      return { key: `payu-capture-${p.id}-${b.amount ?? 'all'}`, amount: b.amount ? BigInt(b.amount) : null };
    },
    refunds(req, p) {
      const m = /^\/api\/v2_1\/orders\/([^/]+)\/refunds$/.exec(req.path);
      if (!post(req) || !m || decodeURIComponent(m[1]!) !== p.providerPaymentId) return null;
      const r = json(req.body).refund ?? {};
      return { key: String(r.extRefundId), amount: BigInt(r.amount) };
    },
  },
  {
    code: 'przelewy24',
    capturesReadBack: false,
    name: 'Przelewy24',
    currency: 'PLN',
    method: 'blik',
    refundNotified: true,
    // P24 signs inside the body.
    forge: (n) => ({
      ...n,
      body: n.body.replace(/"sign":"(.)/, (_m, c: string) => `"sign":"${c === '0' ? '1' : '0'}`),
    }),
    tamper: (body) => body.replace(/"amount":(\d+)/, '"amount":1'),
    captures(req, p) {
      // On a pre-authorisation POS the capture is the verify (a smaller amount captures part).
      if (req.method !== 'PUT' || req.path !== '/api/v1/transaction/verify') return null;
      const b = json(req.body);
      if (b.sessionId !== p.id) return null;
      return { key: `p24-verify-${p.id}-${b.amount}`, amount: BigInt(b.amount) };
    },
    refunds(req, p) {
      if (!post(req) || req.path !== '/api/v1/transaction/refund') return null;
      const b = json(req.body);
      const item = (b.refunds ?? [])[0];
      if (!item || item.sessionId !== p.id) return null;
      return { key: String(b.requestId), amount: BigInt(item.amount) };
    },
  },
  {
    code: 'yookassa',
    capturesReadBack: false,
    name: 'YooKassa',
    currency: 'RUB',
    method: 'card',
    refundNotified: false,
    forge: (n) => ({ ...n, remoteAddress: UNTRUSTED_IP }),
    tamper: null,
    captures(req, p) {
      const m = /^\/v3\/payments\/([^/]+)\/capture$/.exec(req.path);
      if (!post(req) || !m || m[1] !== p.providerPaymentId) return null;
      const b = json(req.body);
      return {
        key: header(req, 'idempotence-key'),
        amount: b.amount ? decimalToMinor(String(b.amount.value), String(b.amount.currency)) : null,
      };
    },
    refunds(req, p) {
      if (!post(req) || req.path !== '/v3/refunds') return null;
      const b = json(req.body);
      if (b.payment_id !== p.providerPaymentId) return null;
      return {
        key: header(req, 'idempotence-key'),
        amount: decimalToMinor(String(b.amount.value), String(b.amount.currency)) ?? 0n,
      };
    },
  },
];

export interface World {
  t: TestApp;
  fakes: Map<PaymentProviderCode, FakePaymentServer>;
  adapters: Map<PaymentProviderCode, PaymentProviderAdapter>;
  close(): Promise<void>;
}

/**
 * One Ordo app with all four providers configured (so the B2C process's authorize_payment does
 * not pick one by itself: the tests ask for the payment with POST /orders/{id}/payments), each
 * provider's fake, the shipped B2C process and enough stock for every order here.
 */
export async function startWorld(): Promise<World> {
  const stripe = await startStripeFake(stripeCreds);
  const payu = await startPayuFake({ ...payuCreds, autoReceive: false });
  const p24 = await startPrzelewy24Fake({ ...p24Creds, preauthorization: true });
  const yk = await startYookassaFake(ykCreds);
  const fakes = new Map<PaymentProviderCode, FakePaymentServer>([
    ['stripe', stripe],
    ['payu', payu],
    ['przelewy24', p24],
    ['yookassa', yk],
  ]);
  const settings = {
    stripe: { ...stripeCreds, baseUrl: stripe.url },
    payu: { ...payuCreds, baseUrl: payu.url, autoReceive: false },
    przelewy24: { ...p24Creds, baseUrl: p24.url, preauthorization: true },
    yookassa: { ...ykCreds, baseUrl: yk.url, trustedNetworks: YK_TRUSTED },
  };
  const adapters = paymentProvidersFromConfig(settings, { timeoutMs: PROVIDER_TIMEOUT_MS });
  // The tests' own view of each provider: separate adapter instances, same settings.
  const probes = paymentProvidersFromConfig(settings, { timeoutMs: 5_000 });
  const t = await testApp({ payments: adapters });
  await seedBasics(t);
  await stock(t, [
    ['SKU-1', 'WAW-1', 100_000],
    ['SKU-2', 'WAW-1', 100_000],
    ['SKU-3', 'WAW-1', 100_000],
  ]);
  await publish(t, shipped('b2c-omnichannel'));
  await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }]);
  return {
    t,
    fakes,
    adapters: new Map(probes),
    async close() {
      await t.close();
      for (const f of fakes.values()) await f.close();
    },
  };
}

let orderSeq = 0;

/** A prepaid web order in the provider's currency, waiting for payment in the B2C process. */
export async function newOrder(w: World, c: ProviderCase): Promise<{ id: string; total: bigint }> {
  const r = await w.t.call(
    'POST',
    '/api/v1/orders',
    orderBody({
      externalId: `E2E-${c.code}-${++orderSeq}`,
      currency: c.currency,
      lines: [
        { sku: 'SKU-1', quantity: 2, unitPrice: '40.00', taxRate: '23' },
        { sku: 'SKU-3', quantity: 1, unitPrice: '20.00', taxRate: '8' },
      ],
      shipping: { amount: '0.00', taxRate: '23' },
      // Where the buyer returns from the provider's page (Przelewy24 requires one).
      attributes: { returnUrl: 'https://sklep.example/dziekujemy' },
    }),
  );
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.state, 'awaiting_payment');
  const payments = await orderPayments(w, r.body.id);
  return { id: r.body.id, total: minor(payments.total, c.currency) };
}

/** "12.50" in the currency → minor units. */
export function minor(amount: string, currency: string): bigint {
  const v = decimalToMinor(amount, currency);
  assert.notEqual(v, null, `${amount} is not an exact ${currency} amount`);
  return v!;
}

/** Minor units → the API's decimal string. */
export function decimal(units: bigint, currency: string): string {
  const exp = currency === 'JPY' ? 0 : 2;
  const neg = units < 0n;
  const s = (neg ? -units : units).toString().padStart(exp + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, s.length - exp)}.${s.slice(s.length - exp)}`;
}

export async function orderPayments(w: World, orderId: string) {
  const r = await w.t.call('GET', `/api/v1/orders/${orderId}/payments`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

export async function history(w: World, orderId: string): Promise<any[]> {
  const r = await w.t.call('GET', `/api/v1/orders/${orderId}/history`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

export async function order(w: World, orderId: string) {
  const r = await w.t.call('GET', `/api/v1/orders/${orderId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Posts a provider notification to Ordo's public endpoint (no API key), as the provider would. */
export async function notify(
  w: World,
  code: PaymentProviderCode,
  n: { body: string; headers: Record<string, string>; remoteAddress?: string },
): Promise<{ status: number; body: any }> {
  const res = await w.t.app.inject({
    method: 'POST',
    url: `/api/v1/payments/notifications/${code}`,
    headers: n.headers,
    payload: n.body,
    ...(n.remoteAddress ? { remoteAddress: n.remoteAddress } : {}),
  });
  let body: unknown = res.body;
  try {
    body = res.body ? JSON.parse(res.body) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, body };
}

/** Asks Ordo to create the payment at the provider; answers the API's body. */
export async function requestPayment(
  w: World,
  c: ProviderCase,
  orderId: string,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: any }> {
  return w.t.call('POST', `/api/v1/orders/${orderId}/payments`, { method: c.method, provider: c.code, ...extra });
}

/** Creates the payment through Ordo, lets the buyer pay at the fake and delivers its notification. */
export async function authorisedOrder(w: World, c: ProviderCase) {
  const o = await newOrder(w, c);
  const created = await requestPayment(w, c, o.id);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const paymentId: string = created.body.payment.id;
  w.fakes.get(c.code)!.pay(paymentId, 'paid');
  const n = await notify(w, c.code, w.fakes.get(c.code)!.notification('payment', paymentId));
  assert.equal(n.status, 200, JSON.stringify(n.body));
  assert.equal(n.body.applied, 1, JSON.stringify(n.body));
  return { ...o, paymentId };
}

/** The payment as Ordo shows it. */
export async function ordoPayment(w: World, orderId: string, paymentId: string) {
  const view = await orderPayments(w, orderId);
  const p = view.payments.find((x: any) => x.id === paymentId);
  assert.ok(p, `payment ${paymentId} is on order ${orderId}`);
  return { payment: p, summary: view.summary, total: view.total as string };
}

/**
 * The provider's side of one payment: its status and captured amount (the provider's own answer
 * to a lookup), and what the fake was asked to capture and refund (one per idempotency key).
 * PayU's order does not carry a partial capture's amount, so for PayU the capture request counts.
 */
export async function providerSide(w: World, c: ProviderCase, p: PaymentIds) {
  const adapter = w.adapters.get(c.code)!;
  const found = await adapter.findPayment(p.id, p.providerPaymentId ?? undefined);
  assert.ok(found.ok, found.ok ? '' : found.error.message);
  assert.ok(found.value, `${c.name} holds payment ${p.id}`);
  const requests = w.fakes.get(c.code)!.requests;
  const captures = new Map<string, bigint | null>();
  const refunds = new Map<string, bigint>();
  for (const req of requests) {
    const cap = c.captures(req, p);
    if (cap) captures.set(cap.key, cap.amount);
    const ref = c.refunds(req, p);
    if (ref) refunds.set(ref.key, ref.amount);
  }
  let captured = found.value.captured;
  if (c.code === 'payu' && found.value.status === 'captured') {
    const asked = [...captures.values()];
    captured = asked[asked.length - 1] ?? found.value.amount;
  }
  return {
    status: found.value.status,
    captured,
    captureRequests: captures.size,
    refunded: [...refunds.values()].reduce((a, b) => a + b, 0n),
    refundRequests: refunds.size,
  };
}

/** Runs every due job (the payment.operation backstops and retries) as the worker would `aheadMs` from now. */
export async function runDueJobs(w: World, aheadMs = 120_000): Promise<number> {
  const runner = new JobsRunner({
    db: w.t.database.db,
    clock: fixedClock(new Date(Date.now() + aheadMs).toISOString()),
    registry: w.t.services.jobs,
  });
  let ran = 0;
  for (let i = 0; i < 50; i++) {
    const n = await runner.runDue();
    ran += n;
    if (n === 0) break;
  }
  return ran;
}

/** Refunds through the API; a refund the provider finishes by notification gets it delivered. */
export async function refund(
  w: World,
  c: ProviderCase,
  orderId: string,
  paymentId: string,
  amount: bigint,
  extra: Record<string, unknown> = {},
) {
  const r = await w.t.call('POST', `/api/v1/orders/${orderId}/refunds`, {
    amount: decimal(amount, c.currency),
    reason: 'Zwrot — towar uszkodzony',
    ...extra,
  });
  if (r.status >= 400) return r;
  if (c.refundNotified && r.body.operations.some((o: any) => o.status === 'pending')) {
    const n = await notify(w, c.code, w.fakes.get(c.code)!.notification('refund', paymentId));
    assert.equal(n.status, 200, JSON.stringify(n.body));
  }
  return r;
}

export async function capture(w: World, c: ProviderCase, paymentId: string, amount?: bigint) {
  return w.t.call(
    'POST',
    `/api/v1/payments/${paymentId}/capture`,
    amount === undefined ? {} : { amount: decimal(amount, c.currency) },
  );
}

/** Requests of writing methods (the calls that change something at the provider). */
export const isWrite = (r: RecordedRequest) => r.method !== 'GET';
