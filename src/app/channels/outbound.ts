import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { ChannelError, ChannelOrderRef, ChannelResult } from '../../integrations/channels/types.js';
import { scheduleTimer, type JobDefinition } from '../events/timers.js';
import { asConnection, CHANNEL_OUTBOUND_JOB, connectorOf, getConnectionRow } from './connections.js';
import { nextRunAfterFailure } from './inbound.js';
import type { ChannelServices } from './services.js';
import '../../store/schema-channels.js';
import '../../store/schema-events.js';

/** How soon the outbound job looks at the outbox again when it found nothing. */
export const OUTBOUND_EVERY_MS = 15_000;
const BATCH = 100;
const OUTBOUND_TYPES = ['order.accepted', 'fulfilment.packed', 'shipment.shipped', 'order.state_changed'];

type Kind = 'acknowledge' | 'prepare_shipment' | 'confirm_shipment' | 'cancel';

type Label = { trackingNumber: string | null; label?: { contentType: string; data: Buffer } };

async function orderRef(store: TenantScope, connectionId: string, orderId: string): Promise<ChannelOrderRef | null> {
  const order = await store
    .selectFrom('orders')
    .select(['external_id', 'attributes'])
    .where('id', '=', orderId)
    .executeTakeFirst();
  if (!order?.external_id) return null;
  const lines = await store
    .selectFrom('order_lines')
    .leftJoin('channel_offers', (j) =>
      j
        .onRef('channel_offers.tenant_id', '=', 'order_lines.tenant_id')
        .onRef('channel_offers.sku', '=', 'order_lines.sku')
        .on('channel_offers.connection_id', '=', connectionId),
    )
    .select(['order_lines.external_line_id', 'order_lines.sku', 'order_lines.quantity', 'order_lines.attributes'])
    .select('channel_offers.offer_id')
    .where('order_lines.order_id', '=', orderId)
    .orderBy('order_lines.line_no')
    .execute();
  const seen = new Set<string>();
  return {
    externalId: order.external_id,
    attributes: order.attributes,
    lines: lines
      .filter((line) => {
        // one row per line even when several offers map to its SKU
        const key = line.external_line_id ?? line.sku;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .map((line) => ({
        externalLineId: line.external_line_id ?? line.sku,
        offerId: String((line.attributes as { offerId?: unknown }).offerId ?? line.offer_id ?? line.sku),
        quantity: line.quantity,
      })),
  };
}

/** Whether the channel itself cancelled the order (then Ordo does not tell it back). */
async function cancelledByChannel(store: TenantScope, connectionId: string, orderId: string) {
  const row = await store
    .selectFrom('channel_ingestions')
    .select('id')
    .where('connection_id', '=', connectionId)
    .where('order_id', '=', orderId)
    .where('reason', 'like', 'cancelled by the channel%')
    .executeTakeFirst();
  return row !== undefined;
}

async function record(
  store: TenantScope,
  now: Date,
  entry: {
    connectionId: string;
    eventId: string;
    kind: Kind;
    orderId: string;
    status: 'sent' | 'failed' | 'skipped';
    detail: string | null;
    label?: Label | undefined;
  },
) {
  const label = {
    tracking_number: entry.label?.trackingNumber ?? null,
    label: entry.label?.label?.data ?? null,
    label_type: entry.label?.label?.contentType ?? null,
  };
  await store
    .insertInto('channel_outbound', {
      id: newId(),
      connection_id: entry.connectionId,
      event_id: entry.eventId,
      kind: entry.kind,
      order_id: entry.orderId,
      status: entry.status,
      detail: entry.detail,
      ...label,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'connection_id', 'event_id', 'kind']).doUpdateSet((eb) => ({
        status: entry.status,
        detail: entry.detail,
        ...label,
        attempts: eb('channel_outbound.attempts', '+', 1),
        updated_at: now,
      })),
    )
    .execute();
}

/** The marketplace's label for an order from its pack/label step (Ozon, Wildberries), newest first. */
export async function channelLabel(store: TenantScope, connectionId: string, orderId: string) {
  const row = await store
    .selectFrom('channel_outbound')
    .select(['tracking_number', 'label', 'label_type'])
    .where('connection_id', '=', connectionId)
    .where('order_id', '=', orderId)
    .where('kind', '=', 'prepare_shipment')
    .where('status', '=', 'sent')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!row?.label) throw new AppError('NOT_FOUND', 'the channel has made no label for this order (yet)');
  return {
    trackingNumber: row.tracking_number,
    contentType: row.label_type ?? 'application/octet-stream',
    data: row.label,
  };
}

/**
 * Tells the channel what happened to its orders, driven by the outbox: the events after the
 * connection's last seq, in order — order.accepted → acknowledge (where the marketplace asks),
 * fulfilment.packed → the pack/label step where the marketplace owns the label (its label and
 * tracking number kept for the packer),
 * shipment.shipped → shipment confirmation with carrier and tracking number, a move to
 * `cancelled` → cancellation with the channel's reason code (not when the channel cancelled it).
 * A call that succeeds is recorded per event, so a rerun never sends it twice; a retryable
 * failure (429, 5xx, timeout) stops the run before that event, which is tried again after a
 * backoff; a refusal is recorded as failed with the channel's words and the run goes on.
 */
