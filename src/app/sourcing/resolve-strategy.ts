import { AppError } from '../../shared/errors.js';
import type { CompiledStrategy } from '../../domain/sourcing/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { DEFAULT_STRATEGIES, ensureDefaultStrategies } from './default-strategies.js';
import {
  checkStrategy,
  compileRow,
  currentStrategy,
  DEFAULT_STRATEGY_KEY,
  findStrategyVersion,
  type StrategyRow,
} from './strategy-store.js';

export interface ChosenStrategy {
  strategy: CompiledStrategy;
  /** Why this one: named by the caller, the channel, or the default; and any fallback. */
  chosenBy: string;
  note?: string;
}

/**
 * Which strategy routes an order, most specific first: the key named by the caller (API,
 * operator, a re-route), else the channel's `settings.routingStrategy`, else the process
 * action's `args.strategy`, else `nearest`. The highest published version of
 * the key is used; a tenant without strategies gets the defaults seeded on first use. A named
 * key with no published version falls back to the default, with a note in the trace, so an
 * order never stalls on configuration — unless `strict` (the dry-run API), which answers 404.
 * With every version of the default retired, the built-in default (version 0) routes.
 */
export async function resolveStrategy(
  scope: TenantScope,
  now: Date,
  opts: {
    key?: string | null | undefined;
    channelKey?: string | null;
    processKey?: string | null | undefined;
    version?: number | undefined;
    strict?: boolean;
    /** The published version of a key, read by the caller with its order (routeOrder): used when it is this key's. */
    preloaded?: { key: string; row: StrategyRow | null } | undefined;
  },
): Promise<ChosenStrategy> {
  const key = opts.key ?? opts.channelKey ?? opts.processKey ?? DEFAULT_STRATEGY_KEY;
  const chosenBy = opts.key ? 'named' : opts.channelKey ? 'channel' : opts.processKey ? 'process' : 'default';
  if (opts.version !== undefined)
    return { strategy: compileRow(await findStrategyVersion(scope, key, opts.version)), chosenBy };
  let row = opts.preloaded?.key === key && opts.preloaded.row ? opts.preloaded.row : await currentStrategy(scope, key);
  if (!row) {
    await ensureDefaultStrategies(scope, now);
    row = await currentStrategy(scope, key);
  }
  if (row) return { strategy: compileRow(row), chosenBy };
  if (opts.strict)
    throw new AppError('NOT_FOUND', `routing strategy ${key} has no published version`, [
      { path: '/strategy', message: 'no published version' },
    ]);
  const fallback = await currentStrategy(scope, DEFAULT_STRATEGY_KEY);
  if (fallback)
    return {
      strategy: compileRow(fallback),
      chosenBy: 'default',
      note: `strategy ${key} has no published version; the default ${DEFAULT_STRATEGY_KEY} was used`,
    };
  // Every version of the default was retired: route with the built-in one (as version 0) rather
  // than fail the order's transaction; the trace says so, so the operator can publish one again.
  const builtIn = DEFAULT_STRATEGIES.find((d) => d.key === DEFAULT_STRATEGY_KEY)!;
  return {
    strategy: { ...checkStrategy(DEFAULT_STRATEGY_KEY, 1, builtIn.document), version: 0 },
    chosenBy: 'default',
    note: `neither ${key} nor ${DEFAULT_STRATEGY_KEY} has a published version; the built-in ${DEFAULT_STRATEGY_KEY} was used`,
  };
}

/** A strategy body that is not stored (a draft being tried): compiled as version 0 of its key. */
export function inlineStrategy(body: Record<string, unknown>): ChosenStrategy {
  const { key: cacheKey, version: _v, ...rest } = body;
  const key = typeof cacheKey === 'string' ? cacheKey : 'draft';
  return { strategy: { ...checkStrategy(key, 1, rest), version: 0 }, chosenBy: 'inline' };
}
