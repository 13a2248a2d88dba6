import type { ActionDefinition, ActionRegistry } from './action-registry.js';
import { defaultResults, externalArgsSchema } from './action-registry.js';
import { compileCel } from './cel.js';
import type { CompiledExpr } from './cel.js';
import type { ActionRef, ProcessDefinitionSpec, StateSpec, TransitionSpec } from './definition-schema.js';
import { isDuration } from './durations.js';

export type ProblemCode =
  | 'YAML_SYNTAX'
  | 'SCHEMA'
  | 'ACTION_NOT_IMPLEMENTED'
  | 'EXTERNAL_ACTION_CONFLICT'
  | 'EXTERNAL_ACTION_NOT_AWAITED'
  | 'EXTERNAL_RESULT_NOT_HANDLED'
  | 'BAD_ACTION_ARGS'
  | 'UNKNOWN_STATE'
  | 'UNKNOWN_DECISION'
  | 'DECISION_CYCLE'
  | 'UNREACHABLE_STATE'
  | 'UNREACHABLE_TRANSITION'
  | 'NO_TERMINAL_STATE'
  | 'DEAD_END_STATE'
  | 'NO_PATH_TO_TERMINAL'
  | 'NO_DEFAULT_TRANSITION'
  | 'TERMINAL_HAS_EXITS'
  | 'UNHANDLED_TASK_OPTION'
  | 'UNHANDLED_TIMER_EVENT'
  | 'UNHANDLED_RESOLUTION'
  | 'APPROVAL_EVENTS_MISSING'
  | 'BAD_APPROVAL_CHAIN'
  | 'BAD_TIMER'
  | 'CEL_SYNTAX'
  | 'CEL_TYPE'
  | 'CEL_LIMIT'
  | 'UNKNOWN_FACT'
  | 'UNKNOWN_EVENT';

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
  for (const [ev, value] of Object.entries(state.on ?? {})) {
    const list = Array.isArray(value) ? value : [value];
    list.forEach((item, index) => {
      const to = typeof item === 'string' ? item : item.to;
      out.push({ event: ev, to, path: Array.isArray(value) ? ['on', ev, index] : ['on', ev] });
    });
  }
  (state.always ?? []).forEach((a, i) => out.push({ event: null, to: a.to, path: ['always', i] }));
  return out;
}

/**
 * The registry a definition runs with: the wired operations plus the actions it declares under
 * `external:`. A declaration may not shadow an action Ordo carries out itself.
 */
export function definitionRegistry(
  def: ProcessDefinitionSpec,
  registry: ActionRegistry,
): { registry: ActionRegistry; problems: RawProblem[] } {
  const declared = Object.entries(def.external ?? {});
  if (declared.length === 0) return { registry, problems: [] };
  const problems: RawProblem[] = [];
  const merged = new Map(registry);
  for (const [code, spec] of declared) {
    const known = registry.get(code);
    if (known) {
      problems.push({
        path: ['external', code],
        code: 'EXTERNAL_ACTION_CONFLICT',
        message: `"${code}" is already ${known.runs === 'external' ? 'an external action with its own result events' : 'carried out by Ordo'}; remove it from external:`,
      });
      continue;
    }
    const externalResults = defaultResults(code);
    const action: ActionDefinition = {
      code,
      description: spec.description ?? `external action ${code}`,
      runs: 'external',
      argsSchema: externalArgsSchema,
      results: {
        succeeded: spec.succeeded ?? externalResults.succeeded,
        failed: spec.failed ?? externalResults.failed,
      },
    };
    merged.set(code, action);
  }
  return { registry: merged, problems };
}

type ActionPlace = 'enter' | 'exit' | 'transition' | 'always';

