import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { retireVersion } from '../versioning/versioned-store.js';
import { definitionView, processKind } from './definition-store.js';

/** Retires a published version (or drops a draft): no new order starts on it; running orders finish on it. */
export async function retireDefinition(scope: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  const { row, details } = await retireVersion(scope, processKind, actor, now, key, version);
  return { ...definitionView(row), runningOrders: Number(details.runningOrders ?? 0) };
}
