import { AppError } from '../../shared/errors.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { findStrategyVersion, lockStrategyKey, strategyView } from './strategy-store.js';

/** Retires a version (or drops a draft): routing no longer uses it; stored plans still name it. */
export async function retireStrategy(s: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  return atomically(s, async (tx) => {
    await lockStrategyKey(tx, key);
    const row = await findStrategyVersion(tx, key, version);
    if (row.status === 'retired') throw new AppError('CONFLICT', `${key} v${version} is already retired`);
    const updated = await tx.updateTable('routing_strategies').set({ status: 'retired', retired_at: now, updated_at: now })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    await writeAudit(tx, actor, now, { entity: 'routing_strategy', entityId: row.id, action: 'retired', changes: { key, version, from: row.status } });
    return strategyView(updated);
  });
}
