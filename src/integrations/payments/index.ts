/** Public surface of the payment providers: one adapter interface, four providers, one factory. */
import { createPayuAdapter, type PayuConfig } from './payu/payu-adapter.js';
import { createPrzelewy24Adapter, type Przelewy24Config } from './przelewy24/przelewy24-adapter.js';
import { createStripeAdapter, type StripeConfig } from './stripe/stripe-adapter.js';
import type { PaymentProviderAdapter, PaymentProviderCode } from './types.js';
import { createYookassaAdapter, type YookassaConfig } from './yookassa/yookassa-adapter.js';

export * from './types.js';
export { createStripeAdapter, STRIPE_DEFAULT_BASE_URL, type StripeConfig } from './stripe/stripe-adapter.js';
export { createPayuAdapter, PAYU_DEFAULT_BASE_URL, type PayuConfig } from './payu/payu-adapter.js';
export {
  createPrzelewy24Adapter,
  P24_DEFAULT_BASE_URL,
  type Przelewy24Config,
} from './przelewy24/przelewy24-adapter.js';
export {
  createYookassaAdapter,
  YOOKASSA_DEFAULT_BASE_URL,
  YOOKASSA_NETWORKS,
  type YookassaConfig,
} from './yookassa/yookassa-adapter.js';
export { decimalToMinor, minorToDecimal, currencyExponent } from './money.js';

/**
 * Settings of every provider an installation uses (a plain object, validated by the config layer);
 * a provider left out is not offered. `baseUrl` may be '' for the provider's production default.
 */
export interface PaymentProvidersSettings {
  stripe?: StripeConfig;
  payu?: PayuConfig;
  przelewy24?: Przelewy24Config;
  yookassa?: YookassaConfig;
}

export type PaymentProviderRegistry = ReadonlyMap<PaymentProviderCode, PaymentProviderAdapter>;

/** Builds the configured adapters once at start-up, keyed by `PaymentProviderAdapter.code`. */
export function paymentProvidersFromConfig(
  settings: PaymentProvidersSettings,
  shared: { fetch?: typeof fetch; timeoutMs?: number } = {},
): PaymentProviderRegistry {
  // Shared knobs fill in only what a provider's own settings leave out.
  const withShared = <T extends object>(c: T): T => ({ ...shared, ...c });
  const out = new Map<PaymentProviderCode, PaymentProviderAdapter>();
  if (settings.stripe) out.set('stripe', createStripeAdapter(withShared(settings.stripe)));
  if (settings.payu) out.set('payu', createPayuAdapter(withShared(settings.payu)));
  if (settings.przelewy24) out.set('przelewy24', createPrzelewy24Adapter(withShared(settings.przelewy24)));
  if (settings.yookassa) out.set('yookassa', createYookassaAdapter(withShared(settings.yookassa)));
  return out;
}
