import type { Generated } from 'kysely';
import type { Int8, Json, Timestamp } from './schema.js';

export interface EventsTable {
  tenant_id: string;
  id: string;
  seq: Generated<string>;
  type: string;
  subject: string;
  time: Timestamp;
  schema_version: number;
  payload: Json<Record<string, unknown>>;
  fanned_out: Generated<boolean>;
  /** W3C traceparent of the span that wrote the event (tracing on), else null (0046). */
  trace_context: string | null;
}

export interface WebhookSubscriptionsTable {
  tenant_id: string;
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Timestamp | null;
  status: Generated<'active' | 'paused'>;
  paused_reason: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'dead';

export interface EventDeliveriesTable {
  tenant_id: string;
  id: string;
  target: string;
  subscription_id: string | null;
  event_id: string;
  event_seq: Int8;
  event_type: string;
  subject: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  claim_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  replay: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_at: Timestamp | null;
}

export interface DeliveryAttemptsTable {
  tenant_id: string;
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  status_code: number | null;
  latency_ms: number;
  outcome: 'succeeded' | 'failed' | 'timeout' | 'error';
  error: string | null;
  response_excerpt: string | null;
  worker: string | null;
}

export interface InboundSourcesTable {
  tenant_id: string;
  id: string;
  code: string;
  name: string;
  secret: string;
  rejected_count: Generated<number>;
  last_rejected_at: Timestamp | null;
  last_rejected_reason: string | null;
  created_at: Generated<Date>;
}

export type InboundStatus = 'received' | 'processed' | 'unknown' | 'failed';

export interface InboundEventsTable {
  tenant_id: string;
  id: string;
  source_id: string;
  external_id: string;
  type: string;
  status: InboundStatus;
  payload: Json<Record<string, unknown>>;
  received_at: Timestamp;
  processed_at: Timestamp | null;
  error: string | null;
}

export type JobStatus = 'scheduled' | 'done' | 'failed' | 'cancelled';

export interface JobsTable {
  tenant_id: string;
  id: string;
  kind: string;
  key: string | null;
  payload: Json<Record<string, unknown>>;
  run_at: Timestamp;
  status: Generated<JobStatus>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  completed_at: Timestamp | null;
}

/** 0036: a broker sink some worker serves, and the event types it takes (null: every type). */
export interface EventSinksTable {
  name: string;
  event_types: string[] | null;
  registered_at: Generated<Date>;
}

declare module './schema.js' {
  interface DB {
    event_sinks: EventSinksTable;
    events: EventsTable;
    webhook_subscriptions: WebhookSubscriptionsTable;
    event_deliveries: EventDeliveriesTable;
    delivery_attempts: DeliveryAttemptsTable;
    inbound_sources: InboundSourcesTable;
    inbound_events: InboundEventsTable;
    jobs: JobsTable;
  }
}
