import type { ActionDefinition, ActionRegistry } from './action-registry.js';
import { defaultResults, externalArgsSchema } from './action-registry.js';
import { compileCel } from './cel.js';
import type { CompiledExpr } from './cel.js';
import type { ActionRef, ProcessDefinitionSpec, StateSpec, TransitionSpec } from './definition-schema.js';
import { isDuration } from './durations.js';

export type ProblemCode =
  | 'YAML_SYNTAX' | 'SCHEMA'
  | 'ACTION_NOT_IMPLEMENTED' | 'EXTERNAL_ACTION_CONFLICT' | 'EXTERNAL_ACTION_NOT_AWAITED' | 'EXTERNAL_RESULT_NOT_HANDLED' | 'BAD_ACTION_ARGS' | 'UNKNOWN_STATE' | 'UNKNOWN_DECISION' | 'DECISION_CYCLE'
  | 'UNREACHABLE_STATE' | 'UNREACHABLE_TRANSITION' | 'NO_TERMINAL_STATE' | 'DEAD_END_STATE'
  | 'NO_PATH_TO_TERMINAL' | 'NO_DEFAULT_TRANSITION' | 'TERMINAL_HAS_EXITS'
  | 'UNHANDLED_TASK_OPTION' | 'UNHANDLED_TIMER_EVENT' | 'UNHANDLED_RESOLUTION' | 'APPROVAL_EVENTS_MISSING'
  | 'BAD_APPROVAL_CHAIN' | 'BAD_TIMER'
  | 'CEL_SYNTAX' | 'CEL_TYPE' | 'CEL_LIMIT' | 'UNKNOWN_FACT';

/** A problem before positions are attached: a path into the definition. */
export interface RawProblem {
  path: (string | number)[];
  code: ProblemCode;
  message: string;
  /** Offset inside the CEL text at `path`, to point at the exact character. */
  celOffset?: number;
}

export interface SemanticCheck {
  problems: RawProblem[];
  exprs: Map<string, CompiledExpr>;
}

type Path = (string | number)[];

/** Every target a state's events and automatic transitions can lead to. */
export function targetsOf(state: StateSpec): { event: string | null; to: string | undefined; path: Path }[] {
  const out: { event: string | null; to: string | undefined; path: Path }[] = [];
  for (const [ev, t] of Object.entries(state.on ?? {})) {
    const list = Array.isArray(t) ? t : [t];
    list.forEach((x, i) => {
      const to = typeof x === 'string' ? x : x.to;
      out.push({ event: ev, to, path: Array.isArray(t) ? ['on', ev, i] : ['on', ev] });
    });
  }
  (state.always ?? []).forEach((a, i) => out.push({ event: null, to: a.to, path: ['always', i] }));
  return out;
}

/**
 * The registry a definition runs with: the wired operations plus the actions it declares under
 * `external:`. A declaration may not shadow an action Ordo carries out itself.
 */
export function definitionRegistry(def: ProcessDefinitionSpec, registry: ActionRegistry): { registry: ActionRegistry; problems: RawProblem[] } {
  const declared = Object.entries(def.external ?? {});
  if (declared.length === 0) return { registry, problems: [] };
  const problems: RawProblem[] = [];
  const merged = new Map(registry);
  for (const [code, spec] of declared) {
    const known = registry.get(code);
    if (known) {
      problems.push({ path: ['external', code], code: 'EXTERNAL_ACTION_CONFLICT',
        message: `"${code}" is already ${known.runs === 'external' ? 'an external action with its own result events' : 'carried out by Ordo'}; remove it from external:` });
      continue;
    }
    const d = defaultResults(code);
    const action: ActionDefinition = { code, description: spec.description ?? `external action ${code}`, runs: 'external', argsSchema: externalArgsSchema,
      results: { succeeded: spec.succeeded ?? d.succeeded, failed: spec.failed ?? d.failed } };
    merged.set(code, action);
  }
  return { registry: merged, problems };
}

type ActionPlace = 'enter' | 'exit' | 'transition' | 'always';

