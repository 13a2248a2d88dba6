import type { CompiledExpr } from './cel.js';
import { jsonSafe, readFact } from './facts.js';
import type { Facts } from './facts.js';
import type { CompiledDefinition } from './types.js';

export interface DecisionResult {
  table: string;
  hitPolicy: 'first' | 'collect';
  /** first: the output (or the default, or null); collect: every matching output in rule order. */
  value: unknown;
  /** Indexes of the rules that matched. */
  matched: number[];
  inputs: Record<string, unknown>;
}

/**
 * Evaluate a decision table over facts. Rules are CEL conditions checked in order;
 * first-hit stops at the first match, collect gathers all. A rule that fails at run time
 * (e.g. a list index out of range) counts as not matching, so one bad row never blocks an order.
 */
export function evaluateTable(def: CompiledDefinition, name: string, facts: Facts): DecisionResult {
  const table = def.tables[name];
  if (!table) throw new Error(`no decision table "${name}" in ${def.key}`);
  const matched: number[] = [];
  const inputs: Record<string, unknown> = {};
  const outputs: unknown[] = [];
  for (let ruleIndex = 0; ruleIndex < table.rules.length; ruleIndex++) {
    const rule = table.rules[ruleIndex]!;
    const expr = def.exprs.get(rule.when)!;
    for (const read of expr.reads) inputs[read] = readFact(facts, read);
    if (test(expr, facts)) {
      matched.push(ruleIndex);
      outputs.push(rule.output);
      if (table.hitPolicy === 'first') break;
    }
  }
  const value = table.hitPolicy === 'first' ? (outputs[0] ?? table.default ?? null) : outputs;
  return { table: name, hitPolicy: table.hitPolicy, value: jsonSafe(value, true), matched, inputs };
}

export function test(expr: CompiledExpr, facts: Facts): boolean {
  try {
    return expr.run(facts) === true;
  } catch {
    return false;
  }
}
