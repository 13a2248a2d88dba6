import { sql, type Selectable } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { cancelTimer, scheduleTimer } from '../events/timers.js';
import { emitEvent } from '../events/emit-event.js';
import {
  checkSchedule,
  isOccurrence,
  localTime,
  nextOccurrence,
  type Schedule,
} from '../../domain/subscriptions/schedule.js';
import type { SubscriptionInput, SubscriptionUpdate, subscriptionsQuery, subscriptionLineInput } from './schemas.js';
import type { z } from 'zod';
import type { SubscriptionState, SubscriptionsTable } from '../../store/schema-subscriptions.js';
import '../../store/schema-subscriptions.js';
import '../../store/schema-money.js';

export const SUBSCRIPTION_CYCLE_JOB = 'subscription.cycle';
export const cycleJobKey = (id: string) => `subscription-cycle:${id}`;

export type SubscriptionRow = Selectable<SubscriptionsTable>;

type LineInput = z.infer<typeof subscriptionLineInput>;

/** The schedule a row carries. */
export const scheduleOf = (row: { rrule: string; start_local: string; time_zone: string }): Schedule => ({
  rrule: row.rrule,
  start: row.start_local,
  timeZone: row.time_zone,
});

/** The tenant's zone: its default seller's (sellers.time_zone), else UTC. */
async function tenantTimeZone(scope: TenantScope): Promise<string> {
  const seller = await scope
    .selectFrom('sellers')
    .select('time_zone')
    .orderBy('is_default', 'desc')
    .limit(1)
    .executeTakeFirst();
  return seller?.time_zone ?? 'UTC';
}

function lineRows(scope: TenantScope, subscriptionId: string, currency: string, lines: LineInput[], at = '/lines') {
  const errors: FieldError[] = [];
  const rows = lines.map((line, index) => {
    // no price: the cycle order is priced at intake from the price lists
    const price = line.unitPrice === undefined ? null : parseMoney(line.unitPrice, currency);
    if (typeof price === 'string')
      errors.push({
        path: `${at}/${index}/unitPrice`,
        message: "must be a decimal string with the currency's decimal places",
        code: price,
      });
    else if (price !== null && price < 0n)
      errors.push({ path: `${at}/${index}/unitPrice`, message: 'must not be negative' });
    return {
      tenant_id: scope.tenantId,
      subscription_id: subscriptionId,
      line_no: index + 1,
      kind: line.kind ?? 'product',
      sku: line.sku,
      quantity: line.quantity,
      unit_price: typeof price === 'bigint' ? price.toString() : null,
      tax_rate: line.taxRate ?? null,
    };
  });
  return { rows, errors };
}

/** SKUs that are not in the catalogue or not sold any more, as field errors. */
async function checkSkus(scope: TenantScope, lines: LineInput[], at = '/lines'): Promise<FieldError[]> {
  const skus = [...new Set(lines.map((l) => l.sku))];
  const found = await scope.selectFrom('products').select(['sku', 'active']).where('sku', 'in', skus).execute();
  const bySku = new Map(found.map((p) => [p.sku, p.active]));
  const errors: FieldError[] = [];
  lines.forEach((line, index) => {
    const active = bySku.get(line.sku);
    if (active === undefined)
      errors.push({ path: `${at}/${index}/sku`, message: `unknown SKU ${line.sku}`, code: 'UNKNOWN_SKU' });
    else if (!active)
      errors.push({ path: `${at}/${index}/sku`, message: `SKU ${line.sku} is not sold any more`, code: 'UNKNOWN_SKU' });
  });
  return errors;
}

function checkedSchedule(input: { rrule: string; start: string }, timeZone: string, at = '/schedule'): Schedule {
  const schedule = { rrule: input.rrule.replace(/^RRULE:/i, '').toUpperCase(), start: input.start, timeZone };
  const errors = checkSchedule(schedule, at);
  if (errors.length) throw new AppError('VALIDATION_FAILED', 'the schedule is not valid', errors);
  return schedule;
}

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

function refuseState(row: SubscriptionRow, allowed: SubscriptionState[], what: string) {
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
  if (after.cycles_total !== null && after.cycles_done >= after.cycles_total)
    await changeState(
      work,
      actor,
      now,
      after,
      'completed',
      {},
      { action: 'subscription.completed', reason: 'cyclesTotal reached' },
    );
  else await rescheduleCycleJob(work, after);
  return getSubscription(work, id);
}

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
  if (after.state === 'active' && after.next_run_at === null)
    await changeState(
      work,
      actor,
      now,
      after,
      'completed',
      {},
      { action: 'subscription.completed', reason: 'the schedule has no more occurrences' },
    );
  else await rescheduleCycleJob(work, after);
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