export function checkDefinition(
  def: ProcessDefinitionSpec,
  registry: ActionRegistry,
  opts: { stored?: boolean } = {},
): SemanticCheck {
  const problems: RawProblem[] = [];
  const exprs = new Map<string, CompiledExpr>();
  const states = def.states;
  const names = new Set(Object.keys(states));
  const tables = new Set(Object.keys(def.decisions ?? {}));

  const cel = (text: string | undefined, path: Path, expect?: 'bool' | 'timestamp', inTable = false): void => {
    if (text === undefined) return;
    const compileResult = compileCel(text, expect);
    if (!compileResult.ok) {
      problems.push({
        path,
        code: compileResult.problem.code,
        message: compileResult.problem.message,
        celOffset: compileResult.problem.offset,
      });
      return;
    }
    for (const table of compileResult.expr.tables) {
      if (inTable)
        problems.push({ path, code: 'DECISION_CYCLE', message: `a decision table may not read decisions.${table}` });
      else if (!tables.has(table))
        problems.push({ path, code: 'UNKNOWN_DECISION', message: `no decision table named "${table}"` });
    }
    exprs.set(text, compileResult.expr);
  };

  // An external action is requested on entering a state, and that state waits for its result: it
  // is the only way a process can be sure the action happened before it moves on.
  const externalAction = (left: ActionRef, action: ActionDefinition, path: Path, place: ActionPlace): void => {
    const bad = (message: string, at: Path = path) =>
      problems.push({ path: at, code: 'EXTERNAL_ACTION_NOT_AWAITED', message: `${left.action}: ${message}` });
    if (place !== 'enter') {
      bad("an external action runs on entering a state, which then waits for its result; move it to a state's enter:");
      return;
    }
    if (left.when !== undefined)
      bad(
        'an external action cannot be conditional (the state would wait for a result never asked for); put the condition on the transition into a state that runs it',
        [...path, 'when'],
      );
    const stateName = path[1] as string;
    const st = states[stateName];
    if (!st) return;
    if (st.terminal) bad(`state "${stateName}" is terminal and cannot wait for the result`);
    if (st.always)
      bad(`state "${stateName}" has automatic transitions, so it would move on before the result arrives`, [
        'states',
        stateName,
        'always',
      ]);
    const externals = (st.enter ?? []).filter((x) => registry.get(x.action)?.runs === 'external');
    if (externals.length > 1 && externals[0] !== left)
      bad(`state "${stateName}" already waits for ${externals[0]!.action}; request one external action per state`);
    for (const ev of [action.results!.succeeded, action.results!.failed]) {
      if (!(ev in (st.on ?? {}))) {
        problems.push({
          path,
          code: 'EXTERNAL_RESULT_NOT_HANDLED',
          message: `state "${stateName}" requests ${left.action} but does not accept its result "${ev}" in on:`,
        });
      }
    }
  };

  const actions = (list: ActionRef[] | undefined, path: Path, place: ActionPlace): void => {
    (list ?? []).forEach((item, index) => {
      const value = [...path, index];
      const def = registry.get(item.action);
      if (!def) {
        problems.push({
          path: [...value, 'action'],
          code: 'ACTION_NOT_IMPLEMENTED',
          message: `no operation carries out "${item.action}" here; if an integration does, declare it under external: (known: ${[...registry.keys()].join(', ')})`,
        });
        return;
      }
      if (def.runs === 'external') {
        // A version published before these rules existed still runs as it was accepted (orders are on it).
        if (!opts.stored) externalAction(item, def, value, place);
      } else if (item.timeout !== undefined) {
        problems.push({
          path: [...value, 'timeout'],
          code: 'BAD_ACTION_ARGS',
          message: `${item.action} runs in Ordo and returns at once; timeout is for external actions`,
        });
      }
      const parsed = def.argsSchema.safeParse(item.args ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problems.push({
            path: [...value, 'args', ...(issue.path as (string | number)[])],
            code: 'BAD_ACTION_ARGS',
            message: `${item.action}: ${issue.message}`,
          });
        }
      }
      cel(item.when, [...value, 'when'], 'bool');
      const args = (item.args ?? {}) as Record<string, unknown>;
      if (item.action === 'decide' && typeof args.table === 'string' && !tables.has(args.table)) {
        problems.push({
          path: [...value, 'args', 'table'],
          code: 'UNKNOWN_DECISION',
          message: `no decision table named "${args.table}"`,
        });
      }
      if (item.action === 'set_attribute' && typeof args.expr === 'string') cel(args.expr, [...value, 'args', 'expr']);
      if (
        (item.action === 'schedule_timer' || item.action === 'open_task') &&
        typeof (args.in ?? args.due) === 'string' &&
        !isDuration(String(args.in ?? args.due))
      ) {
        problems.push({
          path: [...value, 'args', args.in ? 'in' : 'due'],
          code: 'BAD_ACTION_ARGS',
          message: 'an ISO 8601 duration such as PT24H',
        });
      }
    });
  };

  // Durations in the definition's own fields passed the schema's pattern; the one parser
  // (durations.ts) also refuses what is out of range for a date (P999999999Y), as SCHEMA.
  const duration = (text: string | undefined, path: Path, signed = false): void => {
    if (text !== undefined && !isDuration(text, { signed })) {
      problems.push({
        path,
        code: 'SCHEMA',
        message: signed
          ? 'an ISO 8601 duration, optionally negative (-PT2H)'
          : 'an ISO 8601 duration such as PT24H or P2D',
      });
    }
  };

  if (!names.has(def.start))
    problems.push({ path: ['start'], code: 'UNKNOWN_STATE', message: `start state "${def.start}" is not defined` });

  for (const [tname, table] of Object.entries(def.decisions ?? {})) {
    table.rules.forEach((r, i) => cel(r.when, ['decisions', tname, 'rules', i, 'when'], 'bool', true));
  }

  for (const [name, state] of Object.entries(states)) {
    const sp: Path = ['states', name];
    actions(state.enter, [...sp, 'enter'], 'enter');
    actions(state.exit, [...sp, 'exit'], 'exit');
    const events = new Set(Object.keys(state.on ?? {}));

    for (const [ev, value] of Object.entries(state.on ?? {})) {
      const list: (string | TransitionSpec)[] = Array.isArray(value) ? value : [value];
      list.forEach((item, index) => {
        const path: Path = Array.isArray(value) ? [...sp, 'on', ev, index] : [...sp, 'on', ev];
        if (typeof item === 'string') return;
        cel(item.when, [...path, 'when'], 'bool');
        actions(item.actions, [...path, 'actions'], 'transition');
        if (item.when === undefined && index < list.length - 1) {
          problems.push({
            path,
            code: 'UNREACHABLE_TRANSITION',
            message: `an unguarded alternative for "${ev}" hides the ones after it`,
          });
        }
      });
      list.forEach((item, index) => {
        if (typeof item === 'string' && index < list.length - 1)
          problems.push({
            path: [...sp, 'on', ev, index],
            code: 'UNREACHABLE_TRANSITION',
            message: `an unguarded alternative for "${ev}" hides the ones after it`,
          });
      });
    }
    (state.always ?? []).forEach((alway, index) => {
      cel(alway.when, [...sp, 'always', index, 'when'], 'bool');
      actions(alway.actions, [...sp, 'always', index, 'actions'], 'always');
      if (alway.when === undefined && index < state.always!.length - 1) {
        problems.push({
          path: [...sp, 'always', index],
          code: 'UNREACHABLE_TRANSITION',
          message: 'a default ({to} without when) must be the last automatic transition',
        });
      }
    });
    for (const item of targetsOf(state)) {
      if (item.to !== undefined && !names.has(item.to)) {
        problems.push({
          path: [...sp, ...item.path, ...(typeof getAt(state, item.path) === 'string' ? [] : ['to'])],
          code: 'UNKNOWN_STATE',
          message: `transition to unknown state "${item.to}"`,
        });
      }
    }
    (state.after ?? []).forEach((tm, index) => {
      if ((tm.in === undefined) === (tm.at === undefined))
        problems.push({
          path: [...sp, 'after', index],
          code: 'BAD_TIMER',
          message: 'a timer needs exactly one of in (duration) or at (deadline)',
        });
      if (tm.offset && !tm.at)
        problems.push({
          path: [...sp, 'after', index, 'offset'],
          code: 'BAD_TIMER',
          message: 'offset applies to an at deadline only',
        });
      cel(tm.at, [...sp, 'after', index, 'at'], 'timestamp');
      duration(tm.in, [...sp, 'after', index, 'in']);
      duration(tm.offset, [...sp, 'after', index, 'offset'], true);
      if (!events.has(tm.event))
        problems.push({
          path: [...sp, 'after', index, 'event'],
          code: 'UNHANDLED_TIMER_EVENT',
          message: `timer event "${tm.event}" has no transition in on:`,
        });
    });
    if (state.task) {
      duration(state.task.due, [...sp, 'task', 'due']);
      duration(state.task.escalate?.after, [...sp, 'task', 'escalate', 'after']);
      (state.task.options ?? []).forEach((option, index) => {
        if (!events.has(option))
          problems.push({
            path: [...sp, 'task', 'options', index],
            code: 'UNHANDLED_TASK_OPTION',
            message: `task option "${option}" has no transition in on:`,
          });
      });
      if (state.task.kind === 'approval' && (!events.has('approve') || !events.has('reject'))) {
        problems.push({
          path: [...sp, 'task'],
          code: 'APPROVAL_EVENTS_MISSING',
          message: 'an approval state needs on.approve and on.reject',
        });
      }
      const chain = state.task.chain;
      if (chain) {
        if (state.task.kind !== 'approval')
          problems.push({
            path: [...sp, 'task', 'chain'],
            code: 'BAD_APPROVAL_CHAIN',
            message: 'only approval tasks have chains',
          });
        if (chain.mode === 'sequential' && chain.policy && chain.policy !== 'all-of')
          problems.push({
            path: [...sp, 'task', 'chain', 'policy'],
            code: 'BAD_APPROVAL_CHAIN',
            message: 'a sequential chain needs every step (all-of)',
          });
        if (chain.policy === 'n-of' && (chain.n === undefined || chain.n > chain.steps.length))
          problems.push({
            path: [...sp, 'task', 'chain', 'n'],
            code: 'BAD_APPROVAL_CHAIN',
            message: `n-of needs n between 1 and ${chain.steps.length}`,
          });
        chain.steps.forEach((st, i) => cel(st.when, [...sp, 'task', 'chain', 'steps', i, 'when'], 'bool'));
        chain.steps.forEach((st, i) => duration(st.due, [...sp, 'task', 'chain', 'steps', i, 'due']));
      }
    }
    if (state.exception && state.exception !== true) {
      state.exception.resolutions.forEach((resolution, index) => {
        if (!events.has(resolution))
          problems.push({
            path: [...sp, 'exception', 'resolutions', index],
            code: 'UNHANDLED_RESOLUTION',
            message: `resolution "${resolution}" has no transition in on:`,
          });
      });
    }
    const exits = events.size > 0 || (state.always?.length ?? 0) > 0;
    if (state.terminal && (exits || state.after || state.task)) {
      problems.push({
        path: [...sp, 'terminal'],
        code: 'TERMINAL_HAS_EXITS',
        message: 'a terminal state has no events, automatic transitions, timers or tasks',
      });
    } else if (!state.terminal && !exits) {
      problems.push({
        path: sp,
        code: 'DEAD_END_STATE',
        message: `state "${name}" has no way out and is not terminal`,
      });
    } else if (
      !state.terminal &&
      events.size === 0 &&
      state.always &&
      state.always.every((a) => a.when !== undefined)
    ) {
      problems.push({
        path: [...sp, 'always'],
        code: 'NO_DEFAULT_TRANSITION',
        message: 'no automatic transition may match and the state waits for no event: add a default {to: …} last',
      });
    }
  }

  graphChecks(def, problems);
  eventDeclarationChecks(def, problems);
  return { problems, exprs };
}

