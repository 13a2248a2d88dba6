/**
 * Own fleet: no carrier API, so the adapter is the carrier. Shipments live in a store
 * (in-memory by default, for tests; the server backs it with the database:
 * src/app/fulfilment/manual-carrier-store.ts), drivers report statuses
 * with `recordEvent` or through the driver-app webhook, and labels are rendered locally.
 */
import { newId } from '../../../shared/ids.js';
import { systemClock, type Clock } from '../../../shared/clock.js';
import { err, ok } from '../../../shared/result.js';
import { carrierError } from '../http.js';
import { checkRequest } from '../request-check.js';
import { eventIdOf, toIsoUtc } from '../status-map.js';
import {
  ORDO_SHIPMENT_STATUSES,
  type CarrierAdapter,
  type CarrierResult,
  type CreatedShipment,
  type LabelFormat,
  type OrdoShipmentStatus,
  type ReturnShipmentRequest,
  type ShipmentRef,
  type ShipmentRequest,
  type StatusMapping,
  type TrackingEvent,
} from '../types.js';
import { renderManualLabel, type ManualLabelData } from './manual-label.js';

/**
 * What an own-fleet shipment was booked with: an outbound request, or a return marked
 * `kind: 'return'`. Kept inside `request` because that is what a store persists whole (JSON).
 */
export type ManualShipmentRequest = ShipmentRequest | (ReturnShipmentRequest & { kind: 'return' });

export const isManualReturn = (request: ManualShipmentRequest): request is ReturnShipmentRequest & { kind: 'return' } =>
  'kind' in request && request.kind === 'return';

export interface ManualShipmentRecord {
  carrierShipmentId: string;
  trackingNumber: string;
  request: ManualShipmentRequest;
  events: TrackingEvent[];
}

/**
 * Where own-fleet shipments are kept. Asynchronous so it can be a database; a store that can
 * answer at once may also offer `peek`, which the (synchronous) webhook parser uses to fill in
 * the reference and tracking number. `put` stores the whole record; events only ever grow, so
 * a store may merge a record's events with what it already holds.
 */
export interface ManualShipmentStore {
  get(carrierShipmentId: string): Promise<ManualShipmentRecord | undefined>;
  /** The record booked under this reference that is not cancelled. */
  findByReference(reference: string): Promise<ManualShipmentRecord | undefined>;
  put(record: ManualShipmentRecord): Promise<void>;
  peek?(carrierShipmentId: string): ManualShipmentRecord | undefined;
}

/** A store in this process's memory: for tests only (a restart loses every shipment). */
export function inMemoryManualStore(): ManualShipmentStore & { size(): number } {
  const byId = new Map<string, ManualShipmentRecord>();
  const copy = (r: ManualShipmentRecord | undefined) => (r ? { ...r, events: [...r.events] } : undefined);
  return {
    get: async (id) => copy(byId.get(id)),
    findByReference: async (ref) =>
      copy([...byId.values()].find((r) => r.request.reference === ref && currentStatus(r) !== 'cancelled')),
    put: async (r) => void byId.set(r.carrierShipmentId, copy(r)!),
    peek: (id) => copy(byId.get(id)),
    size: () => byId.size,
  };
}

export interface ManualCarrierOptions {
  clock?: Clock;
  store?: ManualShipmentStore;
  /** Tracking number prefix, e.g. the fleet's short name. */
  prefix?: string;
  renderLabel?: (data: ManualLabelData, format: LabelFormat) => Promise<Buffer>;
}

/** What a driver app posts: one status change. */
export interface ManualDriverEvent {
  shipmentId: string;
  status: string;
  occurredAt: string;
  note?: string;
}

export interface ManualCarrierAdapter extends CarrierAdapter {
  /** A driver or dispatcher reports a status. Re-reporting the same status at the same time is a no-op. */
  recordEvent(
    ref: Pick<ShipmentRef, 'carrierShipmentId'>,
    status: OrdoShipmentStatus,
    opts?: { at?: string; note?: string },
  ): Promise<CarrierResult<TrackingEvent>>;
}

const MANUAL_STATUSES = ORDO_SHIPMENT_STATUSES.filter((s) => s !== 'unknown');
const CANCELLABLE = new Set<OrdoShipmentStatus>(['created', 'label_ready']);

