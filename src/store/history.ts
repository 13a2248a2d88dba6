import { newId } from '../shared/ids.js';
import type { TenantScope, Work } from './tenant-scope.js';

export interface Actor {
  type: 'user' | 'api_key' | 'system' | 'process';
  id: string | null;
  name?: string;
}

export const systemActor: Actor = { type: 'system', id: null, name: 'system' };

export interface HistoryEntry {
  orderId: string;
  action: string;
  fromState?: string | null;
  toState?: string | null;
  /** What changed: field → { from, to }, or a summary for creation. */
  changes?: Record<string, unknown>;
  /** Why: the command, the rule and process version that decided, the inputs it read. */
  reason?: Record<string, unknown>;
}

/** History rows as stored, stamped with the tenant (writeHistory, or a statement that writes them itself). */
export function historyRows(scope: TenantScope, actor: Actor, at: Date, entries: HistoryEntry[]) {
  return entries.map((e) => ({
    tenant_id: scope.tenantId,
    id: newId(),
    order_id: e.orderId,
    at,
    actor_type: actor.type,
    actor_id: actor.id,
    action: e.action,
    from_state: e.fromState ?? null,
    to_state: e.toState ?? null,
    changes: JSON.stringify(e.changes ?? {}),
    reason: JSON.stringify({ ...(e.reason ?? {}), ...(actor.name ? { actorName: actor.name } : {}) }),
  }));
}

/** Appends to an order's history: the rows are written with the unit of work's other appends, just before commit. */
export function writeHistory(work: Work, actor: Actor, at: Date, entries: HistoryEntry[]): Promise<void> {
  if (entries.length > 0) work.work.recordHistory(historyRows(work, actor, at, entries));
  return Promise.resolve();
}

/** Appends to the audit log of reference data, keys and users. */
export async function writeAudit(
  scope: TenantScope,
  actor: Actor,
  at: Date,
  entry: { entity: string; entityId: string; action: string; changes?: Record<string, unknown> },
): Promise<void> {
  await scope
    .insertInto('audit_log', {
      id: newId(),
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      entity: entry.entity,
      entity_id: entry.entityId,
      action: entry.action,
      changes: JSON.stringify(entry.changes ?? {}),
    })
    .execute();
}
