/**
 * Routing strategies are data: versioned JSON validated when it loads. Ordered steps, each
 * with a CEL condition, candidate filters, objective weights, constraints and a fallback.
 */
import { z } from 'zod';
import type { FieldError } from '../../shared/errors.js';
import { createCelEnvironment } from '../expressions/cel.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { CompiledStep, ConditionContext, CompiledStrategy, RoutingOrder } from './types.js';
import { strategySchema } from './strategy-schema.js';

export { filtersSchema, objectiveSchema, constraintsSchema, stepSchema, strategySchema } from './strategy-schema.js';
export type {
  RoutingStrategyInput,
  RoutingStrategy,
  RoutingStep,
  StepFilters,
  StepObjective,
  StepConstraints,
} from './strategy-schema.js';
export type { CompiledStep, CompiledStrategy, ConditionContext } from './types.js';

/** The variables a condition reads (ConditionContext); limits are the shared CEL environment's. */
const celEnv = createCelEnvironment({ order: 'map', channel: 'string', customer: 'map', delivery: 'string' });

function zodErrors(entry: z.ZodError): FieldError[] {
  return entry.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }));
}

/**
 * Validates a strategy document and compiles its conditions. Every problem is reported with
 * its JSON path: schema errors, CEL syntax or type errors, duplicate step ids, and a last
 * step that falls back to a next step that does not exist.
 */
export function compileStrategy(input: unknown): Result<CompiledStrategy, FieldError[]> {
  const parsed = strategySchema.safeParse(input);
  if (!parsed.success) return err(zodErrors(parsed.error));
  const data = parsed.data;
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const steps: CompiledStep[] = data.steps.map((step, index) => {
    if (seen.has(step.id)) errors.push({ path: `/steps/${index}/id`, message: `duplicate step id "${step.id}"` });
    seen.add(step.id);
    if (index === data.steps.length - 1 && step.fallback === 'next') {
      errors.push({
        path: `/steps/${index}/fallback`,
        message: 'the last step cannot fall back to "next": choose "backorder" or "exception"',
      });
    }
    const constraints = step.constraints;
    if (constraints.keepLinesWhole && constraints.minBatch) {
      errors.push({
        path: `/steps/${index}/constraints/minBatch`,
        message: 'minBatch has no meaning when keepLinesWhole is set',
      });
    }
    let condition: CompiledStep['condition'] = null;
    if (step.when !== undefined) {
      try {
        const checked = celEnv.check(step.when);
        if (!checked.valid) {
          const error = checked.error;
          const what = error?.name === 'ParseError' ? 'is not valid CEL' : 'does not type-check';
          errors.push({ path: `/steps/${index}/when`, message: `condition ${what}: ${firstLine(error ?? 'invalid')}` });
        } else if (checked.type !== 'bool' && checked.type !== 'dyn') {
          errors.push({ path: `/steps/${index}/when`, message: `condition must be a boolean, it is ${checked.type}` });
        } else {
          condition = celEnv.parse(step.when) as unknown as (ctx: ConditionContext) => unknown;
        }
      } catch (error) {
        errors.push({ path: `/steps/${index}/when`, message: `condition is not valid CEL: ${firstLine(error)}` });
      }
    }
    return { ...step, condition };
  });
  if (errors.length > 0) return err(errors);
  return ok({ ...data, steps });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

export function conditionContext(order: RoutingOrder): ConditionContext {
  const attributes = order.attributes ?? {};
  return {
    order: {
      id: order.id ?? '',
      channel: order.channel,
      deliveryMethod: order.deliveryMethod,
      country: order.destination.country,
      region: order.destination.region ?? '',
      lineCount: order.lines.length,
      totalQuantity: order.lines.reduce((n, l) => n + l.quantity, 0),
      skus: order.lines.map((l) => l.sku),
      attributes,
    },
    channel: order.channel,
    customer: { id: order.customer.id ?? '', segment: order.customer.segment },
    delivery: order.deliveryMethod,
  };
}

/**
 * Whether a step applies. A condition that fails at run time (a missing attribute, say) counts
 * as false and the error is returned, so the trace can show it rather than the order stalling.
 */
export function stepApplies(step: CompiledStep, ctx: ConditionContext): { applies: boolean; error?: string } {
  if (!step.condition) return { applies: true };
  try {
    return { applies: step.condition(ctx) === true };
  } catch (error) {
    return { applies: false, error: firstLine(error) };
  }
}

/** "Do not split": every step may use one location only (process args `allowSplit: false`). */
export function withoutSplits(compiledStrategy: CompiledStrategy): CompiledStrategy {
  return {
    ...compiledStrategy,
    steps: compiledStrategy.steps.map((st) => ({ ...st, constraints: { ...st.constraints, maxShipments: 1 } })),
  };
}