export function checkDefinition(def: ProcessDefinitionSpec, registry: ActionRegistry): SemanticCheck {
  const problems: RawProblem[] = [];
  const exprs = new Map<string, CompiledExpr>();
  const states = def.states;
  const names = new Set(Object.keys(states));
  const tables = new Set(Object.keys(def.decisions ?? {}));

  const cel = (text: string | undefined, path: Path, expect?: 'bool' | 'timestamp', inTable = false): void => {
    if (text === undefined) return;
    const r = compileCel(text, expect);
    if (!r.ok) { problems.push({ path, code: r.problem.code, message: r.problem.message, celOffset: r.problem.offset }); return; }
    for (const t of r.expr.tables) {
      if (inTable) problems.push({ path, code: 'DECISION_CYCLE', message: `a decision table may not read decisions.${t}` });
      else if (!tables.has(t)) problems.push({ path, code: 'UNKNOWN_DECISION', message: `no decision table named "${t}"` });
    }
    exprs.set(text, r.expr);
  };

  // An external action is requested on entering a state, and that state waits for its result: it
  // is the only way a process can be sure the action happened before it moves on.
  const externalAction = (a: ActionRef, action: ActionDefinition, p: Path, place: ActionPlace): void => {
    const bad = (message: string, at: Path = p) => problems.push({ path: at, code: 'EXTERNAL_ACTION_NOT_AWAITED', message: `${a.action}: ${message}` });
    if (place !== 'enter') { bad('an external action runs on entering a state, which then waits for its result; move it to a state\'s enter:'); return; }
    if (a.when !== undefined) bad('an external action cannot be conditional (the state would wait for a result never asked for); put the condition on the transition into a state that runs it', [...p, 'when']);
    const stateName = p[1] as string;
    const st = states[stateName];
    if (!st) return;
    if (st.terminal) bad(`state "${stateName}" is terminal and cannot wait for the result`);
    if (st.always) bad(`state "${stateName}" has automatic transitions, so it would move on before the result arrives`, ['states', stateName, 'always']);
    const externals = (st.enter ?? []).filter((x) => registry.get(x.action)?.runs === 'external');
    if (externals.length > 1 && externals[0] !== a) bad(`state "${stateName}" already waits for ${externals[0]!.action}; request one external action per state`);
    for (const ev of [action.results!.succeeded, action.results!.failed]) {
      if (!(ev in (st.on ?? {}))) {
        problems.push({ path: p, code: 'EXTERNAL_RESULT_NOT_HANDLED', message: `state "${stateName}" requests ${a.action} but does not accept its result "${ev}" in on:` });
      }
    }
  };

  const actions = (list: ActionRef[] | undefined, path: Path, place: ActionPlace): void => {
    (list ?? []).forEach((a, i) => {
      const p = [...path, i];
      const def = registry.get(a.action);
      if (!def) {
        problems.push({ path: [...p, 'action'], code: 'ACTION_NOT_IMPLEMENTED',
          message: `no operation carries out "${a.action}" here; if an integration does, declare it under external: (known: ${[...registry.keys()].join(', ')})` });
        return;
      }
      if (def.runs === 'external') externalAction(a, def, p, place);
      else if (a.timeout !== undefined) {
        problems.push({ path: [...p, 'timeout'], code: 'BAD_ACTION_ARGS', message: `${a.action} runs in Ordo and returns at once; timeout is for external actions` });
      }
      const parsed = def.argsSchema.safeParse(a.args ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push({ path: [...p, 'args', ...(issue.path as (string | number)[])], code: 'BAD_ACTION_ARGS', message: `${a.action}: ${issue.message}` });
        }
      }
      cel(a.when, [...p, 'when'], 'bool');
      const args = (a.args ?? {}) as Record<string, unknown>;
      if (a.action === 'decide' && typeof args.table === 'string' && !tables.has(args.table)) {
        problems.push({ path: [...p, 'args', 'table'], code: 'UNKNOWN_DECISION', message: `no decision table named "${args.table}"` });
      }
      if (a.action === 'set_attribute' && typeof args.expr === 'string') cel(args.expr, [...p, 'args', 'expr']);
      if ((a.action === 'schedule_timer' || a.action === 'open_task') && typeof (args.in ?? args.due) === 'string' && !isDuration(String(args.in ?? args.due))) {
        problems.push({ path: [...p, 'args', args.in ? 'in' : 'due'], code: 'BAD_ACTION_ARGS', message: 'an ISO 8601 duration such as PT24H' });
      }
    });
  };

  // Durations in the definition's own fields passed the schema's pattern; the one parser
  // (durations.ts) also refuses what is out of range for a date (P999999999Y), as SCHEMA.
  const duration = (text: string | undefined, path: Path, signed = false): void => {
    if (text !== undefined && !isDuration(text, { signed })) {
      problems.push({ path, code: 'SCHEMA', message: signed ? 'an ISO 8601 duration, optionally negative (-PT2H)' : 'an ISO 8601 duration such as PT24H or P2D' });
    }
  };

  if (!names.has(def.start)) problems.push({ path: ['start'], code: 'UNKNOWN_STATE', message: `start state "${def.start}" is not defined` });

  for (const [tname, table] of Object.entries(def.decisions ?? {})) {
    table.rules.forEach((r, i) => cel(r.when, ['decisions', tname, 'rules', i, 'when'], 'bool', true));
  }

  for (const [name, s] of Object.entries(states)) {
    const sp: Path = ['states', name];
    actions(s.enter, [...sp, 'enter'], 'enter');
    actions(s.exit, [...sp, 'exit'], 'exit');
    const events = new Set(Object.keys(s.on ?? {}));

    for (const [ev, t] of Object.entries(s.on ?? {})) {
      const list: (string | TransitionSpec)[] = Array.isArray(t) ? t : [t];
      list.forEach((x, i) => {
        const p: Path = Array.isArray(t) ? [...sp, 'on', ev, i] : [...sp, 'on', ev];
        if (typeof x === 'string') return;
        cel(x.when, [...p, 'when'], 'bool');
        actions(x.actions, [...p, 'actions'], 'transition');
        if (x.when === undefined && i < list.length - 1) {
          problems.push({ path: p, code: 'UNREACHABLE_TRANSITION', message: `an unguarded alternative for "${ev}" hides the ones after it` });
        }
      });
      list.forEach((x, i) => {
        if (typeof x === 'string' && i < list.length - 1) problems.push({ path: [...sp, 'on', ev, i], code: 'UNREACHABLE_TRANSITION', message: `an unguarded alternative for "${ev}" hides the ones after it` });
      });
    }
    (s.always ?? []).forEach((a, i) => {
      cel(a.when, [...sp, 'always', i, 'when'], 'bool');
      actions(a.actions, [...sp, 'always', i, 'actions'], 'always');
      if (a.when === undefined && i < s.always!.length - 1) {
        problems.push({ path: [...sp, 'always', i], code: 'UNREACHABLE_TRANSITION', message: 'a default ({to} without when) must be the last automatic transition' });
      }
    });
    for (const t of targetsOf(s)) {
      if (t.to !== undefined && !names.has(t.to)) {
        problems.push({ path: [...sp, ...t.path, ...(typeof getAt(s, t.path) === 'string' ? [] : ['to'])], code: 'UNKNOWN_STATE', message: `transition to unknown state "${t.to}"` });
      }
    }
    (s.after ?? []).forEach((tm, i) => {
      if ((tm.in === undefined) === (tm.at === undefined)) problems.push({ path: [...sp, 'after', i], code: 'BAD_TIMER', message: 'a timer needs exactly one of in (duration) or at (deadline)' });
      if (tm.offset && !tm.at) problems.push({ path: [...sp, 'after', i, 'offset'], code: 'BAD_TIMER', message: 'offset applies to an at deadline only' });
      cel(tm.at, [...sp, 'after', i, 'at'], 'timestamp');
      duration(tm.in, [...sp, 'after', i, 'in']);
      duration(tm.offset, [...sp, 'after', i, 'offset'], true);
      if (!events.has(tm.event)) problems.push({ path: [...sp, 'after', i, 'event'], code: 'UNHANDLED_TIMER_EVENT', message: `timer event "${tm.event}" has no transition in on:` });
    });
    if (s.task) {
      duration(s.task.due, [...sp, 'task', 'due']);
      duration(s.task.escalate?.after, [...sp, 'task', 'escalate', 'after']);
      (s.task.options ?? []).forEach((o, i) => {
        if (!events.has(o)) problems.push({ path: [...sp, 'task', 'options', i], code: 'UNHANDLED_TASK_OPTION', message: `task option "${o}" has no transition in on:` });
      });
      if (s.task.kind === 'approval' && (!events.has('approve') || !events.has('reject'))) {
        problems.push({ path: [...sp, 'task'], code: 'APPROVAL_EVENTS_MISSING', message: 'an approval state needs on.approve and on.reject' });
      }
      const c = s.task.chain;
      if (c) {
        if (s.task.kind !== 'approval') problems.push({ path: [...sp, 'task', 'chain'], code: 'BAD_APPROVAL_CHAIN', message: 'only approval tasks have chains' });
        if (c.mode === 'sequential' && c.policy && c.policy !== 'all-of') problems.push({ path: [...sp, 'task', 'chain', 'policy'], code: 'BAD_APPROVAL_CHAIN', message: 'a sequential chain needs every step (all-of)' });
        if (c.policy === 'n-of' && (c.n === undefined || c.n > c.steps.length)) problems.push({ path: [...sp, 'task', 'chain', 'n'], code: 'BAD_APPROVAL_CHAIN', message: `n-of needs n between 1 and ${c.steps.length}` });
        c.steps.forEach((st, i) => cel(st.when, [...sp, 'task', 'chain', 'steps', i, 'when'], 'bool'));
        c.steps.forEach((st, i) => duration(st.due, [...sp, 'task', 'chain', 'steps', i, 'due']));
      }
    }
    if (s.exception && s.exception !== true) {
      s.exception.resolutions.forEach((r, i) => {
        if (!events.has(r)) problems.push({ path: [...sp, 'exception', 'resolutions', i], code: 'UNHANDLED_RESOLUTION', message: `resolution "${r}" has no transition in on:` });
      });
    }
    const exits = events.size > 0 || (s.always?.length ?? 0) > 0;
    if (s.terminal && (exits || s.after || s.task)) {
      problems.push({ path: [...sp, 'terminal'], code: 'TERMINAL_HAS_EXITS', message: 'a terminal state has no events, automatic transitions, timers or tasks' });
    } else if (!s.terminal && !exits) {
      problems.push({ path: sp, code: 'DEAD_END_STATE', message: `state "${name}" has no way out and is not terminal` });
    } else if (!s.terminal && events.size === 0 && s.always && s.always.every((a) => a.when !== undefined)) {
      problems.push({ path: [...sp, 'always'], code: 'NO_DEFAULT_TRANSITION', message: 'no automatic transition may match and the state waits for no event: add a default {to: …} last' });
    }
  }

  graphChecks(def, problems);
  return { problems, exprs };
}

