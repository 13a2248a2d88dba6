import type { ActionRegistry } from '../../process/index.js';
import { AppError } from '../../shared/errors.js';
import { compareDefinitions, simulate } from '../../process/index.js';
import type {
  CompiledDefinition,
  FactsInput,
  Oracle,
  ProcessEvent,
  SimulationCase,
  SimulationRun,
} from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { checkSource, compileStored, currentPublished, findVersion, invalidDefinition } from './definition-store.js';
import { loadOrderFacts } from './load-facts.js';
import { chooseProcess } from './selection-rules.js';
import '../../store/schema-process.js';

export const MAX_SIMULATED_ORDERS = 500;
/** How many recent orders are looked at when choosing the ones a process would get. */
export const MAX_CONSIDERED_ORDERS = 1000;

export interface SimulateInput {
  /** A stored version to try (default: the draft). */
  version?: number | undefined;
  /** Or the definition's text, not stored. */
  source?: string | undefined;
  /** Stored orders by id, or the last N stored orders, or given facts. */
  orderIds?: string[] | undefined;
  last?: number | undefined;
  /**
   * Of the last N orders: only those the process would get under the tenant's selection rules
   * and channels (`process`, the default), or every one (`all`).
   */
  select?: 'process' | 'all' | undefined;
  /** Narrows the last N orders before selection. */
  filter?:
    { channel?: string[] | undefined; placedFrom?: string | undefined; placedTo?: string | undefined } | undefined;
  cases?: { id: string; facts: Record<string, unknown>; events?: ProcessEvent[] | undefined }[] | undefined;
  oracle?: Oracle | undefined;
  includeTrace?: boolean | undefined;
}

function runView(simulationRun: SimulationRun, includeTrace: boolean) {
  return {
    path: simulationRun.path,
    endState: simulationRun.endState,
    status: simulationRun.status,
    outcome: simulationRun.outcome,
    approvalTasks: simulationRun.approvalTasks,
    exceptions: simulationRun.exceptions,
    eventsApplied: simulationRun.eventsApplied,
    waitingFor: simulationRun.waitingFor
      ? {
          tasks: simulationRun.waitingFor.tasks.map((t) => ({ id: t.id, kind: t.kind, role: t.role, party: t.party })),
          events: simulationRun.waitingFor.events,
        }
      : null,
    rejectedEvents: simulationRun.rejectedEvents,
    ...(includeTrace && simulationRun.trace ? { trace: simulationRun.trace } : {}),
  };
}

async function draftDefinition(
  actions: ActionRegistry,
  scope: TenantScope,
  key: string,
  input: SimulateInput,
): Promise<{ def: CompiledDefinition; label: string }> {
  if (input.source !== undefined) {
    const source = checkSource(actions, input.source);
    if (!source.ok) throw invalidDefinition(source.problems);
    if (source.def.key !== key)
      throw new AppError('VALIDATION_FAILED', `the definition's key is ${source.def.key}, not ${key}`, [
        { path: '/source', message: `key must be ${key}` },
      ]);
    return { def: source.def, label: 'inline' };
  }
  const row =
    input.version !== undefined
      ? await findVersion(scope, key, input.version)
      : await scope
          .selectFrom('process_definitions')
          .selectAll()
          .where('key', '=', key)
          .where('status', '=', 'draft')
          .executeTakeFirst();
  if (!row) throw new AppError('PROCESS_NOT_FOUND', `process ${key} has no draft; give a version or the source`);
  return {
    def: compileStored(actions, row.source, row.version, row.source_hash),
    label: `v${row.version} (${row.status})`,
  };
}

interface Sample {
  /** Recent orders looked at (after the filter). */
  considered: number;
  /** Of those, the ones the process would get (all of them with `select: all`). */
  selected: number;
  /** The ones simulated: the newest selected, at most MAX_SIMULATED_ORDERS. */
  simulated: number;
  select: 'process' | 'all';
}

