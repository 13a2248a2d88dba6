import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { saveDraft } from '../versioning/versioned-store.js';
import { checkStrategy, STRATEGY_KEY, strategyKind, strategyView } from './strategy-store.js';

/**
 * Saves a routing strategy as the draft of its key: edits the existing draft or creates the
 * next version. Validated first (schema, CEL conditions, fallbacks): any problem → 422
 * ROUTING_STRATEGY_INVALID with the JSON path of each (`/steps/1/when`), and nothing is stored.
 */
export async function saveStrategyDraft(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  key: string,
  body: Record<string, unknown>,
) {
  if (!STRATEGY_KEY.test(key))
    throw new AppError('VALIDATION_FAILED', `"${key}" is not a strategy key`, [
      { path: '/key', message: 'lowercase letters, digits, "_" or "-"' },
    ]);
  if (body.key !== undefined && body.key !== key) {
    throw new AppError('VALIDATION_FAILED', `the strategy's key is ${String(body.key)}, not ${key}`, [
      { path: '/key', message: `must be ${key}` },
    ]);
  }
  const { key: _k, version: _v, ...document } = body;
  // Compiled as the version it will be (the draft's number, or the next one).
  const { row, changed } = await saveDraft(scope, strategyKind, actor, now, key, document, (version) => {
    checkStrategy(key, version, document);
  });
  return { ...strategyView(row), changed };
}
