import type { ActionDefinition } from './action-registry.js';
import { prepareFacts } from './facts.js';
import type { FactsInput } from './facts.js';
import { startProcess, transition } from './transition.js';
import type { CompiledDefinition, Effect, OpenTask, ProcessEvent, ProcessSnapshot, TraceEntry, TransitionOk } from './types.js';

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
export function simulate(def: CompiledDefinition, c: SimulationCase, opts: SimulateOptions = {}): SimulationRun {
  const oracle = opts.oracle ?? {};
  const facts = prepareFacts(c.facts);
  let now = opts.now ?? new Date('2026-01-05T09:00:00Z');
  const maxEvents = opts.maxEvents ?? 200;
  const scripted = [...(c.events ?? [])];
  const queue: ProcessEvent[] = [];
  const effects: Effect[] = [];
  const trace: TraceEntry[] = [];
  const rejectedEvents: SimulationRun['rejectedEvents'] = [];

  const absorb = (r: TransitionOk): ProcessSnapshot => {
    effects.push(...r.effects);
    trace.push(...r.trace);
    for (const e of r.effects) {
      if (e.type !== 'action') continue;
      const ev = e.action in (oracle.actions ?? {}) ? oracle.actions![e.action] : defaultResult(def.registry.get(e.action));
      if (ev) queue.push({ name: ev });
    }
    return r.snapshot;
  };
  let snap = absorb(startProcess(def, facts, now));
  let applied = 0;
  let status: SimulationRun['status'] = 'waiting';

  for (;;) {
    if (snap.status === 'done') { status = 'finished'; break; }
    if (trace.some((t) => t.kind === 'step_limit')) { status = 'stuck'; break; }
    if (applied >= maxEvents) { status = 'event_limit'; break; }
    const ev = queue.shift() ?? scripted.shift() ?? answerTask(snap, oracle) ?? waitEvent(snap, oracle);
    let event = ev;
    if (!event && oracle.fireTimers && snap.timers.length > 0) {
      const t = [...snap.timers].sort((a, b) => a.at.localeCompare(b.at))[0]!;
      now = new Date(Math.max(now.getTime(), Date.parse(t.at)));
      event = { name: t.event, ...(t.taskId ? { taskId: t.taskId } : {}) };
    }
    if (!event) { status = 'waiting'; break; }
    applied += 1;
    const r = transition(def, snap, event, facts, now);
    if (!r.ok) { rejectedEvents.push({ event: event.name, state: snap.state, allowed: r.error.allowed }); continue; }
    snap = absorb(r.value);
  }

  const st = def.states.get(snap.state);
  const run: SimulationRun = {
    id: c.id,
    path: effects.filter((e): e is Extract<Effect, { type: 'state_changed' }> => e.type === 'state_changed').map((e) => e.to),
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
  for (const t of snap.tasks) {
    const name = oracle.tasks?.[t.role] ?? oracle.tasks?.[t.kind];
    if (name) return { name, taskId: t.id, actor: { id: 'simulation', roles: [t.role] } };
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
  current: CompiledDefinition, draft: CompiledDefinition, cases: SimulationCase[], opts: SimulateOptions = {},
): { cases: CaseComparison[]; summary: ComparisonSummary } {
  const out: CaseComparison[] = [];
  for (const c of cases) {
    const a = simulate(current, c, opts);
    const b = simulate(draft, c, opts);
    const differences: string[] = [];
    if (a.endState !== b.endState) differences.push(`end state ${a.endState} → ${b.endState}`);
    if (a.status !== b.status) differences.push(`status ${a.status} → ${b.status}`);
    if (a.approvalTasks !== b.approvalTasks) differences.push(`approval tasks ${a.approvalTasks} → ${b.approvalTasks}`);
    if (a.exceptions !== b.exceptions) differences.push(`exceptions ${a.exceptions} → ${b.exceptions}`);
    if (a.path.join('>') !== b.path.join('>') && differences.length === 0) differences.push(`path ${a.path.join(' > ')} → ${b.path.join(' > ')}`);
    out.push({ id: c.id, current: a, draft: b, differences });
  }
  const count = (f: (r: SimulationRun) => number) => {
    const cur = out.reduce((s, c) => s + f(c.current), 0);
    const dr = out.reduce((s, c) => s + f(c.draft), 0);
    return { current: cur, draft: dr, delta: dr - cur };
  };
  const ends = (k: 'current' | 'draft') => {
    const m: Record<string, number> = {};
    for (const c of out) m[c[k].endState] = (m[c[k].endState] ?? 0) + 1;
    return m;
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