/** An event described under `events:` that no state accepts is a typo, not a description. */
function eventDeclarationChecks(def: ProcessDefinitionSpec, problems: RawProblem[]): void {
  const accepted = new Set<string>(['escalate']);
  for (const state of Object.values(def.states)) for (const name of Object.keys(state.on ?? {})) accepted.add(name);
  for (const name of Object.keys(def.events ?? {})) {
    if (!accepted.has(name))
      problems.push({
        path: ['events', name],
        code: 'UNKNOWN_EVENT',
        message: `no state accepts the event "${name}": describe only events that some state's on: names`,
      });
  }
}

function getAt(obj: unknown, path: Path): unknown {
  let currentObj: unknown = obj;
  for (const item of path) currentObj = (currentObj as Record<string | number, unknown> | undefined)?.[item];
  return currentObj;
}

function graphChecks(def: ProcessDefinitionSpec, problems: RawProblem[]): void {
  const states = def.states;
  const names = Object.keys(states);
  const terminals = names.filter((n) => states[n]!.terminal);
  if (terminals.length === 0)
    problems.push({
      path: ['states'],
      code: 'NO_TERMINAL_STATE',
      message: 'no state is terminal: an order could never finish',
    });
  const edges = new Map<string, Set<string>>();
  for (const name of names)
    edges.set(
      name,
      new Set(
        targetsOf(states[name]!)
          .map((t) => t.to ?? name)
          .filter((t) => t in states),
      ),
    );

  const reach = new Set<string>();
  const stack = def.start in states ? [def.start] : [];
  while (stack.length) {
    const item = stack.pop()!;
    if (reach.has(item)) continue;
    reach.add(item);
    for (const match of edges.get(item)!) stack.push(match);
  }
  const stuck = def.settings?.stuckState ?? 'stuck';
  for (const name of names) {
    if (!reach.has(name) && name !== stuck && def.start in states) {
      problems.push({
        path: ['states', name],
        code: 'UNREACHABLE_STATE',
        message: `state "${name}" cannot be reached from "${def.start}"`,
      });
    }
  }
  if (terminals.length === 0) return;
  // Backwards from the terminals: a reachable state that cannot get there traps orders.
  const canFinish = new Set(terminals);
  let grew = true;
  while (grew) {
    grew = false;
    for (const name of names) {
      if (canFinish.has(name)) continue;
      for (const item of edges.get(name)!)
        if (canFinish.has(item)) {
          canFinish.add(name);
          grew = true;
          break;
        }
    }
  }
  for (const item of reach) {
    if (!canFinish.has(item) && (states[item]!.on || states[item]!.always)) {
      problems.push({
        path: ['states', item],
        code: 'NO_PATH_TO_TERMINAL',
        message: `no path leads from "${item}" to a terminal state`,
      });
    }
  }
}
