import type { TenantScope } from '../../store/tenant-scope.js';
import { versionHistory } from '../versioning/versioned-store.js';
import { processKind } from './definition-store.js';

/** Every change to a process's definitions, oldest first: who, when, what, and the text diff. */
export async function definitionHistory(scope: TenantScope, key: string) {
  return { key, items: await versionHistory(scope, processKind, key) };
}
