/**
 * The routing strategy document's schema (zod) and the types it gives: validated in strategy.ts
 * when a strategy loads. No imports of the other sourcing modules, so types.ts can take these
 * types without a cycle.
 */
import { z } from 'zod';
import { INT4_MAX } from '../../shared/storable.js';
import { MAX_EXPRESSION_LENGTH } from '../expressions/cel.js';

const positiveInt = z.number().int().positive().max(INT4_MAX);
const weight = z.number().min(0).max(1e6);

export const filtersSchema = z
  .object({
    locationTypes: z
      .array(z.enum(['warehouse', 'store', 'pickup_point', 'supplier']))
      .min(1)
      .optional(),
    capabilities: z
      .array(z.enum(['ships', 'pickup', 'b2b']))
      .min(1)
      .optional(),
    countries: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'a two-letter country code'))
      .min(1)
      .optional(),
    sameCountryAsDestination: z.boolean().optional(),
    regions: z.array(z.string().min(1)).min(1).optional(),
    /** The location must serve the order's channel. */
    channelNetwork: z.boolean().optional(),
    openOnly: z.boolean().default(true),
    underDailyCapacity: z.boolean().default(true),
    /** Stock below this (per SKU, after safety) is not offered: protects stores' last units. */
    minStock: z.number().int().min(0).max(INT4_MAX).optional(),
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
      shippingCost: 1,
      distance: 0,
      deliveryPromise: 0,
      shipments: 0,
      locationPriority: 0,
      stockBalance: 0,
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
