import { sql } from 'kysely';
import type { Clock } from '../../shared/clock.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { ChannelError, StockItem } from '../../integrations/channels/types.js';
import { getAvailability } from '../inventory/availability.js';
import { scheduleTimer, type JobDefinition } from '../events/timers.js';
import { asConnection, CHANNEL_STOCK_JOB, connectorOf, getConnectionRow } from './connections.js';
import { nextRunAfterFailure } from './inbound.js';
import type { ChannelServices } from './services.js';
import '../../store/schema-channels.js';

/** How often changes are looked for (settings.stockEverySeconds overrides). */
export const STOCK_EVERY_MS = 60_000;
/** A full sync (every offer, changed or not) at least this often (settings.stockFullSyncMinutes overrides). */
export const FULL_SYNC_MS = 6 * 3_600_000;
const AVAILABILITY_CHUNK = 1000;

function setting(settings: Record<string, unknown>, key: string, fallbackMs: number, unitMs: number): number {
  const value = settings[key];
  return typeof value === 'number' && value > 0 ? value * unitMs : fallbackMs;
}

/**
 * Pushes per-channel availability to the channel: every mapped offer whose figure differs from
 * what the channel was last told (on change), and every offer not pushed for a full-sync period
 * (the periodic full sync, spread over runs; `full` forces every offer now). Batches are the
 * connector's published size; one run sends at most ten seconds' worth of the channel's request
 * rate, and the next run continues, so a 10,000-offer sync stays within the limits. A 429 stops
 * the run and the next one waits the channel's Retry-After; an offer the channel refuses is
 * recorded with its reason and not retried until its figure changes.
 */
export async function pushStock(
  services: ChannelServices,
  store: TenantScope,
  clock: Clock,
  id: string,
  opts: { full?: boolean; maxRequests?: number } = {},
) {
  const row = await getConnectionRow(store, id);
  const connector = connectorOf(services, row.kind);
  const out = { pushed: 0, refused: 0, requests: 0, remaining: 0, full: false, error: null as ChannelError | null };
  if (!connector.pushStock || !connector.stockPush) return out;
  const now = clock.now();
  // An offer is due when its figure changed, or when the channel has not heard of it for a full-sync period.
  const staleBefore = now.getTime() - setting(row.settings, 'stockFullSyncMinutes', FULL_SYNC_MS, 60_000);
  const full = opts.full ?? false;
  out.full = full;
  // A full sync forgets when each offer was last pushed, so this run and the ones after it
  // (the channel's rate limit spreads it) push every offer once, wherever a run stops.
  if (full)
    await store.updateTable('channel_offers').set({ pushed_at: null }).where('connection_id', '=', id).execute();
  const offers = await store
    .selectFrom('channel_offers')
    .select(['offer_id', 'sku', 'pushed_quantity', 'pushed_at'])
    .where('connection_id', '=', id)
    .orderBy('offer_id')
    .execute();
  const figures = new Map<string, number>();
  const skus = [...new Set(offers.map((offer) => offer.sku))];
  for (let start = 0; start < skus.length; start += AVAILABILITY_CHUNK) {
    const availability = await getAvailability(store, {
      skus: skus.slice(start, start + AVAILABILITY_CHUNK),
      channel: row.channel_code,
    });
    for (const item of availability.items)
      figures.set(item.sku, Math.max(0, item.channel?.available ?? item.available));
  }
  const warehouse = typeof row.settings.warehouseId === 'string' ? row.settings.warehouseId : undefined;
  const due: StockItem[] = offers
    .filter(
      (offer) =>
        offer.pushed_quantity !== (figures.get(offer.sku) ?? 0) ||
        !offer.pushed_at ||
        new Date(offer.pushed_at).getTime() <= staleBefore,
    )
    .map((offer) => ({
      offerId: offer.offer_id,
      sellerSku: offer.sku,
      quantity: figures.get(offer.sku) ?? 0,
      ...(warehouse ? { channelWarehouseId: warehouse } : {}),
    }));
  const { batchSize, requestsPerMinute } = connector.stockPush;
  const maxRequests = opts.maxRequests ?? Math.max(1, Math.floor(requestsPerMinute / 6));
  const connection = asConnection(row, services);
  let index = 0;
  while (index < due.length && out.requests < maxRequests) {
    const batch = due.slice(index, index + batchSize);
    const result = await connector.pushStock(connection, batch, services.http);
    out.requests++;
    const at = clock.now();
    if (!result.ok) {
      if (result.error.retryable) {
        out.error = result.error;
        break;
      }
      // the whole batch refused: recorded per offer, not retried until the figure changes
      await markPushed(store, id, batch, at, () => `${result.error.code}: ${result.error.message}`);
      out.refused += batch.length;
      index += batch.length;
      continue;
    }
    const refused = new Map(result.value.refused.map((entry) => [entry.offerId, entry.reason]));
    await markPushed(store, id, batch, at, (item) => refused.get(item.offerId) ?? null);
    out.pushed += batch.length - refused.size;
    out.refused += refused.size;
    index += batch.length;
  }
  out.remaining = due.length - index;
  if (out.error) {
    const error = out.error;
    await store
      .updateTable('channel_connections')
      .set((eb) => ({
        last_error: `${error.code}: ${error.message}`.slice(0, 2000),
        last_error_at: clock.now(),
        failures: eb('failures', '+', 1),
      }))
      .where('id', '=', id)
      .execute();
  } else if (out.remaining === 0)
    await store.updateTable('channel_connections').set({ stock_synced_at: now }).where('id', '=', id).execute();
  return out;
}

/** What the channel was told, for a whole batch in one statement (a 10,000-offer sync is ten, not 10,000). */
async function markPushed(
  store: TenantScope,
  id: string,
  batch: StockItem[],
  at: Date,
  errorOf: (item: StockItem) => string | null,
) {
  const offers = batch.map((item) => item.offerId);
  const quantities = batch.map((item) => item.quantity);
  const errors = batch.map((item) => errorOf(item)?.slice(0, 1000) ?? null);
  await sql`update channel_offers o
    set pushed_quantity = pushed.quantity, pushed_at = ${at}, push_error = pushed.error
    from (select unnest(${offers}::text[]) as offer_id, unnest(${quantities}::int[]) as quantity,
                 unnest(${errors}::text[]) as error) pushed
    where o.tenant_id = ${store.tenantId} and o.connection_id = ${id} and o.offer_id = pushed.offer_id`.execute(
    store.conn,
  );
}

export function channelStockJob(deps: { services: ChannelServices; clock: Clock }): JobDefinition {
  return {
    kind: CHANNEL_STOCK_JOB,
    async run(ctx) {
      const id = String(ctx.job.payload.id);
      const row = await ctx.tx
        .selectFrom('channel_connections')
        .select(['status', 'failures', 'settings'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || row.status === 'paused') return;
      const result = await pushStock(deps.services, ctx.tx, deps.clock, id);
      const every = setting(row.settings, 'stockEverySeconds', STOCK_EVERY_MS, 1000);
      const wait = result.error
        ? nextRunAfterFailure(every, row.failures + 1, result.error.retryAfterMs)
        : result.remaining > 0
          ? 10_000
          : every;
      await scheduleTimer(ctx.tx, {
        kind: CHANNEL_STOCK_JOB,
        key: `channel-stock:${id}`,
        runAt: new Date(ctx.now.getTime() + wait),
        payload: { id },
      });
    },
  };
}
