import type { EventSource, Labels } from './definition-schema.js';
import type { CompiledDefinition } from './types.js';

/**
 * What a definition says of its events, states, tasks and roles for people: who raises an event,
 * whether it destroys something, what it risks, and the words for each. Pure: the app adds what
 * the order itself flags.
 */

export interface EventRisk {
  code: string | null;
  labels: Labels;
}

export interface EventInfo {
  name: string;
  labels: Labels | null;
  source: EventSource;
  /**
   * A person may raise it: its source is `person`, or the state offers it to people (an option of
   * its task, a resolution of its exception), as the definition's author chose.
   */
  manual: boolean;
  destructive: boolean;
  risks: EventRisk[];
}

/** Events only timers of the definition raise (an `after:` timer's event that is no task option). */
function timerEvents(def: CompiledDefinition): Set<string> {
  const timers = new Set<string>();
  const offered = new Set<string>();
  for (const state of def.states.values()) {
    for (const timer of state.timers) timers.add(timer.event);
    for (const option of state.task?.options ?? []) offered.add(option);
    if (typeof state.spec.exception === 'object')
      for (const name of state.spec.exception.resolutions) offered.add(name);
  }
  for (const name of offered) timers.delete(name);
  return timers;
}

/** Result events of the external actions the definition runs: an integration posts them with the request's id. */
function externalResults(def: CompiledDefinition): Set<string> {
  const out = new Set<string>();
  for (const state of def.states.values()) {
    for (const ref of [...(state.spec.enter ?? [])]) {
      const action = def.registry.get(ref.action);
      if (action?.runs === 'external' && action.results) {
        out.add(action.results.succeeded);
        out.add(action.results.failed);
      }
    }
  }
  return out;
}

/**
 * Who raises the event: as declared under `events:`, else `timer` for an event only timers raise,
 * `integration` for an external action's result, else `person`.
 */
export function eventSource(def: CompiledDefinition, name: string): EventSource {
  const declared = def.spec.events?.[name]?.source;
  if (declared) return declared;
  if (timerEvents(def).has(name)) return 'timer';
  if (externalResults(def).has(name)) return 'integration';
  return 'person';
}

/**
 * Destructive as declared, else when every way the event leaves `state` leads to a final state
 * whose outcome is not a success (cancelled, rejected).
 */
export function isDestructive(def: CompiledDefinition, state: string, name: string): boolean {
  const declared = def.spec.events?.[name]?.destructive;
  if (declared !== undefined) return declared;
  const transitions = def.states.get(state)?.on.get(name) ?? [];
  const targets = transitions.map((t) => t.to).filter((to): to is string => Boolean(to));
  if (targets.length === 0) return false;
  return targets.every((to) => {
    const target = def.states.get(to);
    return Boolean(target?.terminal && target.outcome && target.outcome !== 'completed');
  });
}

export function eventLabels(def: CompiledDefinition, name: string): Labels | null {
  return def.spec.events?.[name]?.labels ?? null;
}

export function stateLabels(def: CompiledDefinition, state: string): Labels | null {
  return def.states.get(state)?.spec.labels ?? null;
}

/** The title of the task a state opens, per language. */
export function taskLabels(def: CompiledDefinition, state: string): Labels | null {
  return def.states.get(state)?.task?.labels ?? null;
}

export function roleLabels(def: CompiledDefinition, role: string): Labels | null {
  return def.spec.roles?.[role]?.labels ?? null;
}

/** Whether a person may raise the event in this state without an override. */
export function isManual(def: CompiledDefinition, state: string, name: string): boolean {
  if (eventSource(def, name) === 'person') return true;
  const st = def.states.get(state);
  // `exception: true` means "every event of the state": only resolutions listed by name count.
  const listed = typeof st?.spec.exception === 'object' ? st.spec.exception.resolutions : [];
  return Boolean(st?.task?.options?.includes(name) || listed.includes(name));
}

/** The events the order accepts now, each with its source, destructiveness, risks and labels. */
export function describeEvents(def: CompiledDefinition, state: string, names: readonly string[]): EventInfo[] {
  return names.map((name) => {
    const source = eventSource(def, name);
    return {
      name,
      labels: eventLabels(def, name),
      source,
      manual: isManual(def, state, name),
      destructive: isDestructive(def, state, name),
      risks: (def.spec.events?.[name]?.risks ?? []).map((risk) => ({ code: risk.code ?? null, labels: risk.labels })),
    };
  });
}
