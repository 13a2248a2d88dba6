import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';
import { openStateTasks, vote } from './approvals.js';
import { addDuration } from './durations.js';
import { prepareFacts } from './facts.js';
import type { Facts, FactsInput } from './facts.js';
import { currentFacts, holds, inputsOf, newRun, pick, trace } from './run-context.js';
import type { Run } from './run-context.js';
import { runActions } from './run-actions.js';
import type {
  CompiledDefinition,
  CompiledState,
  CompiledTransition,
  ProcessEvent,
  ProcessSnapshot,
  TransitionNotAllowed,
  TransitionOk,
} from './types.js';

/** Enter the start state of a new order (running its entry actions and automatic transitions). */
export function startProcess(def: CompiledDefinition, facts: FactsInput | Facts, now: Date): TransitionOk {
  const snap: ProcessSnapshot = {
    definitionKey: def.key,
    definitionVersion: def.version,
    state: def.start,
    status: 'active',
    enteredAt: now.toISOString(),
    attributes: {},
    tasks: [],
    approval: null,
    timers: [],
    seq: 0,
  };
  const run = newRun(def, snap, prepareFacts(facts), null, now);
  trace(run, { state: def.start, event: null, kind: 'start', to: def.start });
  enter(run, def.start, null);
  return { snapshot: run.snap, effects: run.effects, trace: run.trace };
}

/**
 * The engine: apply one event to a snapshot. Pure — the same inputs give the same
 * output, nothing is read or written outside the arguments. A disallowed event is a
 * value listing the allowed ones; a runaway loop of automatic transitions ends in the
 * definition's stuck state. Bugs throw; definitions and events never make it throw.
 */
export function transition(
  def: CompiledDefinition,
  snapshot: ProcessSnapshot,
  event: ProcessEvent,
  facts: FactsInput | Facts,
  now: Date,
): Result<TransitionOk, TransitionNotAllowed> {
  const notAllowed = (reason: TransitionNotAllowed['reason'], allowed: string[]) =>
    err({ code: 'TRANSITION_NOT_ALLOWED' as const, state: snapshot.state, event: event.name, allowed, reason });
  if (snapshot.definitionKey !== def.key || snapshot.definitionVersion !== def.version) {
    // A wiring bug, not a business outcome: the order must run on the version it started with.
    throw new Error(
      `snapshot runs ${snapshot.definitionKey} v${snapshot.definitionVersion}, engine was given ${def.key} v${def.version}`,
    );
  }
  if (snapshot.status === 'done') return notAllowed('FINISHED', []);
  const st = def.states.get(snapshot.state);
  if (!st) return notAllowed('NOT_IN_STATE', []);

  const run = newRun(def, copy(snapshot), prepareFacts(facts), event, now);
  // A fired timer is spent, whether or not the state still wants its event.
  run.snap.timers = run.snap.timers.filter(
    (t) =>
      !(
        t.event === event.name &&
        (t.taskId === undefined || t.taskId === event.taskId) &&
        Date.parse(t.at) <= now.getTime()
      ),
  );

  if (event.name === 'escalate' && !st.on.has('escalate')) {
    const task = run.snap.tasks.find((t) => t.id === event.taskId && t.escalateTo);
    if (!task) return notAllowed('UNKNOWN_TASK', allowedEvents(def, snapshot));
    trace(run, {
      state: st.name,
      event: 'escalate',
      kind: 'escalation',
      note: `${task.id}: ${task.role} → ${task.escalateTo}`,
    });
    task.role = task.escalateTo!;
    delete task.escalateTo;
    run.effects.push({ type: 'escalate_task', taskId: task.id, role: task.role });
    return ok({ snapshot: run.snap, effects: run.effects, trace: run.trace });
  }

  // The result of an external action names its request (data.requestId, from action.requested):
  // one naming another request is a late answer to an earlier attempt and changes nothing.
  const awaiting = run.snap.awaiting;
  const named = event.data?.requestId;
  if (
    awaiting &&
    named !== undefined &&
    named !== awaiting.requestId &&
    (event.name === awaiting.results.succeeded || event.name === awaiting.results.failed)
  ) {
    return notAllowed('STALE_RESULT', allowedEvents(def, snapshot));
  }

  if (event.taskId !== undefined && !run.snap.tasks.some((t) => t.id === event.taskId)) {
    return notAllowed('UNKNOWN_TASK', allowedEvents(def, snapshot));
  }
  let eventName = event.name;
  if (run.snap.approval && (eventName === 'approve' || eventName === 'reject')) {
    const voteOutcome = vote(run, st);
    if (voteOutcome.kind === 'unknown_task') return notAllowed('UNKNOWN_TASK', allowedEvents(def, snapshot));
    if (voteOutcome.kind === 'pending') return ok({ snapshot: run.snap, effects: run.effects, trace: run.trace });
    eventName = voteOutcome.event;
  }
  const list = st.on.get(eventName);
  if (!list) return notAllowed('NOT_IN_STATE', [...st.on.keys()]);
  const chosen = pick(run, list);
  if (!chosen) return notAllowed('GUARD_FAILED', allowedEvents(def, snapshot, run.base, now));
  take(run, st, chosen.t, eventName, 'event', chosen.rejected);
  return ok({ snapshot: run.snap, effects: run.effects, trace: run.trace });
}

