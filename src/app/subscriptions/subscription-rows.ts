import { sql, type Selectable } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { cancelTimer, scheduleTimer } from '../events/timers.js';
import { emitEvent } from '../events/emit-event.js';
import type { Schedule } from '../../domain/subscriptions/schedule.js';
import type { SubscriptionState, SubscriptionsTable } from '../../store/schema-subscriptions.js';
import '../../store/schema-subscriptions.js';

export const SUBSCRIPTION_CYCLE_JOB = 'subscription.cycle';
export const cycleJobKey = (id: string) => `subscription-cycle:${id}`;

export type SubscriptionRow = Selectable<SubscriptionsTable>;

/** The schedule a row carries. */
export const scheduleOf = (row: { rrule: string; start_local: string; time_zone: string }): Schedule => ({
  rrule: row.rrule,
  start: row.start_local,
  timeZone: row.time_zone,
});

/** Appends to a subscription's history (who, what, why). */
export async function recordHistory(
  work: Work,
  actor: Actor,
  at: Date,
  subscriptionId: string,
  entry: {
    action: string;
    from?: string | null;
    to?: string | null;
    changes?: Record<string, unknown>;
    reason?: string | null;
  },
) {
  await work
    .insertInto('subscription_history', {
      id: newId(),
      subscription_id: subscriptionId,
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_name: actor.name ?? null,
      action: entry.action,
      from_state: entry.from ?? null,
      to_state: entry.to ?? null,
      changes: JSON.stringify(entry.changes ?? {}),
      reason: entry.reason ?? null,
    })
    .execute();
}

/** Moves the cycle job to the subscription's next run (or removes it when nothing is due any more). */
export async function rescheduleCycleJob(
  work: Work,
  row: { id: string; state: SubscriptionState; next_run_at: Date | string | null; paused_until: Date | string | null },
) {
  const runAt = row.state === 'active' ? row.next_run_at : row.state === 'paused' ? row.paused_until : null;
  if (runAt === null) {
    await cancelTimer(work, { key: cycleJobKey(row.id) });
    return;
  }
  await scheduleTimer(work, {
    kind: SUBSCRIPTION_CYCLE_JOB,
    key: cycleJobKey(row.id),
    runAt: new Date(runAt),
    payload: { id: row.id },
  });
}

/** Locks a subscription's row for a change and checks If-Match. */
export async function lockSubscription(work: Work, id: string, ifMatch: number | null = null) {
  // Lock order: the live cycle job first, then the subscription. The jobs runner holds its job's
  // row from the claim before its handler locks the subscription; a command taking them the other
  // way round would deadlock with it (a command that holds the job makes the runner skip it).
  await work
    .selectFrom('jobs')
    .select('id')
    .where('key', '=', cycleJobKey(id))
    .where(sql<boolean>`status = 'scheduled'`)
    .forUpdate()
    .execute();
  const row = (await work
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()) as SubscriptionRow | undefined;
  if (!row) throw new AppError('NOT_FOUND', `subscription ${id} not found`);
  if (ifMatch !== null && ifMatch !== row.version)
    throw new AppError('VERSION_MISMATCH', `the subscription is at version ${row.version}, not ${ifMatch}`, [], {
      currentVersion: row.version,
    });
  return row;
}

export function refuseState(row: SubscriptionRow, allowed: SubscriptionState[], what: string) {
  if (!allowed.includes(row.state))
    throw new AppError('SUBSCRIPTION_STATE_CONFLICT', `a ${row.state} subscription cannot ${what}`, [], {
      state: row.state,
    });
}

/** Writes a state change: the row, its history and its `subscription.state_changed` event. */
export async function changeState(
  work: Work,
  actor: Actor,
  now: Date,
  row: SubscriptionRow,
  to: SubscriptionState,
  set: Partial<Record<string, unknown>>,
  why: { action: string; reason?: string | null; changes?: Record<string, unknown> },
) {
  const ended = to === 'cancelled' || to === 'completed';
  const next = {
    ...set,
    state: to,
    updated_at: now,
    version: row.version + 1,
    ...(ended ? { ended_at: now, next_run_at: null, paused_until: null } : {}),
  };
  await work.updateTable('subscriptions').set(next).where('id', '=', row.id).execute();
  await recordHistory(work, actor, now, row.id, {
    action: why.action,
    from: row.state,
    to,
    changes: why.changes ?? {},
    reason: why.reason ?? null,
  });
  if (row.state !== to)
    await emitEvent(work, {
      type: 'subscription.state_changed',
      subject: row.id,
      time: now,
      payload: { subscriptionId: row.id, number: row.number, from: row.state, to, reason: why.reason ?? null },
    });
  const after = { ...row, ...next } as SubscriptionRow;
  await rescheduleCycleJob(work, after);
  return after;
}

/**
 * After a command changed the schedule or the counts: completes the subscription (locked again,
 * as `after`) when `ended` says why it has no cycle left, else puts its cycle job where it belongs.
 */
export async function completeOrReschedule(
  work: Work,
  actor: Actor,
  now: Date,
  after: SubscriptionRow,
  ended: string | null,
): Promise<void> {
  if (ended)
    await changeState(work, actor, now, after, 'completed', {}, { action: 'subscription.completed', reason: ended });
  else await rescheduleCycleJob(work, after);
}
