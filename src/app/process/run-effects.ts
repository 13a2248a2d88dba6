import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import { addDuration } from '../../process/index.js';
import type { Effect, ProcessEvent } from '../../process/index.js';
import { isEventType, type EventType } from '../../domain/events/catalogue.js';
import { writeHistory, type HistoryEntry } from '../../store/history.js';
import { isAppError } from '../../shared/errors.js';
import { emitEvent, type NewEvent } from '../events/emit-event.js';
import { cancelTimer, scheduleTimer } from '../events/timers.js';
import type { Operations, OperationContext } from './operation.js';
import '../../store/schema-process.js';

/** Job kind of a process timer in the events module's `jobs` table. */
export const PROCESS_TIMER_JOB = 'process.timer';
export const timerKey = (orderId: string, timerId: string) => `process:${orderId}:${timerId}`;

export interface EffectState {
  exception: { kind: string; resolutions: string[] } | null;
}

export interface FollowUp {
  event: ProcessEvent;
  /** The state the action ran in: the result only applies while the order is still there. */
  state: string;
  action: string;
  /** Which facts the action changed: read again before the result is applied. */
  refreshes: 'stock' | 'all';
}

/**
 * Carries out the engine's effects inside the order's transaction, in order. Local operations run
 * now and may return a result event (reserve → reserved/shortage), handed back to the caller
 * to feed into the engine; external actions go to the outbox as `action.requested`, and the state
 * waits for their result. Tasks and timers become rows; domain events go to the outbox.
 */
export async function runEffects(ops: Operations, ctx: OperationContext, effects: readonly Effect[], st: EffectState, cause: ProcessEvent | null): Promise<FollowUp[]> {
  const { tx, now, orderId } = ctx;
  const followUps: FollowUp[] = [];
  const notes: HistoryEntry[] = [];
  for (const e of effects) {
    switch (e.type) {
      case 'state_changed':
        st.exception = null;
        await emitEvent(tx, { type: 'order.state_changed', subject: orderId, time: now,
          payload: { orderId, from: e.from, to: e.to, reason: { definition: ctx.definition, event: e.event } } });
        break;
      case 'open_exception':
        st.exception = { kind: e.kind, resolutions: e.resolutions };
        notes.push({ orderId, action: 'process.exception_opened', fromState: e.state, toState: e.state, changes: { kind: e.kind, resolutions: e.resolutions }, reason: { definition: ctx.definition } });
        break;
      case 'close_exception':
        st.exception = null;
        notes.push({ orderId, action: 'process.exception_resolved', fromState: e.state, changes: { kind: e.kind, resolution: e.resolution }, reason: { definition: ctx.definition } });
        break;
      case 'action': {
        if (e.runs === 'external') {
          await requestExternalAction(ctx, e, notes);
          break;
        }
        const ran = await ops.run(e.action, ctx, e.args);
        // Publishing refuses a definition naming an action nothing carries out, so this is a wiring bug.
        if (!ran) throw new Error(`no operation ${e.action} is wired, yet ${ctx.definition.key} v${ctx.definition.version} runs it`);
        const out = ran.outcome;
        notes.push({ orderId, action: out.waiting ? 'process.action_waiting' : 'process.action', fromState: e.state, toState: e.state,
          changes: { action: e.action, args: e.args, ...(out.data ?? {}), ...(out.event ? { result: out.event } : {}) },
          reason: { definition: ctx.definition, note: out.note } });
        if (out.event) followUps.push({ event: { name: out.event, actor: { id: 'process', roles: [] } }, state: e.state, action: e.action, refreshes: ran.op.refreshes });
        break;
      }
      case 'open_task': {
        const t = e.task;
        const id = newId();
        await tx.insertInto('process_tasks', {
          id, order_id: orderId, engine_task_id: t.id, kind: t.kind, role: t.role, party: t.party, title: t.title ?? null,
          options: t.options ?? [], step: t.step ?? null, state: 'open', assignee: null, due_at: t.dueAt ? new Date(t.dueAt) : null,
          escalate_to: t.escalateTo ?? null, outcome: null, comment: null, completed_by: null, completed_at: null, delegated_from: null,
          process_state: e.state, version: 1, created_at: now, updated_at: now,
        }).execute();
        await emitEvent(tx, { type: 'task.opened', subject: id, time: now, payload: { taskId: id, kind: t.kind, orderId, dueAt: t.dueAt ?? null } });
        notes.push({ orderId, action: 'task.opened', fromState: e.state, toState: e.state, changes: { taskId: id, kind: t.kind, role: t.role, party: t.party, dueAt: t.dueAt ?? null }, reason: { definition: ctx.definition } });
        break;
      }
      case 'close_task': {
        const comment = cause?.taskId === e.taskId ? cause.comment ?? null : null;
        const row = await tx.updateTable('process_tasks').set({
          state: e.outcome, outcome: e.event ?? null, comment, completed_by: e.by ?? null, completed_at: now, updated_at: now, version: sql`version + 1`,
        }).where('order_id', '=', orderId).where('engine_task_id', '=', e.taskId).where('state', 'in', ['open', 'claimed'])
          .returning(['id', 'kind']).executeTakeFirst();
        if (row && e.outcome === 'completed') {
          await emitEvent(tx, { type: 'task.completed', subject: row.id, time: now, payload: { taskId: row.id, kind: row.kind, outcome: e.event ?? 'completed', orderId } });
        }
        if (row) notes.push({ orderId, action: e.outcome === 'completed' ? 'task.completed' : 'task.cancelled', changes: { taskId: row.id, outcome: e.event ?? null, comment }, reason: { definition: ctx.definition } });
        break;
      }
      case 'escalate_task': {
        const row = await tx.updateTable('process_tasks').set({ role: e.role, escalate_to: null, assignee: null, state: 'open', updated_at: now, version: sql`version + 1` })
          .where('order_id', '=', orderId).where('engine_task_id', '=', e.taskId).where('state', 'in', ['open', 'claimed']).returning('id').executeTakeFirst();
        if (row) notes.push({ orderId, action: 'task.escalated', changes: { taskId: row.id, role: e.role }, reason: { definition: ctx.definition, note: 'the task was not done in time' } });
        break;
      }
      case 'schedule_timer':
        await scheduleTimer(tx, { kind: PROCESS_TIMER_JOB, key: timerKey(orderId, e.timerId), runAt: new Date(e.at),
          payload: { orderId, timerId: e.timerId, event: e.event, ...(e.taskId ? { taskId: e.taskId } : {}) } });
        break;
      case 'cancel_timer':
        await cancelTimer(tx, { key: timerKey(orderId, e.timerId) });
        break;
      case 'emit_event':
        await emitDomainEvent(ctx, e.name, e.data, notes);
        break;
      case 'set_attribute':
        // The snapshot holds attributes; the trace already names the action.
        break;
    }
  }
  await writeHistory(tx, ctx.actor, now, notes);
  return followUps;
}

