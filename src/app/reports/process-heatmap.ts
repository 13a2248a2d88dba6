import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';

export interface HeatmapState {
  state: string;
  count: number;
  /** When the longest-waiting order entered the state. */
  oldestAt: string | null;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));

/**
 * Where the running orders of a process are now and how long they have waited there: per
 * state, the count, the oldest entry and the median and 90th-percentile age. An order entered
 * its state at its last history row that moved it there (or when its process row last
 * changed, for orders without such a row). Orders whose process is done are not counted.
 */
export async function processHeatmap(
  scope: TenantScope,
  now: Date,
  key: string,
  version?: number,
): Promise<{ key: string; version: number | null; total: number; states: HeatmapState[] }> {
  let query = scope
    .selectFrom('order_processes')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('order_history')
          .select(sql<Date | null>`max(order_history.at)`.as('at'))
          .where('order_history.tenant_id', '=', scope.tenantId)
          .whereRef('order_history.order_id', '=', 'order_processes.order_id')
          .whereRef('order_history.to_state', '=', 'order_processes.state')
          .as('entered'),
      (j) => j.onTrue(),
    )
    .where('order_processes.definition_key', '=', key)
    .where('order_processes.status', '<>', 'done');
  if (version !== undefined) query = query.where('order_processes.definition_version', '=', version);
  const since = sql`coalesce(entered.at, order_processes.updated_at)`;
  const age = sql`extract(epoch from (${now}::timestamptz - ${since}))`;
  const rows = await query
    .select([
      'order_processes.state as state',
      sql<string>`count(*)`.as('n'),
      sql<Date>`min(${since})`.as('oldest'),
      sql<string | null>`percentile_cont(0.5) within group (order by ${age})`.as('median'),
      sql<string | null>`percentile_cont(0.9) within group (order by ${age})`.as('p90'),
    ])
    .groupBy('order_processes.state')
    .orderBy('order_processes.state')
    .execute();
  const states = rows.map((r) => ({
    state: r.state,
    count: Number(r.n),
    oldestAt: r.oldest ? new Date(r.oldest).toISOString() : null,
    medianSeconds: num(r.median),
    p90Seconds: num(r.p90),
  }));
  return { key, version: version ?? null, total: states.reduce((n, x) => n + x.count, 0), states };
}
