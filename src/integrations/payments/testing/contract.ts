/**
 * The contract every payment provider adapter keeps, run over HTTP against its local fake server.
 * `payments.contract.test.ts` calls `paymentContract(harness)` once per provider. Payments are
 * matched by Ordo's key, not the provider id: Przelewy24's id changes from the registration token
 * to its orderId once the buyer pays.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type {
  CreatePaymentRequest,
  PaymentProviderAdapter,
  PaymentProviderErrorCode,
  PaymentRef,
  ProviderResult,
} from '../types.js';
import type { FakeFailure, FakeNotification, FakePaymentServer, RecordedRequest } from './payment-fake-http.js';

export interface StartedProvider {
  adapter: PaymentProviderAdapter;
  fake: FakePaymentServer;
  close(): Promise<void>;
}

export interface PaymentHarness {
  name: string;
  currency: string;
  start(opts: { timeoutMs: number }): Promise<StartedProvider>;
  /** The provider tells a retried create apart (Stripe's replay header, PayU/P24 refusing a duplicate id). */
  reportsReplay: boolean;
  /** false (YooKassa): no signature exists; authenticity comes from `confirmNotification` re-reading the payment. */
  signedNotifications: boolean;
  /** Spoils the signature (default: flips a hex digit of the first long hex run in the headers). */
  breakSignature?(n: FakeNotification): FakeNotification;
  /** Alters a notification body the way an attacker would (e.g. claims a different amount). */
  tamper(body: string): string;
}

export const DESCRIPTION = 'Zamówienie ORD-1 — Zażółć gęślą jaźń, хрупкое стекло';

export function sampleCreate(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    key: randomUUID(),
    orderNumber: `ORD-2026-${Math.floor(Math.random() * 1e6)}`,
    amount: 10_000n,
    currency: 'PLN',
    description: DESCRIPTION,
    capture: false,
    buyer: { email: 'pawel@example.pl', name: 'Paweł Żółkiewski', language: 'pl' },
    notifyUrl: 'https://ordo.example/payments/notify',
    returnUrl: 'https://shop.example/thanks',
    ...overrides,
  };
}