const lineView =
  (currency: string) =>
  (l: {
    line_no: number;
    kind: string;
    sku: string;
    quantity: number;
    unit_price: string | null;
    tax_rate: string | null;
  }) => ({
    lineNo: l.line_no,
    kind: l.kind as 'product' | 'service',
    sku: l.sku,
    quantity: l.quantity,
    unitPrice: l.unit_price === null ? null : formatMoney(BigInt(l.unit_price), currency),
    taxRate: l.tax_rate,
  });

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function view(row: SubscriptionRow & { channel_code: string }, lines: Parameters<ReturnType<typeof lineView>>[0][]) {
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    customerId: row.customer_id,
    companyId: row.company_id,
    channel: row.channel_code,
    orderType: row.order_type,
    currency: row.currency,
    pricesIncludeTax: row.prices_include_tax,
    lines: lines.map(lineView(row.currency)),
    shipping: row.shipping,
    delivery: row.delivery,
    shippingAddress: row.shipping_address,
    billingAddress: row.billing_address,
    paymentTerms: row.payment_terms,
    schedule: scheduleOf(row),
    cyclesTotal: row.cycles_total,
    cyclesDone: row.cycles_done,
    lastCycle: row.cycle_seq,
    nextCycleAt: row.state === 'active' ? iso(row.next_run_at) : null,
    nextCycleLocal:
      row.state === 'active' && row.next_run_at ? localTime(new Date(row.next_run_at), row.time_zone) : null,
    skipping: row.skip_at,
    pausedUntil: iso(row.paused_until),
    exception: row.exception,
    attributes: row.attributes,
    notes: row.notes,
    version: row.version,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    endedAt: iso(row.ended_at),
  };
}
export type SubscriptionView = ReturnType<typeof view>;

function selectSubscriptions(scope: TenantScope) {
  return scope
    .selectFrom('subscriptions')
    .innerJoin('channels', (j) =>
      j
        .onRef('channels.tenant_id', '=', 'subscriptions.tenant_id')
        .onRef('channels.id', '=', 'subscriptions.channel_id'),
    )
    .selectAll('subscriptions')
    .select('channels.code as channel_code');
}

export async function getSubscription(scope: TenantScope, id: string): Promise<SubscriptionView> {
  const row = await selectSubscriptions(scope).where('subscriptions.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `subscription ${id} not found`);
  const lines = await scope
    .selectFrom('subscription_lines')
    .selectAll()
    .where('subscription_id', '=', id)
    .orderBy('line_no')
    .execute();
  return view(row as SubscriptionRow & { channel_code: string }, lines);
}

export async function listSubscriptions(scope: TenantScope, query: z.infer<typeof subscriptionsQuery>) {
  let select = selectSubscriptions(scope)
    .orderBy('subscriptions.id', 'desc')
    .limit(query.limit + 1);
  if (query.state) select = select.where('subscriptions.state', '=', query.state);
  if (query.customer) select = select.where('subscriptions.customer_id', '=', query.customer);
  const cursor = decodeCursor(query.cursor);
  if (cursor) select = select.where('subscriptions.id', '<', cursor);
  const rows = await select.execute();
  const page = rows.slice(0, query.limit);
  const lines = page.length
    ? await scope
        .selectFrom('subscription_lines')
        .selectAll()
        .where(
          'subscription_id',
          'in',
          page.map((r) => r.id),
        )
        .orderBy('line_no')
        .execute()
    : [];
  return {
    items: page.map((r) =>
      view(
        r as SubscriptionRow & { channel_code: string },
        lines.filter((l) => l.subscription_id === r.id),
      ),
    ),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}

/** Each cycle: its date, outcome, and the order it created (number and current state). */
export async function listCycles(scope: TenantScope, id: string) {
  await getSubscriptionHead(scope, id);
  const rows = await scope
    .selectFrom('subscription_cycles')
    .leftJoin('orders', (j) =>
      j
        .onRef('orders.tenant_id', '=', 'subscription_cycles.tenant_id')
        .onRef('orders.id', '=', 'subscription_cycles.order_id'),
    )
    .select([
      'subscription_cycles.cycle',
      'subscription_cycles.due_at',
      'subscription_cycles.status',
      'subscription_cycles.order_id',
      'subscription_cycles.error_code',
      'subscription_cycles.reason',
      'subscription_cycles.attempts',
      'subscription_cycles.created_at',
      'subscription_cycles.updated_at',
      'orders.number as order_number',
      'orders.state as order_state',
    ])
    .where('subscription_cycles.subscription_id', '=', id)
    .orderBy('subscription_cycles.cycle')
    .execute();
  return {
    items: rows.map((r) => ({
      cycle: r.cycle,
      dueAt: iso(r.due_at)!,
      status: r.status,
      orderId: r.order_id,
      orderNumber: r.order_number ?? null,
      orderState: r.order_state ?? null,
      errorCode: r.error_code,
      reason: r.reason,
      attempts: r.attempts,
      recordedAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
    })),
  };
}

export async function listSubscriptionHistory(scope: TenantScope, id: string) {
  await getSubscriptionHead(scope, id);
  const rows = await scope
    .selectFrom('subscription_history')
    .selectAll()
    .where('subscription_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    items: rows.map((r) => ({
      at: iso(r.at)!,
      actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
      action: r.action,
      fromState: r.from_state,
      toState: r.to_state,
      changes: r.changes,
      reason: r.reason,
    })),
  };
}

async function getSubscriptionHead(scope: TenantScope, id: string) {
  const row = await scope.selectFrom('subscriptions').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `subscription ${id} not found`);
}
