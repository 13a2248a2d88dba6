/**
 * CDEK API v2 (https://api.cdek.ru, test: https://api.edu.cdek.ru). Orders are accepted
 * asynchronously: the create answers 202 with a uuid, validation results and the CDEK
 * number follow on GET. Our reference goes in `number` (the shop's order number), which
 * CDEK lets us look up, so a lost create is found again instead of duplicated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { err, ok } from '../../../shared/result.js';
import {
  carrierError,
  decimalToNumber,
  httpStatusError,
  parseJson,
  parseWebhookJson,
  tryJson,
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
  ReturnShipmentRequest,
  ShipmentRef,
  ShipmentRequest,
  TrackingEvent,
  TrackingInfo,
  WebhookInput,
} from '../types.js';
import { createCdekSession, type CdekAuthConfig } from './cdek-auth.js';
import {
  cdekBarcodeResponse,
  cdekEntityResponse,
  cdekErrorBody,
  cdekOrderResponse,
  cdekOrderStatusAttributes,
  cdekWebhook,
  type CdekOrder,
} from './cdek-schemas.js';
import { CDEK_STATUS_MAP } from './cdek-statuses.js';

export interface CdekConfig extends Partial<HttpCarrierConfig>, CdekAuthConfig {
  /** Default tariff when the request names none (139 = посылка дверь-дверь). */
  tariffCode?: number;
  /**
   * Tariffs for returns the request names none for: from the customer's door (default 139,
   * посылка дверь-дверь) and from a ПВЗ the customer drops it at (default 137, посылка
   * склад-дверь; a `shipment_point` needs a tariff "от склада").
   */
  returnTariffCode?: number;
  returnDropOffTariffCode?: number;
  /** Barcode paper: A4, A5, A6 (default) or A7. */
  labelPaper?: 'A4' | 'A5' | 'A6' | 'A7';
  /** Barcode PDFs are prepared asynchronously; how often and how long to wait. */
  labelPollIntervalMs?: number;
  labelPollAttempts?: number;
}

export const CDEK_DEFAULT_BASE_URL = 'https://api.cdek.ru';

/** Messages from CDEK bodies: `errors`, the errors inside `requests`, or OAuth's error pair. */
export function cdekMessages(body: unknown): string[] {
  const parsed = cdekErrorBody.safeParse(body);
  if (!parsed.success) return [];
  const data = parsed.data;
  const all = [...(data.errors ?? []), ...(data.requests ?? []).flatMap((r) => r.errors ?? [])];
  const out = all.map((e) => `${e.code}: ${e.message}`);
  if (data.error) out.push(`${data.error}: ${data.error_description ?? ''}`.trim());
  return out;
}

const isDeleted = (o: CdekOrder) => o.requests.some((r) => r.type === 'DELETE' && r.state === 'SUCCESSFUL');
const invalidCreate = (o: CdekOrder) => o.requests.find((r) => r.type === 'CREATE' && r.state === 'INVALID');

