import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { storableJson } from '../../shared/storable.js';
import type { Clock } from '../../shared/clock.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import type { ChannelEvent, ReceivedEvent, UnreadableItem } from '../../integrations/channels/types.js';
import type { IngestionStatus, IngestionVia, ChannelMappings } from '../../store/schema-channels.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { createOrder } from '../orders/create-order.js';
import { openSideTask } from '../process/side-tasks.js';
import { orderProcessView } from '../process/order-process-view.js';
import { toOrderInput } from './to-order-input.js';
import '../../store/schema-channels.js';

/** The connection as ingestion needs it. */
export interface IngestTarget {
  id: string;
  channel_id: string;
  channel_code: string;
  mappings: ChannelMappings;
}

export interface IngestDeps {
  processes: OrderProcesses;
  clock: Clock;
}

export type IngestOutcome = IngestionStatus | 'duplicate';

/** A reason an event could not be applied: it goes to the error queue, replayable. */
class Unapplied extends Error {}

export function channelActor(code: string): Actor {
  return { type: 'system', id: null, name: `channel ${code}` };
}

const describe = (error: AppError) =>
  [error.message, ...error.errors.map((field) => `${field.path}: ${field.message}`)].join('; ');

async function orderOf(tx: TenantScope, target: IngestTarget, externalId: string) {
  return tx
    .selectFrom('orders')
    .select(['id', 'state'])
    .where('channel_id', '=', target.channel_id)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

/** SKUs for the order's offers: the connection's mapping first, then the seller SKU or offer id as an Ordo SKU. */
async function skuResolver(tx: TenantScope, target: IngestTarget, event: Extract<ChannelEvent, { type: 'order' }>) {
  const offers = [...new Set(event.order.lines.map((line) => line.offerId))];
  const candidates = [
    ...new Set(event.order.lines.flatMap((line) => [line.offerId, ...(line.sellerSku ? [line.sellerSku] : [])])),
  ];
  const mapped = new Map(
    (
      await tx
        .selectFrom('channel_offers')
        .select(['offer_id', 'sku'])
        .where('connection_id', '=', target.id)
        .where('offer_id', 'in', offers)
        .execute()
    ).map((row) => [row.offer_id, row.sku]),
  );
  const products = new Set(
    (await tx.selectFrom('products').select('sku').where('sku', 'in', candidates).execute()).map((row) => row.sku),
  );
  return (offerId: string, sellerSku: string | undefined) =>
    mapped.get(offerId) ??
    (sellerSku && products.has(sellerSku) ? sellerSku : products.has(offerId) ? offerId : undefined);
}

async function applyCancellation(
  deps: IngestDeps,
  tx: Work,
  target: IngestTarget,
  externalId: string,
  why: string,
): Promise<{ status: IngestionStatus; reason: string; orderId: string | null }> {
  const order = await orderOf(tx, target, externalId);
  if (!order) return { status: 'ignored', reason: `no order ${externalId} from this channel`, orderId: null };
  const actor = channelActor(target.channel_code);
  const now = deps.clock.now();
  // Marketplace processes name the fact (marketplace_cancelled); others take the plain cancel.
  const { allowedEvents } = await orderProcessView(deps.processes.ops.actions, tx, order.id, {
    state: order.state,
    process_key: null,
    process_version: null,
  });
  const name = ['marketplace_cancelled', 'cancel'].find((event) => allowedEvents.includes(event));
  if (name) {
    const fed = await deps.processes.feed(tx, actor, now, order.id, name, { source: 'channel', reason: why });
    if (fed.accepted) return { status: 'updated', reason: `cancelled by the channel: ${why}`, orderId: order.id };
  }
  // Too late to cancel here (shipped, or the process does not allow it now): people decide.
  await openSideTask(tx, actor, now, {
    orderId: order.id,
    key: `channel-cancel:${externalId}`,
    kind: 'resolve',
    role: 'order_desk',
    title: `${target.channel_code} cancelled order ${externalId} while it is ${order.state}: stop the parcel or arrange a return`,
    options: ['parcel_stopped', 'return_arranged', 'channel_reverted'],
  });
  return {
    status: 'exception',
    reason: `cancelled by the channel while ${order.state} (${why}): a task asks the order desk`,
    orderId: order.id,
  };
}

async function applyEvent(
  deps: IngestDeps,
  tx: Work,
  target: IngestTarget,
  event: ChannelEvent,
): Promise<{ status: IngestionStatus; reason: string | null; orderId: string | null }> {
  switch (event.type) {
    case 'ignored':
      return { status: 'ignored', reason: event.reason, orderId: null };
    case 'cancelled':
      return applyCancellation(
        deps,
        tx,
        target,
        event.externalId,
        event.reasonText ?? event.reason ?? 'no reason given',
      );
    case 'status': {
      const action = target.mappings.statuses?.[event.status];
      if (action === 'cancel') return applyCancellation(deps, tx, target, event.externalId, `status ${event.status}`);
      const order = await orderOf(tx, target, event.externalId);
      return {
        status: order && action !== 'ignore' ? 'updated' : 'ignored',
        reason: `channel status ${event.status}`,
        orderId: order?.id ?? null,
      };
    }
    case 'order': {
      const existing = await orderOf(tx, target, event.order.externalId);
      const status = event.order.channelStatus;
      if (existing) {
        if (status && target.mappings.statuses?.[status] === 'cancel')
          return applyCancellation(deps, tx, target, event.order.externalId, `status ${status}`);
        return {
          status: 'ignored',
          reason: `order ${event.order.externalId} exists; the channel's later version is logged, not applied`,
          orderId: existing.id,
        };
      }
      if (status && target.mappings.statuses?.[status] === 'cancel')
        return {
          status: 'ignored',
          reason: `order ${event.order.externalId} arrived cancelled (${status})`,
          orderId: null,
        };
      const sku = await skuResolver(tx, target, event);
      const mapped = toOrderInput(event.order, {
        channel: target.channel_code,
        sku,
        location: (warehouse) => target.mappings.locations?.[warehouse],
      });
      if (!mapped.ok) throw new Unapplied(mapped.problems.map((p) => `${p.path}: ${p.reason}`).join('; '));
      try {
        const created = await createOrder(
          deps.processes,
          tx,
          channelActor(target.channel_code),
          deps.clock,
          mapped.value,
        );
        return { status: 'created', reason: null, orderId: created.id };
      } catch (error) {
        if (error instanceof AppError && error.code !== 'DUPLICATE_ORDER') throw new Unapplied(describe(error));
        throw error;
      }
    }
  }
}

function externalIdOf(event: ChannelEvent): string | null {
  if (event.type === 'order') return event.order.externalId;
  if (event.type === 'cancelled' || event.type === 'status') return event.externalId;
  return null;
}

async function recordFailure(
  store: TenantScope,
  target: IngestTarget,
  via: IngestionVia,
  item: { dedupeKey: string; eventType: string; externalId: string | null; payload: Record<string, unknown> },
  reason: string,
  now: Date,
) {
  await store
    .insertInto('channel_ingestions', {
      id: newId(),
      connection_id: target.id,
      via,
      dedupe_key: item.dedupeKey,
      event_type: item.eventType,
      external_id: item.externalId,
      status: 'failed',
      reason: reason.slice(0, 2000),
      payload: storableJson(item.payload),
      order_id: null,
      received_at: now,
      processed_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'connection_id', 'dedupe_key']).doUpdateSet((eb) => ({
        attempts: eb('channel_ingestions.attempts', '+', 1),
        reason: reason.slice(0, 2000),
        processed_at: now,
      })),
    )
    .execute();
}

