/** Public surface of the carrier integrations: one adapter interface, four carriers. */
import { createCdekAdapter, type CdekConfig } from './cdek/cdek-adapter.js';
import { createDhlParcelDeAdapter, type DhlParcelDeConfig } from './dhl/dhl-adapter.js';
import { createInpostAdapter, type InpostConfig } from './inpost/inpost-adapter.js';
import { createManualCarrier, type ManualCarrierOptions } from './manual/manual-adapter.js';
import type { CarrierAdapter } from './types.js';

export * from './types.js';
export { createInpostAdapter, INPOST_DEFAULT_BASE_URL, type InpostConfig } from './inpost/inpost-adapter.js';
export { INPOST_STATUS_MAP, INPOST_STATUSES } from './inpost/inpost-statuses.js';
export {
  createDhlParcelDeAdapter,
  DHL_DEFAULT_BASE_URL,
  DHL_DEFAULT_TRACKING_URL,
  type DhlParcelDeConfig,
} from './dhl/dhl-adapter.js';
export { DHL_STATUS_MAP, DHL_STATUSES } from './dhl/dhl-statuses.js';
export { createCdekAdapter, CDEK_DEFAULT_BASE_URL, type CdekConfig } from './cdek/cdek-adapter.js';
export { CDEK_STATUS_MAP, CDEK_STATUSES } from './cdek/cdek-statuses.js';
export {
  createManualCarrier,
  inMemoryManualStore,
  isManualReturn,
  type ManualCarrierAdapter,
  type ManualShipmentRequest,
  type ManualCarrierOptions,
  type ManualDriverEvent,
  type ManualShipmentRecord,
  type ManualShipmentStore,
} from './manual/manual-adapter.js';

/** Configuration of every carrier an installation uses; a carrier left out is not offered. */
export interface CarriersConfig {
  inpost?: InpostConfig;
  'dhl-parcel-de'?: DhlParcelDeConfig;
  cdek?: CdekConfig;
  manual?: ManualCarrierOptions;
}

/** The configured adapters by `CarrierAdapter.code` ('inpost', 'dhl-parcel-de', 'cdek', 'manual'). */
export type CarrierRegistry = ReadonlyMap<string, CarrierAdapter>;

/** Builds the adapters once at start-up, keyed by `CarrierAdapter.code`. */
export function createCarrierRegistry(config: CarriersConfig): CarrierRegistry {
  const out = new Map<string, CarrierAdapter>();
  if (config.inpost) out.set('inpost', createInpostAdapter(config.inpost));
  if (config['dhl-parcel-de']) out.set('dhl-parcel-de', createDhlParcelDeAdapter(config['dhl-parcel-de']));
  if (config.cdek) out.set('cdek', createCdekAdapter(config.cdek));
  if (config.manual) out.set('manual', createManualCarrier(config.manual));
  return out;
}