export function createCdekAdapter(config: CdekConfig): CarrierAdapter {
  const http = { baseUrl: config.baseUrl ?? CDEK_DEFAULT_BASE_URL, timeoutMs: config.timeoutMs, fetch: config.fetch };
  const session = createCdekSession(http, config);
  const mapStatus = statusMapper(CDEK_STATUS_MAP);
  const failed = (res: HttpResponse, what: string) => err(httpStatusError(res, what, cdekMessages(tryJson(res))));

  async function getOrder(path: string, what: string): Promise<CarrierResult<CdekOrder | null>> {
    const res = await session.call({ method: 'GET', path });
    if (!res.ok) return res;
    if (res.value.status === 404) return ok(null);
    if (res.value.status === 400) {
      const msgs = cdekMessages(tryJson(res.value));
      if (msgs.some((m) => m.startsWith('v2_entity_not_found'))) return ok(null);
      return err(httpStatusError(res.value, what, msgs));
    }
    if (res.value.status !== 200) return failed(res.value, what);
    return parseJson(res.value, cdekOrderResponse, what);
  }

  async function orderByRef(ref: ShipmentRef, what: string): Promise<CarrierResult<CdekOrder>> {
    const carrierResult = await getOrder(`/v2/orders/${encodeURIComponent(ref.carrierShipmentId)}`, what);
    if (!carrierResult.ok) return carrierResult;
    if (!carrierResult.value)
      return err(carrierError('CARRIER_NOT_FOUND', `${what}: CDEK does not know order ${ref.carrierShipmentId}`));
    return ok(carrierResult.value);
  }

  const latest = (value: CdekOrder) => {
    const live = value.entity.statuses.filter((s) => !s.deleted);
    return [...live].sort((a, b) => (toIsoUtc(a.date_time) ?? '').localeCompare(toIsoUtc(b.date_time) ?? '')).pop();
  };

  const toCreated = (value: CdekOrder, reference: string, existing: boolean): CreatedShipment => {
    const code = latest(value)?.code ?? 'ACCEPTED';
    return {
      reference,
      carrierShipmentId: value.entity.uuid,
      trackingNumber: value.entity.cdek_number ?? null,
      status: mapStatus(code).status,
      carrierStatus: code,
      existing,
    };
  };

  const contact = (a: Address) => ({
    name: a.name,
    ...(a.company ? { company: a.company } : {}),
    ...(a.email ? { email: a.email } : {}),
    ...(a.phone ? { phones: [{ number: a.phone }] } : {}),
  });
  const location = (a: Address) => ({
    address: [a.street, a.flat ? `${a.buildingNumber}, кв. ${a.flat}` : a.buildingNumber].join(', '),
    postal_code: a.postalCode,
    city: a.city,
    country_code: a.countryCode,
  });
  const cm = (mm: number) => Math.max(1, Math.ceil(mm / 10));

  function body(req: ShipmentRequest) {
    const cod = req.cod ? decimalToNumber(req.cod.amount) : 0;
    return {
      type: 1,
      number: req.reference,
      tariff_code: req.service ? Number(req.service) : (config.tariffCode ?? 139),
      ...(req.comment ? { comment: req.comment } : {}),
      ...(req.targetPoint ? { delivery_point: req.targetPoint } : {}),
      sender: contact(req.sender),
      recipient: contact(req.receiver),
      from_location: location(req.sender),
      ...(req.targetPoint ? {} : { to_location: location(req.receiver) }),
      packages: req.parcels.map((p, i) => ({
        number: p.reference ?? String(i + 1),
        weight: p.weightGrams,
        length: cm(p.lengthMm),
        width: cm(p.widthMm),
        height: cm(p.heightMm),
        // Shop orders need items; without line data one item per package carries weight and COD.
        items: [
          {
            name: req.comment ?? `Заказ ${req.reference}`,
            ware_key: p.reference ?? `${req.reference}-${i + 1}`,
            payment: { value: i === 0 ? cod : 0 },
            cost: 0,
            weight: p.weightGrams,
            amount: 1,
          },
        ],
      })),
    };
  }

  /** Posts an order and reads it once: CDEK validates asynchronously, so acceptance is not success. */
  async function submit(orderBody: object, reference: string): Promise<CarrierResult<CreatedShipment>> {
    const res = await session.call({ method: 'POST', path: '/v2/orders', json: orderBody });
    if (!res.ok) return res;
    if (res.value.status !== 202 && res.value.status !== 200) return failed(res.value, 'create order');
    const accepted = parseJson(res.value, cdekEntityResponse, 'create order');
    if (!accepted.ok) return accepted;
    const uuid = accepted.value.entity?.uuid;
    const invalid = accepted.value.requests.find((r) => r.state === 'INVALID');
    if (invalid || !uuid) {
      return err(
        carrierError('CARRIER_REJECTED', 'CDEK refused the order', {
          retryable: false,
          carrierMessages: cdekMessages(accepted.value),
        }),
      );
    }
    // Validation is asynchronous: one read tells us whether CDEK accepted it and its number.
    const carrierResult = await getOrder(`/v2/orders/${encodeURIComponent(uuid)}`, 'read created order');
    if (!carrierResult.ok || !carrierResult.value) {
      return ok({
        reference,
        carrierShipmentId: uuid,
        trackingNumber: null,
        status: 'created',
        carrierStatus: 'ACCEPTED',
        existing: false,
      });
    }
    const bad = invalidCreate(carrierResult.value);
    if (bad) {
      return err(
        carrierError('CARRIER_REJECTED', 'CDEK refused the order', {
          retryable: false,
          carrierMessages: cdekMessages({ requests: [bad] }),
        }),
      );
    }
    return ok(toCreated(carrierResult.value, reference, false));
  }

  /**
   * A return is an order of type 1 ("интернет-магазин") with `is_client_return: true`, the
   * customer as sender and us as recipient. CDEK v2 (POST /v2/orders/{uuid}/clientReturn):
   * "Если прямая доставка осуществлялась не СДЭК, для создания обратного заказа необходимо
   * использовать метод «Регистрация заказа» … передать поле is_client_return = true"; the
   * field itself (OrderCreateRequestDto): "Необходимо использовать, если прямой заказ
   * доставлялся другой курьерской службой, либо по прямому заказу необходимо вернуть не все
   * товары". We always use it: Ordo's return may cover part of an order or an order another
   * carrier delivered, and it keeps the return id in `number`, so a lost create is found
   * again by im_number. The customer's ПВЗ is `shipment_point`, which excludes from_location.
   */
  function returnBody(req: ReturnShipmentRequest) {
    const tariff = req.service
      ? Number(req.service)
      : req.dropOffPoint
        ? (config.returnDropOffTariffCode ?? 137)
        : (config.returnTariffCode ?? 139);
    return {
      type: 1,
      number: req.reference,
      is_client_return: true,
      tariff_code: tariff,
      ...(req.comment ? { comment: req.comment } : {}),
      sender: contact(req.sender),
      recipient: contact(req.receiver),
      ...(req.dropOffPoint ? { shipment_point: req.dropOffPoint } : { from_location: location(req.sender) }),
      to_location: location(req.receiver),
      packages: req.parcels.map((p, i) => ({
        number: p.reference ?? String(i + 1),
        weight: p.weightGrams,
        length: cm(p.lengthMm),
        width: cm(p.widthMm),
        height: cm(p.heightMm),
        items: [
          {
            name: req.comment ?? `Возврат ${req.reference}`,
            ware_key: p.reference ?? `${req.reference}-${i + 1}`,
            // Nothing is collected on a return.
            payment: { value: 0 },
            cost: 0,
            weight: p.weightGrams,
            amount: 1,
          },
        ],
      })),
    };
  }

  async function waitForBarcode(uuid: string): Promise<CarrierResult<string>> {
    const attempts = config.labelPollAttempts ?? 10;
    for (let index = 0; index < attempts; index++) {
      const res = await session.call({ method: 'GET', path: `/v2/print/barcodes/${encodeURIComponent(uuid)}` });
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'get barcode');
      const carrierResult = parseJson(res.value, cdekBarcodeResponse, 'get barcode');
      if (!carrierResult.ok) return carrierResult;
      const codes = carrierResult.value.entity.statuses.map((s) => s.code);
      if (codes.includes('INVALID')) {
        return err(
          carrierError('CARRIER_REJECTED', 'CDEK could not prepare the barcode', {
            retryable: false,
            carrierMessages: cdekMessages(carrierResult.value),
          }),
        );
      }
      if (codes.includes('READY') && carrierResult.value.entity.url) return ok(carrierResult.value.entity.url);
      await sleep(config.labelPollIntervalMs ?? 500);
    }
    return err(carrierError('CARRIER_TIMEOUT', `CDEK barcode ${uuid} not ready after ${attempts} checks`));
  }

  return {
    code: 'cdek',
    labelFormats: ['pdf'],
    mapStatus,

    async createShipment(input) {
      const checked = checkRequest(input);
      if (!checked.ok) return checked;
      const req = checked.value;
      const found = await getOrder(
        `/v2/orders?im_number=${encodeURIComponent(req.reference)}`,
        'look up order by number',
      );
      if (!found.ok) return found;
      if (found.value && !isDeleted(found.value) && !invalidCreate(found.value))
        return ok(toCreated(found.value, req.reference, true));

      return submit(body(req), req.reference);
    },

    async createReturnShipment(input) {
      const checked = checkRequest(input);
      if (!checked.ok) return checked;
      const req = checked.value;
      const found = await getOrder(
        `/v2/orders?im_number=${encodeURIComponent(req.reference)}`,
        'look up order by number',
      );
      if (!found.ok) return found;
      if (found.value && !isDeleted(found.value) && !invalidCreate(found.value)) {
        if (found.value.entity.is_client_return !== true) {
          return err(
            carrierError('CARRIER_REJECTED', `CDEK order ${req.reference} exists and is not a client return`, {
              retryable: false,
            }),
          );
        }
        return ok(toCreated(found.value, req.reference, true));
      }
      return submit(returnBody(req), req.reference);
    },

    async getLabel(ref, format): Promise<CarrierResult<Label>> {
      if (ref.status === 'cancelled')
        return err(carrierError('SHIPMENT_CANCELLED', 'no label for a cancelled shipment'));
      if (format !== 'pdf') return err(carrierError('CARRIER_UNSUPPORTED', 'CDEK prints barcodes as PDF only'));
      const carrierResult = await orderByRef(ref, 'get label');
      if (!carrierResult.ok) return carrierResult;
      if (isDeleted(carrierResult.value))
        return err(carrierError('SHIPMENT_CANCELLED', `CDEK order ${ref.carrierShipmentId} was deleted; no label`));
      const res = await session.call({
        method: 'POST',
        path: '/v2/print/barcodes',
        json: {
          orders: [{ order_uuid: ref.carrierShipmentId }],
          copy_count: 1,
          format: config.labelPaper ?? 'A6',
          lang: 'RUS',
        },
      });
      if (!res.ok) return res;
      if (res.value.status !== 202 && res.value.status !== 200) return failed(res.value, 'request barcode');
      const job = parseJson(res.value, cdekEntityResponse, 'request barcode');
      if (!job.ok) return job;
      const uuid = job.value.entity?.uuid;
      if (!uuid)
        return err(
          carrierError('CARRIER_REJECTED', 'CDEK refused the barcode request', {
            retryable: false,
            carrierMessages: cdekMessages(job.value),
          }),
        );
      const ready = await waitForBarcode(uuid);
      if (!ready.ok) return ready;
      const pdf = await session.call({
        method: 'GET',
        path: `/v2/print/barcodes/${encodeURIComponent(uuid)}.pdf`,
        headers: { accept: 'application/pdf' },
      });
      if (!pdf.ok) return pdf;
      if (pdf.value.status !== 200) return failed(pdf.value, 'download barcode');
      if (pdf.value.body.subarray(0, 5).toString('latin1') !== '%PDF-') {
        return err(carrierError('CARRIER_BAD_RESPONSE', 'download barcode: not a PDF', { retryable: true }));
      }
      return ok({ format: 'pdf', contentType: 'application/pdf', data: pdf.value.body });
    },

    async track(ref): Promise<CarrierResult<TrackingInfo>> {
      const carrierResult = await orderByRef(ref, 'track');
      if (!carrierResult.ok) return carrierResult;
      const events: TrackingEvent[] = carrierResult.value.entity.statuses
        .filter((s) => !s.deleted)
        .map((status) => {
          const at = toIsoUtc(status.date_time) ?? status.date_time;
          return {
            eventId: eventIdOf('cdek', carrierResult.value.entity.uuid, status.code, at),
            reference: carrierResult.value.entity.number ?? ref.reference,
            carrierShipmentId: carrierResult.value.entity.uuid,
            trackingNumber: carrierResult.value.entity.cdek_number ?? null,
            carrierStatus: status.code,
            ...mapStatus(status.code),
            occurredAt: at,
            ...(status.city ? { location: status.city } : {}),
            ...(status.name ? { description: status.name } : {}),
          };
        })
        .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      const last = events[events.length - 1];
      const code = last?.carrierStatus ?? 'ACCEPTED';
      return ok({
        trackingNumber: carrierResult.value.entity.cdek_number ?? null,
        carrierStatus: code,
        ...mapStatus(code),
        events,
      });
    },

    async cancel(ref) {
      const res = await session.call({
        method: 'DELETE',
        path: `/v2/orders/${encodeURIComponent(ref.carrierShipmentId)}`,
      });
      if (!res.ok) return res;
      if (res.value.status !== 202 && res.value.status !== 200) return failed(res.value, 'delete order');
      const carrierResult = parseJson(res.value, cdekEntityResponse, 'delete order');
      if (!carrierResult.ok) return carrierResult;
      if (carrierResult.value.requests.some((x) => x.state === 'INVALID')) {
        return err(
          carrierError('CARRIER_REJECTED', 'CDEK refused to delete the order', {
            retryable: false,
            carrierMessages: cdekMessages(carrierResult.value),
          }),
        );
      }
      return ok(undefined);
    },

    parseWebhook(input: WebhookInput) {
      const carrierResult = parseWebhookJson(input.body, cdekWebhook, 'CDEK');
      if (!carrierResult.ok) return carrierResult;
      // PRINT_FORM, OFFICE_AVAILABILITY, PREALERT_CLOSED … are not shipment statuses.
      if (carrierResult.value.type !== 'ORDER_STATUS') return ok([]);
      const parsed = cdekOrderStatusAttributes.safeParse(carrierResult.value.attributes);
      if (!parsed.success)
        return err(
          carrierError('CARRIER_BAD_RESPONSE', 'CDEK ORDER_STATUS webhook lacks code or time', { retryable: false }),
        );
      // A status CDEK withdrew is not news for the order.
      if (parsed.data.deleted) return ok([]);
      const at = toIsoUtc(parsed.data.status_date_time);
      if (!at)
        return err(
          carrierError('CARRIER_BAD_RESPONSE', `CDEK webhook time unreadable: ${parsed.data.status_date_time}`, {
            retryable: false,
          }),
        );
      return ok([
        {
          // Same id as the polled status, so a push and a poll de-duplicate.
          eventId: eventIdOf('cdek', carrierResult.value.uuid, parsed.data.code, at),
          reference: parsed.data.number ?? null,
          carrierShipmentId: carrierResult.value.uuid,
          trackingNumber: parsed.data.cdek_number ?? null,
          carrierStatus: parsed.data.code,
          ...mapStatus(parsed.data.code),
          occurredAt: at,
          ...(parsed.data.city_name ? { location: parsed.data.city_name } : {}),
        },
      ]);
    },
  };
}
