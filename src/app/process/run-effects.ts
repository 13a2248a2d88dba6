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
  /** Which facts the action changed: read again before the result is applied ('none': it changed none). */
  refreshes: 'stock' | 'all' | 'none';
}

/**
 * Carries out the engine's effects inside the order's transaction, in order. Local operations run
 * now and may return a result event (reserve → reserved/shortage), handed back to the caller
 * to feed into the engine; external actions go to the outbox as `action.requested`, and the state
 * waits for their result. Tasks and timers become rows; domain events go to the outbox.
 */
export async function runEffects(
  ops: Operations,
  ctx: OperationContext,
  effects: readonly Effect[],
  st: EffectState,
  cause: ProcessEvent | null,
): Promise<FollowUp[]> {
  const { tx, now, orderId } = ctx;
  const followUps: FollowUp[] = [];
  const notes: HistoryEntry[] = [];
  for (const effect of effects) {
    switch (effect.type) {
      case 'state_changed':
        st.exception = null;
        await emitEvent(tx, {
          type: 'order.state_changed',
          subject: orderId,
          time: now,
          payload: {
            orderId,
            from: effect.from,
            to: effect.to,
            reason: { definition: ctx.definition, event: effect.event },
          },
        });
        break;
      case 'open_exception':
        st.exception = { kind: effect.kind, resolutions: effect.resolutions };
        notes.push({
          orderId,
          action: 'process.exception_opened',
          fromState: effect.state,
          toState: effect.state,
          changes: { kind: effect.kind, resolutions: effect.resolutions },
          reason: { definition: ctx.definition },
        });
        break;
      case 'close_exception':
        st.exception = null;
        notes.push({
          orderId,
          action: 'process.exception_resolved',
          fromState: effect.state,
          changes: { kind: effect.kind, resolution: effect.resolution },
          reason: { definition: ctx.definition },
        });
        break;
      case 'action': {
        if (effect.runs === 'external') {
          await requestExternalAction(ctx, effect, notes);
          break;
        }
        const ran = await ops.run(effect.action, ctx, effect.args);
        // Publishing refuses a definition naming an action nothing carries out, so this is a wiring bug.
        if (!ran)
          throw new Error(
            `no operation ${effect.action} is wired, yet ${ctx.definition.key} v${ctx.definition.version} runs it`,
          );
        const out = ran.outcome;
        // what it changed is not in the rows the facts were made from
        if (!out.factsUnchanged) ctx.factRows = undefined;
        notes.push({
          orderId,
          action: out.waiting ? 'process.action_waiting' : 'process.action',
          fromState: effect.state,
          toState: effect.state,
          changes: {
            action: effect.action,
            args: effect.args,
            ...(out.data ?? {}),
            ...(out.event ? { result: out.event } : {}),
          },
          reason: { definition: ctx.definition, note: out.note },
        });
        if (out.event)
          followUps.push({
            event: { name: out.event, actor: { id: 'process', roles: [] } },
            state: effect.state,
            action: effect.action,
            refreshes: out.factsUnchanged ? 'none' : ran.op.refreshes,
          });
        break;
      }
      case 'open_task': {
        const openTask = effect.task;
        const id = newId();
        await tx
          .insertInto('process_tasks', {
            id,
            order_id: orderId,
            engine_task_id: openTask.id,
            kind: openTask.kind,
            role: openTask.role,
            party: openTask.party,
            title: openTask.title ?? null,
            options: openTask.options ?? [],
            step: openTask.step ?? null,
            state: 'open',
            assignee: null,
            due_at: openTask.dueAt ? new Date(openTask.dueAt) : null,
            escalate_to: openTask.escalateTo ?? null,
            outcome: null,
            comment: null,
            completed_by: null,
            completed_at: null,
            delegated_from: null,
            process_state: effect.state,
            version: 1,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await emitEvent(tx, {
          type: 'task.opened',
          subject: id,
          time: now,
          payload: { taskId: id, kind: openTask.kind, orderId, dueAt: openTask.dueAt ?? null },
        });
        notes.push({
          orderId,
          action: 'task.opened',
          fromState: effect.state,
          toState: effect.state,
          changes: {
            taskId: id,
            kind: openTask.kind,
            role: openTask.role,
            party: openTask.party,
            dueAt: openTask.dueAt ?? null,
          },
          reason: { definition: ctx.definition },
        });
        break;
      }
      case 'close_task': {
        const comment = cause?.taskId === effect.taskId ? (cause.comment ?? null) : null;
        const row = await tx
          .updateTable('process_tasks')
          .set({
            state: effect.outcome,
            outcome: effect.event ?? null,
            comment,
            completed_by: effect.by ?? null,
            completed_at: now,
            updated_at: now,
            version: sql`version + 1`,
          })
          .where('order_id', '=', orderId)
          .where('engine_task_id', '=', effect.taskId)
          .where('state', 'in', ['open', 'claimed'])
          .returning(['id', 'kind'])
          .executeTakeFirst();
        if (row && effect.outcome === 'completed') {
          await emitEvent(tx, {
            type: 'task.completed',
            subject: row.id,
            time: now,
            payload: { taskId: row.id, kind: row.kind, outcome: effect.event ?? 'completed', orderId },
          });
        }
        if (row)
          notes.push({
            orderId,
            action: effect.outcome === 'completed' ? 'task.completed' : 'task.cancelled',
            changes: { taskId: row.id, outcome: effect.event ?? null, comment },
            reason: { definition: ctx.definition },
          });
        break;
      }
      case 'escalate_task': {
        const row = await tx
          .updateTable('process_tasks')
          .set({
            role: effect.role,
            escalate_to: null,
            assignee: null,
            state: 'open',
            updated_at: now,
            version: sql`version + 1`,
          })
          .where('order_id', '=', orderId)
          .where('engine_task_id', '=', effect.taskId)
          .where('state', 'in', ['open', 'claimed'])
          .returning('id')
          .executeTakeFirst();
        if (row)
          notes.push({
            orderId,
            action: 'task.escalated',
            changes: { taskId: row.id, role: effect.role },
            reason: { definition: ctx.definition, note: 'the task was not done in time' },
          });
        break;
      }
      case 'schedule_timer':
        await scheduleTimer(tx, {
          kind: PROCESS_TIMER_JOB,
          key: timerKey(orderId, effect.timerId),
          runAt: new Date(effect.at),
          // written with the step's closing statement (the unit of work's)
          defer: true,
          payload: {
            orderId,
            timerId: effect.timerId,
            event: effect.event,
            ...(effect.taskId ? { taskId: effect.taskId } : {}),
          },
        });
        break;
      case 'cancel_timer':
        await cancelTimer(tx, { key: timerKey(orderId, effect.timerId), defer: true });
        break;
      case 'emit_event':
        await emitDomainEvent(ctx, effect.name, effect.data, notes);
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
async function requestExternalAction(
  ctx: OperationContext,
  effect: Extract<Effect, { type: 'action'; runs: 'external' }>,
  notes: HistoryEntry[],
): Promise<void> {
  const requestId = effect.requestId;
  const waitUntil = effect.timeout ? addDuration(ctx.now, effect.timeout).toISOString() : null;
  await emitEvent(ctx.tx, {
    type: 'action.requested',
    subject: ctx.orderId,
    time: ctx.now,
    payload: {
      requestId,
      orderId: ctx.orderId,
      action: effect.action,
      args: effect.args,
      state: effect.state,
      process: ctx.definition,
      results: { ...effect.results },
      waitUntil,
    },
  });
  notes.push({
    orderId: ctx.orderId,
    action: 'process.action_requested',
    fromState: effect.state,
    toState: effect.state,
    changes: { action: effect.action, args: effect.args, requestId, results: effect.results, waitUntil },
    reason: {
      definition: ctx.definition,
      note: `requested from integrations; the order waits in ${effect.state} for ${effect.results.succeeded} or ${effect.results.failed}`,
    },
  });
}

/** emit_event names a catalogue type to publish it; anything else is kept in history, not lost. */
async function emitDomainEvent(
  ctx: OperationContext,
  name: string,
  data: Record<string, unknown>,
  notes: HistoryEntry[],
): Promise<void> {
  if (isEventType(name)) {
    try {
      await emitEvent(ctx.tx, {
        type: name as EventType,
        subject: ctx.orderId,
        time: ctx.now,
        payload: { orderId: ctx.orderId, ...data },
      } as NewEvent);
      return;
    } catch (error) {
      // The payload check runs before any write, so the transaction is still usable.
      if (!isAppError(error)) throw error;
      notes.push({
        orderId: ctx.orderId,
        action: 'process.event_not_published',
        changes: { name, data },
        reason: { definition: ctx.definition, note: error.message },
      });
      return;
    }
  }
  notes.push({
    orderId: ctx.orderId,
    action: 'process.event_not_published',
    changes: { name, data },
    reason: { definition: ctx.definition, note: `${name} is not in the event catalogue; recorded here only` },
  });
}
