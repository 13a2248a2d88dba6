/**
 * InPost ShipX (https://api-shipx-pl.easypack24.net): bearer token + organization id.
 * Creates are asynchronous at InPost (created → confirmed); labels exist from `confirmed`.
 */
import { err, ok } from '../../../shared/result.js';
import {
  carrierError,
  decimalToNumber,
  httpStatusError,
  joinUrl,
  parseJson,
  parseWebhookJson,
  send,
  splitName,
  tryJson,
  type HttpRequest,
  type HttpResponse,
} from '../http.js';
import { checkRequest } from '../request-check.js';
import { eventIdOf, statusMapper, toIsoUtc } from '../status-map.js';
import type {
  Address,
  CarrierAdapter,
  CarrierResult,
  CreatedShipment,
  HttpCarrierConfig,
  Label,
  LabelFormat,
  ReturnShipmentRequest,
  ShipmentRef,
  ShipmentRequest,
  TrackingEvent,
  TrackingInfo,
  WebhookInput,
} from '../types.js';
import { INPOST_STATUS_MAP } from './inpost-statuses.js';
import {
  inpostError,
  inpostShipment,
  inpostShipmentList,
  inpostTracking,
  inpostWebhook,
  type InpostShipment,
} from './inpost-schemas.js';

export interface InpostConfig extends Partial<HttpCarrierConfig> {
  token: string;
  organizationId: string;
  /** Default service when the request names none. */
  defaultService?: string;
  /** ShipX label `type`: A6 (default) or normal (A4). */
  labelType?: 'A6' | 'normal';
  /** Service for return labels the request names none for (default inpost_courier_standard). */
  returnService?: string;
}

export const INPOST_DEFAULT_BASE_URL = 'https://api-shipx-pl.easypack24.net';

/**
 * ShipX sending methods that take a drop-off point, by service, from the "Sending method per
 * shipment service" table (https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/18153491/Sending+method).
 * A point id like "POP-WAW364" is a Parcel Point (`pop`), anything else a Paczkomat (`parcel_locker`).
 */
export function inpostSendingMethod(dropOffPoint: string): 'pop' | 'parcel_locker' {
  return /^POP-/i.test(dropOffPoint) ? 'pop' : 'parcel_locker';
}

/** The only courier service the table lists with locker drop-off; used when a return names none. */
const LOCKER_DROP_OFF_SERVICE = 'inpost_courier_c2c';

/** ShipX error bodies: `{status, error, message, details}` with details nested per field. */
export function inpostMessages(body: unknown): string[] {
  const parsed = inpostError.safeParse(body);
  if (!parsed.success) return [];
  const out: string[] = [];
  if (parsed.data.error || parsed.data.message)
    out.push(`${parsed.data.error ?? 'error'}: ${parsed.data.message ?? ''}`.trim());
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((v) => (typeof v === 'string' ? out.push(`${path}: ${v}`) : walk(v, path)));
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key);
    }
  };
  walk(parsed.data.details, '');
  return out;
}

