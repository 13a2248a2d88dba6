import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import type { Clock } from '../../shared/clock.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { JobDefinition } from '../events/timers.js';
import { emitEvent } from '../events/emit-event.js';
import { createOrder } from '../orders/create-order.js';
import { orderInput } from '../orders/schemas.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { nextOccurrence, occurrencesBetween } from '../../domain/subscriptions/schedule.js';
import {
  changeState,
  lockSubscription,
  recordHistory,
  rescheduleCycleJob,
  scheduleOf,
  SUBSCRIPTION_CYCLE_JOB,
  type SubscriptionRow,
} from './subscription-rows.js';
import { resumeRow } from './subscription-commands.js';
import type { CycleStatus } from '../../store/schema-subscriptions.js';

/**
 * At most this many cycles are created in one run for dates that have passed (after downtime,
 * or a job that could not run): the latest ones; older due occurrences beyond it are recorded as
 * `missed` (no order, not counted towards cyclesTotal).
 */
export const CATCH_UP_LIMIT = 3;
/** Due occurrences one run looks at; more (years of downtime on a daily rule) are read by the next run, at once. */
const MAX_DUE_PER_RUN = 500;

export const cycleActor: Actor = { type: 'system', id: null, name: SUBSCRIPTION_CYCLE_JOB };

/** The external id of a cycle's order: `sub-<subscription number's digits>-<cycle>`, unique per channel. */
export const cycleExternalId = (number: string, cycle: number) => `sub-${number.replace(/^SUB-/, '')}-${cycle}`;

export interface CycleOutcome {
  cycle: number;
  dueAt: string;
  status: CycleStatus;
  orderId: string | null;
  errorCode: string | null;
  reason: string | null;
}

/**
 * Creates the cycle orders of one subscription that are due at `now`, under its row lock, in the
 * caller's unit of work: each cycle's order through normal intake (createOrder: reserved, its
 * process started), its `subscription_cycles` row, and `next_run_at` moved past it, all
 * committing together. A second run (another worker, a retry after a crash) waits for the lock
 * and then finds nothing due; should it race past that, the order's unique channel + external id
 * refuses the second order and the cycle is linked to the first.
 */
export async function runSubscriptionCycles(
  processes: OrderProcesses,
  work: Work,
  now: Date,
  id: string,
  opts: { catchUpLimit?: number } = {},
): Promise<{ state: string; cycles: CycleOutcome[] }> {
  let row = await lockSubscription(work, id);
  if (row.state === 'paused' && row.paused_until !== null && new Date(row.paused_until) <= now)
    row = await resumeRow(work, cycleActor, now, row, 'the pause ended');
  if (row.state !== 'active' || row.next_run_at === null || new Date(row.next_run_at) > now) {
    await rescheduleCycleJob(work, row);
    return { state: row.state, cycles: [] };
  }
  const schedule = scheduleOf(row);
  const first = new Date(row.next_run_at);
  const due = [first, ...occurrencesBetween(schedule, first, now, MAX_DUE_PER_RUN - 1)];
  const skipAt = new Set(row.skip_at);
  const wanted = due.filter((d) => !skipAt.has(d.toISOString()));
  const limit = opts.catchUpLimit ?? CATCH_UP_LIMIT;
  // more due than one run reads: these are all older than the latest ones, so all are missed
  const more = occurrencesBetween(schedule, due.at(-1)!, now, 1).length > 0;
  const missed = new Set(
    wanted.slice(0, more ? wanted.length : Math.max(0, wanted.length - limit)).map((d) => d.getTime()),
  );
  const context = await orderContext(work, row);
  const outcomes: CycleOutcome[] = [];
  let cycleSeq = row.cycle_seq;
  let cyclesDone = row.cycles_done;
  let exception = row.exception;
  let last = first;
  for (const dueAt of due) {
    if (row.cycles_total !== null && cyclesDone >= row.cycles_total) break;
    last = dueAt;
    const cycle = ++cycleSeq;
    const key = dueAt.toISOString();
    let outcome: CycleOutcome;
    if (skipAt.has(key)) {
      skipAt.delete(key);
      outcome = { cycle, dueAt: key, status: 'skipped', orderId: null, errorCode: null, reason: 'skipped' };
    } else if (missed.has(dueAt.getTime())) {
      outcome = {
        cycle,
        dueAt: key,
        status: 'missed',
        orderId: null,
        errorCode: null,
        reason: `missed: more than ${limit} cycles were due at once (catch-up limit)`,
      };
    } else {
      cyclesDone++;
      const left = row.cycles_total === null ? undefined : row.cycles_total - cyclesDone;
      outcome = await createCycleOrder(processes, work, now, row, context, cycle, dueAt, left);
      if (outcome.status === 'failed')
        exception = {
          kind: 'cycle_failed',
          cycle,
          code: outcome.errorCode!,
          reason: outcome.reason!,
          at: now.toISOString(),
        };
    }
    await recordCycle(work, row, now, outcome);
    outcomes.push(outcome);
  }
  const exhausted = row.cycles_total !== null && cyclesDone >= row.cycles_total;
  const next = exhausted ? null : nextOccurrence(schedule, last);
  // occurrences already passed are never kept in the skip list
  const keep = [...skipAt].filter((at) => next !== null && new Date(at) >= next).sort();
  const set = {
    cycle_seq: cycleSeq,
    cycles_done: cyclesDone,
    next_run_at: next,
    skip_at: JSON.stringify(keep),
    exception: exception === null ? null : JSON.stringify(exception),
  };
  if (next === null) {
    const after = await changeState(work, cycleActor, now, row, 'completed', set, {
      action: 'subscription.completed',
      reason: exhausted ? `all ${row.cycles_total} cycles are done` : 'the schedule has no more occurrences',
      changes: { cyclesDone },
    });
    return { state: after.state, cycles: outcomes };
  }
  await work
    .updateTable('subscriptions')
    .set({ ...set, updated_at: now, version: row.version + 1 })
    .where('id', '=', row.id)
    .execute();
  await rescheduleCycleJob(work, { ...row, next_run_at: next });
  return { state: row.state, cycles: outcomes };
}

