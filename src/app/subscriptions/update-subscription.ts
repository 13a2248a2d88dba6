import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { nextOccurrence } from '../../domain/subscriptions/schedule.js';
import type { SubscriptionUpdate } from './schemas.js';
import { checkedSchedule, checkSkus, lineRows } from './subscription-checks.js';
import {
  completeOrReschedule,
  lockSubscription,
  recordHistory,
  refuseState,
  scheduleOf,
  type SubscriptionRow,
} from './subscription-rows.js';
import { getSubscription, lineView } from './subscription-view.js';
import '../../store/schema-subscriptions.js';

export function updateSubscription(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  id: string,
  patch: SubscriptionUpdate,
  ifMatch: number | null,
) {
  return atomically(scope, (work) => applyUpdate(work, actor, now, id, patch, ifMatch));
}

async function applyUpdate(
  work: Work,
  actor: Actor,
  now: Date,
  id: string,
  patch: SubscriptionUpdate,
  ifMatch: number | null,
) {
  const row = await lockSubscription(work, id, ifMatch);
  refuseState(row, ['active', 'paused'], 'be changed');
  const set: Record<string, unknown> = {};
  const changes: Record<string, unknown> = {};
  if (patch.lines) {
    const lines = lineRows(work, id, row.currency, patch.lines);
    const errors = [...(await checkSkus(work, patch.lines)), ...lines.errors];
    if (errors.length) throw new AppError('VALIDATION_FAILED', 'some lines are not valid', errors);
    const before = await work
      .selectFrom('subscription_lines')
      .selectAll()
      .where('subscription_id', '=', id)
      .orderBy('line_no')
      .execute();
    await work.deleteFrom('subscription_lines').where('subscription_id', '=', id).execute();
    await work.insertInto('subscription_lines', lines.rows).execute();
    changes.lines = { from: before.map(lineView(row.currency)), to: lines.rows.map(lineView(row.currency)) };
  }
  if (patch.schedule) {
    const schedule = checkedSchedule(patch.schedule, patch.schedule.timeZone ?? row.time_zone);
    const next = nextOccurrence(schedule, now, true);
    if (!next)
      throw new AppError('VALIDATION_FAILED', 'the schedule has no occurrence from now on', [
        { path: '/schedule/rrule', message: 'no occurrence at or after now (COUNT or UNTIL has run out)' },
      ]);
    Object.assign(set, {
      rrule: schedule.rrule,
      start_local: schedule.start,
      time_zone: schedule.timeZone,
      next_run_at: row.state === 'active' ? next : row.next_run_at,
      skip_at: JSON.stringify([]),
    });
    changes.schedule = { from: scheduleOf(row), to: schedule };
  }
  if (patch.cyclesTotal !== undefined) {
    if (patch.cyclesTotal !== null && patch.cyclesTotal < row.cycles_done)
      throw new AppError('VALIDATION_FAILED', `${row.cycles_done} cycles are done already`, [
        { path: '/cyclesTotal', message: `must be at least ${row.cycles_done}` },
      ]);
    set.cycles_total = patch.cyclesTotal;
    changes.cyclesTotal = { from: row.cycles_total, to: patch.cyclesTotal };
  }
  const json = (field: keyof SubscriptionUpdate, column: string) => {
    const value = patch[field];
    if (value === undefined) return;
    set[column] = value === null ? null : JSON.stringify(value);
    changes[field] = { from: row[column as keyof SubscriptionRow], to: value };
  };
  json('shipping', 'shipping');
  json('delivery', 'delivery');
  json('shippingAddress', 'shipping_address');
  json('paymentTerms', 'payment_terms');
  if (patch.notes !== undefined) {
    set.notes = patch.notes;
    changes.notes = { from: row.notes, to: patch.notes };
  }
  if (Object.keys(changes).length === 0) return getSubscription(work, id);
  await work
    .updateTable('subscriptions')
    .set({ ...set, updated_at: now, version: row.version + 1 })
    .where('id', '=', id)
    .execute();
  await recordHistory(work, actor, now, id, { action: 'subscription.updated', changes, reason: patch.reason ?? null });
  // a cyclesTotal already reached ends it now
  const after = await lockSubscription(work, id);
  await completeOrReschedule(
    work,
    actor,
    now,
    after,
    after.cycles_total !== null && after.cycles_done >= after.cycles_total ? 'cyclesTotal reached' : null,
  );
  return getSubscription(work, id);
}
