import type { ActionDefinition } from './action-registry.js';
import { prepareFacts } from './facts.js';
import type { FactsInput } from './facts.js';
import { startProcess, transition } from './transition.js';
import type {
  CompiledDefinition,
  Effect,
  OpenTask,
  ProcessEvent,
  ProcessSnapshot,
  TraceEntry,
  TransitionOk,
} from './types.js';

/**
 * Default outcomes of the outside world, so a simulation can run without it.
 * Unanswered tasks and events leave the order waiting, which is a result too.
 */
export interface Oracle {
  /** Action code → event fed back after it runs; null = none. Default: the registry's first result event (reserve → reserved). */
  actions?: Record<string, string | null>;
  /** Task role, then task kind → the event that answers it (e.g. {approval: 'approve'}). */
  tasks?: Record<string, string>;
  /** State → event fed when the order waits there with nothing else pending (e.g. in_transit → delivered). */
  waits?: Record<string, string>;
  /** When nothing else moves the order, fire its earliest timer (the clock jumps to it). */
  fireTimers?: boolean;
}

export interface SimulationCase {
  id: string;
  facts: FactsInput;
  /** Events fed, in order, whenever the oracle has nothing queued. */
  events?: ProcessEvent[];
}

export interface SimulationRun {
  id: string;
  /** States entered, in order (the start state first). */
  path: string[];
  endState: string;
  status: 'finished' | 'waiting' | 'stuck' | 'event_limit';
  outcome: 'completed' | 'cancelled' | 'rejected' | null;
  waitingFor: { tasks: OpenTask[]; events: string[] } | null;
  approvalTasks: number;
  exceptions: number;
  rejectedEvents: { event: string; state: string; allowed: string[] }[];
  eventsApplied: number;
  effects: Effect[];
  trace?: TraceEntry[];
}

export interface SimulateOptions {
  oracle?: Oracle;
  now?: Date;
  /** Events applied before giving up (a loop fed by the oracle). */
  maxEvents?: number;
  includeTrace?: boolean;
}

/** Run one order through a definition without touching anything outside. */
export function simulate(
  def: CompiledDefinition,
  simulationCase: SimulationCase,
  opts: SimulateOptions = {},
): SimulationRun {
  const oracle = opts.oracle ?? {};
  const facts = prepareFacts(simulationCase.facts);
  let now = opts.now ?? new Date('2026-01-05T09:00:00Z');
  const maxEvents = opts.maxEvents ?? 200;
  const scripted = [...(simulationCase.events ?? [])];
  const queue: ProcessEvent[] = [];
  const effects: Effect[] = [];
  const trace: TraceEntry[] = [];
  const rejectedEvents: SimulationRun['rejectedEvents'] = [];

  const absorb = (transitionOk: TransitionOk): ProcessSnapshot => {
    effects.push(...transitionOk.effects);
    trace.push(...transitionOk.trace);
    for (const effect of transitionOk.effects) {
      if (effect.type !== 'action') continue;
      const ev =
        effect.action in (oracle.actions ?? {})
          ? oracle.actions![effect.action]
          : defaultResult(def.registry.get(effect.action));
      if (ev) queue.push({ name: ev });
    }
    return transitionOk.snapshot;
  };
  let snap = absorb(startProcess(def, facts, now));
  let applied = 0;
  let status: SimulationRun['status'] = 'waiting';

  for (;;) {
    if (snap.status === 'done') {
      status = 'finished';
      break;
    }
    if (trace.some((t) => t.kind === 'step_limit')) {
      status = 'stuck';
      break;
    }
    if (applied >= maxEvents) {
      status = 'event_limit';
      break;
    }
    const ev = queue.shift() ?? scripted.shift() ?? answerTask(snap, oracle) ?? waitEvent(snap, oracle);
    let event = ev;
    if (!event && oracle.fireTimers && snap.timers.length > 0) {
      const activeTimer = [...snap.timers].sort((a, b) => a.at.localeCompare(b.at))[0]!;
      now = new Date(Math.max(now.getTime(), Date.parse(activeTimer.at)));
      event = { name: activeTimer.event, ...(activeTimer.taskId ? { taskId: activeTimer.taskId } : {}) };
    }
    if (!event) {
      status = 'waiting';
      break;
    }
    applied += 1;
    const result = transition(def, snap, event, facts, now);
    if (!result.ok) {
      rejectedEvents.push({ event: event.name, state: snap.state, allowed: result.error.allowed });
      continue;
    }
    snap = absorb(result.value);
  }

  const st = def.states.get(snap.state);
  const run: SimulationRun = {
    id: simulationCase.id,
    path: effects
      .filter((e): e is Extract<Effect, { type: 'state_changed' }> => e.type === 'state_changed')
      .map((e) => e.to),
    endState: snap.state,
    status,
    outcome: st?.outcome ?? null,
    waitingFor: status === 'waiting' ? { tasks: snap.tasks, events: st ? [...st.on.keys()] : [] } : null,
    approvalTasks: effects.filter((e) => e.type === 'open_task' && e.task.kind === 'approval').length,
    exceptions: effects.filter((e) => e.type === 'open_exception').length,
    rejectedEvents,
    eventsApplied: applied,
    effects,
  };
  if (opts.includeTrace) run.trace = trace;
  return run;
}

