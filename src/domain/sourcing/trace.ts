/**
 * The decision trace stored in an order's history: which strategy version and step decided,
 * the plan, and why every other location lost. JSON-safe: money becomes decimal strings.
 */
import { formatMoney } from '../../shared/money.js';
import type { Plan, StepAttempt } from './types.js';

/** T with every bigint (minor units) as a decimal string in the plan's currency. */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

export type PlanJson = Jsonified<Plan>;

function convert(value: unknown, currency: string): unknown {
  if (typeof value === 'bigint') return formatMoney(value, currency);
  if (Array.isArray(value)) return value.map((x) => convert(x, currency));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) if (entry !== undefined) out[key] = convert(entry, currency);
    return out;
  }
  return value;
}

export function planToJson(plan: Plan): PlanJson {
  return convert(plan, plan.cost.currency) as PlanJson;
}

export interface DecisionTrace {
  kind: 'routing';
  strategy: { key: string; version: number };
  stepId: string | null;
  stepsTried: StepAttempt[];
  status: Plan['status'];
  exceptionReason: Plan['exceptionReason'] | null;
  solver: Plan['solver'];
  optimal: boolean;
  /** One line a person reads first in the order's timeline. */
  summary: string;
  plan: PlanJson;
}

export function decisionTrace(plan: Plan): DecisionTrace {
  const json = planToJson(plan);
  const from = plan.shipments.map((s) => `${s.locationId}×${s.units}`).join(', ') || 'nowhere';
  const unfilled = plan.unfilled.reduce((n, u) => n + u.quantity, 0);
  const summary =
    `${plan.strategy.key} v${plan.strategy.version}` +
    (plan.stepId ? ` step ${plan.stepId}` : ' (no step applied)') +
    `: ${plan.status}${plan.exceptionReason ? ` (${plan.exceptionReason})` : ''}, from ${from}` +
    (plan.shipmentCount > 0 ? `, cost ${json.cost.total} ${plan.cost.currency}, promised ${plan.promisedDate}` : '') +
    (unfilled > 0 ? `, ${unfilled} units backordered` : '');
  return {
    kind: 'routing',
    strategy: plan.strategy,
    stepId: plan.stepId,
    stepsTried: plan.stepsTried,
    status: plan.status,
    exceptionReason: plan.exceptionReason ?? null,
    solver: plan.solver,
    optimal: plan.optimal,
    summary,
    plan: json,
  };
}