interface OrderContext {
  channel: string;
  lines: Array<{
    kind: 'product' | 'service';
    sku: string;
    quantity: number;
    unit_price: string | null;
    tax_rate: string | null;
  }>;
}

async function orderContext(work: Work, row: SubscriptionRow): Promise<OrderContext> {
  const channel = await work
    .selectFrom('channels')
    .select('code')
    .where('id', '=', row.channel_id)
    .executeTakeFirstOrThrow();
  const lines = await work
    .selectFrom('subscription_lines')
    .select(['kind', 'sku', 'quantity', 'unit_price', 'tax_rate'])
    .where('subscription_id', '=', row.id)
    .orderBy('line_no')
    .execute();
  return { channel: channel.code, lines };
}

/** The cycle's order as a channel would send it: the subscription's lines, delivery and terms. */
function cycleOrderInput(row: SubscriptionRow, context: OrderContext, cycle: number, dueAt: Date, cyclesLeft?: number) {
  return {
    channel: context.channel,
    externalId: cycleExternalId(row.number, cycle),
    orderType: row.order_type,
    customer: { id: row.customer_id },
    currency: row.currency,
    // placed at its cycle's time: price lists valid then apply, also when it is created late
    placedAt: dueAt.toISOString(),
    pricesIncludeTax: row.prices_include_tax,
    lines: context.lines.map((l) => ({
      kind: l.kind,
      sku: l.sku,
      quantity: l.quantity,
      // the subscription's fixed price; lines without one are priced by the price lists at intake
      ...(l.unit_price === null ? {} : { unitPrice: formatMoney(BigInt(l.unit_price), row.currency) }),
      ...(l.tax_rate === null ? {} : { taxRate: l.tax_rate }),
    })),
    ...(row.shipping ? { shipping: row.shipping } : {}),
    ...(row.shipping_address ? { shippingAddress: row.shipping_address } : {}),
    ...(row.billing_address ? { billingAddress: row.billing_address } : {}),
    delivery: row.delivery,
    paymentTerms: row.payment_terms,
    attributes: {
      ...row.attributes,
      subscription: { id: row.id, number: row.number, cycle, dueAt: dueAt.toISOString() },
      // process facts: order.cycle, order.cyclesLeft
      cycle,
      ...(cyclesLeft === undefined ? {} : { cyclesLeft }),
    },
  };
}

async function createCycleOrder(
  processes: OrderProcesses,
  work: Work,
  now: Date,
  row: SubscriptionRow,
  context: OrderContext,
  cycle: number,
  dueAt: Date,
  cyclesLeft?: number,
): Promise<CycleOutcome> {
  const base = { cycle, dueAt: dueAt.toISOString() };
  const failed = (code: string, reason: string): CycleOutcome => ({
    ...base,
    status: 'failed',
    orderId: null,
    errorCode: code,
    reason: reason.slice(0, 2000),
  });
  const parsed = orderInput.safeParse(cycleOrderInput(row, context, cycle, dueAt, cyclesLeft));
  if (!parsed.success)
    return failed('VALIDATION_FAILED', parsed.error.issues.map((i) => `/${i.path.join('/')}: ${i.message}`).join('; '));
  const clock: Clock = { now: () => now };
  try {
    // under a savepoint: a refused order leaves nothing of itself, the cycle's failure is recorded
    const order = await atomically(work, (inner) => createOrder(processes, inner, cycleActor, clock, parsed.data));
    return { ...base, status: 'created', orderId: order.id, errorCode: null, reason: null };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (error.code === 'DUPLICATE_ORDER')
      return { ...base, status: 'created', orderId: String(error.data.existingId), errorCode: null, reason: null };
    const detail = error.errors.length
      ? `${error.message}: ${error.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`
      : error.message;
    return failed(error.code, detail);
  }
}

