import type { Clock } from '../../shared/clock.js';
import type { OrderProcessPort } from '../process/port.js';
import type { CarrierRegistry, TrackingEvent } from '../../integrations/carriers/index.js';
import type { JobDefinition } from '../events/timers.js';
import { scheduleTimer } from '../events/timers.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { applyTrackingEvents } from './apply-tracking.js';
import { carrierActor } from './receive-tracking-webhook.js';
import { refOf } from './shipment-common.js';
import '../../store/schema-fulfilment.js';

const NOT_POLLED = ['pending', 'failed', 'delivered', 'returned', 'cancelled'];
export const POLL_JOB = 'carrier.poll';

/**
 * Asks the carriers about the tenant's shipments that are still moving (least recently polled
 * first, at most `limit`), and applies what they say exactly as a webhook would (same event ids,
 * so a poll and a webhook of one change count once). A carrier error is counted and the shipment
 * is polled again next time. Works inside a transaction (the job runner's) or outside one.
 */
export async function pollShipments(
  processes: OrderProcessPort,
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  clock: Clock,
  opts: { limit?: number } = {},
) {
  const due = await scope
    .selectFrom('shipments')
    .selectAll()
    .where('status', 'not in', NOT_POLLED)
    .where('carrier_shipment_id', 'is not', null)
    .orderBy('last_polled_at', (ob) => ob.asc().nullsFirst())
    .orderBy('id')
    .limit(opts.limit ?? 50)
    .execute();
  const out = { polled: 0, changed: 0, errors: 0, skipped: 0 };
  for (const sh of due) {
    const adapter = carriers?.get(sh.carrier);
    if (!adapter) {
      out.skipped++;
      continue;
    }
    const carrierResult = await adapter.track(refOf(sh));
    out.polled++;
    await atomically(scope, async (tx) => {
      const now = clock.now();
      await tx.updateTable('shipments').set({ last_polled_at: now }).where('id', '=', sh.id).execute();
      if (!carrierResult.ok) {
        out.errors++;
        return;
      }
      const events: TrackingEvent[] = carrierResult.value.events.length
        ? carrierResult.value.events
        : [
            {
              // No history yet (e.g. InPost before its tracking number): the status itself, once per status.
              eventId: `${sh.carrier}:${sh.carrier_shipment_id}:${carrierResult.value.carrierStatus}`,
              reference: sh.id,
              carrierShipmentId: sh.carrier_shipment_id,
              trackingNumber: carrierResult.value.trackingNumber,
              carrierStatus: carrierResult.value.carrierStatus,
              status: carrierResult.value.status,
              known: carrierResult.value.known,
              occurredAt: now.toISOString(),
            },
          ];
      if (carrierResult.value.trackingNumber && !sh.tracking_number)
        await tx
          .updateTable('shipments')
          .set({ tracking_number: carrierResult.value.trackingNumber })
          .where('id', '=', sh.id)
          .execute();
      const applied = await applyTrackingEvents(processes, tx, carrierActor(sh.carrier), now, sh.id, events, 'poll');
      if (applied.changed) out.changed++;
    });
  }
  return out;
}

/**
 * Registers the durable polling job: each run polls one tenant's moving shipments and schedules
 * the next run `everyMs` later. Carrier calls happen inside the job's transaction, bounded by
 * `limit` and the adapters' timeouts. Start the chain per tenant with scheduleTrackingPoll.
 */
/** How often non-final shipments are asked about (carriers without webhooks, and missed webhooks). */
export const TRACKING_POLL_MS = 15 * 60_000;

export function trackingPollJob(
  processes: OrderProcessPort,
  carriers: CarrierRegistry | undefined,
  clock: Clock,
  opts: { everyMs?: number; limit?: number } = {},
): JobDefinition {
  const every = opts.everyMs ?? TRACKING_POLL_MS;
  return {
    kind: POLL_JOB,
    async run(ctx) {
      await pollShipments(processes, ctx.tx, carriers, clock, opts.limit === undefined ? {} : { limit: opts.limit });
      await scheduleTimer(ctx.tx, { kind: POLL_JOB, runAt: new Date(ctx.now.getTime() + every), maxAttempts: 3 });
    },
  };
}

/** Starts the tenant's polling chain unless one is already scheduled. */
export async function scheduleTrackingPoll(tx: TenantScope, runAt: Date): Promise<boolean> {
  const live = await tx
    .selectFrom('jobs')
    .select('id')
    .where('kind', '=', POLL_JOB)
    .where('status', '=', 'scheduled')
    .executeTakeFirst();
  if (live) return false;
  await scheduleTimer(tx, { kind: POLL_JOB, runAt, maxAttempts: 3 });
  return true;
}
