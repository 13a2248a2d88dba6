import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { retireVersion } from '../versioning/versioned-store.js';
import { strategyKind, strategyView } from './strategy-store.js';

/** Retires a version (or drops a draft): routing no longer uses it; stored plans still name it. */
export async function retireStrategy(scope: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  return strategyView((await retireVersion(scope, strategyKind, actor, now, key, version)).row);
}
