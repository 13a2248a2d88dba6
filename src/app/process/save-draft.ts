import type { ActionRegistry } from '../../process/index.js';
import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { saveDraft as saveVersionDraft } from '../versioning/versioned-store.js';
import { checkSource, definitionView, invalidDefinition, processKind } from './definition-store.js';

/**
 * Saves a definition's text as the draft of its process (creating the next version number, or
 * editing the existing draft). Validated first: with any problem nothing is stored and every
 * problem is reported with its line. `key`, when given (PUT /processes/{key}/draft), must match.
 */
export async function saveDraft(
  actions: ActionRegistry,
  scope: TenantScope,
  actor: Actor,
  now: Date,
  source: string,
  key?: string,
) {
  const checked = checkSource(actions, source);
  if (!checked.ok) throw invalidDefinition(checked.problems);
  const def = checked.def;
  if (key !== undefined && def.key !== key) {
    throw new AppError('VALIDATION_FAILED', `the definition's key is ${def.key}, not ${key}`, [
      { path: '/key', message: `must be ${key}` },
    ]);
  }
  const { row, changed } = await saveVersionDraft(scope, processKind, actor, now, def.key, {
    source,
    title: def.spec.title ?? null,
  });
  return { ...definitionView(row), changed };
}
