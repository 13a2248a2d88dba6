import { sql, type Selectable } from 'kysely';
import type { OrderLinesTable } from '../../store/schema.js';
import { transition } from '../../process/index.js';
import type {
  CompiledDefinition,
  FactsInput,
  ProcessEvent,
  ProcessSnapshot,
  TransitionOk,
} from '../../process/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import { factsFrom, type FactRows } from '../../domain/order/facts.js';
import { loadFactRows, loadStockFactRows } from './load-facts.js';
import { runEffects, type EffectState } from './run-effects.js';
import type { OperationContext, Operations } from './operation.js';
import '../../store/schema-process.js';

/** Result events fed back from local actions in one command; more means two actions ping-pong. */
const MAX_FOLLOW_UPS = 25;

export interface DriveInput {
  ops: Operations;
  tx: Work;
  actor: Actor;
  now: Date;
  orderId: string;
  def: CompiledDefinition;
  facts: FactsInput;
  /** The engine's answer to the command (start or event). */
  first: TransitionOk;
  /** What the step was: 'process.started', 'process.event', 'process.timer', … (history action). */
  action: string;
  cause: ProcessEvent | null;
  fromState: string | null;
  exception: EffectState['exception'];
  /** The rows `facts` were made from, when the caller has them: a refresh after an action then re-reads only stock. */
  rows?: FactRows;
}

/**
 * Runs one command's steps to rest inside the order's transaction: writes the decision trace to
 * history, carries out the effects, and feeds the results of local actions back into the
 * engine while the order is still in the state that ran them. Returns the snapshot to store.
 */
export async function driveProcess(
  drive: DriveInput,
): Promise<{ snapshot: ProcessSnapshot; exception: EffectState['exception'] }> {
  const definition = { key: drive.def.key, version: drive.def.version };
  const ctx: OperationContext = {
    tx: drive.tx,
    actor: drive.actor,
    now: drive.now,
    orderId: drive.orderId,
    facts: drive.facts,
    factRows: drive.rows,
    definition,
  };
  const st: EffectState = { exception: drive.exception };
  let current = drive.first.snapshot;
  let followUps = 0;
  let rows = drive.rows;

  const step = async (
    transitionOk: TransitionOk,
    action: string,
    cause: ProcessEvent | null,
    from: string | null,
  ): Promise<void> => {
    current = transitionOk.snapshot;
    await writeHistory(drive.tx, drive.actor, drive.now, [
      {
        orderId: drive.orderId,
        action,
        fromState: from,
        toState: transitionOk.snapshot.state,
        changes: {
          status: transitionOk.snapshot.status,
          ...(transitionOk.snapshot.tasks.length ? { openTasks: transitionOk.snapshot.tasks.map((t) => t.id) } : {}),
        },
        reason: {
          definition,
          event: cause
            ? {
                name: cause.name,
                ...(cause.taskId ? { taskId: cause.taskId } : {}),
                ...(cause.comment ? { comment: cause.comment } : {}),
                ...(cause.reason ? { reason: cause.reason } : {}),
              }
            : null,
          trace: transitionOk.trace,
        },
      },
    ]);
    const results = await runEffects(drive.ops, ctx, transitionOk.effects, st, cause);
    for (const result of results) {
      if (current.state !== result.state) {
        await writeHistory(drive.tx, drive.actor, drive.now, [
          {
            orderId: drive.orderId,
            action: 'process.result_ignored',
            fromState: current.state,
            toState: current.state,
            changes: { action: result.action, result: result.event.name },
            reason: { definition, note: `the order left ${result.state} before the result arrived` },
          },
        ]);
        continue;
      }
      if (++followUps > MAX_FOLLOW_UPS) {
        await writeHistory(drive.tx, drive.actor, drive.now, [
          {
            orderId: drive.orderId,
            action: 'process.result_ignored',
            fromState: current.state,
            toState: current.state,
            changes: { action: result.action, result: result.event.name },
            reason: { definition, note: `more than ${MAX_FOLLOW_UPS} action results in one command; the order waits` },
          },
        ]);
        continue;
      }
      // Actions change what conditions read (stock after reserve), so the facts are read again,
      // unless the action says this run changed none of them.
      if (!(rows && result.refreshes === 'none')) {
        rows =
          rows && result.refreshes !== 'all'
            ? { ...rows, ...(await loadStockFactRows(drive.tx, drive.orderId)) }
            : await loadFactRows(drive.tx, drive.orderId);
        ctx.facts = factsFrom(rows);
        ctx.factRows = rows;
      }
      const value = transition(drive.def, current, result.event, ctx.facts, drive.now);
      if (!value.ok) {
        await writeHistory(drive.tx, drive.actor, drive.now, [
          {
            orderId: drive.orderId,
            action: 'process.result_ignored',
            fromState: current.state,
            toState: current.state,
            changes: { action: result.action, result: result.event.name, allowed: value.error.allowed },
            reason: { definition, note: `${current.state} does not accept ${result.event.name}` },
          },
        ]);
        continue;
      }
      await step(value.value, 'process.action_result', result.event, current.state);
    }
  };
  await step(drive.first, drive.action, drive.cause, drive.fromState);
  return { snapshot: current, exception: st.exception };
}