/** Events the current state accepts; with facts, only those whose guard can pass now. */
export function allowedEvents(
  def: CompiledDefinition,
  snapshot: ProcessSnapshot,
  facts?: FactsInput | Facts,
  now?: Date,
): string[] {
  if (snapshot.status === 'done') return [];
  const st = def.states.get(snapshot.state);
  if (!st) return [];
  if (!facts) return [...st.on.keys()];
  const run = newRun(def, snapshot, prepareFacts(facts), null, now ?? new Date(snapshot.enteredAt));
  const out: string[] = [];
  for (const [ev, list] of st.on) {
    run.event = { name: ev };
    run.facts = null;
    if (list.some((t) => !t.when || holds(run, t.when))) out.push(ev);
  }
  return out;
}

function copy(processSnapshot: ProcessSnapshot): ProcessSnapshot {
  return {
    ...processSnapshot,
    attributes: { ...processSnapshot.attributes },
    tasks: processSnapshot.tasks.map((t) => ({ ...t })),
    timers: [...processSnapshot.timers],
    approval: processSnapshot.approval
      ? { ...processSnapshot.approval, votes: [...processSnapshot.approval.votes] }
      : null,
  };
}

function take(
  run: Run,
  from: CompiledState,
  compiledTransition: CompiledTransition,
  event: string,
  kind: 'event' | 'always',
  rejected: string[],
): void {
  trace(run, {
    state: from.name,
    event: kind === 'event' ? event : null,
    kind,
    to: compiledTransition.to ?? from.name,
    condition: compiledTransition.when?.text ?? null,
    ...(compiledTransition.when ? { inputs: inputsOf(run, compiledTransition.when) } : {}),
    ...(rejected.length ? { rejected } : {}),
  });
  if (compiledTransition.to === undefined) {
    // Internal transition: actions only, the state's tasks and timers stay.
    runActions(run, compiledTransition.actions, from.name);
    return;
  }
  exit(run, from, event);
  runActions(run, compiledTransition.actions, from.name);
  enter(run, compiledTransition.to, event);
}

function exit(run: Run, st: CompiledState, event: string): void {
  const ev = run.event;
  for (const task of run.snap.tasks) {
    const done =
      task.id === ev?.taskId ||
      (task.options?.includes(event) ?? false) ||
      (task.kind === 'approval' && (event === 'approve' || event === 'reject') && task.step === undefined);
    run.effects.push({
      type: 'close_task',
      taskId: task.id,
      outcome: done ? 'completed' : 'cancelled',
      ...(done ? { event } : {}),
      ...(done && ev?.actor ? { by: ev.actor.id } : {}),
    });
  }
  run.snap.tasks = [];
  run.snap.approval = null;
  run.snap.awaiting = null;
  run.snap.timers = run.snap.timers.filter((timer) => {
    if (timer.persistent) return true;
    run.effects.push({ type: 'cancel_timer', timerId: timer.id });
    return false;
  });
  if (st.exception)
    run.effects.push({ type: 'close_exception', kind: st.exception.kind, state: st.name, resolution: event });
  runActions(run, st.spec.exit, st.name);
  run.facts = null;
}

