import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { definitionView, findVersion } from './definition-store.js';

/** Every process of the tenant with its current published version, its draft and its running orders. */
export async function listProcesses(s: TenantScope) {
  const rows = await s.selectFrom('process_definitions').select(['key', 'version', 'status', 'title', 'updated_at']).orderBy('key').orderBy('version').execute();
  const running = await s.selectFrom('order_processes').select(['definition_key', 'definition_version'])
    .select((eb) => eb.fn.countAll<string>().as('n')).where('status', '<>', 'done').groupBy(['definition_key', 'definition_version']).execute();
  const byKey = new Map<string, typeof rows>();
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  return {
    items: [...byKey.entries()].map(([key, versions]) => {
      const published = versions.filter((v) => v.status === 'published').map((v) => v.version);
      const latest = versions[versions.length - 1]!;
      return {
        key, title: latest.title,
        currentVersion: published.length ? Math.max(...published) : null,
        draftVersion: versions.find((v) => v.status === 'draft')?.version ?? null,
        versions: versions.map((v) => ({ version: v.version, status: v.status })),
        runningOrders: running.filter((r) => r.definition_key === key).reduce((a, r) => a + Number(r.n), 0),
        updatedAt: new Date(latest.updated_at).toISOString(),
      };
    }),
  };
}

export async function listVersions(s: TenantScope, key: string) {
  const rows = await s.selectFrom('process_definitions').selectAll().where('key', '=', key).orderBy('version').execute();
  if (rows.length === 0) throw new AppError('PROCESS_NOT_FOUND', `no process ${key}`);
  return { key, items: rows.map((r) => definitionView(r)) };
}

export async function getVersion(s: TenantScope, key: string, version: number) {
  return definitionView(await findVersion(s, key, version), true);
}