/** The status of an own-fleet shipment: its newest event's, `created` before any. */
export function currentStatus(manualShipment: ManualShipmentRecord): OrdoShipmentStatus {
  return manualShipment.events[manualShipment.events.length - 1]?.status ?? 'created';
}

export function createManualCarrier(options: ManualCarrierOptions = {}): ManualCarrierAdapter {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? inMemoryManualStore();
  const render = options.renderLabel ?? renderManualLabel;

  const mapStatus = (s: string): StatusMapping =>
    (MANUAL_STATUSES as readonly string[]).includes(s)
      ? { status: s as OrdoShipmentStatus, known: true }
      : { status: 'unknown', known: false };

  const notFound = (id: string) =>
    err(carrierError('CARRIER_NOT_FOUND', `own-fleet shipment ${id} does not exist`, { retryable: false }));

  function event(
    manualShipment: ManualShipmentRecord,
    status: OrdoShipmentStatus,
    at: string,
    note?: string,
  ): TrackingEvent {
    return {
      eventId: eventIdOf('manual', manualShipment.carrierShipmentId, status, at),
      reference: manualShipment.request.reference,
      carrierShipmentId: manualShipment.carrierShipmentId,
      trackingNumber: manualShipment.trackingNumber,
      carrierStatus: status,
      status,
      known: true,
      occurredAt: at,
      ...(note ? { description: note } : {}),
    };
  }

  async function append(manualShipment: ManualShipmentRecord, trackingEvent: TrackingEvent): Promise<TrackingEvent> {
    if (!manualShipment.events.some((x) => x.eventId === trackingEvent.eventId)) {
      manualShipment.events.push(trackingEvent);
      // Stable: events at the same time stay in the order they were recorded (the store keeps it too).
      manualShipment.events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
      await store.put(manualShipment);
    }
    return trackingEvent;
  }

  /** A store failure (database down) is the carrier being unavailable: retry later. */
  async function guarded<T>(work: () => Promise<CarrierResult<T>>): Promise<CarrierResult<T>> {
    try {
      return await work();
    } catch (error) {
      return err(
        carrierError('CARRIER_UNAVAILABLE', `own-fleet store failed: ${(error as Error).message}`, { retryable: true }),
      );
    }
  }

  const toCreated = (r: ManualShipmentRecord, existing: boolean): CreatedShipment => ({
    reference: r.request.reference,
    carrierShipmentId: r.carrierShipmentId,
    trackingNumber: r.trackingNumber,
    status: currentStatus(r),
    carrierStatus: currentStatus(r),
    existing,
  });

  /** Books a shipment once per reference; a reference held by the other kind is refused, not reused. */
  async function book(request: ManualShipmentRequest): Promise<CarrierResult<CreatedShipment>> {
    const existing = await store.findByReference(request.reference);
    if (existing) {
      if (isManualReturn(existing.request) !== isManualReturn(request)) {
        return err(
          carrierError(
            'CARRIER_REJECTED',
            `own-fleet shipment ${existing.trackingNumber} holds reference ${request.reference} and is ${isManualReturn(existing.request) ? 'a return' : 'not a return'}`,
            { retryable: false },
          ),
        );
      }
      return ok(toCreated(existing, true));
    }
    const id = newId();
    const manualShipment: ManualShipmentRecord = {
      carrierShipmentId: id,
      trackingNumber: `${options.prefix ?? 'OWN'}-${id.replace(/-/g, '').slice(-12).toUpperCase()}`,
      request,
      events: [],
    };
    manualShipment.events.push(event(manualShipment, 'label_ready', clock.now().toISOString()));
    await store.put(manualShipment);
    return ok(toCreated(manualShipment, false));
  }

  return {
    code: 'manual',
    labelFormats: ['pdf', 'zpl'],
    mapStatus,

    createShipment: (input) =>
      guarded(async () => {
        const checked = checkRequest(input);
        if (!checked.ok) return checked;
        return book(checked.value);
      }),

    // The fleet collects from the customer's address, or from the drop-off point the label names.
    createReturnShipment: (input) =>
      guarded(async () => {
        const checked = checkRequest(input);
        if (!checked.ok) return checked;
        return book({ ...checked.value, kind: 'return' });
      }),

    getLabel: (ref, format) =>
      guarded(async () => {
        if (ref.status === 'cancelled')
          return err(carrierError('SHIPMENT_CANCELLED', 'no label for a cancelled shipment'));
        const item = await store.get(ref.carrierShipmentId);
        if (!item) return notFound(ref.carrierShipmentId);
        if (currentStatus(item) === 'cancelled')
          return err(
            carrierError('SHIPMENT_CANCELLED', `own-fleet shipment ${item.trackingNumber} is cancelled; no label`),
          );
        const data = await render(
          {
            trackingNumber: item.trackingNumber,
            reference: item.request.reference,
            sender: item.request.sender,
            receiver: item.request.receiver,
            parcels: item.request.parcels.length,
            ...(isManualReturn(item.request)
              ? { return: item.request.dropOffPoint ? { dropOffPoint: item.request.dropOffPoint } : {} }
              : {}),
          },
          format,
        );
        return ok({ format, contentType: format === 'pdf' ? 'application/pdf' : 'application/zpl', data });
      }),

    track: (ref) =>
      guarded(async () => {
        const item = await store.get(ref.carrierShipmentId);
        if (!item) return notFound(ref.carrierShipmentId);
        const status = currentStatus(item);
        return ok({
          trackingNumber: item.trackingNumber,
          carrierStatus: status,
          status,
          known: true,
          events: [...item.events],
        });
      }),

    cancel: (ref) =>
      guarded(async () => {
        const item = await store.get(ref.carrierShipmentId);
        if (!item) return notFound(ref.carrierShipmentId);
        const status = currentStatus(item);
        if (status === 'cancelled') return ok(undefined);
        if (!CANCELLABLE.has(status)) {
          return err(
            carrierError('CARRIER_REJECTED', `own-fleet shipment ${item.trackingNumber} is already ${status}`, {
              retryable: false,
              carrierMessages: [`cannot cancel in status ${status}`],
            }),
          );
        }
        await append(item, event(item, 'cancelled', clock.now().toISOString()));
        return ok(undefined);
      }),

    recordEvent: (ref, status, opts = {}) =>
      guarded(async () => {
        const item = await store.get(ref.carrierShipmentId);
        if (!item) return notFound(ref.carrierShipmentId);
        if (!mapStatus(status).known)
          return err(carrierError('CARRIER_REJECTED', `unknown own-fleet status ${status}`, { retryable: false }));
        const at = opts.at ? toIsoUtc(opts.at) : clock.now().toISOString();
        if (!at) return err(carrierError('CARRIER_REJECTED', `unreadable time ${opts.at}`, { retryable: false }));
        return ok(await append(item, event(item, status, at, opts.note)));
      }),

    parseWebhook(input) {
      let raw: Partial<ManualDriverEvent>;
      try {
        raw = JSON.parse(input.body.toString()) as Partial<ManualDriverEvent>;
      } catch {
        return err(carrierError('CARRIER_BAD_RESPONSE', 'driver event is not JSON', { retryable: false }));
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        return err(carrierError('CARRIER_BAD_RESPONSE', 'driver event is not a JSON object', { retryable: false }));
      const at = typeof raw.occurredAt === 'string' ? toIsoUtc(raw.occurredAt) : null;
      if (typeof raw.shipmentId !== 'string' || typeof raw.status !== 'string' || !at) {
        return err(
          carrierError('CARRIER_BAD_RESPONSE', 'driver event needs shipmentId, status and occurredAt', {
            retryable: false,
          }),
        );
      }
      // Parsing is synchronous: the reference and tracking number only when the store can say at once
      // (the webhook route finds the shipment by the carrier shipment id anyway).
      const result = store.peek?.(raw.shipmentId);
      const statusMapping = mapStatus(raw.status);
      return ok([
        {
          eventId: eventIdOf('manual', raw.shipmentId, raw.status, at),
          reference: result?.request.reference ?? null,
          carrierShipmentId: raw.shipmentId,
          trackingNumber: result?.trackingNumber ?? null,
          carrierStatus: raw.status,
          ...statusMapping,
          occurredAt: at,
          ...(raw.note ? { description: raw.note } : {}),
        },
      ]);
    },
  };
}