/**
 * Stores the order's snapshot and mirrors state and version onto the order row, in one statement;
 * returns the order row as it now is (with its channel code), for the command's response.
 */
export async function saveSnapshot(...args: Parameters<typeof saveSnapshotQuery>) {
  return saveSnapshotQuery(...args).executeTakeFirstOrThrow();
}

/** The order row as saveSnapshot returns it. */
export type SavedOrder = Awaited<ReturnType<typeof saveSnapshot>>;

/** The statement saveSnapshot runs (one row: the order as saved, with its channel code and, asked for, its lines). */
export function saveSnapshotQuery(
  tx: TenantScope,
  orderId: string,
  now: Date,
  snap: ProcessSnapshot,
  exception: EffectState['exception'],
  opts: { insert: boolean; bumpVersion: boolean; withLines?: boolean },
) {
  const row = processRowOf(now, snap, exception);
  const conn = tx.conn;
  const tenantId = tx.tenantId;
  return conn
    .with('p', (q) =>
      opts.insert
        ? q.insertInto('order_processes').values({ tenant_id: tenantId, order_id: orderId, started_at: now, ...row })
        : q.updateTable('order_processes').set(row).where('tenant_id', '=', tenantId).where('order_id', '=', orderId),
    )
    .updateTable('orders')
    .from('channels')
    .set({
      ...orderProcessColumns(now, snap),
      ...(opts.bumpVersion ? { version: sql`orders.version + 1` } : {}),
    })
    .whereRef('channels.tenant_id', '=', 'orders.tenant_id')
    .whereRef('channels.id', '=', 'orders.channel_id')
    .where('orders.tenant_id', '=', tenantId)
    .where('orders.id', '=', orderId)
    .returningAll('orders')
    .returning('channels.code as channel_code')
    .returning(opts.withLines ? orderLinesJson(tenantId, orderId).as('lines') : sql<null>`null`.as('lines'));
}

/** What the order's own row says of its process: state, process and when it changed. */
export function orderProcessColumns(now: Date, snap: ProcessSnapshot) {
  return {
    state: snap.state,
    process_key: snap.definitionKey,
    process_version: snap.definitionVersion,
    updated_at: now,
  };
}

/** The order_processes row of a snapshot (its key columns aside). */
function processRowOf(now: Date, snap: ProcessSnapshot, exception: EffectState['exception']) {
  return {
    definition_key: snap.definitionKey,
    definition_version: snap.definitionVersion,
    state: snap.state,
    status: snap.status,
    exception_kind: exception?.kind ?? null,
    exception_resolutions: exception?.resolutions ?? [],
    snapshot: JSON.stringify(snap),
    updated_at: now,
  };
}

/**
 * A new order's first snapshot, as saveSnapshot with `insert` writes it, held for the unit of
 * work's closing statement (UnitOfWork.writeAtClose): for intake that is the last thing its unit
 * of work does, so nothing reads the order's process row or state before the end. With
 * `rowHeld` the order's own row is itself held for that statement (intake inserts it with
 * orderProcessColumns): only the process row is written here.
 */
export function saveFirstSnapshotAtClose(
  work: Work,
  orderId: string,
  now: Date,
  snap: ProcessSnapshot,
  exception: EffectState['exception'],
  rowHeld: boolean,
): void {
  const { conn, tenantId } = work;
  work.work.writeAtClose(
    sql`${conn.insertInto('order_processes').values({ tenant_id: tenantId, order_id: orderId, started_at: now, ...processRowOf(now, snap, exception) })}`,
  );
  if (rowHeld) return;
  work.work.writeAtClose(
    sql`${conn
      .updateTable('orders')
      .set(orderProcessColumns(now, snap))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', orderId)}`,
  );
}

/**
 * The order's lines as rows (bigint and numeric columns as text, as the driver gives them), read in
 * the statement that saves the snapshot: it sees every write of the transaction before it.
 */
const orderLinesJson = (tenantId: string, orderId: string) => sql<Selectable<OrderLinesTable>[]>`(
  select coalesce(json_agg(json_build_object('tenant_id', l.tenant_id, 'order_id', l.order_id, 'id', l.id,
      'line_no', l.line_no, 'external_line_id', l.external_line_id, 'product_id', l.product_id, 'sku', l.sku,
      'name', l.name, 'quantity', l.quantity, 'unit_price', l.unit_price::text, 'discount', l.discount::text,
      'tax_rate', l.tax_rate, 'tax', l.tax::text, 'net', l.net::text, 'total', l.total::text,
      'attributes', l.attributes, 'kind', l.kind, 'allocated_discount', l.allocated_discount::text,
      'discount_allocations', l.discount_allocations) order by l.line_no), '[]')
    from order_lines l where l.tenant_id = ${tenantId} and l.order_id = ${orderId})`;
