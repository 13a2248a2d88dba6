import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import * as versioned from '../versioning/versioned-store.js';
import { ensureDefaultStrategies } from './default-strategies.js';
import { DEFAULT_STRATEGY_KEY, findStrategyVersion, strategyKind, strategyView } from './strategy-store.js';

/** Every strategy key of the tenant with its current (published) and draft versions; seeds the defaults on first look. */
export async function listStrategies(scope: TenantScope, now: Date) {
  return atomically(scope, (tx) => listStrategiesIn(tx, now));
}

/** listStrategies inside its transaction (the default strategies it may create commit with the read). */
async function listStrategiesIn(scope: TenantScope, now: Date) {
  const any = await scope.selectFrom('routing_strategies').select('id').limit(1).executeTakeFirst();
  if (!any) await ensureDefaultStrategies(scope, now);
  const keys = await versioned.listKeys(scope, strategyKind);
  return {
    defaultKey: DEFAULT_STRATEGY_KEY,
    items: keys.map(({ key, versions: vs, current, currentVersion, draftVersion }) => {
      const newest = vs[vs.length - 1]!;
      return {
        key,
        name: (current ?? newest).name as string | null,
        currentVersion,
        draftVersion,
        versions: vs.map((v) => ({ version: v.version, status: v.status })),
        updatedAt: new Date(Math.max(...vs.map((v) => new Date(v.updated_at).getTime()))).toISOString(),
      };
    }),
  };
}

/** The version history of one key, newest first. */
export async function listStrategyVersions(scope: TenantScope, key: string) {
  return { key, items: (await versioned.listVersions(scope, strategyKind, key, 'desc')).map((r) => strategyView(r)) };
}

export async function getStrategyVersion(scope: TenantScope, key: string, version: number) {
  return strategyView(await findStrategyVersion(scope, key, version));
}
