/**
 * One interface for every carrier. Expected failures (rejections, outages, timeouts,
 * garbage responses) are values; only bugs throw.
 */
import type { ErrorCode } from '../../shared/errors.js';
import type { Result } from '../../shared/result.js';

export const ORDO_SHIPMENT_STATUSES = [
  'created',
  'label_ready',
  'handed_over',
  'in_transit',
  'out_for_delivery',
  'ready_for_pickup',
  'delivered',
  'failed_delivery',
  'returning',
  'returned',
  'cancelled',
  'unknown',
] as const;
export type OrdoShipmentStatus = (typeof ORDO_SHIPMENT_STATUSES)[number];

export type CarrierCode = 'inpost' | 'dhl-parcel-de' | 'cdek' | 'manual';

/**
 * Failure codes, all in the shared catalogue (src/shared/errors.ts) so the API maps them to
 * HTTP in one place:
 * - CARRIER_REJECTED: the carrier refused the request (4xx with its messages); the same request will not succeed.
 * - CARRIER_AUTH_FAILED: our credentials were refused (401/403 after any token refresh).
 * - CARRIER_NOT_FOUND: the carrier does not know the shipment.
 * - CARRIER_UNAVAILABLE: 5xx, 429, connection refused or reset.
 * - CARRIER_TIMEOUT: no answer within the configured timeout.
 * - CARRIER_BAD_RESPONSE: malformed JSON or a body that does not match the published format.
 * - SHIPMENT_CANCELLED: labels are refused for cancelled shipments.
 * - CARRIER_UNSUPPORTED: the carrier does not offer this (ZPL at CDEK, several parcels in one DHL shipment).
 */
export type CarrierErrorCode = Extract<
  ErrorCode,
  | 'CARRIER_REJECTED'
  | 'CARRIER_AUTH_FAILED'
  | 'CARRIER_NOT_FOUND'
  | 'CARRIER_UNAVAILABLE'
  | 'CARRIER_TIMEOUT'
  | 'CARRIER_BAD_RESPONSE'
  | 'SHIPMENT_CANCELLED'
  | 'CARRIER_UNSUPPORTED'
>;

export interface CarrierError {
  code: CarrierErrorCode;
  message: string;
  /** True when the same call may succeed later (timeouts, 5xx, 429). */
  retryable: boolean;
  /** Messages exactly as the carrier wrote them (validation texts, error codes). */
  carrierMessages: string[];
  httpStatus?: number;
  /**
   * Set on a create whose outcome we could not observe (timeout, 5xx after send) at a carrier
   * that offers no lookup by reference: a shipment may exist, so a person must check
   * before a second one is bought.
   */
  outcomeUnknown?: boolean;
}

export type CarrierResult<T> = Result<T, CarrierError>;

export interface Address {
  /** Person or company name as printed on the label. */
  name: string;
  company?: string;
  street: string;
  buildingNumber: string;
  flat?: string;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2, e.g. PL, DE, RU. */
  countryCode: string;
  phone?: string;
  email?: string;
}

export interface Parcel {
  /** Grams, integers: carriers differ in units, we convert at the edge. */
  weightGrams: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
  /** Our package id, echoed on labels where the carrier allows. */
  reference?: string;
}

export interface ShipmentRequest {
  /**
   * Our idempotency key (e.g. the Ordo shipment id). Sent to the carrier as its reference
   * field so a retried create finds the first one instead of buying a second label.
   */
  reference: string;
  sender: Address;
  receiver: Address;
  parcels: Parcel[];
  /** Carrier service/product code (InPost service, DHL product, CDEK tariff code). */
  service?: string;
  /** Locker / pickup point id (InPost target_point, CDEK delivery_point). */
  targetPoint?: string;
  /** Cash on delivery as an exact decimal string in major units, e.g. "129.99". */
  cod?: { amount: string; currency: string };
  comment?: string;
}

