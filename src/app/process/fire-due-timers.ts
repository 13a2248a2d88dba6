import { sql } from 'kysely';
import { isAppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, inWork, type Work } from '../../store/tenant-scope.js';
import { UnitOfWork } from '../../store/unit-of-work.js';
import type { Db } from '../../store/db.js';
import type { JobDefinition } from '../events/timers.js';
import { applyOrderEvent } from './apply-order-event.js';
import type { Operations } from './operation.js';
import { PROCESS_TIMER_JOB } from './run-effects.js';
import '../../store/schema-events.js';

const timerActor: Actor = { type: 'process', id: null, name: 'timer' };

interface TimerPayload {
  orderId: string;
  timerId: string;
  event: string;
  taskId?: string;
}

/** Sends one due timer's event to its order: 'busy' when another transaction holds the order. */
async function fireOne(
  ops: Operations,
  tx: Work,
  now: Date,
  timerPayload: TimerPayload,
): Promise<'fired' | 'busy' | 'ignored'> {
  try {
    const result = await atomically(tx, (inner) =>
      applyOrderEvent(
        ops,
        inner,
        timerActor,
        now,
        timerPayload.orderId,
        {
          name: timerPayload.event,
          ...(timerPayload.taskId ? { taskId: timerPayload.taskId } : {}),
          actor: { id: 'timer', roles: [] },
        },
        { lock: 'skip', action: 'process.timer' },
      ),
    );
    return result ? 'fired' : 'busy';
  } catch (error) {
    if (!isAppError(error) || (error.code !== 'TRANSITION_NOT_ALLOWED' && error.code !== 'NOT_FOUND')) throw error;
    // The order moved on before the timer fired: the timer is spent, and history says so.
    if (error.code === 'TRANSITION_NOT_ALLOWED') {
      await writeHistory(tx, timerActor, now, [
        {
          orderId: timerPayload.orderId,
          action: 'process.timer_ignored',
          changes: { timer: timerPayload.timerId, event: timerPayload.event },
          reason: { note: error.message },
        },
      ]);
    }
    return 'ignored';
  }
}

/**
 * Fires due process timers: each becomes its event on the order. Rows are claimed with
 * FOR UPDATE SKIP LOCKED and marked done in the same transaction as the order's step, so any
 * number of callers (API nodes, workers) can run this at once and no timer fires twice. A timer
 * whose order is busy (locked by a command) stays scheduled for the next call.
 */
export async function fireDueTimers(
  ops: Operations,
  db: Db,
  now: Date,
  opts: { limit?: number } = {},
): Promise<{ fired: number; ignored: number; busy: number }> {
  return UnitOfWork.run(db, async (work) => {
    const trx = work.trx;
    const { rows } = await sql<{ tenant_id: string; id: string; payload: TimerPayload }>`
      select tenant_id, id, payload from jobs
      where kind = ${PROCESS_TIMER_JOB} and status = 'scheduled' and run_at <= ${now}
      order by run_at, id limit ${opts.limit ?? 50} for update skip locked`.execute(trx);
    const out = { fired: 0, ignored: 0, busy: 0 };
    for (const job of rows) {
      const tx = inWork(work, job.tenant_id);
      const result = await fireOne(ops, tx, now, job.payload);
      out[result] += 1;
      if (result === 'busy') continue;
      await tx
        .updateTable('jobs')
        .set({ status: 'done', attempts: sql`attempts + 1`, completed_at: now, updated_at: now })
        .where('id', '=', job.id)
        .execute();
    }
    return out;
  });
}

/** A busy order's timer is tried again this much later, without spending an attempt. */
const BUSY_RETRY_MS = 1_000;

/**
 * Process timers as jobs of the one jobs runner: the timer's event goes to its order. An order
 * locked by a command is not a failure: the job is scheduled again shortly, its attempts untouched,
 * so a busy order can never exhaust a timer's retries.
 */
export function processTimerJob(ops: Operations): JobDefinition {
  return {
    kind: PROCESS_TIMER_JOB,
    async run({ tx, job, now }) {
      const result = await fireOne(ops, tx, now, job.payload as unknown as TimerPayload);
      if (result === 'busy') return { retryAt: new Date(now.getTime() + BUSY_RETRY_MS) };
    },
  };
}
