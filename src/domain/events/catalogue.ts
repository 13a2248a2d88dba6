/**
 * The catalogue of domain event types. Each type has a payload schema (the contract with
 * subscribers: required fields are promised, extra fields may appear) and a schema version;
 * a breaking change to a payload is a new version, announced here first.
 */
import { z } from 'zod';
import { CUSTOMER_EVENTS } from './customer-events.js';
import { id, type EventDefinition } from './event-fields.js';
import { FULFILMENT_EVENTS } from './fulfilment-events.js';
import { ORDER_EVENTS } from './order-events.js';
import { PAYMENT_EVENTS } from './payment-events.js';
import { PROCESS_EVENTS } from './process-events.js';

/** Every event type, in the order of the catalogue; one module per concern. */
export const EVENT_TYPES = {
  ...ORDER_EVENTS,
  ...FULFILMENT_EVENTS,
  ...PAYMENT_EVENTS,
  ...PROCESS_EVENTS,
  ...CUSTOMER_EVENTS,
  // partner events through the inbound API
  'inbound.received': {
    subject: 'inbound',
    version: 1,
    description: 'A partner event arrived through the inbound API and was stored.',
    payload: z.looseObject({
      inboundId: id,
      source: z.string(),
      type: z.string(),
      externalId: z.string(),
      known: z.boolean(),
    }),
  },
} as const satisfies Record<string, EventDefinition>;

export type EventType = keyof typeof EVENT_TYPES;
export type EventPayload<T extends EventType> = z.input<(typeof EVENT_TYPES)[T]['payload']>;

export const isEventType = (t: string): t is EventType => Object.hasOwn(EVENT_TYPES, t);

/** A subscription's filter: exact types, 'order.*' prefixes, or '*'. */
export function typeMatches(filters: readonly string[], type: string): boolean {
  return filters.some((f) => f === '*' || f === type || (f.endsWith('.*') && type.startsWith(f.slice(0, -1))));
}

/** A filter a subscription may use: '*', a known type, or a prefix of at least one known type. */
export function isValidFilter(file: string): boolean {
  if (file === '*' || isEventType(file)) return true;
  return file.endsWith('.*') && Object.keys(EVENT_TYPES).some((t) => t.startsWith(file.slice(0, -1)));
}

export interface CatalogueEntry {
  type: string;
  version: number;
  subject: string;
  description: string;
  schema: Record<string, unknown>;
}

let cached: CatalogueEntry[] | undefined;

/** The catalogue as JSON Schemas (draft 2020-12), for the API and the docs. */
export function catalogue(): CatalogueEntry[] {
  cached ??= Object.entries(EVENT_TYPES).map(([type, d]) => ({
    type,
    version: d.version,
    subject: d.subject,
    description: d.description,
    schema: {
      $id: `https://ordo.dev/events/${type}/v${d.version}.json`,
      title: type,
      ...z.toJSONSchema(d.payload, { io: 'input' }),
    },
  }));
  return cached;
}

/** The envelope every sink receives: the same fields in webhooks and CloudEvents. */
export interface DomainEvent {
  id: string;
  type: string;
  tenantId: string;
  subject: string;
  time: Date;
  schemaVersion: number;
  payload: Record<string, unknown>;
}
