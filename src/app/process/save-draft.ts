import type { ActionRegistry } from '../../process/index.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { checkSource, definitionView, invalidDefinition, sourceHash } from './definition-store.js';
import { lockProcessKey, recordDefinitionChange } from './definition-changes.js';

/**
 * Saves a definition's text as the draft of its process (creating the next version number, or
 * editing the existing draft). Validated first: with any problem nothing is stored and every
 * problem is reported with its line. `key`, when given (PUT /processes/{key}/draft), must match.
 */
export async function saveDraft(actions: ActionRegistry, s: TenantScope, actor: Actor, now: Date, source: string, key?: string) {
  const checked = checkSource(actions, source);
  if (!checked.ok) throw invalidDefinition(checked.problems);
  const def = checked.def;
  if (key !== undefined && def.key !== key) {
    throw new AppError('VALIDATION_FAILED', `the definition's key is ${def.key}, not ${key}`, [{ path: '/key', message: `must be ${key}` }]);
  }
  return atomically(s, async (tx) => {
    await lockProcessKey(tx, def.key);
    const versions = await tx.selectFrom('process_definitions').select(['id', 'version', 'status', 'source'])
      .where('key', '=', def.key).orderBy('version', 'desc').execute();
    const draft = versions.find((v) => v.status === 'draft');
    const title = def.spec.title ?? null;
    if (draft) {
      if (draft.source === source) return { ...definitionView((await tx.selectFrom('process_definitions').selectAll().where('id', '=', draft.id).executeTakeFirstOrThrow())), changed: false };
      const row = await tx.updateTable('process_definitions').set({ source, source_hash: sourceHash(source), title, updated_at: now })
        .where('id', '=', draft.id).returningAll().executeTakeFirstOrThrow();
      await recordDefinitionChange(tx, actor, now, { key: def.key, version: draft.version, action: 'draft_saved', before: draft.source, after: source });
      return { ...definitionView(row), changed: true };
    }
    const version = (versions[0]?.version ?? 0) + 1;
    const row = await tx.insertInto('process_definitions', {
      id: newId(), key: def.key, version, status: 'draft', title, source, source_hash: sourceHash(source),
      created_by: actor.name ?? actor.id, created_at: now, updated_at: now, published_at: null, retired_at: null,
    }).returningAll().executeTakeFirstOrThrow();
    // The diff of a new draft is against the version it grows from (the newest one), or empty text.
    await recordDefinitionChange(tx, actor, now, { key: def.key, version, action: 'draft_created', before: versions[0]?.source ?? '', after: source,
      details: versions[0] ? { basedOn: versions[0].version } : {} });
    return { ...definitionView(row), changed: true };
  });
}
