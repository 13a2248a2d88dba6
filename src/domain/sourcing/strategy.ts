/**
 * Routing strategies are data: versioned JSON validated when it loads. Ordered steps, each
 * with a CEL condition, candidate filters, objective weights, constraints and a fallback.
 */
import { z } from 'zod';
import type { FieldError } from '../../shared/errors.js';
import { createCelEnvironment, MAX_EXPRESSION_LENGTH } from '../expressions/cel.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { RoutingOrder } from './types.js';

const positiveInt = z.number().int().positive();
const weight = z.number().min(0).max(1e6);

export const filtersSchema = z
  .object({
    locationTypes: z.array(z.enum(['warehouse', 'store', 'pickup_point', 'supplier'])).min(1).optional(),
    capabilities: z.array(z.enum(['ships', 'pickup', 'b2b'])).min(1).optional(),
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code')).min(1).optional(),
    sameCountryAsDestination: z.boolean().optional(),
    regions: z.array(z.string().min(1)).min(1).optional(),
    /** The location must serve the order's channel. */
    channelNetwork: z.boolean().optional(),
    openOnly: z.boolean().default(true),
    underDailyCapacity: z.boolean().default(true),
    /** Stock below this (per SKU, after safety) is not offered: protects stores' last units. */
    minStock: z.number().int().min(0).optional(),
    maxDistanceKm: z.number().positive().optional(),
    /** Carrier services allowed, as "service" or "carrier/service". */
    services: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const objectiveSchema = z
  .object({
    /** Per minor unit of shipping or transfer cost. */
    shippingCost: weight.default(1),
    /** Per km per shipment. */
    distance: weight.default(0),
    /** Per day of the promised (latest) delivery. */
    deliveryPromise: weight.default(0),
    /** Per shipment (split). */
    shipments: weight.default(0),
    /** Per priority point of each location used (priority 1 is best). */
    locationPriority: weight.default(0),
    /** Per percent of a location's stock of a SKU consumed. */
    stockBalance: weight.default(0),
  })
  .strict();

export const constraintsSchema = z
  .object({
    maxShipments: positiveInt.optional(),
    /** All or nothing: the order ships only if every unit can be allocated now. */
    shipComplete: z.boolean().default(false),
    /** A line comes whole from one location (or waits whole as a backorder). */
    keepLinesWhole: z.boolean().default(false),
    /** Wholesale: every allocation of a line is at least this many units (or the whole line). */
    minBatch: z
      .object({ default: positiveInt.optional(), bySku: z.record(z.string(), positiveInt).optional() })
      .strict()
      .optional(),
  })
  .strict();

export const stepSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, "_" or "-"'),
    description: z.string().max(500).optional(),
    /** CEL over `order`, `channel`, `customer`, `delivery`; absent = always. */
    when: z.string().min(1).max(MAX_EXPRESSION_LENGTH).optional(),
    filters: filtersSchema.default({ openOnly: true, underDailyCapacity: true }),
    objective: objectiveSchema.default({
      shippingCost: 1, distance: 0, deliveryPromise: 0, shipments: 0, locationPriority: 0, stockBalance: 0,
    }),
    constraints: constraintsSchema.default({ shipComplete: false, keepLinesWhole: false }),
    /** When the step cannot fill every unit: try the next step, accept a backorder, or raise an exception. */
    fallback: z.enum(['next', 'backorder', 'exception']).default('next'),
  })
  .strict();

export const strategySchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, "_" or "-"'),
    version: positiveInt,
    name: z.string().max(200).optional(),
    solver: z.enum(['heuristic', 'exact', 'auto']).default('auto'),
    exactTimeLimitMs: z.number().int().min(5).max(60_000).default(200),
    autoExactMaxCells: z.number().int().min(0).max(1_000_000).default(600),
    steps: z.array(stepSchema).min(1).max(50),
  })
  .strict();

