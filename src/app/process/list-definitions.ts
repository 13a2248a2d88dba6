import type { TenantScope } from '../../store/tenant-scope.js';
import * as versioned from '../versioning/versioned-store.js';
import { definitionView, findVersion, processKind } from './definition-store.js';

/** Every process of the tenant with its current published version, its draft and its running orders. */
export async function listProcesses(scope: TenantScope) {
  const keys = await versioned.listKeys(scope, processKind);
  const running = await scope
    .selectFrom('order_processes')
    .select(['definition_key', 'definition_version'])
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '<>', 'done')
    .groupBy(['definition_key', 'definition_version'])
    .execute();
  return {
    items: keys.map(({ key, versions, currentVersion, draftVersion }) => {
      const latest = versions[versions.length - 1]!;
      return {
        key,
        title: latest.title as string | null,
        currentVersion,
        draftVersion,
        versions: versions.map((v) => ({ version: v.version, status: v.status })),
        runningOrders: running.filter((r) => r.definition_key === key).reduce((a, r) => a + Number(r.n), 0),
        updatedAt: new Date(latest.updated_at).toISOString(),
      };
    }),
  };
}

export async function listVersions(scope: TenantScope, key: string) {
  return { key, items: (await versioned.listVersions(scope, processKind, key)).map((r) => definitionView(r)) };
}

export async function getVersion(scope: TenantScope, key: string, version: number) {
  return definitionView(await findVersion(scope, key, version), true);
}
