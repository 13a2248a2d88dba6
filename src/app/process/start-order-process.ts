import { startProcess } from '../../process/index.js';
import type { CompiledDefinition, ProcessSnapshot } from '../../process/index.js';
import { writeHistory, type Actor, type HistoryEntry } from '../../store/history.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import { cachedCompiled, compileStored, currentPublished } from './definition-store.js';
import { driveProcess, saveSnapshot, type SavedOrder } from './drive-process.js';
import { factsFrom, type FactRows } from '../../domain/order/facts.js';
import { chooseProcess } from './selection-rules.js';
import type { Operations } from './operation.js';

export type StartOutcome =
  | {
      started: true;
      key: string;
      version: number;
      state: string;
      via: 'rule' | 'channel';
      /** The order row as saved; null when the caller saves the snapshot at close (`saveAtClose`). */
      order: SavedOrder | null;
      def: CompiledDefinition;
      snapshot: ProcessSnapshot;
      exception: { kind: string; resolutions: string[] } | null;
    }
  | { started: false; reason: string };

/** What intake already knows, so starting the process reads nothing it just wrote or read. */
export interface StartContext {
  order: { state: string; process_key: string | null; channel_code: string };
  /** The rows the facts are made of (the order, lines, customer, stock outcome). */
  rows: FactRows;
  /** The tenant's selection rules row (null: none). */
  rules: { rules: unknown; version: number } | null;
  /** The current published version of each process key. */
  published: Array<{ key: string; version: number; source_hash: string }>;
  /**
   * Nothing in the unit of work reads the order after this: the caller (intake) has the snapshot
   * written by the closing statement (saveFirstSnapshotAtClose), so nothing is saved here.
   */
  saveAtClose?: boolean;
}

/**
 * Starts the order's process inside the intake transaction: chooses the process (rules, then
 * the channel's process_key), takes its current published version, runs the start state's
 * actions and automatic steps, and stores the snapshot. Without a process the order stays
 * `accepted` with a history note: an order is never refused for want of a process.
 */
export async function startOrderProcess(
  ops: Operations,
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  pre: StartContext,
): Promise<StartOutcome> {
  const { order, rules, rows } = pre;
  // Without rules or a channel process there is nothing to choose: skip computing the facts.
  const configured = processConfigured(pre);
  const facts = configured ? factsFrom(rows) : {};
  const choice = configured ? await chooseProcess(tx, facts, order.process_key, rules) : null;
  const published = choice ? await publishedVersion(ops, tx, choice.key, pre.published) : undefined;
  if (!choice || !published) {
    const { reason, entry } = notSelected(orderId, order, choice);
    // A tenant that has never published a process does not use the engine: no note on every order.
    if (choice || pre.published.length > 0) await writeHistory(tx, actor, now, [entry]);
    return { started: false, reason };
  }
  const def = published;
  const first = startProcess(def, facts, now);
  const { snapshot, exception } = await driveProcess({
    ops,
    tx,
    actor,
    now,
    orderId,
    def,
    facts,
    first,
    action: 'process.started',
    cause: null,
    fromState: order.state,
    exception: null,
    rows,
  });
  const saved = pre.saveAtClose
    ? null
    : await saveSnapshot(tx, orderId, now, snapshot, exception, { insert: true, bumpVersion: false });
  return {
    started: true,
    key: def.key,
    version: def.version,
    state: snapshot.state,
    via: choice.via,
    order: saved,
    def,
    snapshot,
    exception,
  };
}

/** Whether the order has a process to choose: the channel names one or the tenant has selection rules. */
export function processConfigured(pre: Pick<StartContext, 'order' | 'rules'>): boolean {
  return pre.order.process_key !== null || (pre.rules !== null && (pre.rules.rules as unknown[]).length > 0);
}

/** Why no process took the order, and the history note that says so. */
export function notSelected(
  orderId: string,
  order: StartContext['order'],
  choice: { key: string; via: string } | null,
): { reason: string; entry: HistoryEntry } {
  const reason = choice
    ? `process ${choice.key} (chosen by ${choice.via}) has no published version`
    : `no selection rule matches and channel ${order.channel_code} names no process`;
  return {
    reason,
    entry: {
      orderId,
      action: 'process.not_selected',
      fromState: order.state,
      toState: order.state,
      reason: {
        note: `${reason}; the order stays ${order.state} until an operator acts`,
        ...(choice ? { processKey: choice.key } : {}),
      },
    },
  };
}

/** The compiled current version of a process: from the compile cache, else compiled from its stored text. */
async function publishedVersion(ops: Operations, tx: TenantScope, key: string, known: StartContext['published']) {
  const item = known.find((p) => p.key === key);
  if (!item) return undefined;
  const hit = cachedCompiled(ops.actions, item.version, item.source_hash);
  if (hit) return hit;
  const row = await currentPublished(tx, key);
  return row ? compileStored(ops.actions, row.source, row.version, row.source_hash) : undefined;
}
