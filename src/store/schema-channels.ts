import type { Generated } from 'kysely';
import type { Json, Timestamp } from './schema.js';

export type IngestionVia = 'webhook' | 'poll' | 'replay';
/**
 * created: an order was made; updated: an existing order heard it (cancellation, status);
 * ignored: nothing to do (ping, stale version); failed: the error queue (unknown SKU, bad data),
 * replayable; rejected: bad signature, nothing read; exception: applied as a task for people
 * (a cancellation after shipment).
 */
export type IngestionStatus = 'created' | 'updated' | 'ignored' | 'failed' | 'rejected' | 'exception';

/** Tenant mappings of one connection. */
export interface ChannelMappings {
  /** Channel warehouse id → Ordo location code. */
  locations?: Record<string, string>;
  /** Ordo cancellation reason → the channel's reason code; `default` when none matches. */
  cancelReasons?: Record<string, string>;
  /** Channel status → what Ordo does: 'cancel' or 'ignore' (default: recorded only). */
  statuses?: Record<string, 'cancel' | 'ignore'>;
}

export interface ChannelConnectionsTable {
  tenant_id: string;
  id: string;
  channel_id: string;
  kind: string;
  status: Generated<'active' | 'paused'>;
  base_url: string;
  /** AES-256-GCM sealed JSON (src/shared/secret-box.ts); never returned by the API. */
  credentials: string;
  settings: Json<Record<string, unknown>>;
  mappings: Json<ChannelMappings>;
  webhook_token: string;
  poll_every_s: Generated<number>;
  poll_cursor: string | null;
  last_polled_at: Timestamp | null;
  /** The last outbox event seq the outbound job has looked at. */
  outbound_seq: Generated<string>;
  stock_synced_at: Timestamp | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
  failures: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelOffersTable {
  tenant_id: string;
  connection_id: string;
  offer_id: string;
  sku: string;
  /** What the channel was last told; null = never pushed. */
  pushed_quantity: number | null;
  pushed_at: Timestamp | null;
  /** The channel's refusal of the last push (unknown offer, archived), shown in the console. */
  push_error: string | null;
  updated_at: Timestamp;
}

export interface ChannelIngestionsTable {
  tenant_id: string;
  id: string;
  connection_id: string;
  via: IngestionVia;
  dedupe_key: string;
  event_type: string;
  external_id: string | null;
  status: IngestionStatus;
  reason: string | null;
  payload: Json<Record<string, unknown>>;
  order_id: string | null;
  attempts: Generated<number>;
  received_at: Timestamp;
  processed_at: Timestamp | null;
}

export interface ChannelOutboundTable {
  tenant_id: string;
  id: string;
  connection_id: string;
  event_id: string;
  kind: string;
  order_id: string | null;
  status: 'sent' | 'failed' | 'skipped';
  attempts: Generated<number>;
  detail: string | null;
  /** The marketplace's tracking number (or sticker id) from a pack/label step. */
  tracking_number: string | null;
  /** The marketplace's label (Ozon PDF, WB sticker) from a pack/label step. */
  label: Buffer | null;
  label_type: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    channel_connections: ChannelConnectionsTable;
    channel_offers: ChannelOffersTable;
    channel_ingestions: ChannelIngestionsTable;
    channel_outbound: ChannelOutboundTable;
  }
}
