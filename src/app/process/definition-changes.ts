import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { lineDiff } from './line-diff.js';

/** Serialises writers of one process key until commit (version numbers, the one-draft rule). */
export async function lockProcessKey(tx: TenantScope, key: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`process/${tx.tenantId}/${key}`}, 0))`.execute(tx.conn);
}

/** Appends to the history of a definition: who, when, what, and the diff of the text. */
export async function recordDefinitionChange(
  tx: TenantScope, actor: Actor, at: Date,
  change: { key: string; version: number | null; action: string; before?: string; after?: string; details?: Record<string, unknown> },
): Promise<void> {
  await tx.insertInto('process_definition_changes', {
    id: newId(), key: change.key, version: change.version, action: change.action, at,
    actor_type: actor.type, actor_id: actor.id, actor_name: actor.name ?? null,
    diff: change.before !== undefined && change.after !== undefined ? lineDiff(change.before, change.after) : '',
    details: JSON.stringify(change.details ?? {}),
  }).execute();
}
