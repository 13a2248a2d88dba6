/**
 * What differs per provider beyond the shared contract: Przelewy24's mandatory verify on a standard
 * POS, PayU's auto-receive, YooKassa's decimal amounts on the wire, and the published response
 * samples against our schemas.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { paymentProvidersFromConfig } from './index.js';
import { createPayuAdapter } from './payu/payu-adapter.js';
import { payuCreated, payuOrders, payuRefundCreated } from './payu/payu-schemas.js';
import { createPrzelewy24Adapter } from './przelewy24/przelewy24-adapter.js';
import { p24BySession } from './przelewy24/przelewy24-schemas.js';
import { expectError, sampleCreate, unwrap } from './testing/contract.js';
import { startPrzelewy24Fake } from './testing/przelewy24-fake.js';
import { startYookassaFake } from './testing/yookassa-fake.js';
import { createYookassaAdapter } from './yookassa/yookassa-adapter.js';

const fixture = (p: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${p}`, import.meta.url), 'utf8'));

test('Given a standard P24 POS, When the buyer pays, Then the notification needs confirming and confirming verifies it', async () => {
  const creds = { merchantId: 12345, reportKey: 'rk', crc: 'crc' };
  const fake = await startPrzelewy24Fake(creds);
  try {
    const adapter = createPrzelewy24Adapter({ ...creds, baseUrl: fake.url });
    const r = sampleCreate({ capture: true });
    const created = unwrap(await adapter.createPayment(r), 'register');
    assert.match(created.redirectUrl ?? '', /\/trnRequest\//);
    fake.pay(r.key);
    const ref = { providerPaymentId: created.providerPaymentId, key: r.key, amount: r.amount, currency: r.currency };
    expectError(await adapter.void(ref, randomUUID()), 'PROVIDER_UNSUPPORTED');
    expectError(await adapter.capture(ref, 1_000n, randomUUID()), 'PROVIDER_UNSUPPORTED');
    const n = fake.notification('payment', r.key);
    const parsed = adapter.parseNotification({ body: n.body, headers: n.headers });
    assert.ok(parsed.ok);
    const first = parsed.value[0];
    assert.ok(first?.needsConfirmation);
    assert.ok(adapter.confirmNotification);
    const verified = unwrap(await adapter.confirmNotification(first, ref), 'verify');
    assert.deepEqual([verified.status, verified.captured], ['captured', r.amount]);
    const verifies = fake.requests.filter((x) => x.path === '/api/v1/transaction/verify');
    assert.equal(verifies.length, 1, 'exactly one PUT /transaction/verify');
    const again = unwrap(await adapter.confirmNotification(first, ref), 'redelivered verify');
    assert.equal(again.status, 'captured');
  } finally {
    await fake.close();
  }
});

test('Given a PayU POS that auto-receives, When Ordo asks to authorise only, Then PROVIDER_UNSUPPORTED before any call', async () => {
  const adapter = createPayuAdapter({
    baseUrl: 'http://127.0.0.1:9',
    posId: '145227',
    clientSecret: 'x',
    secondKey: 'y',
  });
  const e = expectError(await adapter.createPayment(sampleCreate({ capture: false })), 'PROVIDER_UNSUPPORTED');
  assert.equal(e.retryable, false);
});

test('Given a provider that refuses connections, When a payment is created, Then it is unavailable and certainly not created', async () => {
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const adapter = createYookassaAdapter({ baseUrl: `http://127.0.0.1:${port}`, shopId: '1', secretKey: 's' });
  const e = expectError(await adapter.createPayment(sampleCreate({ currency: 'RUB' })), 'PROVIDER_UNAVAILABLE');
  assert.equal(e.outcomeUnknown, undefined, 'connection refused: the request never arrived');
});

test('Given 1234.56 RUB with a partial capture, When sent to YooKassa, Then the wire carries exact decimal strings', async () => {
  const creds = { shopId: '54401', secretKey: 'sk' };
  const fake = await startYookassaFake(creds);
  try {
    const adapter = createYookassaAdapter({ ...creds, baseUrl: fake.url });
    const r = sampleCreate({ currency: 'RUB', amount: 123_456n });
    const created = unwrap(await adapter.createPayment(r), 'create');
    assert.equal(
      (JSON.parse(fake.requests.at(-1)?.body ?? '{}') as { amount: { value: string } }).amount.value,
      '1234.56',
    );
    fake.pay(r.key);
    const ref = { providerPaymentId: created.providerPaymentId, key: r.key, amount: r.amount, currency: 'RUB' };
    const c = unwrap(await adapter.capture(ref, 100_001n, randomUUID()), 'capture');
    assert.equal(
      (JSON.parse(fake.requests.at(-1)?.body ?? '{}') as { amount: { value: string } }).amount.value,
      '1000.01',
    );
    assert.equal(c.captured, 100_001n);
  } finally {
    await fake.close();
  }
});

test('Given published response samples, When read with our schemas, Then they are accepted', () => {
  assert.ok(payuCreated.safeParse(fixture('payu/orderCreatedResponse.json')).success);
  assert.ok(payuOrders.safeParse(fixture('payu/retrieveOrderResponse.json')).success);
  assert.ok(payuRefundCreated.safeParse(fixture('payu/refundCreatedResponse.json')).success);
  assert.ok(p24BySession.safeParse(fixture('przelewy24/find_transaction_by_session_id_response.json')).success);
});

test('Given settings for some providers, When the factory runs, Then exactly those adapters exist', () => {
  const registry = paymentProvidersFromConfig({
    stripe: { baseUrl: '', secretKey: 'sk', webhookSecret: 'wh' },
    yookassa: { baseUrl: '', shopId: '1', secretKey: 's' },
  });
  assert.deepEqual([...registry.keys()].sort(), ['stripe', 'yookassa']);
  assert.equal(registry.get('stripe')?.code, 'stripe');
});
