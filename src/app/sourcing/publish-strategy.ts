import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { publishVersion } from '../versioning/versioned-store.js';
import { checkStrategy, strategyKind, strategyView } from './strategy-store.js';

/**
 * Publishes a draft: routing uses it from now on, and the version published before it is
 * retired (superseded). Compiled again before it goes live; a bad one is 422
 * ROUTING_STRATEGY_INVALID naming the field or step at fault. Plans already made keep the
 * version they name.
 */
export async function publishStrategy(scope: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  const updated = await publishVersion(scope, strategyKind, actor, now, key, version, {
    validate: (row) => {
      checkStrategy(key, version, row.document);
    },
  });
  return strategyView(updated);
}
