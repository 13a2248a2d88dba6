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
function configKey(s: ProcessSnapshot): string {
  return JSON.stringify([
    s.state, s.status, s.attributes,
    s.tasks.map((t) => [t.kind, t.role, t.step ?? null, t.escalateTo ?? null]),
    s.approval ? [s.approval.next, s.approval.votes.map((v) => [v.step, v.outcome])] : null,
  ]);
}

/** Every event a configuration could receive: the state's events plus answers to each open task. */
export function candidateEvents(def: CompiledDefinition, s: ProcessSnapshot): ProcessEvent[] {
  const out: ProcessEvent[] = allowedEvents(def, s).map((name) => ({ name }));
  for (const t of s.tasks) {
    if (t.step !== undefined) {
      out.push({ name: 'approve', taskId: t.id }, { name: 'reject', taskId: t.id });
    }
    if (t.escalateTo) out.push({ name: 'escalate', taskId: t.id });
  }
  return out;
}

/**
 * Breadth-first search over every event choice from the start state, for each set of
 * facts, up to `maxConfigurations`. Used by the tests that walk the shipped processes
 * and by the console to show where a draft can trap orders.
 */
export function exploreDefinition(def: CompiledDefinition, factVariants: FactsInput[], maxConfigurations = 5000): Exploration {
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
    const passed = (effects: Effect[]) => { for (const e of effects) if (e.type === 'state_changed') visitedStates.add(e.to); };
    passed(started.effects);
    const queue: ProcessSnapshot[] = [first];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const s = queue.shift()!;
      const key = keyOf(s);
      if (seen.has(key)) continue;
      if (seen.size >= maxConfigurations) { truncated = true; break; }
      seen.add(key);
      stateOf.set(key, s.state);
      visitedStates.add(s.state);
      if (!edges.has(key)) edges.set(key, new Set());
      if (s.status === 'done') { terminalStates.add(s.state); done.add(key); continue; }
      for (const ev of candidateEvents(def, s)) {
        transitions += 1;
        const r = transition(def, s, ev, facts, now);
        if (!r.ok) continue;
        passed(r.value.effects);
        edges.get(key)!.add(keyOf(r.value.snapshot));
        queue.push(r.value.snapshot);
      }
    }
  }
  // Backwards from finished configurations.
  const canFinish = new Set(done);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [k, next] of edges) {
      if (canFinish.has(k)) continue;
      for (const n of next) if (canFinish.has(n)) { canFinish.add(k); grew = true; break; }
    }
  }
  const cannotFinish = [...edges.keys()].filter((k) => !canFinish.has(k)).map((k) => ({ state: stateOf.get(k)!, key: k }));
  return { configurations: edges.size, visitedStates, terminalStates, cannotFinish, truncated, transitions };
}
