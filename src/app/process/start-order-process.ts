import { startProcess } from '../../process/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { compileStored, currentPublished } from './definition-store.js';
import { driveProcess, saveSnapshot } from './drive-process.js';
import { loadOrderFacts } from './load-facts.js';
import { chooseProcess } from './selection-rules.js';

export type StartOutcome =
  | { started: true; key: string; version: number; state: string; via: 'rule' | 'channel' }
  | { started: false; reason: string };

/**
 * Starts the order's process inside the intake transaction: chooses the process (rules, then
 * the channel's process_key), takes its current published version, runs the start state's
 * actions and automatic steps, and stores the snapshot. Without a process the order stays
 * `accepted` with a history note: an order is never refused for want of a process.
 */
export async function startOrderProcess(tx: TenantScope, actor: Actor, now: Date, orderId: string): Promise<StartOutcome> {
  const order = await tx.selectFrom('orders')
    .innerJoin('channels', (j) => j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'))
    .select(['orders.state', 'channels.process_key', 'channels.code']).where('orders.id', '=', orderId).executeTakeFirstOrThrow();
  // Without rules or a channel process there is nothing to choose: skip loading the facts.
  const rules = await tx.selectFrom('process_selection_rules').select('rules').executeTakeFirst();
  const configured = order.process_key !== null || (rules !== undefined && (rules.rules as unknown[]).length > 0);
  const facts = configured ? await loadOrderFacts(tx, orderId) : {};
  const choice = configured ? await chooseProcess(tx, facts, order.process_key) : null;
  const published = choice ? await currentPublished(tx, choice.key) : undefined;
  if (!choice || !published) {
    const reason = choice ? `process ${choice.key} (chosen by ${choice.via}) has no published version` : `no selection rule matches and channel ${order.code} names no process`;
    // A tenant that has never published a process does not use the engine: no note on every order.
    const anyPublished = await tx.selectFrom('process_definitions').select('id').where('status', '=', 'published').limit(1).executeTakeFirst();
    if (choice || anyPublished) {
      await writeHistory(tx, actor, now, [{ orderId, action: 'process.not_selected', fromState: order.state, toState: order.state,
        reason: { note: `${reason}; the order stays ${order.state} until an operator acts`, ...(choice ? { processKey: choice.key } : {}) } }]);
    }
    return { started: false, reason };
  }
  const def = compileStored(published.source, published.version, published.source_hash);
  const first = startProcess(def, facts, now);
  const { snapshot, exception } = await driveProcess({
    tx, actor, now, orderId, def, facts, first, action: 'process.started', cause: null, fromState: order.state, exception: null,
  });
  await saveSnapshot(tx, orderId, now, snapshot, exception, { insert: true, bumpVersion: false });
  return { started: true, key: def.key, version: def.version, state: snapshot.state, via: choice.via };
}
