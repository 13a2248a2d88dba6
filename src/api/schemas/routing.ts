import { z } from 'zod';
import { address, attributes, code, currency, int4, int4String, sku, text, timestamp, uuid } from './common.js';

const json = z.record(z.string(), z.unknown());
export const strategyKey = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, "_" or "-", e.g. nearest');
export const strategyKeyParams = z.object({ key: strategyKey });
export const strategyVersionParams = z.object({ key: strategyKey, version: int4String(1) });
export const rateTableParams = z.object({ name: code });

/**
 * A routing strategy document (docs/routing.md): `{name?, solver?, steps: [{id, when?, filters?,
 * objective?, constraints?, fallback?}]}`. Checked by the sourcing core, which names every
 * problem by its JSON path (422 ROUTING_STRATEGY_INVALID).
 */
export const strategyBody = z
  .record(z.string(), z.unknown())
  .refine((o) => JSON.stringify(o).length <= 256 * 1024, 'must be at most 256 KB')
  .describe('the strategy: name?, solver?, exactTimeLimitMs?, autoExactMaxCells?, steps[]')
  .meta({ id: 'RoutingStrategyDocument' });

export const newStrategy = z.object({ key: strategyKey }).catchall(z.unknown()).meta({ id: 'RoutingStrategyCreate' });

export const strategyVersion = z
  .object({
    id: z.string(),
    key: z.string(),
    version: z.number(),
    status: z.enum(['draft', 'published', 'retired']),
    name: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    publishedAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    strategy: json.optional(),
    changed: z.boolean().optional(),
  })
  .meta({ id: 'RoutingStrategyVersion' });

