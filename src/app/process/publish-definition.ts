import type { ActionRegistry } from '../../process/index.js';
import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { checkSource, definitionView, findVersion, invalidDefinition } from './definition-store.js';
import { lockProcessKey, recordDefinitionChange } from './definition-changes.js';

/**
 * Publishes a draft: new orders start on it from now on. Orders already running keep the
 * version they started with (moving them is an explicit migration). The text is validated
 * again, so a definition that stopped loading (a retired action) cannot go live.
 */
export async function publishDefinition(actions: ActionRegistry, s: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  return atomically(s, async (tx) => {
    await lockProcessKey(tx, key);
    const row = await findVersion(tx, key, version);
    if (row.status !== 'draft') throw new AppError('CONFLICT', `${key} v${version} is ${row.status}; only a draft can be published`);
    const checked = checkSource(actions, row.source);
    if (!checked.ok) throw invalidDefinition(checked.problems);
    const previous = await tx.selectFrom('process_definitions').select(['version', 'source']).where('key', '=', key)
      .where('status', '=', 'published').orderBy('version', 'desc').limit(1).executeTakeFirst();
    const updated = await tx.updateTable('process_definitions').set({ status: 'published', published_at: now, updated_at: now })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    await recordDefinitionChange(tx, actor, now, {
      key, version, action: 'published', before: previous?.source ?? '', after: row.source,
      details: previous ? { previousPublished: previous.version } : {},
    });
    await emitEvent(tx, { type: 'process.published', subject: `process/${key}`, time: now, payload: { processKey: key, version } });
    return definitionView(updated);
  });
}