/**
 * Applies one event, once: the ingestion row (unique per dedupe key) and what the event does (a
 * new order, a cancellation) commit together, so a redelivery or an overlapping poll finds the
 * row and does nothing. An event that cannot be applied (unknown SKU, bad data, an order the
 * intake refuses) is stored as 'failed' with the reason: the error queue, replayable.
 * `replayOf` re-applies a failed row in place.
 */
export async function ingestEvent(
  deps: IngestDeps,
  store: TenantScope,
  target: IngestTarget,
  via: IngestionVia,
  received: ReceivedEvent,
  replayOf?: string,
): Promise<{ outcome: IngestOutcome; orderId: string | null; reason: string | null }> {
  const now = deps.clock.now();
  const payload = { event: received.event, raw: received.raw } as Record<string, unknown>;
  const externalId = externalIdOf(received.event);
  const previous = await store
    .selectFrom('channel_ingestions')
    .select(['id', 'status'])
    .where('connection_id', '=', target.id)
    .where('dedupe_key', '=', received.dedupeKey)
    .executeTakeFirst();
  if (previous && !(replayOf && previous.id === replayOf && previous.status === 'failed'))
    return { outcome: 'duplicate', orderId: null, reason: null };
  try {
    return await atomically(store, async (tx) => {
      if (replayOf) {
        const claimed = await tx
          .updateTable('channel_ingestions')
          .set({ attempts: (eb) => eb('attempts', '+', 1) })
          .where('id', '=', replayOf)
          .where('status', '=', 'failed')
          .returning('id')
          .executeTakeFirst();
        if (!claimed) return { outcome: 'duplicate' as const, orderId: null, reason: null };
      } else {
        const inserted = await tx
          .insertInto('channel_ingestions', {
            id: newId(),
            connection_id: target.id,
            via,
            dedupe_key: received.dedupeKey,
            event_type: received.event.type,
            external_id: externalId,
            status: 'ignored',
            reason: null,
            payload: storableJson(payload),
            order_id: null,
            received_at: now,
            processed_at: null,
          })
          .onConflict((oc) => oc.columns(['tenant_id', 'connection_id', 'dedupe_key']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) return { outcome: 'duplicate' as const, orderId: null, reason: null };
      }
      const applied = await applyEvent(deps, tx, target, received.event);
      await tx
        .updateTable('channel_ingestions')
        .set({
          status: applied.status,
          reason: applied.reason,
          order_id: applied.orderId,
          processed_at: deps.clock.now(),
          ...(replayOf ? { via: 'replay' as const } : {}),
        })
        .where('connection_id', '=', target.id)
        .where('dedupe_key', '=', received.dedupeKey)
        .execute();
      return { outcome: applied.status, orderId: applied.orderId, reason: applied.reason };
    });
  } catch (error) {
    if (!(error instanceof Unapplied)) throw error;
    await recordFailure(
      store,
      target,
      via,
      { dedupeKey: received.dedupeKey, eventType: received.event.type, externalId, payload },
      error.message,
      now,
    );
    return { outcome: 'failed', orderId: null, reason: error.message };
  }
}

/** A payload the connector could not read: straight to the error queue. */
export async function ingestUnreadable(
  store: TenantScope,
  target: IngestTarget,
  via: IngestionVia,
  item: UnreadableItem,
  now: Date,
  request?: { headers: Record<string, unknown>; body: string },
) {
  await recordFailure(
    store,
    target,
    via,
    {
      dedupeKey: item.dedupeKey,
      eventType: 'unreadable',
      externalId: null,
      payload: { raw: item.raw, ...(request ? { request } : {}) },
    },
    item.reason,
    now,
  );
}

/** Applies a page of events and unreadable items; returns counts by outcome. */
export async function ingestAll(
  deps: IngestDeps,
  store: TenantScope,
  target: IngestTarget,
  via: IngestionVia,
  page: { events: ReceivedEvent[]; unreadable: UnreadableItem[] },
  /** The webhook request, kept with unreadable items so a replay can read it again once the connector can. */
  request?: { headers: Record<string, unknown>; body: string },
) {
  const counts: Partial<Record<IngestOutcome, number>> = {};
  for (const received of page.events) {
    const result = await ingestEvent(deps, store, target, via, received);
    counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
  }
  for (const item of page.unreadable) {
    await ingestUnreadable(store, target, via, item, deps.clock.now(), request);
    counts.failed = (counts.failed ?? 0) + 1;
  }
  return counts;
}
