import type { ActionRegistry, CompiledDefinition, EventInfo } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';
import { loadCompiled } from './definition-store.js';
import { eventDetails, exceptionWords, type ExceptionWords, type ProcessName } from './process-words.js';
import { orderContextColumns, orderContextView, type ContextRow } from './order-context.js';
import { channelLocationCondition } from '../orders/kpi-filters.js';

/**
 * The exceptions queue: orders waiting in an exception state, grouped by kind, each with the
 * resolutions the process allows (resolve one by posting it as an event on the order), each
 * described as the order's own events are (destructive or not, what it risks: the console asks
 * for a reason and a confirmation before a destructive one); of one channel and one location when
 * asked, as the dashboard filters.
 */
export async function listExceptions(
  scope: TenantScope,
  actions: ActionRegistry,
  query: {
    kind?: string | undefined;
    orderId?: string | undefined;
    channel?: string | undefined;
    location?: string | undefined;
    limit: number;
  },
  now: Date = new Date(),
) {
  let sel = scope
    .selectFrom('order_processes')
    .innerJoin('orders', (j) =>
      j.onRef('orders.tenant_id', '=', 'order_processes.tenant_id').onRef('orders.id', '=', 'order_processes.order_id'),
    )
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .select(orderContextColumns())
    .select([
      'order_processes.order_id',
      'order_processes.definition_key',
      'order_processes.definition_version',
      'order_processes.state',
      'order_processes.exception_kind',
      'order_processes.exception_resolutions',
      'order_processes.updated_at',
      'orders.number',
      'orders.version',
      'orders.attributes',
    ])
    .where('order_processes.exception_kind', 'is not', null);
  if (query.channel || query.location) sel = sel.where(channelLocationCondition(scope.tenantId, query));
  if (query.kind) sel = sel.where('order_processes.exception_kind', '=', query.kind);
  if (query.orderId) sel = sel.where('order_processes.order_id', '=', query.orderId);
  const rows = await sel
    .orderBy('order_processes.updated_at')
    .orderBy('order_processes.order_id')
    .limit(query.limit)
    .execute();
  const tasks =
    rows.length === 0
      ? []
      : await scope
          .selectFrom('process_tasks')
          .select(['id', 'order_id', 'role', 'options'])
          .where(
            'order_id',
            'in',
            rows.map((r) => r.order_id),
          )
          .where('state', 'in', ['open', 'claimed'])
          .execute();
  type Item = {
    orderId: string;
    number: string;
    orderVersion: number;
    state: string;
    process: { key: string; version: number } & ProcessName;
    resolutions: string[];
    resolutionDetails: EventInfo[];
    since: string;
    tasks: { id: string; role: string; options: string[] }[];
  } & Omit<ExceptionWords, 'processName'> &
    ReturnType<typeof orderContextView>;
  const words = await exceptionWords(scope, rows);
  // Each version the rows run, compiled once; one that no longer loads (null) leaves the queue
  // readable, its resolutions described as needing a reason and a confirmation.
  const definitions = new Map<string, CompiledDefinition | null>();
  for (const row of rows) {
    const key = `${row.definition_key}\u0000${row.definition_version}`;
    if (!definitions.has(key))
      definitions.set(
        key,
        await loadCompiled(actions, scope, row.definition_key, row.definition_version).catch(() => null),
      );
  }
  const describe = (row: (typeof rows)[number], labels: ExceptionWords['resolutionLabels']): EventInfo[] => {
    const def = definitions.get(`${row.definition_key}\u0000${row.definition_version}`);
    if (def) return eventDetails(def, row.state, row.exception_resolutions, row.attributes as Record<string, unknown>);
    return row.exception_resolutions.map((name) => ({
      name,
      labels: labels[name] ?? null,
      source: 'person' as const,
      manual: true,
      destructive: true,
      risks: [],
    }));
  };
  const groups = new Map<string, { kind: string; count: number; orders: Item[] }>();
  for (const [at, row] of rows.entries()) {
    const kind = row.exception_kind!;
    const group = groups.get(kind) ?? { kind, count: 0, orders: [] };
    group.count += 1;
    const { processName, ...rowWords } = words[at]!;
    group.orders.push({
      orderId: row.order_id,
      number: row.number,
      orderVersion: row.version,
      state: row.state,
      process: { key: row.definition_key, version: row.definition_version, ...processName },
      resolutions: row.exception_resolutions,
      resolutionDetails: describe(row, rowWords.resolutionLabels),
      ...rowWords,
      since: new Date(row.updated_at).toISOString(),
      tasks: tasks
        .filter((t) => t.order_id === row.order_id)
        .map((t) => ({ id: t.id, role: t.role, options: t.options })),
      ...orderContextView(row as unknown as ContextRow, now),
    });
    groups.set(kind, group);
  }
  return { total: rows.length, groups: [...groups.values()] };
}
