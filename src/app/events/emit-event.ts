import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { EVENT_TYPES, isEventType, type EventPayload, type EventType } from '../../domain/events/catalogue.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import '../../store/schema-events.js';
import { OUTBOX_CHANNEL } from '../../store/unit-of-work.js';

export interface NewEvent<T extends EventType = EventType> {
  type: T;
  /** What the event is about; events of one subject are delivered in order (an order id for order events). */
  subject: string;
  payload: EventPayload<T>;
  /** Business time of the change; defaults to now. */
  time?: Date;
}

/** Larger payloads belong in the API (subscribers fetch the resource by id). */
export const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024;

export { OUTBOX_CHANNEL };

type Waker = () => void;
const wakers = new Set<Waker>();

/** In-process workers register here so an emit wakes them without waiting for the next poll. */
export function onOutboxWrite(w: Waker): () => void {
  wakers.add(w);
  return () => wakers.delete(w);
}

/**
 * Queues events for the outbox in the caller's unit of work: they are written at its end and exist
 * if and only if the change that caused them commits. Payloads are checked against the catalogue
 * now, so a bad one fails the caller before anything is written. Returns the event ids (UUIDv7).
 */
export async function emitEvents(w: Work, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = eventRows(w, events);
  w.work.queueEvents(rows);
  wakeOutboxWorkers();
  return rows.map((r) => r.id);
}

/** Outbox rows for events, checked against the catalogue and stamped with the tenant (not yet written). */
export function eventRows(s: TenantScope, events: readonly NewEvent[]) {
  return events.map((e) => {
    if (!isEventType(e.type)) throw new AppError('UNKNOWN_EVENT_TYPE', `event type ${String(e.type)} is not in the catalogue`);
    const def = EVENT_TYPES[e.type];
    const parsed = def.payload.safeParse(e.payload);
    if (!parsed.success) {
      throw new AppError('EVENT_PAYLOAD_INVALID', `${e.type} payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '/'} ${i.message}`).join('; ')}`);
    }
    const payload = JSON.stringify(e.payload);
    if (Buffer.byteLength(payload) > MAX_EVENT_PAYLOAD_BYTES) {
      throw new AppError('EVENT_PAYLOAD_TOO_LARGE', `${e.type} payload is ${Buffer.byteLength(payload)} bytes; the limit is ${MAX_EVENT_PAYLOAD_BYTES}`);
    }
    if (!e.subject || e.subject.length > 200) throw new AppError('EVENT_PAYLOAD_INVALID', 'an event needs a subject of at most 200 characters');
    return { tenant_id: s.tenantId, id: newId(), type: e.type, subject: e.subject, time: e.time ?? new Date(), schema_version: def.version, payload };
  });
}

/** Tells in-process outbox workers that events were written, so they need not wait for their next poll. */
export function wakeOutboxWorkers(): void {
  for (const w of wakers) w();
}

export async function emitEvent<T extends EventType>(w: Work, event: NewEvent<T>): Promise<string> {
  const [id] = await emitEvents(w, [event as NewEvent]);
  return id!;
}
