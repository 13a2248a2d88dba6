import { prepareFacts } from './facts.js';
import type { FactsInput } from './facts.js';
import { allowedEvents, startProcess, transition } from './transition.js';
import type { CompiledDefinition, Effect, ProcessEvent, ProcessSnapshot } from './types.js';

export interface Exploration {
  /** Distinct configurations seen (state + open tasks + votes + attributes). */
  configurations: number;
  visitedStates: Set<string>;
  terminalStates: Set<string>;
  /** Configurations from which no explored path reaches a terminal state. */
  cannotFinish: { state: string; key: string }[];
  /** True when the bound cut the search short. */
  truncated: boolean;
  /** Events tried in total. */
  transitions: number;
}

/** What identifies a configuration for the search: not ids, clocks or counters. */
function configKey(processSnapshot: ProcessSnapshot): string {
  return JSON.stringify([
    processSnapshot.state,
    processSnapshot.status,
    processSnapshot.attributes,
    processSnapshot.tasks.map((t) => [t.kind, t.role, t.step ?? null, t.escalateTo ?? null]),
    processSnapshot.approval
      ? [processSnapshot.approval.next, processSnapshot.approval.votes.map((v) => [v.step, v.outcome])]
      : null,
  ]);
}

/** Every event a configuration could receive: the state's events plus answers to each open task. */
export function candidateEvents(def: CompiledDefinition, processSnapshot: ProcessSnapshot): ProcessEvent[] {
  const out: ProcessEvent[] = allowedEvents(def, processSnapshot).map((name) => ({ name }));
  for (const task of processSnapshot.tasks) {
    if (task.step !== undefined) {
      out.push({ name: 'approve', taskId: task.id }, { name: 'reject', taskId: task.id });
    }
    if (task.escalateTo) out.push({ name: 'escalate', taskId: task.id });
  }
  return out;
}

/**
 * Breadth-first search over every event choice from the start state, for each set of
 * facts, up to `maxConfigurations`. Used by the tests that walk the shipped processes
 * and by the console to show where a draft can trap orders.
 */
export function exploreDefinition(
  def: CompiledDefinition,
  factVariants: FactsInput[],
  maxConfigurations = 5000,
): Exploration {
  const now = new Date('2026-03-02T08:00:00Z');
  const visitedStates = new Set<string>();
  const terminalStates = new Set<string>();
  const edges = new Map<string, Set<string>>();
  const stateOf = new Map<string, string>();
  const done = new Set<string>();
  let truncated = false;
  let transitions = 0;
  for (const [vi, variant] of factVariants.entries()) {
    const facts = prepareFacts(variant);
    // Keys are per fact variant: the same configuration may finish under one set of facts and not another.
    const keyOf = (s: ProcessSnapshot) => `${vi}|${configKey(s)}`;
    const started = startProcess(def, facts, now);
    const first = started.snapshot;
    // States passed through by automatic transitions never show in a snapshot.
    const passed = (effects: Effect[]) => {
      for (const effect of effects) if (effect.type === 'state_changed') visitedStates.add(effect.to);
    };
    passed(started.effects);
    const queue: ProcessSnapshot[] = [first];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const processSnapshot = queue.shift()!;
      const key = keyOf(processSnapshot);
      if (seen.has(key)) continue;
      if (seen.size >= maxConfigurations) {
        truncated = true;
        break;
      }
      seen.add(key);
      stateOf.set(key, processSnapshot.state);
      visitedStates.add(processSnapshot.state);
      if (!edges.has(key)) edges.set(key, new Set());
      if (processSnapshot.status === 'done') {
        terminalStates.add(processSnapshot.state);
        done.add(key);
        continue;
      }
      for (const ev of candidateEvents(def, processSnapshot)) {
        transitions += 1;
        const result = transition(def, processSnapshot, ev, facts, now);
        if (!result.ok) continue;
        passed(result.value.effects);
        edges.get(key)!.add(keyOf(result.value.snapshot));
        queue.push(result.value.snapshot);
      }
    }
  }
  // Backwards from finished configurations.
  const canFinish = new Set(done);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, next] of edges) {
      if (canFinish.has(key)) continue;
      for (const item of next)
        if (canFinish.has(item)) {
          canFinish.add(key);
          grew = true;
          break;
        }
    }
  }
  const cannotFinish = [...edges.keys()]
    .filter((k) => !canFinish.has(k))
    .map((k) => ({ state: stateOf.get(k)!, key: k }));
  return { configurations: edges.size, visitedStates, terminalStates, cannotFinish, truncated, transitions };
}
