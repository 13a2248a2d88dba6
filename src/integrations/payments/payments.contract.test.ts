/** The payment provider contract, run against each provider's local fake over HTTP. */
import { createStripeAdapter } from './stripe/stripe-adapter.js';
import { paymentContract } from './testing/contract.js';
import { startStripeFake } from './testing/stripe-fake.js';
import { createPayuAdapter } from './payu/payu-adapter.js';
import { startPayuFake } from './testing/payu-fake.js';
import { createPrzelewy24Adapter } from './przelewy24/przelewy24-adapter.js';
import { startPrzelewy24Fake } from './testing/przelewy24-fake.js';
import { createYookassaAdapter } from './yookassa/yookassa-adapter.js';
import { startYookassaFake } from './testing/yookassa-fake.js';

const stripeCreds = { secretKey: 'sk_test_ordo', webhookSecret: 'whsec_ordo_test' };
paymentContract({
  name: 'Stripe',
  currency: 'PLN',
  reportsReplay: true,
  signedNotifications: true,
  tamper: (body) => body.replace('"amount":10000', '"amount":1'),
  async start({ timeoutMs }) {
    const fake = await startStripeFake(stripeCreds);
    const adapter = createStripeAdapter({ ...stripeCreds, baseUrl: fake.url, timeoutMs });
    return { adapter, fake, close: () => fake.close() };
  },
});

const payuCreds = {
  posId: '145227',
  clientSecret: '12f071174cb7eb79d4aac5bc2f07563f',
  secondKey: '13a980d4f851f3d9a1cfc792fb1f5e50',
};
paymentContract({
  name: 'PayU',
  currency: 'PLN',
  reportsReplay: true,
  signedNotifications: true,
  tamper: (body) => body.replace('"totalAmount":"10000"', '"totalAmount":"1"'),
  async start({ timeoutMs }) {
    // Auto-receive off: paid orders wait for capture, so Ordo can authorise first.
    const fake = await startPayuFake({ ...payuCreds, autoReceive: false });
    const adapter = createPayuAdapter({ ...payuCreds, baseUrl: fake.url, autoReceive: false, timeoutMs });
    return { adapter, fake, close: () => fake.close() };
  },
});

const p24Creds = { merchantId: 12345, posId: 12345, reportKey: 'p24-report-key', crc: 'p24-crc-key' };
paymentContract({
  name: 'Przelewy24 (card pre-authorisation POS)',
  currency: 'PLN',
  reportsReplay: true,
  signedNotifications: true,
  // P24 signs inside the body: break the sign field, and alter a signed value.
  breakSignature: (n) => ({
    ...n,
    body: n.body.replace(/"sign":"(.)/, (_m, c: string) => `"sign":"${c === '0' ? '1' : '0'}`),
  }),
  tamper: (body) => body.replace('"amount":10000', '"amount":1'),
  async start({ timeoutMs }) {
    const fake = await startPrzelewy24Fake({ ...p24Creds, preauthorization: true });
    const adapter = createPrzelewy24Adapter({ ...p24Creds, baseUrl: fake.url, preauthorization: true, timeoutMs });
    return { adapter, fake, close: () => fake.close() };
  },
});

const ykCreds = { shopId: '54401', secretKey: 'test_ordo_secret' };
paymentContract({
  name: 'YooKassa',
  currency: 'RUB',
  // YooKassa replays the first answer to a repeated Idempotence-Key but does not mark it.
  reportsReplay: false,
  signedNotifications: false,
  tamper: (body) => body.replaceAll('waiting_for_capture', 'succeeded'),
  async start({ timeoutMs }) {
    const fake = await startYookassaFake(ykCreds);
    const adapter = createYookassaAdapter({ ...ykCreds, baseUrl: fake.url, timeoutMs });
    return { adapter, fake, close: () => fake.close() };
  },
});
