import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { isOccurrence, nextOccurrence } from '../../domain/subscriptions/schedule.js';
import {
  changeState,
  completeOrReschedule,
  lockSubscription,
  recordHistory,
  refuseState,
  scheduleOf,
  type SubscriptionRow,
} from './subscription-rows.js';
import { getSubscription } from './subscription-view.js';
import '../../store/schema-subscriptions.js';

/**
 * Skips the next cycle (or the occurrence `at`): the next one is recorded as skipped now and the
 * subscription moves on to the occurrence after it; a later one is remembered and recorded as
 * skipped when the schedule reaches it. A skipped cycle creates no order and does not count
 * towards cyclesTotal.
 */
export async function skipCycle(
  work: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { at?: string | undefined; reason?: string | undefined },
  ifMatch: number | null,
) {
  const row = await lockSubscription(work, id, ifMatch);
  refuseState(row, ['active', 'paused'], 'skip a cycle');
  const schedule = scheduleOf(row);
  // a paused subscription's next cycle is the one resuming now would reach
  const next =
    row.state === 'active' && row.next_run_at ? new Date(row.next_run_at) : nextOccurrence(schedule, now, true);
  const at = input.at ? new Date(input.at) : next;
  if (!at) throw new AppError('SUBSCRIPTION_STATE_CONFLICT', 'the schedule has no next cycle to skip');
  if (!isOccurrence(schedule, at) || (next && at < next))
    throw new AppError(
      'SUBSCRIPTION_NOT_AN_OCCURRENCE',
      `${at.toISOString()} is not an upcoming cycle of this subscription`,
      [{ path: '/at', message: 'not an upcoming occurrence of the schedule' }],
    );
  const skipAt = new Set(row.skip_at);
  const set: Record<string, unknown> = { updated_at: now, version: row.version + 1 };
  let cycle: number | null = null;
  if (row.state === 'active' && next && at.getTime() === next.getTime()) {
    cycle = row.cycle_seq + 1;
    await work
      .insertInto('subscription_cycles', {
        subscription_id: id,
        cycle,
        due_at: at,
        status: 'skipped',
        order_id: null,
        error_code: null,
        reason: input.reason ?? 'skipped',
        created_at: now,
        updated_at: now,
      })
      .execute();
    set.cycle_seq = cycle;
    set.next_run_at = nextOccurrence(schedule, at);
  } else {
    skipAt.add(at.toISOString());
    set.skip_at = JSON.stringify([...skipAt].sort());
  }
  await work.updateTable('subscriptions').set(set).where('id', '=', id).execute();
  await recordHistory(work, actor, now, id, {
    action: 'subscription.cycle_skipped',
    changes: { at: at.toISOString(), cycle },
    reason: input.reason ?? null,
  });
  const after = await lockSubscription(work, id);
  await completeOrReschedule(
    work,
    actor,
    now,
    after,
    after.state === 'active' && after.next_run_at === null ? 'the schedule has no more occurrences' : null,
  );
  return getSubscription(work, id);
}

/** Pauses: no cycle is created while paused; with `until`, it resumes by itself then. */
export async function pauseSubscription(
  work: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { until?: string | undefined; reason?: string | undefined },
  ifMatch: number | null,
) {
  const row = await lockSubscription(work, id, ifMatch);
  refuseState(row, ['active', 'paused'], 'be paused');
  const until = input.until ? new Date(input.until) : null;
  if (until && until <= now)
    throw new AppError('VALIDATION_FAILED', 'until must be in the future', [
      { path: '/until', message: 'not in the future' },
    ]);
  await changeState(
    work,
    actor,
    now,
    row,
    'paused',
    { paused_until: until },
    {
      action: 'subscription.paused',
      reason: input.reason ?? null,
      changes: { until: until?.toISOString() ?? null },
    },
  );
  return getSubscription(work, id);
}

/**
 * Resumes a paused subscription. The next cycle is the first occurrence at or after now: the
 * occurrences that fell in the pause are not created (no burst of missed cycles) and not counted.
 */
export async function resumeSubscription(
  work: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { reason?: string | undefined },
  ifMatch: number | null,
) {
  const row = await lockSubscription(work, id, ifMatch);
  refuseState(row, ['paused'], 'be resumed');
  return getSubscription(work, (await resumeRow(work, actor, now, row, input.reason ?? null)).id);
}

export async function resumeRow(work: Work, actor: Actor, now: Date, row: SubscriptionRow, reason: string | null) {
  const next = nextOccurrence(scheduleOf(row), now, true);
  if (!next)
    return changeState(
      work,
      actor,
      now,
      row,
      'completed',
      { paused_until: null },
      {
        action: 'subscription.completed',
        reason: 'the schedule has no more occurrences',
      },
    );
  return changeState(
    work,
    actor,
    now,
    row,
    'active',
    { paused_until: null, next_run_at: next },
    {
      action: 'subscription.resumed',
      reason,
      changes: { nextCycleAt: next.toISOString() },
    },
  );
}

export async function cancelSubscription(
  work: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { reason: string },
  ifMatch: number | null,
) {
  const row = await lockSubscription(work, id, ifMatch);
  refuseState(row, ['active', 'paused'], 'be cancelled');
  await changeState(work, actor, now, row, 'cancelled', {}, { action: 'subscription.cancelled', reason: input.reason });
  return getSubscription(work, id);
}
