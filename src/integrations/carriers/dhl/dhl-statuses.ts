import type { OrdoShipmentStatus } from '../types.js';

/**
 * DHL Shipment Tracking – Unified API (`/track/shipments`, used for Parcel DE) reports
 * `status.statusCode` from this fixed list; the detail is in free text, so the code is what
 * we map.
 */
export const DHL_STATUS_MAP = {
  'pre-transit': 'label_ready',
  transit: 'in_transit',
  delivered: 'delivered',
  failure: 'failed_delivery',
  // DHL's own "we cannot say": a known word with no meaning to act on.
  unknown: 'unknown',
} as const satisfies Record<string, OrdoShipmentStatus>;

export const DHL_STATUSES = Object.keys(DHL_STATUS_MAP);

/** Parcel DE wants ISO 3166-1 alpha-3; Ordo stores alpha-2. Europe plus common destinations. */
export const ALPHA3: Readonly<Record<string, string>> = {
  AT: 'AUT',
  BE: 'BEL',
  BG: 'BGR',
  BY: 'BLR',
  CH: 'CHE',
  CY: 'CYP',
  CZ: 'CZE',
  DE: 'DEU',
  DK: 'DNK',
  EE: 'EST',
  ES: 'ESP',
  FI: 'FIN',
  FR: 'FRA',
  GB: 'GBR',
  GR: 'GRC',
  HR: 'HRV',
  HU: 'HUN',
  IE: 'IRL',
  IS: 'ISL',
  IT: 'ITA',
  KZ: 'KAZ',
  LI: 'LIE',
  LT: 'LTU',
  LU: 'LUX',
  LV: 'LVA',
  MC: 'MCO',
  MD: 'MDA',
  MT: 'MLT',
  NL: 'NLD',
  NO: 'NOR',
  PL: 'POL',
  PT: 'PRT',
  RO: 'ROU',
  RS: 'SRB',
  RU: 'RUS',
  SE: 'SWE',
  SI: 'SVN',
  SK: 'SVK',
  TR: 'TUR',
  UA: 'UKR',
  US: 'USA',
  CA: 'CAN',
  CN: 'CHN',
  JP: 'JPN',
  AU: 'AUS',
  GE: 'GEO',
  AM: 'ARM',
  AZ: 'AZE',
  UZ: 'UZB',
  KG: 'KGZ',
};
