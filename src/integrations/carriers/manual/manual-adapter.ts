/**
 * Own fleet: no carrier API, so the adapter is the carrier. Shipments live in a store
 * (in-memory by default; the lead can back it with the database), drivers report statuses
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
  type ShipmentRef,
  type ShipmentRequest,
  type StatusMapping,
  type TrackingEvent,
} from '../types.js';
import { renderManualLabel, type ManualLabelData } from './manual-label.js';

export interface ManualShipmentRecord {
  carrierShipmentId: string;
  trackingNumber: string;
  request: ShipmentRequest;
  events: TrackingEvent[];
}

export interface ManualShipmentStore {
  get(carrierShipmentId: string): ManualShipmentRecord | undefined;
  findByReference(reference: string): ManualShipmentRecord | undefined;
  put(record: ManualShipmentRecord): void;
}

export function inMemoryManualStore(): ManualShipmentStore & { size(): number } {
  const byId = new Map<string, ManualShipmentRecord>();
  return {
    get: (id) => byId.get(id),
    findByReference: (ref) => [...byId.values()].find((r) => r.request.reference === ref && current(r) !== 'cancelled'),
    put: (r) => void byId.set(r.carrierShipmentId, r),
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
  recordEvent(ref: Pick<ShipmentRef, 'carrierShipmentId'>, status: OrdoShipmentStatus, opts?: { at?: string; note?: string }): CarrierResult<TrackingEvent>;
}

const MANUAL_STATUSES = ORDO_SHIPMENT_STATUSES.filter((s) => s !== 'unknown');
const CANCELLABLE = new Set<OrdoShipmentStatus>(['created', 'label_ready']);

function current(r: ManualShipmentRecord): OrdoShipmentStatus {
  return r.events[r.events.length - 1]?.status ?? 'created';
}

export function createManualCarrier(options: ManualCarrierOptions = {}): ManualCarrierAdapter {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? inMemoryManualStore();
  const render = options.renderLabel ?? renderManualLabel;

  const mapStatus = (s: string): StatusMapping =>
    (MANUAL_STATUSES as readonly string[]).includes(s) ? { status: s as OrdoShipmentStatus, known: true } : { status: 'unknown', known: false };

  const notFound = (id: string) => err(carrierError('CARRIER_NOT_FOUND', `own-fleet shipment ${id} does not exist`, { retryable: false }));

  function event(r: ManualShipmentRecord, status: OrdoShipmentStatus, at: string, note?: string): TrackingEvent {
    return {
      eventId: eventIdOf('manual', r.carrierShipmentId, status, at),
      reference: r.request.reference,
      carrierShipmentId: r.carrierShipmentId,
      trackingNumber: r.trackingNumber,
      carrierStatus: status,
      status,
      known: true,
      occurredAt: at,
      ...(note ? { description: note } : {}),
    };
  }

  function append(r: ManualShipmentRecord, e: TrackingEvent): TrackingEvent {
    if (!r.events.some((x) => x.eventId === e.eventId)) {
      r.events.push(e);
      r.events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
      store.put(r);
    }
    return e;
  }

  const toCreated = (r: ManualShipmentRecord, existing: boolean): CreatedShipment => ({
    reference: r.request.reference,
    carrierShipmentId: r.carrierShipmentId,
    trackingNumber: r.trackingNumber,
    status: current(r),
    carrierStatus: current(r),
    existing,
  });

  return {
    code: 'manual',
    labelFormats: ['pdf', 'zpl'],
    mapStatus,

    async createShipment(input) {
      const checked = checkRequest(input);
      if (!checked.ok) return checked;
      const existing = store.findByReference(input.reference);
      if (existing) return ok(toCreated(existing, true));
      const id = newId();
      const r: ManualShipmentRecord = {
        carrierShipmentId: id,
        trackingNumber: `${options.prefix ?? 'OWN'}-${id.replace(/-/g, '').slice(-12).toUpperCase()}`,
        request: checked.value,
        events: [],
      };
      r.events.push(event(r, 'label_ready', clock.now().toISOString()));
      store.put(r);
      return ok(toCreated(r, false));
    },

    async getLabel(ref, format) {
      if (ref.status === 'cancelled') return err(carrierError('SHIPMENT_CANCELLED', 'no label for a cancelled shipment'));
      const r = store.get(ref.carrierShipmentId);
      if (!r) return notFound(ref.carrierShipmentId);
      if (current(r) === 'cancelled') return err(carrierError('SHIPMENT_CANCELLED', `own-fleet shipment ${r.trackingNumber} is cancelled; no label`));
      const data = await render(
        { trackingNumber: r.trackingNumber, reference: r.request.reference, sender: r.request.sender, receiver: r.request.receiver, parcels: r.request.parcels.length },
        format,
      );
      return ok({ format, contentType: format === 'pdf' ? 'application/pdf' : 'application/zpl', data });
    },

    async track(ref) {
      const r = store.get(ref.carrierShipmentId);
      if (!r) return notFound(ref.carrierShipmentId);
      const status = current(r);
      return ok({ trackingNumber: r.trackingNumber, carrierStatus: status, status, known: true, events: [...r.events] });
    },

    async cancel(ref) {
      const r = store.get(ref.carrierShipmentId);
      if (!r) return notFound(ref.carrierShipmentId);
      const status = current(r);
      if (status === 'cancelled') return ok(undefined);
      if (!CANCELLABLE.has(status)) {
        return err(
          carrierError('CARRIER_REJECTED', `own-fleet shipment ${r.trackingNumber} is already ${status}`, {
            retryable: false,
            carrierMessages: [`cannot cancel in status ${status}`],
          }),
        );
      }
      append(r, event(r, 'cancelled', clock.now().toISOString()));
      return ok(undefined);
    },

    recordEvent(ref, status, opts = {}) {
      const r = store.get(ref.carrierShipmentId);
      if (!r) return notFound(ref.carrierShipmentId);
      if (!mapStatus(status).known) return err(carrierError('CARRIER_REJECTED', `unknown own-fleet status ${status}`, { retryable: false }));
      const at = opts.at ? toIsoUtc(opts.at) : clock.now().toISOString();
      if (!at) return err(carrierError('CARRIER_REJECTED', `unreadable time ${opts.at}`, { retryable: false }));
      return ok(append(r, event(r, status, at, opts.note)));
    },

    parseWebhook(input) {
      let raw: Partial<ManualDriverEvent>;
      try {
        raw = JSON.parse(input.body.toString()) as Partial<ManualDriverEvent>;
      } catch {
        return err(carrierError('CARRIER_BAD_RESPONSE', 'driver event is not JSON', { retryable: false }));
      }
      const at = typeof raw.occurredAt === 'string' ? toIsoUtc(raw.occurredAt) : null;
      if (typeof raw.shipmentId !== 'string' || typeof raw.status !== 'string' || !at) {
        return err(carrierError('CARRIER_BAD_RESPONSE', 'driver event needs shipmentId, status and occurredAt', { retryable: false }));
      }
      const r = store.get(raw.shipmentId);
      const m = mapStatus(raw.status);
      return ok([
        {
          eventId: eventIdOf('manual', raw.shipmentId, raw.status, at),
          reference: r?.request.reference ?? null,
          carrierShipmentId: raw.shipmentId,
          trackingNumber: r?.trackingNumber ?? null,
          carrierStatus: raw.status,
          ...m,
          occurredAt: at,
          ...(raw.note ? { description: raw.note } : {}),
        },
      ]);
    },
  };
}
