import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { ensureDefaultStrategies } from './default-strategies.js';
import { DEFAULT_STRATEGY_KEY, findStrategyVersion, strategyView } from './strategy-store.js';

/** Every strategy key of the tenant with its current (published) and draft versions; seeds the defaults on first look. */
export async function listStrategies(s: TenantScope, now: Date) {
  const any = await s.selectFrom('routing_strategies').select('id').limit(1).executeTakeFirst();
  if (!any) await ensureDefaultStrategies(s, now);
  const rows = await s.selectFrom('routing_strategies').select(['key', 'version', 'status', 'name', 'updated_at']).orderBy('key').orderBy('version').execute();
  const byKey = new Map<string, typeof rows>();
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  return {
    defaultKey: DEFAULT_STRATEGY_KEY,
    items: [...byKey].map(([key, vs]) => {
      const published = vs.filter((v) => v.status === 'published');
      const newest = vs[vs.length - 1]!;
      return {
        key, name: (published[published.length - 1] ?? newest).name,
        currentVersion: published[published.length - 1]?.version ?? null,
        draftVersion: vs.find((v) => v.status === 'draft')?.version ?? null,
        versions: vs.map((v) => ({ version: v.version, status: v.status })),
        updatedAt: new Date(Math.max(...vs.map((v) => new Date(v.updated_at).getTime()))).toISOString(),
      };
    }),
  };
}

/** The version history of one key, newest first. */
export async function listStrategyVersions(s: TenantScope, key: string) {
  const rows = await s.selectFrom('routing_strategies').selectAll().where('key', '=', key).orderBy('version', 'desc').execute();
  if (rows.length === 0) throw new AppError('NOT_FOUND', `routing strategy ${key} does not exist`, [{ path: 'params:key', message: 'unknown strategy' }]);
  return { key, items: rows.map((r) => strategyView(r)) };
}

export async function getStrategyVersion(s: TenantScope, key: string, version: number) {
  return strategyView(await findStrategyVersion(s, key, version));
}
