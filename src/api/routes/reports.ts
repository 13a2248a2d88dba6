import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { channelLocationQuery, int4String, problem } from '../schemas/common.js';
import { labels } from '../schemas/order.js';
import { processHeatmap } from '../../app/reports/process-heatmap.js';
import { OPERATIONS_PARTS, operationsReport, type OperationsPart } from '../../app/reports/operations-report.js';
import { kpiReport } from '../../app/reports/kpis.js';
import { ianaZone } from '../../shared/time-zones.js';
import { ordersSummaryReport } from '../../app/reports/summarise-orders.js';

const errors = { 400: problem, 401: problem, 403: problem };

/** An IANA zone name (`Europe/Warsaw`), as a query parameter; offsets and unknown names are 400 at `tz`. */
const timeZoneParam = z
  .string()
  .max(64)
  .optional()
  .refine((zone) => zone === undefined || ianaZone(zone) !== null, {
    message: 'an IANA time zone such as Europe/Warsaw',
  });

export const summaryQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(366)
    .default(30)
    .describe('window: orders placed in the last N calendar days in `tz`, today included'),
  ...channelLocationQuery,
  tz: timeZoneParam.describe("the IANA zone the window's days and perDay are cut in (the user's); default UTC"),
});

const count = z.object({ count: z.number() });
export const ordersSummary = z
  .object({
    from: z.string().describe('start of the window, inclusive (RFC 3339: midnight in `timeZone`)'),
    to: z.string().describe('end of the window, exclusive'),
    days: z.number(),
    timeZone: z.string().describe('the zone the days are cut in'),
    total: z.number(),
    byChannel: z.array(count.extend({ channel: z.string() })),
    byState: z.array(count.extend({ state: z.string() })),
    byChannelState: z.array(count.extend({ channel: z.string(), state: z.string() })),
    perDay: z.array(
      count.extend({
        day: z.string().describe('YYYY-MM-DD in `timeZone`'),
        byChannel: z.record(z.string(), z.number()),
      }),
    ),
    revenue: z.array(
      count.extend({ currency: z.string(), grandTotal: z.string().describe('exact decimal sum of grand totals') }),
    ),
    cycleTime: z.object({
      endStates: z.array(z.string()),
      orders: z.number().describe('orders of the window that reached an end state'),
      averageSeconds: z.number().nullable(),
    }),
    stateLabels: z
      .record(z.string(), labels)
      .describe("each state's name in words from the process definitions (issue 18); absent: no definition labels it"),
  })
  .meta({ id: 'OrdersSummary' });
export type OrdersSummary = z.infer<typeof ordersSummary>;

export const heatmapQuery = z.object({
  key: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z][a-z0-9-]*$/, 'a process key')
    .describe('the process'),
  version: int4String(1).optional().describe('only orders on this version'),
});
const seconds = z.number().nullable();
export const processHeatmapView = z
  .object({
    key: z.string(),
    version: z.number().nullable(),
    total: z.number().describe('running orders of the process'),
    states: z.array(
      z.object({
        state: z.string(),
        count: z.number(),
        oldestAt: z.string().nullable().describe('when the longest-waiting order entered the state'),
        medianSeconds: seconds,
        p90Seconds: seconds,
      }),
    ),
  })
  .meta({ id: 'ProcessHeatmap' });

export const operationsQuery = z.object({
  staleHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(48)
    .describe('a running order placed longer ago than this breaches the SLA'),
  days: z.coerce.number().int().min(1).max(366).default(30).describe('window of the cycle time'),
  ...channelLocationQuery,
  parts: z
    .string()
    .max(200)
    .optional()
    .refine((value) => value === undefined || value.split(',').every((part) => isOperationsPart(part)), {
      message: `a comma-separated list of ${OPERATIONS_PARTS.join(', ')}`,
    })
    .describe(
      `the parts to compute and answer, comma-separated (default all): ${OPERATIONS_PARTS.join(', ')}; the cycle time reads every delivered order of the window, the others only running ones`,
    ),
});
const isOperationsPart = (part: string): part is OperationsPart =>
  (OPERATIONS_PARTS as readonly string[]).includes(part);
export const operationsView = z
  .object({
    at: z.string(),
    tasks: z.object({ open: z.number(), overdue: z.number() }).optional(),
    staleOrders: z
      .object({
        thresholdHours: z.number(),
        count: z.number(),
        oldest: z.array(z.object({ id: z.string(), number: z.string(), state: z.string(), placedAt: z.string() })),
      })
      .optional(),
    exceptionsByKind: z.array(z.object({ kind: z.string(), count: z.number() })).optional(),
    cycleTime: z
      .object({
        days: z.number(),
        endStates: z.array(z.string()),
        orders: z.number(),
        medianSeconds: seconds,
        p90Seconds: seconds,
      })
      .optional(),
  })
  .describe('each part present unless `parts` leaves it out')
  .meta({ id: 'OperationsReport' });

