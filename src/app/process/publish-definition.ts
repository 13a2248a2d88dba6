import type { ActionRegistry } from '../../process/index.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { publishVersion } from '../versioning/versioned-store.js';
import { checkSource, definitionView, invalidDefinition, processKind } from './definition-store.js';

/**
 * Publishes a draft: new orders start on it from now on, and the version published before it
 * is retired (superseded). Orders already running keep the version they started with (moving
 * them is an explicit migration). The text is validated again against the wired operations, so a
 * definition naming an action nothing carries out cannot go live.
 */
export async function publishDefinition(
  actions: ActionRegistry,
  scope: TenantScope,
  actor: Actor,
  now: Date,
  key: string,
  version: number,
) {
  const updated = await publishVersion(scope, processKind, actor, now, key, version, {
    validate: (row) => {
      const checked = checkSource(actions, row.source);
      if (!checked.ok) throw invalidDefinition(checked.problems);
    },
    published: (tx) =>
      emitEvent(tx, {
        type: 'process.published',
        subject: `process/${key}`,
        time: now,
        payload: { processKey: key, version },
      }),
  });
  return definitionView(updated);
}
