import type { Selectable } from 'kysely';
import '../../store/schema-sourcing.js';
import type { RoutingStrategiesTable } from '../../store/schema-sourcing.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { compileStrategy, type CompiledStrategy } from '../../domain/sourcing/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import * as versioned from '../versioning/versioned-store.js';

export type StrategyRow = Selectable<RoutingStrategiesTable>;

/** Strategy keys follow the core's rule (lowercase, digits, "_" or "-"), so `single_location` is a key. */
export const STRATEGY_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The strategy used when neither the caller, the process action nor the channel names one. */
export const DEFAULT_STRATEGY_KEY = 'nearest';

/** The stored document is the strategy without key and version: the row owns those. */
export function strategyDocument(row: Pick<StrategyRow, 'key' | 'version' | 'document'>): Record<string, unknown> {
  return { ...row.document, key: row.key, version: row.version };
}

export function invalidStrategy(errors: FieldError[]): AppError {
  return new AppError(
    'ROUTING_STRATEGY_INVALID',
    `the strategy has ${errors.length} problem(s); nothing was saved`,
    errors,
  );
}

/** Validates a strategy body as version `version` of `key`; every problem with its JSON path. */
export function checkStrategy(key: string, version: number, body: Record<string, unknown>): CompiledStrategy {
  const result = compileStrategy({ ...body, key, version });
  if (!result.ok) throw invalidStrategy(result.error);
  return result.value;
}

// Compiling type-checks every CEL condition: cache by row id and last change (drafts change).
const compiled = new Map<string, CompiledStrategy>();

/** The compiled form of a stored version (cached); a stored version that no longer compiles is a bug. */
export function compileRow(row: StrategyRow): CompiledStrategy {
  const key = `${row.id}:${new Date(row.updated_at).getTime()}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const result = compileStrategy(strategyDocument(row));
  if (!result.ok)
    throw new Error(
      `stored routing strategy ${row.key} v${row.version} does not compile: ${result.error.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    );
  if (compiled.size >= 500) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, result.value);
  return result.value;
}

/**
 * Routing strategies as a versioned kind: a JSON document per version (without key and
 * version: the row owns those), audited with the line diff of its canonical JSON text.
 */
export const strategyKind: versioned.VersionedKind<'routing_strategies', Record<string, unknown>> = {
  kind: 'routing_strategy',
  table: 'routing_strategies',
  lockName: 'routing',
  summaryColumns: ['name'],
  notFound: (key, version) =>
    version === undefined
      ? new AppError('NOT_FOUND', `routing strategy ${key} does not exist`, [
          { path: 'params:key', message: 'unknown strategy' },
        ])
      : new AppError('NOT_FOUND', `routing strategy ${key} has no version ${version}`, [
          { path: 'params:version', message: 'no such version' },
        ]),
  contentColumns: (document) => ({
    document: JSON.stringify(document),
    name: typeof document.name === 'string' ? document.name : null,
  }),
  text: (row) => versioned.canonicalJson(row.document),
  contentText: (document) => versioned.canonicalJson(document),
};

/** Any version, whatever its status: a stored plan names the version it was made with. */
export async function findStrategyVersion(scope: TenantScope, key: string, version: number): Promise<StrategyRow> {
  return versioned.findVersion(scope, strategyKind, key, version);
}

/** The version routing uses: the published one (publishing retires the one before). */
export async function currentStrategy(scope: TenantScope, key: string): Promise<StrategyRow | undefined> {
  return versioned.currentPublished(scope, strategyKind, key);
}

export function strategyView(result: StrategyRow, withDocument = true) {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: result.id,
    key: result.key,
    version: result.version,
    status: result.status,
    name: result.name,
    createdBy: result.created_by,
    createdAt: iso(result.created_at)!,
    updatedAt: iso(result.updated_at)!,
    publishedAt: iso(result.published_at),
    retiredAt: iso(result.retired_at),
    ...(withDocument ? { strategy: strategyDocument(result) } : {}),
  };
}