export const kpiQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional().describe('orders placed from (inclusive); default 30 days ago'),
  to: z.iso.datetime({ offset: true }).optional().describe('orders placed before (exclusive); default now'),
  ...channelLocationQuery,
  slaHours: z.coerce.number().int().min(1).max(8760).default(48).describe('an order must ship within this many hours'),
  stuckHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(8760)
    .default(24)
    .describe('a running order with no step for this long is stuck'),
  tz: timeZoneParam.describe(
    "the IANA zone the per-day figures cut calendar days in (the user's, e.g. Europe/Warsaw); default UTC",
  ),
});
const drillDown = z.string().describe('GET /api/v1/orders query listing exactly the orders behind the figure');
const timing = { orders: z.number(), p50Seconds: seconds, p90Seconds: seconds, drillDown };
const cycleTiming = { ...timing, averageSeconds: seconds };
const rated = z.object({ count: z.number(), rate: z.number().nullable(), drillDown });
export const kpiView = z
  .object({
    from: z.string(),
    to: z.string(),
    channel: z.string().nullable(),
    location: z.string().nullable(),
    slaHours: z.number(),
    stuckHours: z.number(),
    timeZone: z.string().describe('the zone the days of `daily` are cut in'),
    endStates: z.array(z.string()),
    stageLabels: z
      .record(z.string(), z.record(z.string(), z.string()))
      .describe(
        'EN/PL/RU labels of the stages and end states, from the published processes (a stage without any is absent)',
      ),
    orders: z.object({ count: z.number(), drillDown }),
    cycleTime: z.object({
      ...cycleTiming,
      byChannel: z.array(z.object({ channel: z.string(), name: z.string(), ...cycleTiming })),
      byLocation: z.array(z.object({ location: z.string(), name: z.string(), ...cycleTiming })),
    }),
    stages: z.array(
      z.object({
        stage: z.string(),
        channel: z.string().nullable().describe('null: every channel'),
        channelName: z.string().nullable(),
        location: z.string().nullable().describe('null: every location'),
        locationName: z.string().nullable(),
        stays: z.number(),
        orders: z.number(),
        p50Seconds: seconds,
        p90Seconds: seconds,
        drillDown,
      }),
    ),
    sla: z.object({ decided: z.number(), onTime: z.number(), adherence: z.number().nullable(), drillDown }),
    late: rated,
    cancelled: rated,
    returned: rated,
    oversold: rated,
    stuck: rated,
    daily: z
      .array(
        z.object({
          day: z.string().describe('a calendar day in `timeZone`, YYYY-MM-DD'),
          orders: z.number().describe('orders placed that day'),
          medianCycleSeconds: seconds.describe('median placement-to-end time of those that finished'),
          slaAdherence: z.number().nullable().describe('shipped on time of those the SLA decided (null: none)'),
          late: z.number(),
          cancelled: z.number(),
          drillDown: drillDown.describe(
            "GET /api/v1/orders query of that day's orders: the instants the day starts and ends at in `timeZone`",
          ),
          lateDrillDown: drillDown,
          cancelledDrillDown: drillDown,
        }),
      )
      .describe(
        'the figures per calendar day of placement in `timeZone`, every day of the period (days without orders as zeros)',
      ),
  })
  .meta({ id: 'KpiReport' });

/** Read-only figures for the console dashboard. */
export const reportRoutes =
  (deps: Deps): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/reports/orders-summary',
      {
        schema: {
          tags: ['reports'],
          summary: 'Orders per channel, state and day, revenue per currency and average cycle time',
          querystring: summaryQuery,
          response: { 200: ordersSummary, ...errors },
        },
      },
      async (request) => {
        const { store } = authorize(deps.readDb ?? deps.db, request, 'orders:read');
        const query = request.query;
        return ordersSummaryReport(store, deps.clock.now(), {
          days: query.days,
          channel: query.channel,
          location: query.location,
          timeZone: query.tz ? (ianaZone(query.tz) ?? undefined) : undefined,
        });
      },
    );

    app.get(
      '/reports/process-heatmap',
      {
        schema: {
          tags: ['reports'],
          summary:
            'Where the running orders of a process are now: per state the count and how long they have waited (median, p90, oldest)',
          querystring: heatmapQuery,
          response: { 200: processHeatmapView, ...errors },
        },
      },
      async (request) => {
        const { store } = authorize(deps.readDb ?? deps.db, request, 'processes:read');
        return processHeatmap(store, deps.clock.now(), request.query.key, request.query.version);
      },
    );

    app.get(
      '/reports/operations',
      {
        schema: {
          tags: ['reports'],
          summary:
            'SLA breaches (overdue tasks, running orders older than a threshold), exceptions by kind, cycle time median and p90',
          querystring: operationsQuery,
          response: { 200: operationsView, ...errors },
        },
      },
      async (request) => {
        const { store } = authorize(deps.readDb ?? deps.db, request, 'orders:read');
        return operationsReport(store, deps.clock.now(), {
          staleHours: request.query.staleHours,
          days: request.query.days,
          channel: request.query.channel,
          location: request.query.location,
          ...(request.query.parts && { parts: request.query.parts.split(',').filter(isOperationsPart) }),
        });
      },
    );

    app.get(
      '/reports/kpis',
      {
        schema: {
          tags: ['reports'],
          summary:
            'KPIs: cycle time and time per stage by channel and location, SLA adherence, late, cancelled, returned, oversold and stuck orders, each with a drill-down',
          querystring: kpiQuery,
          response: { 200: kpiView, ...errors },
        },
      },
      async (request) => {
        const { store } = authorize(deps.readDb ?? deps.db, request, 'orders:read');
        const now = deps.clock.now();
        const query = request.query;
        return kpiReport(store, now, {
          from: query.from ? new Date(query.from) : new Date(now.getTime() - 30 * 86_400_000),
          to: query.to ? new Date(query.to) : now,
          channel: query.channel,
          location: query.location,
          slaHours: query.slaHours,
          stuckHours: query.stuckHours,
          timeZone: query.tz ? (ianaZone(query.tz) ?? undefined) : undefined,
        });
      },
    );
  };
