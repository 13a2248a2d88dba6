import { evaluateTable } from './decision-tables.js';
import type { ActionRef } from './definition-schema.js';
import { addDuration } from './durations.js';
import { jsonSafe } from './facts.js';
import { currentFacts, factsFor, holds, invalidate, nextId, trace } from './run-context.js';
import type { Run } from './run-context.js';
import type { OpenTask } from './types.js';

/**
 * Run a list of actions on entry, exit or a transition. Engine-owned actions change the
 * snapshot now (so later conditions in the same call see them); the rest become effects.
 */
export function runActions(run: Run, list: readonly ActionRef[] | undefined, state: string): void {
  if (!list) return;
  for (const item of list) {
    if (item.when !== undefined && !holds(run, run.def.exprs.get(item.when)!)) {
      trace(run, {
        state,
        event: run.event?.name ?? null,
        kind: 'action_skipped',
        condition: item.when,
        note: item.action,
      });
      continue;
    }
    const args = (item.args ?? {}) as Record<string, unknown>;
    switch (item.action) {
      case 'set_attribute': {
        let value = args.value;
        if (typeof args.expr === 'string') {
          const expr = run.def.exprs.get(args.expr)!;
          try {
            // Attributes are stored as JSON: whole numbers stay numbers so later conditions compare them as ints.
            value = jsonSafe(expr.run(factsFor(run, expr)), true);
          } catch (error) {
            trace(run, {
              state,
              event: run.event?.name ?? null,
              kind: 'error',
              condition: args.expr,
              note: `set_attribute ${String(args.name)}: ${(error as Error).message.split('\n')[0]}`,
            });
            continue;
          }
        }
        setAttribute(run, String(args.name), value);
        break;
      }
      case 'decide': {
        const decisionResult = evaluateTable(run.def, String(args.table), currentFacts(run));
        trace(run, {
          state,
          event: run.event?.name ?? null,
          kind: 'decision',
          note: `${decisionResult.table} (${decisionResult.hitPolicy}) matched rules [${decisionResult.matched.join(', ')}]`,
          inputs: decisionResult.inputs,
        });
        setAttribute(run, String(args.as), decisionResult.value);
        break;
      }
      case 'emit_event':
        run.effects.push({
          type: 'emit_event',
          name: String(args.name),
          data: (args.data ?? {}) as Record<string, unknown>,
        });
        break;
      case 'schedule_timer': {
        const id = `timer:${String(args.name)}`;
        const at = addDuration(run.now, String(args.in)).toISOString();
        run.snap.timers = run.snap.timers.filter((t) => t.id !== id);
        run.snap.timers.push({ id, event: String(args.event), at, persistent: true });
        run.effects.push({ type: 'schedule_timer', timerId: id, at, event: String(args.event) });
        break;
      }
      case 'cancel_timer': {
        const id = `timer:${String(args.name)}`;
        if (run.snap.timers.some((t) => t.id === id)) {
          run.snap.timers = run.snap.timers.filter((t) => t.id !== id);
          run.effects.push({ type: 'cancel_timer', timerId: id });
        }
        break;
      }
      case 'open_task':
        openTask(
          run,
          state,
          {
            kind: args.kind as OpenTask['kind'],
            role: String(args.role),
            party: (args.party as OpenTask['party']) ?? 'seller',
            ...(typeof args.title === 'string' ? { title: args.title } : {}),
          },
          typeof args.due === 'string' ? args.due : undefined,
          undefined,
        );
        break;
      default: {
        const def = run.def.registry.get(item.action)!;
        if (def.runs === 'external') {
          // The state waits for this request's result; a result naming an earlier request is stale.
          const requestId = nextId(run, `${state}:${item.action}`);
          run.snap.awaiting = { requestId, action: item.action, results: def.results! };
          run.effects.push({
            type: 'action',
            action: item.action,
            runs: 'external',
            args,
            state,
            results: def.results!,
            requestId,
            ...(item.timeout ? { timeout: item.timeout } : {}),
          });
        } else {
          run.effects.push({ type: 'action', action: item.action, runs: 'local', args, state });
        }
      }
    }
  }
}

function setAttribute(run: Run, name: string, value: unknown): void {
  run.snap.attributes[name] = value;
  run.effects.push({ type: 'set_attribute', name, value });
  invalidate(run);
}

/** Open one task; a due date with an escalation role schedules the escalation timer. */
export function openTask(
  run: Run,
  state: string,
  value: Omit<OpenTask, 'id' | 'dueAt' | 'escalateTo'>,
  due: string | undefined,
  escalate: { role: string; after?: string } | undefined,
): OpenTask {
  const task: OpenTask = { id: nextId(run, state), ...value };
  if (due) task.dueAt = addDuration(run.now, due).toISOString();
  if (escalate) task.escalateTo = escalate.role;
  run.snap.tasks.push(task);
  run.effects.push({ type: 'open_task', task, state });
  const after = escalate?.after ?? due;
  if (escalate && after) {
    const id = `${task.id}:escalate`;
    const at = addDuration(run.now, after).toISOString();
    run.snap.timers.push({ id, event: 'escalate', at, taskId: task.id });
    run.effects.push({ type: 'schedule_timer', timerId: id, at, event: 'escalate', taskId: task.id });
  }
  return task;
}