async function recordCycle(work: Work, row: SubscriptionRow, now: Date, outcome: CycleOutcome) {
  await work
    .insertInto('subscription_cycles', {
      subscription_id: row.id,
      cycle: outcome.cycle,
      due_at: new Date(outcome.dueAt),
      status: outcome.status,
      order_id: outcome.orderId,
      error_code: outcome.errorCode,
      reason: outcome.reason,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await cycleRecorded(work, row, now, outcome);
}

async function cycleRecorded(work: Work, row: SubscriptionRow, now: Date, outcome: CycleOutcome) {
  if (outcome.status === 'created' || outcome.status === 'failed')
    await emitEvent(work, {
      type: outcome.status === 'created' ? 'subscription.cycle_created' : 'subscription.cycle_failed',
      subject: row.id,
      time: now,
      payload: {
        subscriptionId: row.id,
        number: row.number,
        cycle: outcome.cycle,
        dueAt: outcome.dueAt,
        orderId: outcome.orderId,
        errorCode: outcome.errorCode,
        reason: outcome.reason,
      },
    });
  await recordHistory(work, cycleActor, now, row.id, {
    action: `subscription.cycle_${outcome.status}`,
    changes: { cycle: outcome.cycle, dueAt: outcome.dueAt, orderId: outcome.orderId, errorCode: outcome.errorCode },
    reason: outcome.reason,
  });
}

/**
 * Tries a failed cycle's order again (after an operator fixed its cause: the SKU back on sale,
 * the credit hold lifted). Success links the order and clears the exception when it named this
 * cycle; another refusal is recorded on the cycle (attempts + 1) and stays the exception.
 */
export async function retryCycle(
  processes: OrderProcesses,
  work: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { cycle?: number | undefined },
  ifMatch: number | null,
): Promise<CycleOutcome> {
  const row = await lockSubscription(work, id, ifMatch);
  if (row.state === 'cancelled')
    throw new AppError('SUBSCRIPTION_STATE_CONFLICT', 'a cancelled subscription cannot retry a cycle', [], {
      state: row.state,
    });
  const cycleNo = input.cycle ?? row.exception?.cycle;
  if (cycleNo === undefined)
    throw new AppError('SUBSCRIPTION_STATE_CONFLICT', 'the subscription has no failed cycle to retry');
  const cycle = await work
    .selectFrom('subscription_cycles')
    .selectAll()
    .where('subscription_id', '=', id)
    .where('cycle', '=', cycleNo)
    .forUpdate()
    .executeTakeFirst();
  if (!cycle || cycle.status !== 'failed')
    throw new AppError('SUBSCRIPTION_STATE_CONFLICT', `cycle ${cycleNo} is not a failed cycle`, [
      { path: '/cycle', message: cycle ? `the cycle is ${cycle.status}` : 'no such cycle' },
    ]);
  const context = await orderContext(work, row);
  const left = row.cycles_total === null ? undefined : row.cycles_total - row.cycles_done;
  const outcome = await createCycleOrder(processes, work, now, row, context, cycleNo, new Date(cycle.due_at), left);
  await work
    .updateTable('subscription_cycles')
    .set({
      status: outcome.status,
      order_id: outcome.orderId,
      error_code: outcome.errorCode,
      reason: outcome.reason,
      attempts: cycle.attempts + 1,
      updated_at: now,
    })
    .where('subscription_id', '=', id)
    .where('cycle', '=', cycleNo)
    .execute();
  const clears = outcome.status === 'created' && row.exception?.cycle === cycleNo;
  const exception =
    outcome.status === 'failed'
      ? {
          kind: 'cycle_failed' as const,
          cycle: cycleNo,
          code: outcome.errorCode!,
          reason: outcome.reason!,
          at: now.toISOString(),
        }
      : clears
        ? null
        : row.exception;
  await work
    .updateTable('subscriptions')
    .set({
      exception: exception === null ? null : JSON.stringify(exception),
      updated_at: now,
      version: row.version + 1,
    })
    .where('id', '=', id)
    .execute();
  await cycleRecorded(work, row, now, outcome);
  await recordHistory(work, actor, now, id, {
    action: 'subscription.cycle_retried',
    changes: { cycle: cycleNo, status: outcome.status },
  });
  return outcome;
}

/** The durable job that creates a subscription's due cycles; one live job per subscription, moved to its next run. */
export function subscriptionCycleJob(deps: { processes: OrderProcesses }): JobDefinition {
  return {
    kind: SUBSCRIPTION_CYCLE_JOB,
    async run(ctx) {
      const id = String(ctx.job.payload.id);
      // this run's own row is done before the next run is scheduled under the same key (the live
      // key is unique among scheduled jobs: rescheduling would otherwise move this very row)
      await ctx.tx
        .updateTable('jobs')
        .set({ status: 'done', completed_at: ctx.now, updated_at: ctx.now })
        .where('id', '=', ctx.job.id)
        .execute();
      const exists = await ctx.tx.selectFrom('subscriptions').select('id').where('id', '=', id).executeTakeFirst();
      if (!exists) return;
      await runSubscriptionCycles(deps.processes, ctx.tx, ctx.now, id);
    },
  };
}

/** Runs the due cycles of one subscription in its own unit of work (the CLI, tests). */
export function runSubscriptionCyclesNow(processes: OrderProcesses, scope: TenantScope, now: Date, id: string) {
  return atomically(scope, (work) => runSubscriptionCycles(processes, work, now, id));
}