export function createInpostAdapter(config: InpostConfig): CarrierAdapter {
  const http = { baseUrl: config.baseUrl ?? INPOST_DEFAULT_BASE_URL, timeoutMs: config.timeoutMs, fetch: config.fetch };
  const mapStatus = statusMapper(INPOST_STATUS_MAP);
  const org = encodeURIComponent(config.organizationId);

  const call = (req: Omit<HttpRequest, 'url'> & { path: string }): Promise<CarrierResult<HttpResponse>> =>
    send(http, {
      ...req,
      url: joinUrl(http.baseUrl, req.path),
      headers: { authorization: `Bearer ${config.token}`, ...req.headers },
    });

  const failed = (res: HttpResponse, what: string) => err(httpStatusError(res, what, inpostMessages(tryJson(res))));

  const toCreated = (s: InpostShipment, reference: string, existing: boolean): CreatedShipment => ({
    reference,
    carrierShipmentId: s.id,
    trackingNumber: s.tracking_number,
    status: mapStatus(s.status).status,
    carrierStatus: s.status,
    existing,
  });

  async function findByReference(reference: string): Promise<CarrierResult<InpostShipment | null>> {
    const res = await call({
      method: 'GET',
      path: `/v1/organizations/${org}/shipments?reference=${encodeURIComponent(reference)}`,
    });
    if (!res.ok) return res;
    if (res.value.status !== 200) return failed(res.value, 'look up shipment by reference');
    const list = parseJson(res.value, inpostShipmentList, 'look up shipment by reference');
    if (!list.ok) return list;
    // A cancelled shipment with our reference must not block a deliberate re-create.
    return ok(list.value.items.find((s) => s.reference === reference && s.status !== 'canceled') ?? null);
  }

  async function getShipment(ref: ShipmentRef): Promise<CarrierResult<InpostShipment>> {
    const res = await call({ method: 'GET', path: `/v1/shipments/${encodeURIComponent(ref.carrierShipmentId)}` });
    if (!res.ok) return res;
    if (res.value.status !== 200) return failed(res.value, 'get shipment');
    return parseJson(res.value, inpostShipment, 'get shipment');
  }

  const party = (address: Address) => {
    const { first, last } = splitName(address.name);
    return {
      name: address.name,
      company_name: address.company,
      first_name: first,
      last_name: last,
      email: address.email,
      phone: address.phone,
      address: {
        street: address.street,
        building_number: address.flat ? `${address.buildingNumber}/${address.flat}` : address.buildingNumber,
        city: address.city,
        post_code: address.postalCode,
        country_code: address.countryCode,
      },
    };
  };

  function body(req: ShipmentRequest) {
    return {
      receiver: party(req.receiver),
      sender: party(req.sender),
      parcels: req.parcels.map((p, i) => ({
        id: p.reference ?? String(i + 1),
        dimensions: { length: p.lengthMm, width: p.widthMm, height: p.heightMm, unit: 'mm' },
        weight: { amount: p.weightGrams / 1000, unit: 'kg' },
      })),
      service: req.service ?? config.defaultService ?? 'inpost_courier_standard',
      reference: req.reference,
      ...(req.targetPoint ? { custom_attributes: { target_point: req.targetPoint } } : {}),
      ...(req.cod ? { cod: { amount: decimalToNumber(req.cod.amount), currency: req.cod.currency } } : {}),
      ...(req.comment ? { comments: req.comment } : {}),
    };
  }

  /**
   * A return is an ordinary ShipX shipment with `is_return: true` (documented on "Shipment
   * creation in simplified mode" / "in offer mode", POST /v1/organizations/:id/shipments:
   * "is_return — determines the shipment as a return shipment"), the customer as sender and
   * our location as receiver. Where the customer drops it off goes in
   * `custom_attributes.dropoff_point` with the matching `sending_method`; without a point
   * the courier collects it (`dispatch_order`). InPost's separate Returns REST API (Returns
   * Portal, Keycloak OAuth, https://dokumentacja-inpost.atlassian.net/wiki/spaces/PL/pages/1043791894)
   * needs other credentials and is not used.
   */
  function returnBody(req: ReturnShipmentRequest) {
    const service =
      req.service ??
      (req.dropOffPoint && inpostSendingMethod(req.dropOffPoint) === 'parcel_locker'
        ? LOCKER_DROP_OFF_SERVICE
        : (config.returnService ?? 'inpost_courier_standard'));
    return {
      receiver: party(req.receiver),
      sender: party(req.sender),
      parcels: req.parcels.map((p, i) => ({
        id: p.reference ?? String(i + 1),
        dimensions: { length: p.lengthMm, width: p.widthMm, height: p.heightMm, unit: 'mm' },
        weight: { amount: p.weightGrams / 1000, unit: 'kg' },
      })),
      service,
      reference: req.reference,
      is_return: true,
      custom_attributes: req.dropOffPoint
        ? { sending_method: inpostSendingMethod(req.dropOffPoint), dropoff_point: req.dropOffPoint }
        : { sending_method: 'dispatch_order' },
      ...(req.comment ? { comments: req.comment } : {}),
    };
  }

  return {
    code: 'inpost',
    labelFormats: ['pdf', 'zpl'],
    mapStatus,

    async createShipment(input) {
      const checked = checkRequest(input);
      if (!checked.ok) return checked;
      const req = checked.value;
      // A retry after a lost response must find the first shipment, not buy a second one.
      const found = await findByReference(req.reference);
      if (!found.ok) return found;
      if (found.value) return ok(toCreated(found.value, req.reference, true));
      const res = await call({ method: 'POST', path: `/v1/organizations/${org}/shipments`, json: body(req) });
      if (!res.ok) return res;
      if (res.value.status !== 200 && res.value.status !== 201) return failed(res.value, 'create shipment');
      const carrierResult = parseJson(res.value, inpostShipment, 'create shipment');
      if (!carrierResult.ok) return carrierResult;
      return ok(toCreated(carrierResult.value, req.reference, false));
    },

    async createReturnShipment(input) {
      const checked = checkRequest(input);
      if (!checked.ok) return checked;
      const req = checked.value;
      const found = await findByReference(req.reference);
      if (!found.ok) return found;
      if (found.value) {
        // A reference is one shipment: an outbound one under the return's id is a caller bug, not a retry.
        if (found.value.is_return === false) {
          return err(
            carrierError(
              'CARRIER_REJECTED',
              `InPost shipment ${found.value.id} with reference ${req.reference} is not a return`,
              { retryable: false },
            ),
          );
        }
        return ok(toCreated(found.value, req.reference, true));
      }
      const res = await call({ method: 'POST', path: `/v1/organizations/${org}/shipments`, json: returnBody(req) });
      if (!res.ok) return res;
      if (res.value.status !== 200 && res.value.status !== 201) return failed(res.value, 'create return shipment');
      const carrierResult = parseJson(res.value, inpostShipment, 'create return shipment');
      if (!carrierResult.ok) return carrierResult;
      return ok(toCreated(carrierResult.value, req.reference, false));
    },

    async getLabel(ref, format: LabelFormat): Promise<CarrierResult<Label>> {
      if (ref.status === 'cancelled')
        return err(carrierError('SHIPMENT_CANCELLED', 'no label for a cancelled shipment'));
      const carrierResult = await getShipment(ref);
      if (!carrierResult.ok) return carrierResult;
      if (carrierResult.value.status === 'canceled') {
        return err(
          carrierError('SHIPMENT_CANCELLED', `InPost shipment ${ref.carrierShipmentId} is cancelled; no label`),
        );
      }
      if (['created', 'offers_prepared', 'offer_selected'].includes(carrierResult.value.status)) {
        return err(
          carrierError(
            'CARRIER_UNAVAILABLE',
            `InPost has not confirmed shipment ${ref.carrierShipmentId} yet (${carrierResult.value.status})`,
          ),
        );
      }
      const type = config.labelType ?? 'A6';
      const res = await call({
        method: 'GET',
        path: `/v1/shipments/${encodeURIComponent(ref.carrierShipmentId)}/label?format=${format}&type=${type}`,
        headers: { accept: format === 'pdf' ? 'application/pdf' : 'text/plain, application/octet-stream' },
      });
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'get label');
      const data = res.value.body;
      if (format === 'pdf' && data.subarray(0, 5).toString('latin1') !== '%PDF-') {
        return err(
          carrierError('CARRIER_BAD_RESPONSE', 'get label: InPost returned something that is not a PDF', {
            retryable: true,
          }),
        );
      }
      if (format === 'zpl' && !data.toString('utf8').includes('^XA')) {
        return err(
          carrierError('CARRIER_BAD_RESPONSE', 'get label: InPost returned something that is not ZPL', {
            retryable: true,
          }),
        );
      }
      return ok({ format, contentType: format === 'pdf' ? 'application/pdf' : 'application/zpl', data });
    },

    async track(ref): Promise<CarrierResult<TrackingInfo>> {
      let tracking = ref.trackingNumber;
      if (!tracking) {
        // Before confirmation there is no tracking number; the shipment itself carries the status.
        const carrierResult = await getShipment(ref);
        if (!carrierResult.ok) return carrierResult;
        if (!carrierResult.value.tracking_number) {
          const statusMapping = mapStatus(carrierResult.value.status);
          return ok({ trackingNumber: null, carrierStatus: carrierResult.value.status, ...statusMapping, events: [] });
        }
        tracking = carrierResult.value.tracking_number;
      }
      const res = await call({ method: 'GET', path: `/v1/tracking/${encodeURIComponent(tracking)}` });
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'track');
      const result = parseJson(res.value, inpostTracking, 'track');
      if (!result.ok) return result;
      const events: TrackingEvent[] = result.value.tracking_details
        .map((d) => ({
          // Same id as the webhook for the same change, so a poll and a push de-duplicate.
          eventId: eventIdOf('inpost', ref.carrierShipmentId, d.status, toIsoUtc(d.datetime) ?? d.datetime),
          reference: ref.reference,
          carrierShipmentId: ref.carrierShipmentId,
          trackingNumber: result.value.tracking_number,
          carrierStatus: d.status,
          ...mapStatus(d.status),
          occurredAt: toIsoUtc(d.datetime) ?? d.datetime,
          ...(d.origin_status ? { description: d.origin_status } : {}),
        }))
        .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      return ok({
        trackingNumber: result.value.tracking_number,
        carrierStatus: result.value.status,
        ...mapStatus(result.value.status),
        events,
      });
    },

    async cancel(ref) {
      const res = await call({ method: 'DELETE', path: `/v1/shipments/${encodeURIComponent(ref.carrierShipmentId)}` });
      if (!res.ok) return res;
      if (res.value.status !== 204 && res.value.status !== 200) return failed(res.value, 'cancel shipment');
      return ok(undefined);
    },

    parseWebhook(input: WebhookInput) {
      const carrierResult = parseWebhookJson(input.body, inpostWebhook, 'InPost');
      if (!carrierResult.ok) return carrierResult;
      if (carrierResult.value.event !== 'shipment_status_changed') return ok([]);
      const payload = carrierResult.value.payload;
      const at = toIsoUtc(carrierResult.value.event_ts);
      if (!at)
        return err(
          carrierError(
            'CARRIER_BAD_RESPONSE',
            `InPost webhook event_ts is not a time: ${carrierResult.value.event_ts}`,
            { retryable: false },
          ),
        );
      return ok([
        {
          eventId: eventIdOf('inpost', payload.shipment_id, payload.status, at),
          reference: null,
          carrierShipmentId: payload.shipment_id,
          trackingNumber: payload.tracking_number ?? null,
          carrierStatus: payload.status,
          ...mapStatus(payload.status),
          occurredAt: at,
        },
      ]);
    },
  };
}