export function unwrap<T>(r: ProviderResult<T>, what: string): T {
  if (!r.ok) assert.fail(`${what} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

export function expectError<T>(r: ProviderResult<T>, code: PaymentProviderErrorCode) {
  assert.equal(r.ok, false, `expected ${code}, got success`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.error.code, code, r.error.message);
  return r.error;
}

/** The request body as text a person would read: form fields decoded, JSON as sent. */
export function readable(req: RecordedRequest): string {
  const ct = String(req.headers['content-type'] ?? '');
  return ct.includes('x-www-form-urlencoded') ? [...new URLSearchParams(req.body).values()].join('\n') : req.body;
}

const isWrite = (r: RecordedRequest) => r.method !== 'GET';

const flipHeaderHex = (n: FakeNotification): FakeNotification => ({
  ...n,
  headers: Object.fromEntries(
    Object.entries(n.headers).map(([k, v]) => [
      k,
      v.replace(/[0-9a-f]{32,}/, (s) => (s[0] === '0' ? '1' : '0') + s.slice(1)),
    ]),
  ),
});

export function paymentContract(h: PaymentHarness): void {
  describe(`payment provider contract: ${h.name}`, () => {
    let p: StartedProvider;
    // Generous: a cold first request on a busy machine must not read as a timeout; only "hang" waits it out.
    const TIMEOUT_MS = 2_000;
    const req = (o: Partial<CreatePaymentRequest> = {}) => sampleCreate({ currency: h.currency, ...o });
    before(async () => {
      p = await h.start({ timeoutMs: TIMEOUT_MS });
    });
    after(async () => {
      await p.close();
    });

    /** Creates, lets the buyer pay, and returns the authorised payment's ref. */
    async function authorised(o: Partial<CreatePaymentRequest> = {}): Promise<PaymentRef> {
      const r = req(o);
      const created = unwrap(await p.adapter.createPayment(r), 'create');
      p.fake.pay(r.key);
      const found = unwrap(await p.adapter.findPayment(r.key, created.providerPaymentId), 'find');
      assert.ok(found, 'the paid payment is found');
      assert.equal(found.status, r.capture ? 'captured' : 'authorized', found.providerStatus);
      return { providerPaymentId: found.providerPaymentId, key: r.key, amount: r.amount, currency: r.currency };
    }

    async function captured(amount?: bigint): Promise<PaymentRef> {
      const ref = await authorised();
      const c = unwrap(await p.adapter.capture(ref, amount, randomUUID()), 'capture');
      assert.equal(c.status, 'captured');
      return { ...ref, providerPaymentId: c.providerPaymentId };
    }

    test('Given a Polish and Cyrillic description, When a payment is created, Then the provider received it intact and it is pending', async () => {
      const r = req();
      const before = p.fake.paymentCount();
      const created = unwrap(await p.adapter.createPayment(r), 'create');
      assert.ok(created.providerPaymentId);
      assert.equal(created.existing, false);
      assert.equal(created.status, 'pending');
      assert.equal(created.amount, r.amount);
      assert.equal(created.currency, r.currency);
      assert.equal(p.fake.paymentCount(), before + 1);
      const sent = p.fake.requests.filter((x) => isWrite(x) && readable(x).includes(DESCRIPTION));
      assert.equal(sent.length, 1, 'the description arrived intact in exactly one create');
    });

    test('Given an authorised payment, When captured in full, Then all of it is captured and nothing stays capturable', async () => {
      const ref = await authorised();
      const c = unwrap(await p.adapter.capture(ref, undefined, randomUUID()), 'capture');
      assert.equal(c.status, 'captured');
      assert.equal(c.captured, ref.amount);
      assert.equal(c.capturable, 0n);
    });

    test('Given an authorised payment, When 60 of 100 is captured, Then 60 is captured and the rest released', async () => {
      const ref = await authorised();
      const c = unwrap(await p.adapter.capture(ref, 6_000n, randomUUID()), 'partial capture');
      assert.equal(c.status, 'captured');
      assert.equal(c.captured, 6_000n);
      assert.equal(c.capturable, 0n);
    });

    test('Given an authorised payment, When voided, Then it is cancelled and cannot be captured', async () => {
      const ref = await authorised();
      const v = unwrap(await p.adapter.void(ref, randomUUID()), 'void');
      assert.equal(v.status, 'cancelled');
      const c = await p.adapter.capture(ref, undefined, randomUUID());
      assert.equal(c.ok, false, 'a voided payment cannot be captured');
    });

    test('Given a captured payment, When refunded partly and then the rest, Then both refunds are accepted and a third is refused', async () => {
      const ref = await captured();
      const before = p.fake.refundCount();
      const r1 = unwrap(await p.adapter.refund(ref, 3_000n, randomUUID(), 'zwrot — часть'), 'partial refund');
      assert.equal(r1.amount, 3_000n);
      assert.notEqual(r1.status, 'failed');
      const r2 = unwrap(await p.adapter.refund(ref, 7_000n, randomUUID()), 'refund of the rest');
      assert.equal(r2.amount, 7_000n);
      assert.notEqual(r1.providerRefundId, r2.providerRefundId);
      assert.equal(p.fake.refundCount(), before + 2);
      expectError(await p.adapter.refund(ref, 1n, randomUUID()), 'PROVIDER_REJECTED');
    });

    test('Given 60 captured of 100, When 80 is refunded, Then the provider refuses it (PROVIDER_REJECTED, not retryable)', async () => {
      const ref = await captured(6_000n);
      const e = expectError(await p.adapter.refund(ref, 8_000n, randomUUID()), 'PROVIDER_REJECTED');
      assert.equal(e.retryable, false);
      assert.ok(e.providerMessages.length > 0, 'the provider’s own words are kept');
    });

    test('Given a refund, When retried with the same key, Then the provider holds one refund', async () => {
      const ref = await captured();
      const key = randomUUID();
      const before = p.fake.refundCount();
      const a = unwrap(await p.adapter.refund(ref, 2_500n, key), 'refund');
      const b = unwrap(await p.adapter.refund(ref, 2_500n, key), 'refund retry');
      assert.equal(b.providerRefundId, a.providerRefundId);
      assert.equal(p.fake.refundCount(), before + 1);
    });

    test('Given a created payment, When the create is retried with the same key, Then the same payment comes back and the provider holds one', async () => {
      const r = req();
      const before = p.fake.paymentCount();
      const a = unwrap(await p.adapter.createPayment(r), 'create');
      const b = unwrap(await p.adapter.createPayment(r), 'retry');
      if (h.reportsReplay) assert.equal(b.existing, true);
      const found = unwrap(await p.adapter.findPayment(r.key), 'find');
      assert.ok(found);
      assert.equal(b.amount, a.amount);
      assert.equal(p.fake.paymentCount(), before + 1);
    });

    test('Given a create whose response is lost, Then the outcome is unknown, findPayment finds it and a retry does not charge twice', async () => {
      const r = req();
      const before = p.fake.paymentCount();
      p.fake.failNext('drop-after-processing', 1, isWrite);
      const lost = await p.adapter.createPayment(r);
      const e = expectError(lost, 'PROVIDER_UNAVAILABLE');
      assert.equal(e.outcomeUnknown, true);
      assert.equal(e.retryable, true);
      const found = unwrap(await p.adapter.findPayment(r.key), 'find after loss');
      assert.ok(found, 'the payment created before the connection dropped is found by key');
      unwrap(await p.adapter.createPayment(r), 'retried create');
      assert.equal(p.fake.paymentCount(), before + 1, 'one payment at the provider');
    });

    test('Given an unknown key, When looked up, Then there is no payment', async () => {
      assert.equal(unwrap(await p.adapter.findPayment(randomUUID()), 'find'), null);
    });

    const failures: [FakeFailure, PaymentProviderErrorCode, boolean][] = [
      ['hang', 'PROVIDER_TIMEOUT', true],
      ['server-error', 'PROVIDER_UNAVAILABLE', true],
      ['malformed', 'PROVIDER_BAD_RESPONSE', true],
      ['bad-shape', 'PROVIDER_BAD_RESPONSE', true],
      ['unauthorized', 'PROVIDER_AUTH_FAILED', false],
      ['reject', 'PROVIDER_REJECTED', false],
    ];
    for (const [failure, code, retryable] of failures) {
      test(`Given the provider fails with ${failure}, When a payment is created, Then ${code} (retryable: ${retryable})`, async () => {
        p.fake.failNext(failure, 1, isWrite);
        const e = expectError(await p.adapter.createPayment(req()), code);
        assert.equal(e.retryable, retryable);
        p.fake.clearFailures();
      });
    }

    test('Given the provider hangs on a lookup, When findPayment runs, Then PROVIDER_TIMEOUT and nothing is unknown', async () => {
      p.fake.failNext('hang', 1, (x) => x.method === 'GET');
      const e = expectError(await p.adapter.findPayment(randomUUID()), 'PROVIDER_TIMEOUT');
      assert.equal(e.outcomeUnknown, undefined);
      p.fake.clearFailures();
    });

    describe('notifications', () => {
      let ref: PaymentRef;
      let n: FakeNotification;
      before(async () => {
        ref = await authorised();
        n = p.fake.notification('payment', ref.key);
      });

      test('Given a notification from the provider, When parsed, Then it names the payment by key and its status', () => {
        const parsed = p.adapter.parseNotification({ body: Buffer.from(n.body, 'utf8'), headers: n.headers });
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
        const [first] = parsed.value;
        assert.ok(first);
        assert.equal(first.kind, 'payment');
        assert.equal(first.key ?? ref.key, ref.key);
        assert.equal(first.status, 'authorized');
      });

      test('Given the same notification delivered twice, Then both carry the same notificationId', () => {
        const a = p.adapter.parseNotification({ body: n.body, headers: n.headers });
        const again = p.fake.notification('payment', ref.key);
        const b = p.adapter.parseNotification({ body: again.body, headers: again.headers });
        assert.ok(a.ok && b.ok);
        assert.equal(a.value[0]?.notificationId, b.value[0]?.notificationId);
      });

      if (h.signedNotifications) {
        test('Given a wrong signature, When parsed, Then SIGNATURE_INVALID', () => {
          const broken = h.breakSignature ? h.breakSignature(n) : flipHeaderHex(n);
          assert.notDeepEqual(broken, n, 'the harness found a signature to break');
          const r = p.adapter.parseNotification(broken);
          assert.equal(r.ok ? 'ok' : r.error.code, 'SIGNATURE_INVALID');
        });
        test('Given a body altered after signing, When parsed, Then it is refused', () => {
          const body = h.tamper(n.body);
          assert.notEqual(body, n.body);
          const r = p.adapter.parseNotification({ body, headers: n.headers });
          assert.equal(r.ok ? 'ok' : r.error.code, 'SIGNATURE_INVALID');
        });
      } else {
        test('Given an unsigned notification claiming another status, When confirmed, Then the provider’s own state wins', async () => {
          const r = p.adapter.parseNotification({ body: h.tamper(n.body), headers: n.headers });
          assert.ok(r.ok);
          const claimed = r.value[0];
          assert.ok(claimed);
          assert.equal(claimed.needsConfirmation, true);
          assert.ok(p.adapter.confirmNotification);
          const truth = unwrap(await p.adapter.confirmNotification(claimed, ref), 'confirm');
          assert.equal(truth.status, 'authorized');
        });
      }

      test('Given a refund, When its notification is parsed, Then it is a refund notification for the payment', async () => {
        const c = await captured();
        unwrap(await p.adapter.refund(c, 1_000n, randomUUID()), 'refund');
        const rn = p.fake.notification('refund', c.key);
        const r = p.adapter.parseNotification({ body: rn.body, headers: rn.headers });
        assert.ok(r.ok, r.ok ? '' : r.error.message);
        assert.equal(r.value[0]?.kind, 'refund');
        assert.equal(r.value[0]?.amount, 1_000n);
      });

      test('Given Ordo’s endpoint, When the fake sends a notification to it, Then the received raw body verifies', async () => {
        const got: { body: Buffer; headers: Record<string, string | string[] | undefined> }[] = [];
        const server = createServer((rq, rs) => {
          const chunks: Buffer[] = [];
          rq.on('data', (c: Buffer) => chunks.push(c));
          rq.on('end', () => {
            got.push({ body: Buffer.concat(chunks), headers: rq.headers });
            rs.writeHead(200).end();
          });
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const { port } = server.address() as AddressInfo;
          const status = await p.fake.sendNotification(`http://127.0.0.1:${port}/payments/notify`, 'payment', ref.key);
          assert.equal(status, 200);
          const first = got[0];
          assert.ok(first);
          const r = p.adapter.parseNotification({ body: first.body, headers: first.headers });
          assert.ok(r.ok, r.ok ? '' : r.error.message);
        } finally {
          await new Promise<void>((resolve) => server.close(() => resolve()));
        }
      });
    });
  });
}