export const strategyList = z
  .object({
    defaultKey: z.string(),
    items: z.array(
      z.object({
        key: z.string(),
        name: z.string().nullable(),
        currentVersion: z.number().nullable(),
        draftVersion: z.number().nullable(),
        versions: z.array(z.object({ version: z.number(), status: z.string() })),
        updatedAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'RoutingStrategyList' });

export const rateTableUpload = z
  .object({
    currency,
    csv: z
      .string()
      .min(1)
      .max(4 * 1024 * 1024)
      .describe(
        'carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days',
      ),
    active: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'RateTableUpload' });

export const rateTable = z
  .object({
    id: z.string(),
    name: z.string(),
    currency: z.string(),
    rows: z.number(),
    version: z.number(),
    active: z.boolean(),
    uploadedBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    csv: z.string().optional(),
  })
  .meta({ id: 'RateTable' });

/** The intake body's routing-relevant part; other intake fields (prices, payment) are accepted and ignored. */
export const draftOrder = z
  .object({
    channel: code,
    currency: currency.optional(),
    customer: z.object({ id: uuid.optional(), code: code.optional(), segment: code.optional() }).optional(),
    lines: z
      .array(z.object({ id: text(100).min(1).optional(), sku, quantity: z.number().int().min(1).max(1_000_000) }))
      .min(1)
      .max(1000),
    shippingAddress: address.partial().extend({ country: address.shape.country }).optional(),
    delivery: z.object({ method: z.enum(['ship', 'pickup']), pickupLocation: code.optional() }),
    attributes: attributes.optional(),
  })
  .superRefine((value, ctx) => {
    if (value.delivery.method === 'ship' && !value.shippingAddress)
      ctx.addIssue({ code: 'custom', path: ['shippingAddress'], message: 'is required when delivery method is ship' });
    if (value.delivery.method === 'pickup' && !value.delivery.pickupLocation)
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', 'pickupLocation'],
        message: 'is required when delivery method is pickup',
      });
  });

export const planRequest = z
  .object({
    orderId: uuid.optional().describe('a stored order'),
    order: draftOrder
      .optional()
      .describe('or a draft order: the intake body (lines, shippingAddress, delivery, channel)'),
    strategy: strategyKey.optional().describe("default: the channel's strategy, else nearest"),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('a stored version of the strategy (e.g. its draft); default the published one'),
    draftStrategy: strategyBody.optional().describe('or a strategy document not stored'),
    excludeLocationIds: z.array(uuid).max(500).optional(),
  })
  .strict()
  .superRefine((right, ctx) => {
    if (!right.orderId === !right.order)
      ctx.addIssue({ code: 'custom', path: ['orderId'], message: 'give exactly one of orderId or order' });
  })
  .meta({ id: 'RoutingPlanRequest' });

const metrics = z
  .object({
    status: z.string(),
    exceptionReason: z.string().nullable(),
    stepId: z.string().nullable(),
    cost: z.string(),
    currency: z.string(),
    shipments: z.number(),
    distanceKm: z.number(),
    promisedDate: z.string().nullable(),
    allocatedUnits: z.number(),
    unfilledUnits: z.number(),
    locations: z.array(z.string()),
  })
  .meta({ id: 'RoutingPlanMetrics' });

export const planResponse = z
  .object({
    orderId: z.string().nullable(),
    strategy: z.object({ key: z.string(), version: z.number() }),
    outcome: z.enum(['routed', 'unroutable']),
    metrics,
    allocations: z.array(
      z.object({
        lineId: z.string(),
        sku: z.string(),
        locationId: z.string(),
        location: z.string(),
        quantity: z.number(),
      }),
    ),
    reserved: z.literal(false).describe('a dry run never reserves'),
    trace: json.describe(
      'the decision trace: strategy version, steps tried, the plan, and why every other location lost',
    ),
  })
  .meta({ id: 'RoutingPlan' });

export const simulateRequest = z
  .object({
    key: strategyKey.optional().describe('a stored strategy: its draft by default, or `version`'),
    version: int4(1).optional(),
    strategy: strategyBody.optional().describe('or a strategy document not stored'),
    baseline: z
      .object({ key: strategyKey, version: int4(1).optional() })
      .strict()
      .optional()
      .describe('default: the published version of the same key, else nearest'),
    orderIds: z.array(uuid).max(500).optional(),
    last: z.number().int().min(1).max(500).optional().describe('the most recent N orders (default 50)'),
    placedFrom: timestamp.optional(),
    placedTo: timestamp.optional(),
    channel: code.optional(),
  })
  .strict()
  .superRefine((right, ctx) => {
    if (!right.key && !right.strategy)
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'give a strategy key or a strategy document' });
  })
  .meta({ id: 'RoutingSimulationRequest' });

const totals = z.object({
  cost: z.record(z.string(), z.string()),
  shipments: z.number(),
  splitOrders: z.number(),
  distanceKm: z.number(),
  unfilledUnits: z.number(),
  complete: z.number(),
  exceptions: z.number(),
});

export const simulateResponse = z
  .object({
    strategy: z.object({ key: z.string(), version: z.number() }),
    baseline: z.object({ key: z.string(), version: z.number() }),
    orders: z.number(),
    changed: z.number(),
    summary: z.object({
      strategy: totals,
      baseline: totals,
      delta: z.object({
        shipments: z.number(),
        splitOrders: z.number(),
        distanceKm: z.number(),
        unfilledUnits: z.number(),
      }),
    }),
    items: z.array(
      z.object({
        orderId: z.string(),
        number: z.string(),
        strategy: metrics,
        baseline: metrics,
        differences: z.array(z.string()),
      }),
    ),
  })
  .meta({ id: 'RoutingSimulation' });

export const orderRoutes = z
  .object({
    orderId: z.string(),
    items: z.array(
      z.object({
        attempt: z.number(),
        current: z.boolean(),
        strategy: z.object({ key: z.string(), version: z.number() }),
        status: z.string(),
        outcome: z.string(),
        reason: z.string().nullable(),
        locationIds: z.array(z.string()),
        excludedLocationIds: z.array(z.string()),
        plan: json,
        createdAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'OrderRoutes' });