/**
 * A return label: the customer sends parcels back to us. `sender` is the customer, `receiver`
 * our location. The shipment it creates is an ordinary one afterwards: its label comes from
 * `getLabel`, its statuses from `track` and webhooks, and `delivered` means we received it.
 */
export interface ReturnShipmentRequest {
  /** Our idempotency key (the return id): a retried create finds the first return shipment. */
  reference: string;
  /** The customer sending the parcels back. */
  sender: Address;
  /** Our warehouse or store receiving them. */
  receiver: Address;
  parcels: Parcel[];
  /** Carrier service/product code; each adapter documents its default for returns. */
  service?: string;
  /**
   * Locker / pickup point where the customer drops the parcel off (InPost Paczkomat or POP,
   * CDEK ПВЗ). An adapter that cannot carry it refuses the request; it never drops it.
   */
  dropOffPoint?: string;
  comment?: string;
}

/** What Ordo stores to address the shipment at the carrier later. */
export interface ShipmentRef {
  reference: string;
  carrierShipmentId: string;
  trackingNumber: string | null;
  /** Last status Ordo knows; a `cancelled` ref is refused a label without a carrier call. */
  status?: OrdoShipmentStatus;
}

export interface CreatedShipment extends ShipmentRef {
  status: OrdoShipmentStatus;
  /** True when the create found an earlier shipment with the same reference (a retry). */
  existing: boolean;
  carrierStatus: string | null;
}

export type LabelFormat = 'pdf' | 'zpl';

export interface Label {
  format: LabelFormat;
  contentType: string;
  data: Buffer;
}

export interface TrackingEvent {
  /** Stable across redeliveries of the same event: store it to ignore duplicates. */
  eventId: string;
  reference: string | null;
  carrierShipmentId: string | null;
  trackingNumber: string | null;
  carrierStatus: string;
  status: OrdoShipmentStatus;
  known: boolean;
  /** ISO-8601 UTC. */
  occurredAt: string;
  location?: string;
  description?: string;
}

export interface TrackingInfo {
  trackingNumber: string | null;
  carrierStatus: string;
  status: OrdoShipmentStatus;
  known: boolean;
  /** Oldest first. */
  events: TrackingEvent[];
}

export interface StatusMapping {
  status: OrdoShipmentStatus;
  known: boolean;
}

export interface WebhookInput {
  body: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface CarrierAdapter {
  readonly code: CarrierCode;
  readonly labelFormats: readonly LabelFormat[];
  createShipment(req: ShipmentRequest): Promise<CarrierResult<CreatedShipment>>;
  getLabel(ref: ShipmentRef, format: LabelFormat): Promise<CarrierResult<Label>>;
  track(ref: ShipmentRef): Promise<CarrierResult<TrackingInfo>>;
  cancel(ref: ShipmentRef): Promise<CarrierResult<void>>;
  mapStatus(carrierStatus: string): StatusMapping;
  /** Events that are not about a shipment status (print forms, office changes) are skipped, not errors. */
  parseWebhook?(input: WebhookInput): CarrierResult<TrackingEvent[]>;
  /**
   * Books a return label (customer → us). Absent when the adapter cannot book returns; see
   * `supportsReturns` and docs/carriers.md ("Returns") for why a carrier lacks it.
   */
  createReturnShipment?(req: ReturnShipmentRequest): Promise<CarrierResult<CreatedShipment>>;
}

/** Narrows an adapter to one that books return labels, so callers need no optional call. */
export function supportsReturns(
  adapter: CarrierAdapter,
): adapter is CarrierAdapter & Required<Pick<CarrierAdapter, 'createReturnShipment'>> {
  return typeof adapter.createReturnShipment === 'function';
}

/** Shared knobs of every HTTP adapter. */
export interface HttpCarrierConfig {
  baseUrl: string;
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number;
  /** Injected for tests and proxies; defaults to global fetch. */
  fetch?: typeof fetch;
}