function getAt(obj: unknown, path: Path): unknown {
  let v: unknown = obj;
  for (const k of path) v = (v as Record<string | number, unknown> | undefined)?.[k];
  return v;
}

function graphChecks(def: ProcessDefinitionSpec, problems: RawProblem[]): void {
  const states = def.states;
  const names = Object.keys(states);
  const terminals = names.filter((n) => states[n]!.terminal);
  if (terminals.length === 0) problems.push({ path: ['states'], code: 'NO_TERMINAL_STATE', message: 'no state is terminal: an order could never finish' });
  const edges = new Map<string, Set<string>>();
  for (const n of names) edges.set(n, new Set(targetsOf(states[n]!).map((t) => t.to ?? n).filter((t) => t in states)));

  const reach = new Set<string>();
  const stack = def.start in states ? [def.start] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (reach.has(n)) continue;
    reach.add(n);
    for (const m of edges.get(n)!) stack.push(m);
  }
  const stuck = def.settings?.stuckState ?? 'stuck';
  for (const n of names) {
    if (!reach.has(n) && n !== stuck && def.start in states) {
      problems.push({ path: ['states', n], code: 'UNREACHABLE_STATE', message: `state "${n}" cannot be reached from "${def.start}"` });
    }
  }
  if (terminals.length === 0) return;
  // Backwards from the terminals: a reachable state that cannot get there traps orders.
  const canFinish = new Set(terminals);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of names) {
      if (canFinish.has(n)) continue;
      for (const m of edges.get(n)!) if (canFinish.has(m)) { canFinish.add(n); grew = true; break; }
    }
  }
  for (const n of reach) {
    if (!canFinish.has(n) && (states[n]!.on || states[n]!.always)) {
      problems.push({ path: ['states', n], code: 'NO_PATH_TO_TERMINAL', message: `no path leads from "${n}" to a terminal state` });
    }
  }
}
