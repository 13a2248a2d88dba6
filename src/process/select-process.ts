import { z } from 'zod';
import { compileCel } from './cel.js';
import type { CompiledExpr } from './cel.js';
import { test } from './decision-tables.js';
import { prepareFacts } from './facts.js';
import type { Facts, FactsInput } from './facts.js';

export const ORDER_TYPES = ['sale', 'quote', 'internal', 'subscription', 'service'] as const;

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** A rule picks a process key: simple matchers (all must match) and/or a CEL condition. */
export const selectionRuleSchema = z
  .object({
    process: z.string().regex(/^[a-z][a-z0-9-]*$/),
    channel: oneOrMany.optional().describe('channel code or kind'),
    segment: oneOrMany.optional().describe('customer segment'),
    orderType: z.union([z.enum(ORDER_TYPES), z.array(z.enum(ORDER_TYPES)).min(1)]).optional(),
    when: z.string().min(1).optional(),
  })
  .strict();
export const selectionRulesSchema = z.array(selectionRuleSchema);
export type SelectionRule = z.infer<typeof selectionRuleSchema>;

export interface CompiledSelectionRules {
  rules: SelectionRule[];
  exprs: (CompiledExpr | null)[];
}

export type SelectionProblem = { path: string; message: string };

/** Validate rules once (when they are saved), so selection itself never fails on a typo. */
export function compileSelectionRules(
  input: unknown,
): { ok: true; value: CompiledSelectionRules } | { ok: false; error: SelectionProblem[] } {
  const parsed = selectionRulesSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, error: parsed.error.issues.map((i) => ({ path: '/' + i.path.join('/'), message: i.message })) };
  const problems: SelectionProblem[] = [];
  const exprs = parsed.data.map((item, index) => {
    if (!item.when) return null;
    const compileResult = compileCel(item.when, 'bool');
    if (!compileResult.ok) {
      problems.push({
        path: `/${index}/when`,
        message: `${compileResult.problem.code} at ${compileResult.problem.offset}: ${compileResult.problem.message}`,
      });
      return null;
    }
    return compileResult.expr;
  });
  return problems.length ? { ok: false, error: problems } : { ok: true, value: { rules: parsed.data, exprs } };
}

const has = (m: string | string[] | undefined, ...values: string[]): boolean =>
  m === undefined || (Array.isArray(m) ? m : [m]).some((x) => values.includes(x));

/**
 * The first rule that matches the order's facts names its process; null when none does
 * (the caller then refuses the order or uses a tenant default).
 */
export function selectProcess(
  rules: CompiledSelectionRules,
  facts: FactsInput | Facts,
): { processKey: string; rule: number } | null {
  const file = prepareFacts(facts) as Record<string, Record<string, unknown>>;
  const channel = file.channel!;
  const segment = String(file.customer!.segment);
  const type = String(file.order!.type) || 'sale';
  for (let ruleIndex = 0; ruleIndex < rules.rules.length; ruleIndex++) {
    const rule = rules.rules[ruleIndex]!;
    if (!has(rule.channel, String(channel.code), String(channel.kind))) continue;
    if (!has(rule.segment, segment)) continue;
    if (!has(rule.orderType, type)) continue;
    const expr = rules.exprs[ruleIndex];
    if (expr && !test(expr, file as unknown as Facts)) continue;
    return { processKey: rule.process, rule: ruleIndex };
  }
  return null;
}
