import { createCarrierRegistry, type CarrierRegistry, type CarriersConfig } from '../../integrations/carriers/index.js';
import type { CarrierSettings } from '../../config.js';
import type { Database } from '../../store/db.js';
import { databaseManualStore } from './manual-carrier-store.js';

/**
 * Builds the carrier registry from the configuration (src/config.ts: INPOST_*, DHL_*, CDEK_*,
 * ORDO_CARRIER_TIMEOUT_MS, ORDO_CARRIER_MANUAL), so base URLs and credentials are settings. A
 * carrier is offered only when all its credentials are set; the manual carrier (own fleet) is
 * always on unless ORDO_CARRIER_MANUAL=off.
 *
 * With `database`, the own fleet's shipments are kept in it (manual-carrier-store.ts), so labels
 * and tracking survive restarts and are shared with worker processes; without, in memory (tests).
 */
export function carriersFromConfig(
  settings: CarrierSettings,
  database?: Pick<Database, 'db' | 'kind'>,
): CarrierRegistry {
  const config = carriersConfigFrom(settings);
  if (config.manual && database)
    config.manual = {
      ...config.manual,
      store: databaseManualStore(database.db, { mirror: database.kind === 'pglite' }),
    };
  return createCarrierRegistry(config);
}

/** The configuration part of carriersFromConfig, separate so it can be checked without adapters. */
export function carriersConfigFrom(carrierSettings: CarrierSettings): CarriersConfig {
  const { timeoutMs, inpost, dhl, cdek } = carrierSettings;
  const common = (baseUrl: string | undefined) => ({
    ...(baseUrl ? { baseUrl } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  const config: CarriersConfig = {};
  if (inpost.token && inpost.organizationId) {
    config.inpost = {
      ...common(inpost.baseUrl),
      token: inpost.token,
      organizationId: inpost.organizationId,
      ...(inpost.service ? { defaultService: inpost.service } : {}),
    };
  }
  if (dhl.apiKey && dhl.username && dhl.password && dhl.billingNumber) {
    config['dhl-parcel-de'] = {
      ...common(dhl.baseUrl),
      apiKey: dhl.apiKey,
      username: dhl.username,
      password: dhl.password,
      billingNumber: dhl.billingNumber,
      ...(dhl.trackingUrl ? { trackingBaseUrl: dhl.trackingUrl } : {}),
      ...(dhl.product ? { product: dhl.product } : {}),
    };
  }
  if (cdek.clientId && cdek.clientSecret) {
    config.cdek = {
      ...common(cdek.baseUrl),
      clientId: cdek.clientId,
      clientSecret: cdek.clientSecret,
      ...(cdek.tariff !== undefined ? { tariffCode: cdek.tariff } : {}),
    };
  }
  if (carrierSettings.manual) config.manual = {};
  return config;
}
