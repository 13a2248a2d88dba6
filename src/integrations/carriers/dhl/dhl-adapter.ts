/**
 * DHL Parcel DE Shipping API v2 (orders: create, fetch label, delete) and the DHL Shipment
 * Tracking API. Auth: `dhl-api-key` header plus HTTP basic (business-customer user).
 * Parcel DE has no lookup by our reference, so a create with an unobserved outcome is
 * reported `outcomeUnknown` instead of being retried blindly.
 *
 * No `createReturnShipment`: DHL return labels are a separate product and API, "DHL Parcel DE
 * Returns" (https://developer.dhl.com/api-reference/dhl-parcel-de-returns-post-parcel-germany,
 * POST /parcel/de/shipping/returns/v1/orders, products DHL Retoure Online / International,
 * a separate contract and the "Returns" right in the business customer portal). It does not
 * take our receiver address: the return receiver is a `receiverId` configured in that portal
 * per sender country; the customer takes the parcel to any DHL point, so no drop-off point
 * can be named; and it has no lookup by our reference. Booking it here would mean sending
 * Ordo's receiver and drop-off point nowhere, so the method is left out until that API is
 * integrated with its own configuration (receiverIds) and a fake built from its spec.
 */
import { err, ok } from '../../../shared/result.js';
import {
  basicAuth,
  carrierError,
  decimalToNumber,
  httpStatusError,
  joinUrl,
  parseJson,
  send,
  tryJson,
  type HttpRequest,
  type HttpResponse,
} from '../http.js';
import { checkRequest } from '../request-check.js';
import { eventIdOf, statusMapper, toIsoUtc } from '../status-map.js';
import type {
  Address,
  CarrierAdapter,
  CarrierError,
  CarrierResult,
  CreatedShipment,
  HttpCarrierConfig,
  Label,
  ShipmentRequest,
  TrackingInfo,
} from '../types.js';
import { dhlErrorBody, dhlOrdersResponse, dhlTrackingResponse } from './dhl-schemas.js';
import { ALPHA3, DHL_STATUS_MAP } from './dhl-statuses.js';

export interface DhlParcelDeConfig extends Partial<HttpCarrierConfig> {
  apiKey: string;
  username: string;
  password: string;
  /** 14-digit EKP + procedure + participation, e.g. 33333333330101. */
  billingNumber: string;
  profile?: string;
  /** Default product, e.g. V01PAK (DHL Paket). */
  product?: string;
  /** Base of the tracking API; its own API key may differ. */
  trackingBaseUrl?: string;
  trackingApiKey?: string;
  /** Print format for labels, e.g. 910-300-700 (A6-like) or A4. */
  printFormat?: string;
}

export const DHL_DEFAULT_BASE_URL = 'https://api-eu.dhl.com/parcel/de/shipping/v2';
export const DHL_DEFAULT_TRACKING_URL = 'https://api-eu.dhl.com/track';

/** Messages from Parcel DE bodies: top-level detail, item status detail and validation messages. */
export function dhlMessages(body: unknown): string[] {
  const parsed = dhlErrorBody.safeParse(body);
  if (!parsed.success) return [];
  const out: string[] = [];
  const data = parsed.data;
  const top = data.detail ?? (typeof data.status === 'object' ? data.status.detail : undefined);
  if (top) out.push(top);
  for (const item of data.items ?? []) {
    if (item.sstatus?.detail && (item.sstatus.statusCode ?? 200) >= 400) out.push(item.sstatus.detail);
    for (const validationMessage of item.validationMessages ?? [])
      out.push(
        validationMessage.property
          ? `${validationMessage.property}: ${validationMessage.validationMessage}`
          : validationMessage.validationMessage,
      );
  }
  return out;
}

