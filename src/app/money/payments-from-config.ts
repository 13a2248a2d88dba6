import type { PaymentSettings } from '../../config.js';
import { paymentProvidersFromConfig, type PaymentProvidersSettings } from '../../integrations/payments/index.js';
import type { PaymentProviders } from './execute-payment-operation.js';

/**
 * The payment providers an installation offers, from its settings (STRIPE_*, PAYU_*, P24_*,
 * YOOKASSA_*): each only when all its credentials are set. None configured is a working setup:
 * payments are then Ordo's own records (cash on delivery, transfers, a shop's checkout registered).
 */
export function paymentsFromConfig(settings: PaymentSettings): PaymentProviders {
  const { stripe, payu, przelewy24: p24, yookassa } = settings;
  const config: PaymentProvidersSettings = {};
  if (stripe.secretKey && stripe.webhookSecret)
    config.stripe = { baseUrl: stripe.baseUrl ?? '', secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret };
  if (payu.posId && payu.clientSecret && payu.secondKey)
    config.payu = {
      baseUrl: payu.baseUrl ?? '',
      posId: payu.posId,
      clientSecret: payu.clientSecret,
      secondKey: payu.secondKey,
    };
  if (p24.merchantId && p24.reportKey && p24.crc)
    config.przelewy24 = {
      baseUrl: p24.baseUrl ?? '',
      merchantId: Number(p24.merchantId),
      reportKey: p24.reportKey,
      crc: p24.crc,
    };
  if (yookassa.shopId && yookassa.secretKey)
    config.yookassa = { baseUrl: yookassa.baseUrl ?? '', shopId: yookassa.shopId, secretKey: yookassa.secretKey };
  return paymentProvidersFromConfig(config, settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {});
}
