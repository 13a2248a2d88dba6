import { AppError } from '../../shared/errors.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { checkStrategy, findStrategyVersion, lockStrategyKey, strategyView } from './strategy-store.js';

/**
 * Publishes a draft: routing uses it (the highest published version of the key) from now on.
 * Compiled again before it goes live; a bad one is 422 ROUTING_STRATEGY_INVALID naming the
 * field or step at fault. Plans already made keep the version they name.
 */
export async function publishStrategy(s: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  return atomically(s, async (tx) => {
    await lockStrategyKey(tx, key);
    const row = await findStrategyVersion(tx, key, version);
    if (row.status !== 'draft') throw new AppError('CONFLICT', `${key} v${version} is ${row.status}; only a draft can be published`);
    checkStrategy(key, version, row.document);
    const updated = await tx.updateTable('routing_strategies').set({ status: 'published', published_at: now, updated_at: now })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    await writeAudit(tx, actor, now, { entity: 'routing_strategy', entityId: row.id, action: 'published', changes: { key, version } });
    return strategyView(updated);
  });
}