function enter(run: Run, first: string, cause: string | null): void {
  let name = first;
  let from: string | null = run.snap.state === first && cause === null ? null : run.snap.state;
  let auto = 0;
  for (;;) {
    const st = run.def.states.get(name)!;
    run.snap.state = name;
    run.snap.enteredAt = run.nowIso;
    run.snap.status = st.terminal ? 'done' : st.exception ? 'waiting_exception' : 'active';
    run.facts = null;
    run.effects.push({ type: 'state_changed', from, to: name, event: auto === 0 ? cause : null });
    runActions(run, st.spec.enter, name);
    if (st.exception)
      run.effects.push({
        type: 'open_exception',
        kind: st.exception.kind,
        state: name,
        resolutions: st.exception.resolutions,
      });
    if (st.terminal) {
      for (const timer of run.snap.timers) run.effects.push({ type: 'cancel_timer', timerId: timer.id });
      run.snap.timers = [];
      return;
    }
    scheduleTimers(run, st);
    let next: { t: CompiledTransition; rejected: string[]; event: string } | null = null;
    if (!openStateTasks(run, st)) {
      // An approval chain where no step applies is approved by definition.
      const value = pick(run, st.on.get('approve')!);
      if (value) next = { ...value, event: 'approve' };
      trace(run, {
        state: name,
        event: null,
        kind: 'approval',
        note: 'no approval step applies; approved without a task',
      });
    } else if (st.always.length > 0) {
      const value = pick(run, st.always);
      if (value) next = { ...value, event: '' };
    }
    if (!next || next.t.to === undefined) return;
    if (auto >= run.def.maxSteps) {
      stuck(run, st);
      return;
    }
    auto += 1;
    const kind = next.event === 'approve' ? 'event' : 'always';
    take1(run, st, next.t, next.event, kind, next.rejected);
    from = name;
    name = next.t.to;
  }
}

/** Like take() but leaves entering to the caller's loop, so chains of automatic steps do not recurse. */
function take1(
  run: Run,
  from: CompiledState,
  compiledTransition: CompiledTransition,
  event: string,
  kind: 'event' | 'always',
  rejected: string[],
): void {
  trace(run, {
    state: from.name,
    event: kind === 'event' ? event : null,
    kind,
    to: compiledTransition.to!,
    condition: compiledTransition.when?.text ?? null,
    ...(compiledTransition.when ? { inputs: inputsOf(run, compiledTransition.when) } : {}),
    ...(rejected.length ? { rejected } : {}),
  });
  exit(run, from, event);
  runActions(run, compiledTransition.actions, from.name);
}

function scheduleTimers(run: Run, st: CompiledState): void {
  for (const tm of st.timers) {
    let at: Date;
    if (tm.in) {
      at = addDuration(run.now, tm.in);
    } else {
      const expr = run.def.exprs.get(tm.at!)!;
      try {
        const value = expr.run(currentFacts(run));
        at = value instanceof Date ? value : new Date(String(value));
        // A missing deadline fact reads as the epoch; a timer then would fire at once for no reason.
        if (!(at.getTime() > 0)) throw new Error('the deadline is not set');
        if (tm.offset) at = addDuration(at, tm.offset);
      } catch (error) {
        trace(run, {
          state: st.name,
          event: null,
          kind: 'error',
          condition: tm.at!,
          note: `timer ${tm.event} not scheduled: ${(error as Error).message.split('\n')[0]}`,
        });
        continue;
      }
    }
    const id = `${st.name}:${tm.event}#${++run.snap.seq}`;
    const iso = at.toISOString();
    run.snap.timers.push({ id, event: tm.event, at: iso });
    run.effects.push({ type: 'schedule_timer', timerId: id, at: iso, event: tm.event });
  }
}

/** The step limit: a loop of automatic transitions parks the order instead of spinning. */
function stuck(run: Run, at: CompiledState): void {
  const target = run.def.stuckState;
  trace(run, {
    state: at.name,
    event: null,
    kind: 'step_limit',
    to: target,
    note: `more than ${run.def.maxSteps} automatic transitions in one step`,
  });
  exit(run, at, 'step_limit');
  const st = run.def.states.get(target);
  run.snap.state = target;
  run.snap.enteredAt = run.nowIso;
  run.snap.status = st?.terminal ? 'done' : 'waiting_exception';
  run.effects.push({ type: 'state_changed', from: at.name, to: target, event: null });
  // Entry actions and tasks of a defined stuck state run; its automatic transitions do not, or the loop would resume.
  if (st) {
    runActions(run, st.spec.enter, target);
    openStateTasks(run, st);
  }
  run.effects.push({
    type: 'open_exception',
    kind: st?.exception?.kind ?? 'runaway_process',
    state: target,
    resolutions: st?.exception?.resolutions ?? [],
  });
}
