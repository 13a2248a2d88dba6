import { sql } from 'kysely';
import { isAppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, scope, type TenantScope } from '../../store/tenant-scope.js';
import type { Db } from '../../store/db.js';
import { jobHandlers, type JobRegistry } from '../events/timers.js';
import { applyOrderEvent } from './apply-order-event.js';
import { PROCESS_TIMER_JOB } from './run-effects.js';
import '../../store/schema-events.js';

const timerActor: Actor = { type: 'process', id: null, name: 'timer' };

interface TimerPayload { orderId: string; timerId: string; event: string; taskId?: string }

/** Sends one due timer's event to its order: 'busy' when another transaction holds the order. */
async function fireOne(tx: TenantScope, now: Date, p: TimerPayload): Promise<'fired' | 'busy' | 'ignored'> {
  try {
    const r = await atomically(tx, (inner) => applyOrderEvent(inner, timerActor, now, p.orderId,
      { name: p.event, ...(p.taskId ? { taskId: p.taskId } : {}), actor: { id: 'timer', roles: [] } }, { lock: 'skip', action: 'process.timer' }));
    return r ? 'fired' : 'busy';
  } catch (e) {
    if (!isAppError(e) || (e.code !== 'TRANSITION_NOT_ALLOWED' && e.code !== 'NOT_FOUND')) throw e;
    // The order moved on before the timer fired: the timer is spent, and history says so.
    if (e.code === 'TRANSITION_NOT_ALLOWED') {
      await writeHistory(tx, timerActor, now, [{ orderId: p.orderId, action: 'process.timer_ignored', changes: { timer: p.timerId, event: p.event }, reason: { note: e.message } }]);
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
export async function fireDueTimers(db: Db, now: Date, opts: { limit?: number } = {}): Promise<{ fired: number; ignored: number; busy: number }> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ tenant_id: string; id: string; payload: TimerPayload }>`
      select tenant_id, id, payload from jobs
      where kind = ${PROCESS_TIMER_JOB} and status = 'scheduled' and run_at <= ${now}
      order by run_at, id limit ${opts.limit ?? 50} for update skip locked`.execute(trx);
    const out = { fired: 0, ignored: 0, busy: 0 };
    for (const job of rows) {
      const tx = scope(trx, job.tenant_id);
      const r = await fireOne(tx, now, job.payload);
      out[r] += 1;
      if (r === 'busy') continue;
      await tx.updateTable('jobs').set({ status: 'done', attempts: sql`attempts + 1`, completed_at: now, updated_at: now }).where('id', '=', job.id).execute();
    }
    return out;
  });
}

/**
 * Lets the events module's jobs runner fire process timers too (both claim with SKIP LOCKED, so
 * they can run side by side). A busy order throws, and the runner retries the job shortly.
 */
export function installProcessTimerJob(registry: JobRegistry = jobHandlers): void {
  if (registry.get(PROCESS_TIMER_JOB)) return;
  registry.define(PROCESS_TIMER_JOB, async ({ tx, job, now }) => {
    const r = await fireOne(tx, now, job.payload as unknown as TimerPayload);
    if (r === 'busy') throw new Error('the order is being changed by another command; the timer will be retried');
  });
}
