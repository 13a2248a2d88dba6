import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { nextOccurrence } from '../../domain/subscriptions/schedule.js';
import type { SubscriptionInput } from './schemas.js';
import { checkedSchedule, checkSkus, lineRows, tenantTimeZone } from './subscription-checks.js';
import { recordHistory, rescheduleCycleJob } from './subscription-rows.js';
import { getSubscription } from './subscription-view.js';
import '../../store/schema-subscriptions.js';

export async function createSubscription(work: Work, actor: Actor, now: Date, input: SubscriptionInput) {
  const customerQuery = work.selectFrom('customers').select(['id', 'company_id']);
  const customer = await (
    input.customer.id
      ? customerQuery.where('id', '=', input.customer.id)
      : customerQuery.where('code', '=', input.customer.code!)
  ).executeTakeFirst();
  if (!customer)
    throw new AppError('UNKNOWN_CUSTOMER', 'the customer does not exist', [
      { path: input.customer.id ? '/customer/id' : '/customer/code', message: 'unknown customer' },
    ]);
  const channel = await work
    .selectFrom('channels')
    .select(['id', 'active'])
    .where('code', '=', input.channel)
    .executeTakeFirst();
  if (!channel)
    throw new AppError('UNKNOWN_CHANNEL', `channel ${input.channel} does not exist`, [
      { path: '/channel', message: 'unknown channel' },
    ]);
  const schedule = checkedSchedule(input.schedule, input.schedule.timeZone ?? (await tenantTimeZone(work)));
  const id = newId();
  const lines = lineRows(work, id, input.currency, input.lines);
  const skuErrors = await checkSkus(work, input.lines);
  if (skuErrors.length) throw new AppError('UNKNOWN_SKU', `${skuErrors.length} line(s) name an unknown SKU`, skuErrors);
  if (lines.errors.length) throw new AppError('VALIDATION_FAILED', 'some amounts are not valid', lines.errors);
  const next = nextOccurrence(schedule, now, true);
  if (!next)
    throw new AppError('VALIDATION_FAILED', 'the schedule has no occurrence from now on', [
      { path: '/schedule/rrule', message: 'no occurrence at or after now (COUNT or UNTIL has run out)' },
    ]);
  const { rows } = await sql<{ n: string }>`select nextval('subscription_number_seq')::text as n`.execute(work.conn);
  const number = `SUB-${rows[0]!.n.padStart(7, '0')}`;
  const row = {
    id,
    number,
    state: 'active' as const,
    customer_id: customer.id,
    company_id: customer.company_id,
    channel_id: channel.id,
    order_type: input.orderType,
    currency: input.currency,
    rrule: schedule.rrule,
    start_local: schedule.start,
    time_zone: schedule.timeZone,
    cycles_total: input.cyclesTotal ?? null,
    next_run_at: next,
    skip_at: JSON.stringify([]),
    paused_until: null,
    delivery: JSON.stringify(input.delivery),
    shipping_address: input.shippingAddress ? JSON.stringify(input.shippingAddress) : null,
    billing_address: input.billingAddress ? JSON.stringify(input.billingAddress) : null,
    payment_terms: JSON.stringify(input.paymentTerms),
    shipping: input.shipping ? JSON.stringify(input.shipping) : null,
    prices_include_tax: input.pricesIncludeTax,
    attributes: JSON.stringify(input.attributes ?? {}),
    notes: input.notes ?? null,
    exception: null,
    created_at: now,
    updated_at: now,
    ended_at: null,
  };
  await work.insertInto('subscriptions', row).execute();
  await work.insertInto('subscription_lines', lines.rows).execute();
  await recordHistory(work, actor, now, id, {
    action: 'subscription.created',
    to: 'active',
    changes: {
      number,
      rrule: schedule.rrule,
      start: schedule.start,
      timeZone: schedule.timeZone,
      cyclesTotal: input.cyclesTotal ?? null,
    },
  });
  await emitEvent(work, {
    type: 'subscription.created',
    subject: id,
    time: now,
    payload: {
      subscriptionId: id,
      number,
      customerId: customer.id,
      channel: input.channel,
      rrule: schedule.rrule,
      timeZone: schedule.timeZone,
      nextCycleAt: next.toISOString(),
      cyclesTotal: input.cyclesTotal ?? null,
    },
  });
  await rescheduleCycleJob(work, { id, state: 'active', next_run_at: next, paused_until: null });
  return getSubscription(work, id);
}
