import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { currentTraceparent } from '../../shared/tracing.js';
import { EVENT_TYPES, isEventType, type EventPayload, type EventType } from '../../domain/events/catalogue.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import '../../store/schema-events.js';
import { eventsCommitted, onEventsCommitted, OUTBOX_CHANNEL } from '../../store/unit-of-work.js';

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

/** In-process workers register here so committed events wake them without waiting for the next poll. */
export const onOutboxWrite = onEventsCommitted;

/**
 * Queues events for the outbox in the caller's unit of work: they are written at its end and exist
 * if and only if the change that caused them commits. Payloads are checked against the catalogue
 * now, so a bad one fails the caller before anything is written. Returns the event ids (UUIDv7).
 */
export async function emitEvents(work: Work, events: readonly NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = eventRows(work, events);
  // The unit of work wakes the outbox workers once these have committed.
  work.work.queueEvents(rows);
  return rows.map((r) => r.id);
}

/** Outbox rows for events, checked against the catalogue and stamped with the tenant (not yet written). */
export function eventRows(scope: TenantScope, events: readonly NewEvent[]) {
  return events.map((event) => {
    if (!isEventType(event.type))
      throw new AppError('UNKNOWN_EVENT_TYPE', `event type ${String(event.type)} is not in the catalogue`);
    const def = EVENT_TYPES[event.type];
    const parsed = def.payload.safeParse(event.payload);
    if (!parsed.success) {
      throw new AppError(
        'EVENT_PAYLOAD_INVALID',
        `${event.type} payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '/'} ${i.message}`).join('; ')}`,
      );
    }
    const payload = JSON.stringify(event.payload);
    if (Buffer.byteLength(payload) > MAX_EVENT_PAYLOAD_BYTES) {
      throw new AppError(
        'EVENT_PAYLOAD_TOO_LARGE',
        `${event.type} payload is ${Buffer.byteLength(payload)} bytes; the limit is ${MAX_EVENT_PAYLOAD_BYTES}`,
      );
    }
    if (!event.subject || event.subject.length > 200)
      throw new AppError('EVENT_PAYLOAD_INVALID', 'an event needs a subject of at most 200 characters');
    return {
      tenant_id: scope.tenantId,
      id: newId(),
      type: event.type,
      subject: event.subject,
      time: event.time ?? new Date(),
      schema_version: def.version,
      payload,
      // the span that made the event (tracing on): its delivery joins this trace
      trace_context: currentTraceparent() ?? null,
    };
  });
}

/** Tells in-process outbox workers that events committed outside a unit of work (a single-statement write). */
export const wakeOutboxWorkers = eventsCommitted;

export async function emitEvent<T extends EventType>(work: Work, event: NewEvent<T>): Promise<string> {
  const [id] = await emitEvents(work, [event as NewEvent]);
  return id!;
}
