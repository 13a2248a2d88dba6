import type { DomainEvent } from '../../domain/events/catalogue.js';

/**
 * A broker sink receives every event (after commit, from the outbox) as a CloudEvent.
 * `publish` resolves only when the broker has acknowledged durable receipt; it must be
 * idempotent by event id, because a crash between acknowledgement and our bookkeeping
 * re-publishes. NATS JetStream is implemented; Kafka (idempotent producer, key = subject) and
 * RabbitMQ (publisher confirms, message-id = event id) fit the same interface.
 */
export interface EventSink {
  /** Stable name; deliveries to this sink have target `sink:<name>`. */
  readonly name: string;
  /** Only these event types reach the sink (no delivery rows for the rest); absent = every event. */
  readonly eventTypes?: readonly string[];
  publish(event: CloudEvent): Promise<{ duplicate: boolean }>;
  close(): Promise<void>;
}

/** CloudEvents 1.0, structured JSON mode. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  dataschema: string;
  data: Record<string, unknown>;
  /** Extension attributes (lower-case alphanumerics only, per the spec). */
  ordotenant: string;
  ordoschemaversion: number;
}

export function toCloudEvent(domainEvent: DomainEvent, source = 'urn:ordo'): CloudEvent {
  return {
    specversion: '1.0',
    id: domainEvent.id,
    source: `${source}:tenant:${domainEvent.tenantId}`,
    type: domainEvent.type,
    subject: domainEvent.subject,
    time: domainEvent.time.toISOString(),
    datacontenttype: 'application/json',
    dataschema: `https://ordo.dev/events/${domainEvent.type}/v${domainEvent.schemaVersion}.json`,
    data: domainEvent.payload,
    ordotenant: domainEvent.tenantId,
    ordoschemaversion: domainEvent.schemaVersion,
  };
}
