import { z } from 'zod';
import { sql } from 'kysely';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { problem } from '../schemas/common.js';
import { formatMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { processHeatmap } from '../../app/reports/process-heatmap.js';
import { operationsReport } from '../../app/reports/operations-report.js';

const errors = { 400: problem, 401: problem, 403: problem };

/**
 * States in which an order's journey is over successfully: the cycle time is measured from
 * placement to the first history entry that entered one of them. Process definitions name
 * their own states; these are the names the shipped processes use.
 */
export const CYCLE_END_STATES = ['completed', 'delivered', 'collected'] as const;

export const summaryQuery = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30).describe('window: orders placed in the last N days (UTC), today included'),
  channel: z.string().max(64).optional().describe('only this channel code'),
});

const count = z.object({ count: z.number() });
export const ordersSummary = z.object({
  from: z.string().describe('start of the window, inclusive (RFC 3339 UTC midnight)'),
  to: z.string().describe('end of the window, exclusive'),
  days: z.number(),
  total: z.number(),
  byChannel: z.array(count.extend({ channel: z.string() })),
  byState: z.array(count.extend({ state: z.string() })),
  byChannelState: z.array(count.extend({ channel: z.string(), state: z.string() })),
  perDay: z.array(count.extend({ day: z.string().describe('YYYY-MM-DD (UTC)'), byChannel: z.record(z.string(), z.number()) })),
  revenue: z.array(count.extend({ currency: z.string(), grandTotal: z.string().describe('exact decimal sum of grand totals') })),
  cycleTime: z.object({
    endStates: z.array(z.string()),
    orders: z.number().describe('orders of the window that reached an end state'),
    averageSeconds: z.number().nullable(),
  }),
}).meta({ id: 'OrdersSummary' });
export type OrdersSummary = z.infer<typeof ordersSummary>;

const DAY_MS = 86_400_000;
const num = (v: unknown) => Number(v ?? 0);

/** Aggregates over the window; every query is filtered by tenant through the scope. */
export async function ordersSummaryReport(s: TenantScope, now: Date, days: number, channel?: string): Promise<OrdersSummary> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * DAY_MS);
  const to = new Date(today + DAY_MS);
  const base = () => {
    let q = s.selectFrom('orders')
      .innerJoin('channels', (j) => j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'))
      .where('orders.placed_at', '>=', from).where('orders.placed_at', '<', to);
    if (channel) q = q.where('channels.code', '=', channel);
    return q;
  };
  const day = sql<string>`to_char(orders.placed_at at time zone 'UTC', 'YYYY-MM-DD')`;
  const [grouped, daily, revenue, cycle] = await Promise.all([
    base().select(['channels.code as channel', 'orders.state as state', sql<string>`count(*)`.as('n')])
      .groupBy(['channels.code', 'orders.state']).execute(),
    base().select([day.as('day'), 'channels.code as channel', sql<string>`count(*)`.as('n')])
      .groupBy([day, 'channels.code']).execute(),
    base().select(['orders.currency as currency', sql<string>`count(*)`.as('n'), sql<string>`sum(orders.grand_total)::text`.as('total')])
      .groupBy('orders.currency').orderBy('orders.currency').execute(),
    base().innerJoin(
      () => s.selectFrom('order_history')
        .select(['order_history.order_id as order_id', sql<Date>`min(order_history.at)`.as('ended_at')])
        .where('order_history.to_state', 'in', [...CYCLE_END_STATES]).groupBy('order_history.order_id').as('ends'),
      (j) => j.onRef('ends.order_id', '=', 'orders.id'),
    ).select([
      sql<string>`count(*)`.as('n'),
      sql<string | null>`avg(extract(epoch from (ends.ended_at - orders.placed_at)))::float8`.as('avg'),
    ]).executeTakeFirst(),
  ]);

  const byChannel = new Map<string, number>();
  const byState = new Map<string, number>();
  let total = 0;
  for (const r of grouped) {
    const n = num(r.n);
    total += n;
    byChannel.set(r.channel, (byChannel.get(r.channel) ?? 0) + n);
    byState.set(r.state, (byState.get(r.state) ?? 0) + n);
  }
  const perDay = new Map<string, { count: number; byChannel: Record<string, number> }>();
  for (let t = from.getTime(); t < to.getTime(); t += DAY_MS) perDay.set(new Date(t).toISOString().slice(0, 10), { count: 0, byChannel: {} });
  for (const r of daily) {
    const d = perDay.get(r.day);
    if (!d) continue;
    d.count += num(r.n);
    d.byChannel[r.channel] = num(r.n);
  }
  const desc = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  const avg = cycle?.avg;
  return {
    from: from.toISOString(), to: to.toISOString(), days, total,
    byChannel: [...byChannel].map(([c, n]) => ({ channel: c, count: n })).sort(desc),
    byState: [...byState].map(([st, n]) => ({ state: st, count: n })).sort(desc),
    byChannelState: grouped.map((r) => ({ channel: r.channel, state: r.state, count: num(r.n) })).sort(desc),
    perDay: [...perDay].map(([d, v]) => ({ day: d, ...v })),
    // Sums stay in bigint minor units until formatted: exact at any volume.
    revenue: revenue.map((r) => ({ currency: r.currency, count: num(r.n), grandTotal: formatMoney(BigInt(r.total ?? '0'), r.currency) })),
    cycleTime: { endStates: [...CYCLE_END_STATES], orders: num(cycle?.n), averageSeconds: avg === null || avg === undefined ? null : Math.round(Number(avg)) },
  };
}

