/** The payment provider contract, run against each provider's local fake over HTTP. */
import { createStripeAdapter } from './stripe/stripe-adapter.js';
import { paymentContract } from './testing/contract.js';
import { startStripeFake } from './testing/stripe-fake.js';

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
