/**
 * The 1C exchange in the channels' ingestion log: every file 1C sends (`via: webhook`: 1C pushes
 * it) and every query answered (`via: poll`: 1C pulls), with its outcome, so the exchange shows
 * in the channels console beside the shops, failed entries in its error queue.
 */
import { newId } from '../../shared/ids.js';
import { storableJson } from '../../shared/storable.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { IngestionStatus, IngestionVia } from '../../store/schema-channels.js';
import '../../store/schema-channels.js';

export interface ExchangeLogEntry {
  connectionId: string;
  via: IngestionVia;
  /** catalog.import, catalog.offers, sale.query, sale.success, sale.order, sale.file … */
  eventType: string;
  externalId?: string | null;
  status: IngestionStatus;
  reason?: string | null;
  orderId?: string | null;
  payload: Record<string, unknown>;
}

export async function logExchange(store: TenantScope, now: Date, entry: ExchangeLogEntry): Promise<string> {
  const id = newId();
  await store
    .insertInto('channel_ingestions', {
      id,
      connection_id: entry.connectionId,
      via: entry.via,
      // every exchange step is its own entry: 1C sends the same file name again in each exchange
      dedupe_key: `1c:${entry.eventType}:${id}`,
      event_type: entry.eventType,
      external_id: entry.externalId ?? null,
      status: entry.status,
      reason: entry.reason ? entry.reason.slice(0, 2000) : null,
      payload: storableJson(entry.payload),
      order_id: entry.orderId ?? null,
      received_at: now,
      processed_at: now,
    })
    .execute();
  return id;
}