export function createDhlParcelDeAdapter(config: DhlParcelDeConfig): CarrierAdapter {
  const baseUrl = config.baseUrl ?? DHL_DEFAULT_BASE_URL;
  const trackingBase = config.trackingBaseUrl ?? DHL_DEFAULT_TRACKING_URL;
  const http = { baseUrl, timeoutMs: config.timeoutMs, fetch: config.fetch };
  const profile = config.profile ?? 'STANDARD_GRUPPENPROFIL';
  const mapStatus = statusMapper(DHL_STATUS_MAP);

  const call = (req: Omit<HttpRequest, 'url'> & { path: string }) =>
    send(http, {
      ...req,
      url: joinUrl(baseUrl, req.path),
      headers: {
        'dhl-api-key': config.apiKey,
        authorization: basicAuth(config.username, config.password),
        'accept-language': 'en-US',
        ...req.headers,
      },
    });

  const failed = (res: HttpResponse, what: string) => err(httpStatusError(res, what, dhlMessages(tryJson(res))));

  function party(address: Address, role: 'shipper' | 'consignee') {
    const country = ALPHA3[address.countryCode];
    if (!country) return null;
    return {
      name1: address.company ?? address.name,
      ...(address.company ? { name2: address.name } : {}),
      addressStreet: address.street,
      addressHouse: address.flat ? `${address.buildingNumber}/${address.flat}` : address.buildingNumber,
      postalCode: address.postalCode,
      city: address.city,
      country,
      ...(role === 'consignee' || address.company ? { contactName: address.name } : {}),
      ...(address.phone ? { phone: address.phone } : {}),
      ...(address.email ? { email: address.email } : {}),
    };
  }

  function body(req: ShipmentRequest) {
    const parcel = req.parcels[0];
    const shipper = party(req.sender, 'shipper');
    const consignee = party(req.receiver, 'consignee');
    if (!parcel || !shipper || !consignee) return null;
    return {
      profile,
      shipments: [
        {
          product: req.service ?? config.product ?? 'V01PAK',
          billingNumber: config.billingNumber,
          // DHL echoes refNo on the label; it is our idempotency reference (max 35 chars).
          refNo: req.reference.slice(0, 35),
          creationSoftware: 'Ordo',
          shipper,
          consignee,
          details: {
            dim: { uom: 'mm', length: parcel.lengthMm, width: parcel.widthMm, height: parcel.heightMm },
            weight: { uom: 'g', value: parcel.weightGrams },
          },
          ...(req.cod
            ? {
                services: {
                  cashOnDelivery: {
                    currency: req.cod.currency,
                    value: decimalToNumber(req.cod.amount),
                    accountReference: req.reference,
                  },
                },
              }
            : {}),
        },
      ],
    };
  }

  /** Parcel DE answers 200/207 with per-item status; an item can fail inside a 2xx. */
  function firstItem(res: HttpResponse, what: string) {
    const parsed = parseJson(res, dhlOrdersResponse, what);
    if (!parsed.ok) return parsed;
    const item = parsed.value.items[0];
    if (!item) return err(carrierError('CARRIER_BAD_RESPONSE', `${what}: no items`, { retryable: true }));
    const code = item.sstatus.statusCode ?? item.sstatus.status ?? 200;
    if (code >= 400) return err(httpStatusError({ ...res, status: code }, what, dhlMessages({ items: [item] })));
    return ok(item);
  }

  const docFormat = (f: 'pdf' | 'zpl') => (f === 'pdf' ? 'PDF' : 'ZPL2');
  const labelQuery = (f: 'pdf' | 'zpl') =>
    `docFormat=${docFormat(f)}&includeDocs=include${config.printFormat ? `&printFormat=${encodeURIComponent(config.printFormat)}` : ''}`;

  // Anything other than a clear refusal leaves us not knowing whether DHL made the shipment.
  const unknownOutcome = (e: CarrierError): CarrierError =>
    e.code === 'CARRIER_REJECTED' || e.code === 'CARRIER_AUTH_FAILED' || e.code === 'CARRIER_NOT_FOUND'
      ? e
      : {
          ...e,
          retryable: false,
          outcomeUnknown: true,
          message: `${e.message}; DHL may have created the shipment (refNo is our reference): check before creating again`,
        };

  return {
    code: 'dhl-parcel-de',
    labelFormats: ['pdf', 'zpl'],
    mapStatus,

    async createShipment(input): Promise<CarrierResult<CreatedShipment>> {
      const checked = checkRequest(input);
      if (!checked.ok) return checked;
      const req = checked.value;
      if (req.parcels.length !== 1) {
        return err(
          carrierError(
            'CARRIER_UNSUPPORTED',
            'DHL Parcel DE takes one parcel per shipment: create one shipment per parcel',
          ),
        );
      }
      const json = body(req);
      if (!json) {
        return err(
          carrierError(
            'CARRIER_REJECTED',
            `no ISO alpha-3 code for ${req.sender.countryCode} or ${req.receiver.countryCode}`,
            { retryable: false },
          ),
        );
      }
      const res = await call({ method: 'POST', path: `/orders?${labelQuery('pdf')}`, json });
      if (!res.ok) return err(unknownOutcome(res.error));
      if (res.value.status !== 200 && res.value.status !== 207 && res.value.status !== 201) {
        return err(unknownOutcome(httpStatusError(res.value, 'create shipment', dhlMessages(tryJson(res.value)))));
      }
      const item = firstItem(res.value, 'create shipment');
      if (!item.ok) return err(unknownOutcome(item.error));
      if (!item.value.shipmentNo) {
        return err(unknownOutcome(carrierError('CARRIER_BAD_RESPONSE', 'create shipment: DHL returned no shipmentNo')));
      }
      return ok({
        reference: req.reference,
        carrierShipmentId: item.value.shipmentNo,
        trackingNumber: item.value.shipmentNo,
        status: 'label_ready',
        carrierStatus: null,
        existing: false,
      });
    },

    async getLabel(ref, format): Promise<CarrierResult<Label>> {
      if (ref.status === 'cancelled')
        return err(carrierError('SHIPMENT_CANCELLED', 'no label for a cancelled shipment'));
      const res = await call({
        method: 'GET',
        path: `/orders?shipment=${encodeURIComponent(ref.carrierShipmentId)}&${labelQuery(format)}`,
      });
      if (!res.ok) return res;
      if (res.value.status !== 200 && res.value.status !== 207) return failed(res.value, 'get label');
      const item = firstItem(res.value, 'get label');
      if (!item.ok) return item;
      const doc = item.value.label;
      if (format === 'pdf') {
        const data = doc?.b64 ? Buffer.from(doc.b64, 'base64') : null;
        if (!data || data.subarray(0, 5).toString('latin1') !== '%PDF-') {
          return err(carrierError('CARRIER_BAD_RESPONSE', 'get label: DHL returned no PDF label', { retryable: true }));
        }
        return ok({ format, contentType: 'application/pdf', data });
      }
      // ZPL2 arrives as text in `zpl2`, or base64 in `b64` depending on the API version.
      const zpl = doc?.zpl2 ?? (doc?.b64 ? Buffer.from(doc.b64, 'base64').toString('utf8') : undefined);
      if (!zpl || !zpl.includes('^XA')) {
        return err(carrierError('CARRIER_BAD_RESPONSE', 'get label: DHL returned no ZPL label', { retryable: true }));
      }
      return ok({ format, contentType: 'application/zpl', data: Buffer.from(zpl, 'utf8') });
    },

    async track(ref): Promise<CarrierResult<TrackingInfo>> {
      const number = ref.trackingNumber ?? ref.carrierShipmentId;
      const res = await send(http, {
        method: 'GET',
        url: joinUrl(trackingBase, `/shipments?trackingNumber=${encodeURIComponent(number)}&service=parcel-de`),
        headers: { 'DHL-API-Key': config.trackingApiKey ?? config.apiKey },
      });
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'track');
      const parsed = parseJson(res.value, dhlTrackingResponse, 'track');
      if (!parsed.ok) return parsed;
      const shipment = parsed.value.shipments[0];
      if (!shipment)
        return err(carrierError('CARRIER_BAD_RESPONSE', 'track: no shipment in the answer', { retryable: true }));
      const events = shipment.events
        .map((event) => {
          const at = toIsoUtc(event.timestamp) ?? event.timestamp;
          return {
            // DHL events carry no id; number + code + time + text identifies one.
            eventId: eventIdOf('dhl', shipment.id, event.statusCode, at, event.description),
            reference: ref.reference,
            carrierShipmentId: ref.carrierShipmentId,
            trackingNumber: shipment.id,
            carrierStatus: event.statusCode,
            ...mapStatus(event.statusCode),
            occurredAt: at,
            ...(event.description ? { description: event.description } : {}),
            ...(event.location?.address?.addressLocality ? { location: event.location.address.addressLocality } : {}),
          };
        })
        .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      return ok({
        trackingNumber: shipment.id,
        carrierStatus: shipment.status.statusCode,
        ...mapStatus(shipment.status.statusCode),
        events,
      });
    },

    async cancel(ref) {
      const res = await call({
        method: 'DELETE',
        path: `/orders?profile=${encodeURIComponent(profile)}&shipment=${encodeURIComponent(ref.carrierShipmentId)}`,
      });
      if (!res.ok) return res;
      if (res.value.status !== 200 && res.value.status !== 207) return failed(res.value, 'cancel shipment');
      const item = firstItem(res.value, 'cancel shipment');
      if (!item.ok) return item;
      return ok(undefined);
    },
  };
}