export async function sendOutbound(services: ChannelServices, store: TenantScope, clock: Clock, id: string) {
  const row = await getConnectionRow(store, id);
  const connector = connectorOf(services, row.kind);
  const connection = asConnection(row, services);
  const events = await store
    .selectFrom('events')
    .innerJoin('orders', (j) =>
      j.onRef('orders.tenant_id', '=', 'events.tenant_id').on(sql`orders.id::text`, '=', sql.ref('events.subject')),
    )
    .select(['events.id', 'events.seq', 'events.type', 'events.payload', 'orders.id as order_id'])
    .where('events.seq', '>', String(row.outbound_seq))
    .where('events.type', 'in', OUTBOUND_TYPES)
    .where('orders.channel_id', '=', row.channel_id)
    .orderBy('events.seq')
    .limit(BATCH)
    .execute();
  const out = { sent: 0, failed: 0, skipped: 0, error: null as ChannelError | null, full: events.length === BATCH };
  let lastSeq = String(row.outbound_seq);
  for (const event of events) {
    const now = clock.now();
    const payload = event.payload as Record<string, unknown>;
    let kind: Kind | null = null;
    let call: (() => Promise<ChannelResult<unknown>>) | null = null;
    // most outbox events (every other state change) ask nothing of the channel: no order read for them
    const acts =
      (event.type === 'order.accepted' && connector.acknowledge !== undefined) ||
      (event.type === 'fulfilment.packed' && connector.prepareShipment !== undefined) ||
      event.type === 'shipment.shipped' ||
      (event.type === 'order.state_changed' && payload.to === 'cancelled');
    const ref = acts ? await orderRef(store, id, event.order_id) : null;
    if (ref && event.type === 'order.accepted' && connector.acknowledge) {
      kind = 'acknowledge';
      call = () => connector.acknowledge!(connection, ref, services.http);
    } else if (ref && event.type === 'fulfilment.packed' && connector.prepareShipment) {
      kind = 'prepare_shipment';
      call = () => connector.prepareShipment!(connection, ref, services.http);
    } else if (ref && event.type === 'shipment.shipped') {
      kind = 'confirm_shipment';
      call = () =>
        connector.confirmShipment(
          connection,
          {
            externalId: ref.externalId,
            lines: ref.lines,
            carrier: String(payload.carrier ?? 'other'),
            trackingNumber: typeof payload.trackingNumber === 'string' ? payload.trackingNumber : null,
            shippedAt: now.toISOString(),
          },
          services.http,
        );
    } else if (ref && event.type === 'order.state_changed' && payload.to === 'cancelled') {
      kind = 'cancel';
      if (await cancelledByChannel(store, id, event.order_id)) {
        await record(store, now, {
          connectionId: id,
          eventId: event.id,
          kind,
          orderId: event.order_id,
          status: 'skipped',
          detail: 'the channel cancelled it',
        });
        out.skipped++;
        lastSeq = String(event.seq);
        continue;
      }
      const reasons = row.mappings.cancelReasons ?? {};
      const why = String((payload.reason as { event?: unknown } | undefined)?.event ?? 'cancel');
      const reasonCode = reasons[why] ?? reasons.default ?? 'other';
      call = () =>
        connector.cancel(connection, { externalId: ref.externalId, reasonCode, lines: ref.lines }, services.http);
    }
    if (kind && call) {
      const result = await call();
      if (!result.ok && result.error.retryable) {
        out.error = result.error;
        await record(store, now, {
          connectionId: id,
          eventId: event.id,
          kind,
          orderId: event.order_id,
          status: 'failed',
          detail: `${result.error.code}: ${result.error.message}`,
        });
        break;
      }
      await record(store, now, {
        connectionId: id,
        eventId: event.id,
        kind,
        orderId: event.order_id,
        status: result.ok ? 'sent' : 'failed',
        detail: result.ok ? null : `${result.error.code}: ${result.error.message}`,
        label: result.ok && kind === 'prepare_shipment' ? (result.value as Label) : undefined,
      });
      if (result.ok) out.sent++;
      else out.failed++;
    }
    lastSeq = String(event.seq);
  }
  await store
    .updateTable('channel_connections')
    .set((eb) => ({
      outbound_seq: lastSeq,
      ...(out.error
        ? {
            last_error: `${out.error.code}: ${out.error.message}`.slice(0, 2000),
            last_error_at: clock.now(),
            failures: eb('failures', '+', 1),
          }
        : {}),
    }))
    .where('id', '=', id)
    .execute();
  return out;
}

export function channelOutboundJob(deps: { services: ChannelServices; clock: Clock }): JobDefinition {
  return {
    kind: CHANNEL_OUTBOUND_JOB,
    async run(ctx) {
      const id = String(ctx.job.payload.id);
      const row = await ctx.tx
        .selectFrom('channel_connections')
        .select(['status', 'failures'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || row.status === 'paused') return;
      const result = await sendOutbound(deps.services, ctx.tx, deps.clock, id);
      const wait = result.error
        ? nextRunAfterFailure(OUTBOUND_EVERY_MS, row.failures + 1, result.error.retryAfterMs)
        : result.full
          ? 0
          : OUTBOUND_EVERY_MS;
      await scheduleTimer(ctx.tx, {
        kind: CHANNEL_OUTBOUND_JOB,
        key: `channel-out:${id}`,
        runAt: new Date(ctx.now.getTime() + wait),
        payload: { id },
      });
    },
  };
}