export const heatmapQuery = z.object({
  key: z.string().min(1).max(64).regex(/^[a-z][a-z0-9-]*$/, 'a process key').describe('the process'),
  version: z.coerce.number().int().min(1).optional().describe('only orders on this version'),
});
const seconds = z.number().nullable();
export const processHeatmapView = z.object({
  key: z.string(), version: z.number().nullable(), total: z.number().describe('running orders of the process'),
  states: z.array(z.object({
    state: z.string(), count: z.number(), oldestAt: z.string().nullable().describe('when the longest-waiting order entered the state'),
    medianSeconds: seconds, p90Seconds: seconds,
  })),
}).meta({ id: 'ProcessHeatmap' });

export const operationsQuery = z.object({
  staleHours: z.coerce.number().int().min(1).max(24 * 365).default(48).describe('a running order placed longer ago than this breaches the SLA'),
  days: z.coerce.number().int().min(1).max(366).default(30).describe('window of the cycle time'),
});
export const operationsView = z.object({
  at: z.string(),
  tasks: z.object({ open: z.number(), overdue: z.number() }),
  staleOrders: z.object({
    thresholdHours: z.number(), count: z.number(),
    oldest: z.array(z.object({ id: z.string(), number: z.string(), state: z.string(), placedAt: z.string() })),
  }),
  exceptionsByKind: z.array(z.object({ kind: z.string(), count: z.number() })),
  cycleTime: z.object({ days: z.number(), endStates: z.array(z.string()), orders: z.number(), medianSeconds: seconds, p90Seconds: seconds }),
}).meta({ id: 'OperationsReport' });

/** Read-only figures for the console dashboard. */
export const reportRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  app.get('/reports/orders-summary', {
    schema: {
      tags: ['reports'], summary: 'Orders per channel, state and day, revenue per currency and average cycle time',
      querystring: summaryQuery, response: { 200: ordersSummary, ...errors },
    },
  }, async (request) => {
    const { store } = authorize(deps.db, request, 'orders:read');
    return ordersSummaryReport(store, deps.clock.now(), request.query.days, request.query.channel);
  });

  app.get('/reports/process-heatmap', {
    schema: {
      tags: ['reports'], summary: 'Where the running orders of a process are now: per state the count and how long they have waited (median, p90, oldest)',
      querystring: heatmapQuery, response: { 200: processHeatmapView, ...errors },
    },
  }, async (request) => {
    const { store } = authorize(deps.db, request, 'processes:read');
    return processHeatmap(store, deps.clock.now(), request.query.key, request.query.version);
  });

  app.get('/reports/operations', {
    schema: {
      tags: ['reports'], summary: 'SLA breaches (overdue tasks, running orders older than a threshold), exceptions by kind, cycle time median and p90',
      querystring: operationsQuery, response: { 200: operationsView, ...errors },
    },
  }, async (request) => {
    const { store } = authorize(deps.db, request, 'orders:read');
    return operationsReport(store, deps.clock.now(), { staleHours: request.query.staleHours, days: request.query.days, endStates: CYCLE_END_STATES });
  });
};
