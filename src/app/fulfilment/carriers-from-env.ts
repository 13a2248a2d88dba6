import { createCarrierRegistry, type CarrierRegistry, type CarriersConfig } from '../../integrations/carriers/index.js';
import type { Database } from '../../store/db.js';
import { databaseManualStore } from './manual-carrier-store.js';

/**
 * Builds the carrier registry from environment variables, so base URLs and credentials are
 * configuration (the lead wires this into src/cli/main.ts). A carrier is offered only when its
 * credentials are set; the manual carrier (own fleet) is always on unless ORDO_CARRIER_MANUAL=off.
 *
 *   INPOST_TOKEN, INPOST_ORGANIZATION_ID, INPOST_BASE_URL?, INPOST_SERVICE?
 *   DHL_API_KEY, DHL_USERNAME, DHL_PASSWORD, DHL_BILLING_NUMBER, DHL_BASE_URL?, DHL_TRACKING_URL?, DHL_PRODUCT?
 *   CDEK_CLIENT_ID, CDEK_CLIENT_SECRET, CDEK_BASE_URL?, CDEK_TARIFF?
 *   ORDO_CARRIER_TIMEOUT_MS? (default 15000)
 *
 * With `database`, the own fleet's shipments are kept in it (manual-carrier-store.ts), so labels
 * and tracking survive restarts and are shared with worker processes; without, in memory (tests).
 */
export function carriersFromEnv(env: NodeJS.ProcessEnv = process.env, database?: Pick<Database, 'db' | 'kind'>): CarrierRegistry {
  const config = carriersConfigFromEnv(env);
  if (config.manual && database) config.manual = { ...config.manual, store: databaseManualStore(database.db, { mirror: database.kind === 'pglite' }) };
  return createCarrierRegistry(config);
}

/** The configuration part of carriersFromEnv, separate so it can be checked without adapters. */
export function carriersConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CarriersConfig {
  const timeoutMs = env.ORDO_CARRIER_TIMEOUT_MS ? Number(env.ORDO_CARRIER_TIMEOUT_MS) : undefined;
  const common = (baseUrl: string | undefined) => ({ ...(baseUrl ? { baseUrl } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
  const config: CarriersConfig = {};
  if (env.INPOST_TOKEN && env.INPOST_ORGANIZATION_ID) {
    config.inpost = { ...common(env.INPOST_BASE_URL), token: env.INPOST_TOKEN, organizationId: env.INPOST_ORGANIZATION_ID,
      ...(env.INPOST_SERVICE ? { defaultService: env.INPOST_SERVICE } : {}) };
  }
  if (env.DHL_API_KEY && env.DHL_USERNAME && env.DHL_PASSWORD && env.DHL_BILLING_NUMBER) {
    config['dhl-parcel-de'] = { ...common(env.DHL_BASE_URL), apiKey: env.DHL_API_KEY, username: env.DHL_USERNAME, password: env.DHL_PASSWORD,
      billingNumber: env.DHL_BILLING_NUMBER, ...(env.DHL_TRACKING_URL ? { trackingBaseUrl: env.DHL_TRACKING_URL } : {}),
      ...(env.DHL_PRODUCT ? { product: env.DHL_PRODUCT } : {}) };
  }
  if (env.CDEK_CLIENT_ID && env.CDEK_CLIENT_SECRET) {
    config.cdek = { ...common(env.CDEK_BASE_URL), clientId: env.CDEK_CLIENT_ID, clientSecret: env.CDEK_CLIENT_SECRET,
      ...(env.CDEK_TARIFF ? { tariffCode: Number(env.CDEK_TARIFF) } : {}) };
  }
  if (env.ORDO_CARRIER_MANUAL !== 'off') config.manual = {};
  return config;
}
