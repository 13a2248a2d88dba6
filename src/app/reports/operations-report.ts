import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';
import { channelLocationCondition, END_STATES } from '../orders/kpi-filters.js';

/** The parts of the report, as its answer names them. */
export const OPERATIONS_PARTS = ['tasks', 'staleOrders', 'exceptionsByKind', 'cycleTime'] as const;
export type OperationsPart = (typeof OPERATIONS_PARTS)[number];

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

/**
 * What needs attention now: overdue tasks, orders still running after a threshold, orders
 * waiting in exception states by kind; and the cycle time (placement to the first end
 * state) as median and 90th percentile over the window. With a channel or a location, each
 * figure counts only that channel's or location's orders (the tasks and exceptions of them).
 */
export async function operationsReport(
  scope: TenantScope,
  now: Date,
  opts: {
    staleHours: number;
    days: number;
    channel?: string | undefined;
    location?: string | undefined;
    /** The parts to compute (default all): a screen that shows two of them need not pay for the others. */
    parts?: readonly OperationsPart[];
  },
) {
  const wanted = new Set<OperationsPart>(opts.parts ?? OPERATIONS_PARTS);
  const ask = <T>(part: OperationsPart, read: () => Promise<T>) => (wanted.has(part) ? read() : undefined);
  const filtered = Boolean(opts.channel || opts.location);
  const ofOrders = channelLocationCondition(scope.tenantId, opts);
  const staleBefore = new Date(now.getTime() - opts.staleHours * 3_600_000);
  const from = new Date(now.getTime() - opts.days * 86_400_000);
  /** Orders still running that were placed before the threshold (of the channel and location, if asked). */
  const stale = () =>
    scope
      .selectFrom('order_processes')
      .innerJoin('orders', (j) =>
        j
          .onRef('orders.tenant_id', '=', 'order_processes.tenant_id')
          .onRef('orders.id', '=', 'order_processes.order_id'),
      )
      .where('order_processes.status', '<>', 'done')
      .where('orders.placed_at', '<', staleBefore)
      .$if(filtered, (q) => q.where(ofOrders));
  const [tasks, staleCount, oldest, exceptions, cycle] = await Promise.all([
    ask('tasks', () =>
      scope
        .selectFrom('process_tasks')
        .where('process_tasks.state', 'in', ['open', 'claimed'])
        .$if(filtered, (q) =>
          q
            .innerJoin('orders', (j) =>
              j
                .onRef('orders.tenant_id', '=', 'process_tasks.tenant_id')
                .onRef('orders.id', '=', 'process_tasks.order_id'),
            )
            .where(ofOrders),
        )
        .select([
          sql<string>`count(*)`.as('open'),
          sql<string>`count(*) filter (where process_tasks.due_at < ${now})`.as('overdue'),
        ])
        .executeTakeFirst(),
    ),
    ask('staleOrders', () =>
      stale()
        .select([sql<string>`count(*)`.as('n')])
        .executeTakeFirst(),
    ),
    ask('staleOrders', () =>
      stale()
        .select([
          'orders.id as id',
          'orders.number as number',
          'order_processes.state as state',
          'orders.placed_at as placed_at',
        ])
        .orderBy('orders.placed_at')
        .orderBy('orders.id')
        .limit(10)
        .execute(),
    ),
    ask('exceptionsByKind', () =>
      scope
        .selectFrom('order_processes')
        .where('order_processes.status', '<>', 'done')
        .where('order_processes.exception_kind', 'is not', null)
        .$if(filtered, (q) =>
          q
            .innerJoin('orders', (j) =>
              j
                .onRef('orders.tenant_id', '=', 'order_processes.tenant_id')
                .onRef('orders.id', '=', 'order_processes.order_id'),
            )
            .where(ofOrders),
        )
        .select(['order_processes.exception_kind as kind', sql<string>`count(*)`.as('n')])
        .groupBy('order_processes.exception_kind')
        .orderBy(sql`count(*)`, 'desc')
        .execute(),
    ),
    ask('cycleTime', () =>
      scope
        .selectFrom('orders')
        .innerJoin('order_facts as facts', (j) =>
          j.onRef('facts.tenant_id', '=', 'orders.tenant_id').onRef('facts.order_id', '=', 'orders.id'),
        )
        .where('facts.ended_at', 'is not', null)
        .where('orders.placed_at', '>=', from)
        .where('orders.order_type', '<>', 'return')
        .$if(filtered, (q) => q.where(ofOrders))
        .select([
          sql<string>`count(*)`.as('n'),
          sql<
            string | null
          >`percentile_cont(0.5) within group (order by extract(epoch from (facts.ended_at - orders.placed_at)))`.as(
            'median',
          ),
          sql<
            string | null
          >`percentile_cont(0.9) within group (order by extract(epoch from (facts.ended_at - orders.placed_at)))`.as(
            'p90',
          ),
        ])
        .executeTakeFirst(),
    ),
  ]);
  return {
    at: now.toISOString(),
    ...(wanted.has('tasks') && { tasks: { open: Number(tasks?.open ?? 0), overdue: Number(tasks?.overdue ?? 0) } }),
    ...(wanted.has('staleOrders') && {
      staleOrders: {
        thresholdHours: opts.staleHours,
        count: Number(staleCount?.n ?? 0),
        oldest: (oldest ?? []).map((o) => ({
          id: o.id,
          number: o.number,
          state: o.state,
          placedAt: new Date(o.placed_at).toISOString(),
        })),
      },
    }),
    ...(wanted.has('exceptionsByKind') && {
      exceptionsByKind: (exceptions ?? []).map((e) => ({ kind: e.kind ?? 'other', count: Number(e.n) })),
    }),
    ...(wanted.has('cycleTime') && {
      cycleTime: {
        days: opts.days,
        endStates: [...END_STATES],
        orders: Number(cycle?.n ?? 0),
        medianSeconds: num(cycle?.median),
        p90Seconds: num(cycle?.p90),
      },
    }),
  };
}