export type RoutingStrategyInput = z.input<typeof strategySchema>;
export type RoutingStrategy = z.output<typeof strategySchema>;
export type RoutingStep = z.output<typeof stepSchema>;
export type StepFilters = z.output<typeof filtersSchema>;
export type StepObjective = z.output<typeof objectiveSchema>;
export type StepConstraints = z.output<typeof constraintsSchema>;

/** The facts a condition sees. Numbers are CEL doubles; compare them with 5 or 5.0 alike. */
export interface ConditionContext {
  order: {
    id: string;
    channel: string;
    deliveryMethod: string;
    country: string;
    region: string;
    lineCount: number;
    totalQuantity: number;
    skus: string[];
    attributes: Record<string, string | number | boolean>;
  };
  channel: string;
  customer: { id: string; segment: string };
  delivery: string;
}

export type CompiledStep = RoutingStep & { condition: ((ctx: ConditionContext) => unknown) | null };

export interface CompiledStrategy extends Omit<RoutingStrategy, 'steps'> {
  steps: CompiledStep[];
}

/** The variables a condition reads (ConditionContext); limits are the shared CEL environment's. */
const celEnv = createCelEnvironment({ order: 'map', channel: 'string', customer: 'map', delivery: 'string' });

function zodErrors(e: z.ZodError): FieldError[] {
  return e.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message }));
}

/**
 * Validates a strategy document and compiles its conditions. Every problem is reported with
 * its JSON path: schema errors, CEL syntax or type errors, duplicate step ids, and a last
 * step that falls back to a next step that does not exist.
 */
export function compileStrategy(input: unknown): Result<CompiledStrategy, FieldError[]> {
  const parsed = strategySchema.safeParse(input);
  if (!parsed.success) return err(zodErrors(parsed.error));
  const s = parsed.data;
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const steps: CompiledStep[] = s.steps.map((step, i) => {
    if (seen.has(step.id)) errors.push({ path: `/steps/${i}/id`, message: `duplicate step id "${step.id}"` });
    seen.add(step.id);
    if (i === s.steps.length - 1 && step.fallback === 'next') {
      errors.push({
        path: `/steps/${i}/fallback`,
        message: 'the last step cannot fall back to "next": choose "backorder" or "exception"',
      });
    }
    const c = step.constraints;
    if (c.keepLinesWhole && c.minBatch) {
      errors.push({ path: `/steps/${i}/constraints/minBatch`, message: 'minBatch has no meaning when keepLinesWhole is set' });
    }
    let condition: CompiledStep['condition'] = null;
    if (step.when !== undefined) {
      try {
        const checked = celEnv.check(step.when);
        if (!checked.valid) {
          const e = checked.error;
          const what = e?.name === 'ParseError' ? 'is not valid CEL' : 'does not type-check';
          errors.push({ path: `/steps/${i}/when`, message: `condition ${what}: ${firstLine(e ?? 'invalid')}` });
        } else if (checked.type !== 'bool' && checked.type !== 'dyn') {
          errors.push({ path: `/steps/${i}/when`, message: `condition must be a boolean, it is ${checked.type}` });
        } else {
          condition = celEnv.parse(step.when) as unknown as (ctx: ConditionContext) => unknown;
        }
      } catch (e) {
        errors.push({ path: `/steps/${i}/when`, message: `condition is not valid CEL: ${firstLine(e)}` });
      }
    }
    return { ...step, condition };
  });
  if (errors.length > 0) return err(errors);
  return ok({ ...s, steps });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
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
  } catch (e) {
    return { applies: false, error: firstLine(e) };
  }
}

/** "Do not split": every step may use one location only (process args `allowSplit: false`). */
export function withoutSplits(s: CompiledStrategy): CompiledStrategy {
  return { ...s, steps: s.steps.map((st) => ({ ...st, constraints: { ...st.constraints, maxShipments: 1 } })) };
}