/**
 * Asks integrations to carry out an external action: `action.requested` through the outbox (a
 * request id, the action and its arguments, the state that waits and the events it waits for).
 * The order stays in that state until one of them is posted to it.
 */
async function requestExternalAction(ctx: OperationContext, e: Extract<Effect, { type: 'action'; runs: 'external' }>, notes: HistoryEntry[]): Promise<void> {
  const requestId = newId();
  const waitUntil = e.timeout ? addDuration(ctx.now, e.timeout).toISOString() : null;
  await emitEvent(ctx.tx, { type: 'action.requested', subject: ctx.orderId, time: ctx.now, payload: {
    requestId, orderId: ctx.orderId, action: e.action, args: e.args, state: e.state, process: ctx.definition,
    results: { ...e.results }, waitUntil,
  } });
  notes.push({ orderId: ctx.orderId, action: 'process.action_requested', fromState: e.state, toState: e.state,
    changes: { action: e.action, args: e.args, requestId, results: e.results, waitUntil },
    reason: { definition: ctx.definition, note: `requested from integrations; the order waits in ${e.state} for ${e.results.succeeded} or ${e.results.failed}` } });
}

/** emit_event names a catalogue type to publish it; anything else is kept in history, not lost. */
async function emitDomainEvent(ctx: OperationContext, name: string, data: Record<string, unknown>, notes: HistoryEntry[]): Promise<void> {
  if (isEventType(name)) {
    try {
      await emitEvent(ctx.tx, { type: name as EventType, subject: ctx.orderId, time: ctx.now, payload: { orderId: ctx.orderId, ...data } } as NewEvent);
      return;
    } catch (e) {
      // The payload check runs before any write, so the transaction is still usable.
      if (!isAppError(e)) throw e;
      notes.push({ orderId: ctx.orderId, action: 'process.event_not_published', changes: { name, data }, reason: { definition: ctx.definition, note: e.message } });
      return;
    }
  }
  notes.push({ orderId: ctx.orderId, action: 'process.event_not_published', changes: { name, data },
    reason: { definition: ctx.definition, note: `${name} is not in the event catalogue; recorded here only` } });
}
