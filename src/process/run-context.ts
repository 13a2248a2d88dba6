import type { CompiledExpr } from './cel.js';
import { evaluateTable, test } from './decision-tables.js';
import { readFact, toCelDyn, withFacts } from './facts.js';
import type { Facts } from './facts.js';
import type {
  CompiledDefinition,
  CompiledTransition,
  Effect,
  ProcessEvent,
  ProcessSnapshot,
  TraceEntry,
} from './types.js';

/** The mutable working state of one engine call; nothing here outlives the call. */
export interface Run {
  def: CompiledDefinition;
  snap: ProcessSnapshot;
  effects: Effect[];
  trace: TraceEntry[];
  now: Date;
  nowIso: string;
  base: Facts;
  event: ProcessEvent | null;
  step: number;
  facts: Facts | null;
}

export function newRun(
  def: CompiledDefinition,
  snap: ProcessSnapshot,
  base: Facts,
  event: ProcessEvent | null,
  now: Date,
): Run {
  return { def, snap, effects: [], trace: [], now, nowIso: now.toISOString(), base, event, step: 0, facts: null };
}

/** Call after changing attributes or approvals so the next condition sees them. */
export function invalidate(run: Run): void {
  run.facts = null;
}

export function currentFacts(run: Run): Facts {
  if (run.facts) return run.facts;
  const processSnapshot = run.snap;
  const ap = processSnapshot.approval;
  const approved = ap ? ap.votes.filter((v) => v.outcome === 'approve').length : 0;
  const rejected = ap ? ap.votes.length - approved : 0;
  run.facts = withFacts(run.base, {
    attributes: toCelDyn(processSnapshot.attributes),
    approvals: {
      approved: BigInt(approved),
      rejected: BigInt(rejected),
      pending: BigInt(processSnapshot.tasks.filter((t) => t.step !== undefined).length),
      required: BigInt(ap?.required ?? 0),
    },
    event: { name: run.event?.name ?? '', data: toCelDyn(run.event?.data ?? {}) },
    now: run.now,
  });
  return run.facts;
}

/** Facts for one expression, with the decision tables it reads evaluated. */
export function factsFor(run: Run, expr: CompiledExpr): Facts {
  const facts = currentFacts(run);
  if (expr.tables.length === 0) return facts;
  const decisions: Record<string, unknown> = {};
  for (const table of expr.tables) decisions[table] = toCelDyn(evaluateTable(run.def, table, facts).value);
  return withFacts(facts, { decisions });
}

export function holds(run: Run, expr: CompiledExpr): boolean {
  return test(expr, factsFor(run, expr));
}

export function inputsOf(run: Run, expr: CompiledExpr): Record<string, unknown> {
  const facts = factsFor(run, expr);
  const out: Record<string, unknown> = {};
  for (const read of expr.reads) out[read] = readFact(facts, read);
  return out;
}

export interface Pick {
  t: CompiledTransition;
  rejected: string[];
}

/** First alternative whose condition holds; a bare one always holds. */
export function pick(run: Run, list: readonly CompiledTransition[]): Pick | null {
  const rejected: string[] = [];
  for (const compiledTransition of list) {
    if (!compiledTransition.when || holds(run, compiledTransition.when)) return { t: compiledTransition, rejected };
    rejected.push(compiledTransition.when.text);
  }
  return null;
}

export function trace(run: Run, entry: Omit<TraceEntry, 'step' | 'definition'>): void {
  run.trace.push({ step: run.trace.length + 1, definition: { key: run.def.key, version: run.def.version }, ...entry });
}

export function nextId(run: Run, prefix: string): string {
  run.snap.seq += 1;
  return `${prefix}#${run.snap.seq}`;
}
