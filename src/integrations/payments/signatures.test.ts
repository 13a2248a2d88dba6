/**
 * Signature checks and parsers against the providers' real material: official SDK vectors and
 * samples copied into fixtures/ (MIT/Apache), and the rest read in place from the shared folder
 * (no licence to copy, or computed there) and skipped when it is absent.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parsePayuNotification } from './payu/payu-adapter.js';
import { parsePayuSignatureHeader, payuHash, verifyPayuSignature } from './payu/payu-signature.js';
import { createPrzelewy24Adapter } from './przelewy24/przelewy24-adapter.js';
import { p24Sign } from './przelewy24/przelewy24-schemas.js';
import { createStripeAdapter } from './stripe/stripe-adapter.js';
import { verifyStripeSignature } from './stripe/stripe-signature.js';
import { createYookassaAdapter, ykPaymentView } from './yookassa/yookassa-adapter.js';
import { ykPayment } from './yookassa/yookassa-schemas.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (p: string): Buffer => readFileSync(resolve(FIXTURES, p));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// `../shared` from the main checkout; worktrees sit one level deeper (/work/wt/<name>).
const SHARED = ['../shared', '../../shared']
  .map((p) => resolve(REPO_ROOT, p, 'fixtures/external/payments'))
  .find((p) => existsSync(p));
const shared = (p: string): Buffer => readFileSync(resolve(SHARED ?? '', p));
const NO_SHARED = 'shared payment fixtures (../shared/fixtures/external/payments) absent: not copyable into the repo';

test('Given the stripe-dotnet vector, When verified within and outside 300 s, Then only the fresh one passes', () => {
  const body = fixture('stripe/event_test_signature.json').toString('utf8').replace(/\r\n/g, '\n');
  const header =
    't=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef';
  assert.equal(verifyStripeSignature('webhook_secret', header, body, 1533204720).ok, true);
  assert.equal(verifyStripeSignature('webhook_secret', header, body, 1533205020).ok, false, 'outdated');
  assert.equal(verifyStripeSignature('webhook_secret', header, `${body}this_changes_the_json`, 1533204720).ok, false);
  assert.equal(
    verifyStripeSignature('webhook_secret', `${header},v1=${'deadbeef'.repeat(8)}`, body, 1533204720).ok,
    true,
  );
  assert.equal(
    verifyStripeSignature('webhook_secret', 't=1533204620,v0=63f3a723', body, 1533204720).ok,
    false,
    'v0 only',
  );
  for (const bad of [
    't=,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7',
    't,v1=,v0=',
    't,v1=,v0',
    't,v1=,',
    't,,',
    ',,',
    't',
  ]) {
    assert.equal(verifyStripeSignature('webhook_secret', bad, body, 1533204720).ok, false, bad);
  }
});

test('Given the computed Stripe events, When the adapter verifies and parses them, Then statuses map as documented', (t) => {
  if (!SHARED) return t.skip(NO_SHARED);
  const vectors = JSON.parse(shared('stripe/webhooks/signature-vectors.json').toString()) as {
    computed_vectors: { file: string; secret: string; timestamp: number; header: string }[];
  };
  const expected: Record<string, string> = {
    'payment_intent.succeeded': 'captured',
    'payment_intent.amount_capturable_updated': 'authorized',
    'payment_intent.succeeded.partial_capture': 'captured',
    'payment_intent.payment_failed': 'failed',
    'payment_intent.canceled': 'cancelled',
  };
  for (const v of vectors.computed_vectors) {
    const adapter = createStripeAdapter({ baseUrl: '', secretKey: 'sk', webhookSecret: v.secret });
    const body = shared(`stripe/${v.file}`);
    const r = adapter.parseNotification({ body, headers: { 'Stripe-Signature': v.header }, nowSeconds: v.timestamp });
    assert.ok(r.ok, `${v.file}: ${r.ok ? '' : r.error.message}`);
    const n = r.value[0];
    assert.ok(n, v.file);
    const name = v.file.replace('webhooks/events/', '').replace('.json', '');
    if (expected[name]) assert.equal(n.status, expected[name], name);
    else assert.equal(n.kind, 'refund', name);
    const spoiled = adapter.parseNotification({
      body: Buffer.concat([body, Buffer.from(' ')]),
      headers: { 'stripe-signature': v.header },
      nowSeconds: v.timestamp,
    });
    assert.equal(spoiled.ok, false);
  }
});

test('Given the openpayu_php vectors, When hashed, Then MD5 to SHA-512 signatures match and a wrong one does not', () => {
  const cases: [string, string][] = [
    ['MD5', '8375034eb737d520c829fad4026a38aa'],
    ['SHA-1', '52bb16149d1a5ccc8ac05f8e435c30d82efd5364'],
    ['SHA256', '8b2fd55b48f150347df56ce18d787335f32ced1d67f214016476f7c0a8f09981'],
  ];
  for (const [alg, sig] of cases) {
    assert.equal(payuHash(alg, 'OpenPayUData', 'SignatureKey'), sig, alg);
    const header = `sender=checkout;signature=${sig};algorithm=${alg};content=DOCUMENT`;
    assert.equal(verifyPayuSignature(header, 'OpenPayUData', 'SignatureKey').ok, true, alg);
  }
  const wrong = 'sender=checkout;signature=incorrectSignature;algorithm=SHA256;content=DOCUMENT';
  assert.equal(verifyPayuSignature(wrong, 'OpenPayUData', 'SignatureKey').ok, false);
  assert.deepEqual(parsePayuSignatureHeader('sender=MerchantPosId;algorithm=SHA-256;signature=e4c8'), {
    sender: 'MerchantPosId',
    algorithm: 'SHA-256',
    signature: 'e4c8',
  });
});

test('Given PayU notifications signed with the public test POS key, When verified and parsed, Then each status maps', (t) => {
  if (!SHARED) return t.skip(NO_SHARED);
  const vectors = JSON.parse(shared('payu/signature-vectors.json').toString()) as {
    computed_vectors: { file: string; second_key: string; header: string }[];
  };
  const expected: Record<string, string> = {
    PENDING: 'pending',
    WAITING_FOR_CONFIRMATION: 'authorized',
    CANCELED: 'cancelled',
    COMPLETED: 'captured',
  };
  for (const v of vectors.computed_vectors) {
    const body = shared(`payu/${v.file}`);
    assert.equal(verifyPayuSignature(v.header, body, v.second_key).ok, true, v.file);
    assert.equal(verifyPayuSignature(v.header, body, 'another-key').ok, false, v.file);
    const parsed = parsePayuNotification(body);
    assert.ok(parsed.ok);
    const st = /notification_(\w+)\.json$/.exec(v.file)?.[1] ?? '';
    assert.equal(parsed.value[0]?.status, expected[st], v.file);
  }
});

test('Given the PayU documentation order and refund notifications, When parsed, Then amounts are exact minor units', () => {
  const order = parsePayuNotification(fixture('payu/orderNotifyData.json'));
  assert.ok(order.ok);
  assert.equal(order.value[0]?.status, 'captured');
  assert.equal(typeof order.value[0]?.amount, 'bigint');
  const refund = parsePayuNotification(fixture('payu/refundNotifyData.json'));
  assert.ok(refund.ok);
  assert.deepEqual(
    [refund.value[0]?.kind, refund.value[0]?.refundStatus, refund.value[0]?.amount],
    ['refund', 'succeeded', 15516n],
  );
});

test('Given the przelewy24-php notifications (crc bar), When the adapter parses them, Then the sign is accepted and a changed amount is not', () => {
  const adapter = createPrzelewy24Adapter({ baseUrl: '', merchantId: 12345, posId: 123, reportKey: 'foo', crc: 'bar' });
  const tx = adapter.parseNotification({
    body: fixture('przelewy24/transaction_status_notification.json'),
    headers: {},
  });
  assert.ok(tx.ok, tx.ok ? '' : tx.error.message);
  assert.deepEqual(
    [tx.value[0]?.key, tx.value[0]?.providerPaymentId, tx.value[0]?.amount, tx.value[0]?.needsConfirmation],
    ['0beec7', '123456789', 1500n, true],
  );
  const refund = adapter.parseNotification({ body: fixture('przelewy24/refund_notification.json'), headers: {} });
  assert.ok(refund.ok, refund.ok ? '' : refund.error.message);
  assert.equal(refund.value[0]?.refundStatus, 'succeeded');
  const tampered = fixture('przelewy24/transaction_status_notification.json')
    .toString()
    .replace('"amount": 1500', '"amount": 15');
  const r = adapter.parseNotification({ body: tampered, headers: {} });
  assert.equal(r.ok ? 'ok' : r.error.code, 'SIGNATURE_INVALID');
  const otherCrc = createPrzelewy24Adapter({ baseUrl: '', merchantId: 12345, reportKey: 'foo', crc: 'baz' });
  assert.equal(
    otherCrc.parseNotification({ body: fixture('przelewy24/refund_notification.json'), headers: {} }).ok,
    false,
  );
});

test('Given the P24 sign vectors, When our sign rebuilds each signed JSON, Then the SHA-384 matches', (t) => {
  if (!SHARED) return t.skip(NO_SHARED);
  const vectors = JSON.parse(shared('przelewy24/sign-vectors.json').toString()) as {
    official_vectors: { signed_json: string; expected_sign: string }[];
    computed_vectors: { signed_json: string; expected_sign: string }[];
  };
  for (const v of [...vectors.official_vectors, ...vectors.computed_vectors]) {
    const obj = JSON.parse(v.signed_json) as Record<string, unknown>;
    assert.equal(p24Sign(Object.keys(obj), obj, String(obj.crc)), v.expected_sign, v.signed_json);
    assert.equal(createHash('sha384').update(v.signed_json).digest('hex'), v.expected_sign);
  }
});

test('Given YooKassa sender addresses from its SDK tests, When notifications arrive from them, Then only trusted ones are parsed', () => {
  const ips = JSON.parse(fixture('yookassa/trusted-notification-ips.json').toString()) as {
    sdk_test_cases: { trusted: string[]; untrusted: string[] };
  };
  const adapter = createYookassaAdapter({ baseUrl: '', shopId: '1', secretKey: 's' });
  const body = fixture('yookassa/notification_payment.waiting_for_capture.json');
  for (const ip of ips.sdk_test_cases.trusted) {
    const r = adapter.parseNotification({ body, headers: {}, remoteAddress: ip });
    assert.ok(r.ok, ip);
    assert.deepEqual([r.value[0]?.status, r.value[0]?.needsConfirmation], ['authorized', true]);
  }
  for (const ip of ips.sdk_test_cases.untrusted) {
    const r = adapter.parseNotification({ body, headers: {}, remoteAddress: ip });
    assert.equal(r.ok ? 'ok' : r.error.code, 'SIGNATURE_INVALID', ip);
  }
  const refund = adapter.parseNotification({
    body: fixture('yookassa/notification_refund.succeeded.json'),
    headers: {},
  });
  assert.ok(refund.ok);
  assert.equal(refund.value[0]?.amount, 25_000n, 'the SDK sample’s 250.0 RUB as exact kopecks');
});

test('Given YooMoney’s own sample callbacks and SDK payment fixtures, When parsed, Then they fit our schemas', (t) => {
  const created = ykPayment.safeParse(JSON.parse(fixture('yookassa/createPaymentFixtures.json').toString()));
  assert.ok(created.success);
  const view = ykPaymentView(created.data, false);
  assert.ok(view.ok);
  if (!SHARED) return t.skip(NO_SHARED);
  const adapter = createYookassaAdapter({ baseUrl: '', shopId: '1', secretKey: 's' });
  for (const [file, status, amount] of [
    ['notification_payment.waiting_for_capture.json', 'authorized', 1_000n],
    ['notification_payment.succeeded.json', 'captured', 100n],
  ] as const) {
    const r = adapter.parseNotification({ body: shared(`yookassa/github-docs/${file}`), headers: {} });
    assert.ok(r.ok, file);
    assert.equal(r.value[0]?.status, status);
    assert.equal(r.value[0]?.amount, amount, 'exact kopecks');
  }
});
