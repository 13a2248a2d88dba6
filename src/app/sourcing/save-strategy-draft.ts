import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { checkStrategy, lockStrategyKey, STRATEGY_KEY, strategyView } from './strategy-store.js';

/**
 * Saves a routing strategy as the draft of its key: edits the existing draft or creates the
 * next version. Validated first (schema, CEL conditions, fallbacks): any problem → 422
 * ROUTING_STRATEGY_INVALID with the JSON path of each (`/steps/1/when`), and nothing is stored.
 */
export async function saveStrategyDraft(s: TenantScope, actor: Actor, now: Date, key: string, body: Record<string, unknown>) {
  if (!STRATEGY_KEY.test(key)) throw new AppError('VALIDATION_FAILED', `"${key}" is not a strategy key`, [{ path: '/key', message: 'lowercase letters, digits, "_" or "-"' }]);
  if (body.key !== undefined && body.key !== key) {
    throw new AppError('VALIDATION_FAILED', `the strategy's key is ${String(body.key)}, not ${key}`, [{ path: '/key', message: `must be ${key}` }]);
  }
  const { key: _k, version: _v, ...document } = body;
  return atomically(s, async (tx) => {
    await lockStrategyKey(tx, key);
    const versions = await tx.selectFrom('routing_strategies').select(['id', 'version', 'status', 'document']).where('key', '=', key).orderBy('version', 'desc').execute();
    const draft = versions.find((v) => v.status === 'draft');
    const version = draft?.version ?? (versions[0]?.version ?? 0) + 1;
    checkStrategy(key, version, document);
    const name = typeof document.name === 'string' ? document.name : null;
    if (draft) {
      if (JSON.stringify(draft.document) === JSON.stringify(document)) {
        return { ...strategyView(await tx.selectFrom('routing_strategies').selectAll().where('id', '=', draft.id).executeTakeFirstOrThrow()), changed: false };
      }
      const row = await tx.updateTable('routing_strategies').set({ document: JSON.stringify(document), name, updated_at: now })
        .where('id', '=', draft.id).returningAll().executeTakeFirstOrThrow();
      await writeAudit(tx, actor, now, { entity: 'routing_strategy', entityId: row.id, action: 'draft_saved', changes: { key, version } });
      return { ...strategyView(row), changed: true };
    }
    const row = await tx.insertInto('routing_strategies', {
      id: newId(), key, version, status: 'draft', name, document: JSON.stringify(document), created_by: actor.name ?? actor.id,
      created_at: now, updated_at: now, published_at: null, retired_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    await writeAudit(tx, actor, now, { entity: 'routing_strategy', entityId: row.id, action: 'draft_created',
      changes: { key, version, ...(versions[0] ? { basedOn: versions[0].version } : {}) } });
    return { ...strategyView(row), changed: true };
  });
}