function answerTask(snap: ProcessSnapshot, oracle: Oracle): ProcessEvent | undefined {
  for (const task of snap.tasks) {
    const name = oracle.tasks?.[task.role] ?? oracle.tasks?.[task.kind];
    if (name) return { name, taskId: task.id, actor: { id: 'simulation', roles: [task.role] } };
  }
  return undefined;
}

function waitEvent(snap: ProcessSnapshot, oracle: Oracle): ProcessEvent | undefined {
  const name = oracle.waits?.[snap.state];
  return name ? { name } : undefined;
}

export interface CaseComparison {
  id: string;
  current: SimulationRun;
  draft: SimulationRun;
  differences: string[];
}

export interface ComparisonSummary {
  orders: number;
  differing: number;
  endStateChanged: number;
  approvalTasks: { current: number; draft: number; delta: number };
  exceptions: { current: number; draft: number; delta: number };
  cancellations: { current: number; draft: number; delta: number };
  rejections: { current: number; draft: number; delta: number };
  waiting: { current: number; draft: number; delta: number };
  stuck: { current: number; draft: number; delta: number };
  endStates: { current: Record<string, number>; draft: Record<string, number> };
}

/** Run the same orders through the current and a draft definition and say what changes. */
export function compareDefinitions(
  current: CompiledDefinition,
  draft: CompiledDefinition,
  cases: SimulationCase[],
  opts: SimulateOptions = {},
): { cases: CaseComparison[]; summary: ComparisonSummary } {
  const out: CaseComparison[] = [];
  for (const simulationCase of cases) {
    const simulationRun = simulate(current, simulationCase, opts);
    const run = simulate(draft, simulationCase, opts);
    const differences: string[] = [];
    if (simulationRun.endState !== run.endState)
      differences.push(`end state ${simulationRun.endState} → ${run.endState}`);
    if (simulationRun.status !== run.status) differences.push(`status ${simulationRun.status} → ${run.status}`);
    if (simulationRun.approvalTasks !== run.approvalTasks)
      differences.push(`approval tasks ${simulationRun.approvalTasks} → ${run.approvalTasks}`);
    if (simulationRun.exceptions !== run.exceptions)
      differences.push(`exceptions ${simulationRun.exceptions} → ${run.exceptions}`);
    if (simulationRun.path.join('>') !== run.path.join('>') && differences.length === 0)
      differences.push(`path ${simulationRun.path.join(' > ')} → ${run.path.join(' > ')}`);
    out.push({ id: simulationCase.id, current: simulationRun, draft: run, differences });
  }
  const count = (file: (simulationRun: SimulationRun) => number) => {
    const cur = out.reduce((s, c) => s + file(c.current), 0);
    const dr = out.reduce((s, c) => s + file(c.draft), 0);
    return { current: cur, draft: dr, delta: dr - cur };
  };
  const ends = (key: 'current' | 'draft') => {
    const match: Record<string, number> = {};
    for (const caseComparison of out)
      match[caseComparison[key].endState] = (match[caseComparison[key].endState] ?? 0) + 1;
    return match;
  };
  return {
    cases: out,
    summary: {
      orders: out.length,
      differing: out.filter((c) => c.differences.length > 0).length,
      endStateChanged: out.filter((c) => c.current.endState !== c.draft.endState).length,
      approvalTasks: count((r) => r.approvalTasks),
      exceptions: count((r) => r.exceptions),
      cancellations: count((r) => (r.outcome === 'cancelled' ? 1 : 0)),
      rejections: count((r) => (r.outcome === 'rejected' ? 1 : 0)),
      waiting: count((r) => (r.status === 'waiting' ? 1 : 0)),
      stuck: count((r) => (r.status === 'stuck' ? 1 : 0)),
      endStates: { current: ends('current'), draft: ends('draft') },
    },
  };
}

/** What simulation assumes an action answers: its first result event, or an external action's success. */
function defaultResult(action: ActionDefinition | undefined): string | undefined {
  return action?.runs === 'external' ? action.results?.succeeded : action?.resultEvents?.[0];
}