async function loadCases(
  scope: TenantScope,
  key: string,
  input: SimulateInput,
): Promise<{ cases: SimulationCase[]; numbers: Map<string, string>; sample: Sample | null }> {
  const numbers = new Map<string, string>();
  if (input.cases?.length)
    return {
      cases: input.cases.map((c) => ({
        id: c.id,
        facts: c.facts as FactsInput,
        ...(c.events ? { events: c.events } : {}),
      })),
      numbers,
      sample: null,
    };
  if (input.orderIds?.length) {
    const ids = input.orderIds;
    if (ids.length > MAX_SIMULATED_ORDERS)
      throw new AppError('VALIDATION_FAILED', `at most ${MAX_SIMULATED_ORDERS} orders`, [
        { path: '/orderIds', message: 'too many' },
      ]);
    const found = await scope.selectFrom('orders').select(['id', 'number']).where('id', 'in', ids).execute();
    for (const item of found) numbers.set(item.id, item.number);
    const missing = ids.filter((id) => !numbers.has(id));
    if (missing.length) throw new AppError('NOT_FOUND', `unknown order(s): ${missing.slice(0, 5).join(', ')}`);
    const cases: SimulationCase[] = [];
    for (const id of ids) cases.push({ id, facts: await loadOrderFacts(scope, id) });
    return { cases, numbers, sample: null };
  }
  return recentOrders(scope, key, input);
}

/**
 * The last N orders (after the filter), kept to those the process would get: the tenant's
 * selection rules, else the order's channel's process, decide — as they would at intake — so a
 * process that ten orders use is simulated over those ten, not over every recent order.
 */
async function recentOrders(scope: TenantScope, key: string, input: SimulateInput) {
  const select = input.select ?? 'process';
  const filter = input.filter ?? {};
  let recent = scope.selectFrom('orders').select(['id', 'number', 'channel_id']);
  if (filter.channel?.length) {
    const channelIds = scope.selectFrom('channels').select('id').where('code', 'in', filter.channel);
    recent = recent.where('channel_id', 'in', channelIds);
  }
  if (filter.placedFrom) recent = recent.where('placed_at', '>=', new Date(filter.placedFrom));
  if (filter.placedTo) recent = recent.where('placed_at', '<', new Date(filter.placedTo));
  const rows = await recent
    .orderBy('placed_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(input.last ?? (select === 'process' ? MAX_CONSIDERED_ORDERS : 50), MAX_CONSIDERED_ORDERS))
    .execute();
  const [channels, rules] = await Promise.all([
    scope.selectFrom('channels').select(['id', 'process_key']).execute(),
    scope.selectFrom('process_selection_rules').select(['rules', 'version']).executeTakeFirst(),
  ]);
  const channelProcess = new Map(channels.map((c) => [c.id, c.process_key]));
  const numbers = new Map<string, string>();
  const cases: SimulationCase[] = [];
  let selected = 0;
  for (const row of rows) {
    const facts = await loadOrderFacts(scope, row.id);
    if (select === 'process') {
      const choice = await chooseProcess(scope, facts, channelProcess.get(row.channel_id) ?? null, rules ?? null);
      if (choice?.key !== key) continue;
    }
    selected += 1;
    if (cases.length >= MAX_SIMULATED_ORDERS) continue;
    numbers.set(row.id, row.number);
    cases.push({ id: row.id, facts });
  }
  return { cases, numbers, sample: { considered: rows.length, selected, simulated: cases.length, select } };
}

/**
 * Runs a draft (stored or inline) and the current published version over the same orders —
 * given facts, chosen stored orders, or those of the last N the process would get — and reports each order's path and end
 * state under both, and what would change. Reads only: nothing is written.
 */
export async function simulateProcess(
  actions: ActionRegistry,
  scope: TenantScope,
  now: Date,
  key: string,
  input: SimulateInput,
) {
  const draft = await draftDefinition(actions, scope, key, input);
  const cur = await currentPublished(scope, key);
  const current = cur ? compileStored(actions, cur.source, cur.version, cur.source_hash) : null;
  const { cases, numbers, sample } = await loadCases(scope, key, input);
  const opts = { now, includeTrace: Boolean(input.includeTrace), ...(input.oracle ? { oracle: input.oracle } : {}) };
  const trace = Boolean(input.includeTrace);
  if (!current) {
    const runs = cases.map((c) => ({
      id: c.id,
      number: numbers.get(c.id) ?? null,
      current: null,
      draft: runView(simulate(draft.def, c, opts), trace),
      differences: [] as string[],
    }));
    return { key, current: null, draft: draft.label, sample, orders: runs, summary: null };
  }
  const cmp = compareDefinitions(current, draft.def, cases, opts);
  return {
    key,
    current: `v${current.version}`,
    draft: draft.label,
    sample,
    orders: cmp.cases.map((c) => ({
      id: c.id,
      number: numbers.get(c.id) ?? null,
      current: runView(c.current, trace),
      draft: runView(c.draft, trace),
      differences: c.differences,
    })),
    summary: cmp.summary,
  };
}
