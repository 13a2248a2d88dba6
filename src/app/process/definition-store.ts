import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { loadDefinition } from '../../process/index.js';
import type { ActionRegistry, CompiledDefinition, DefinitionProblem } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { ProcessDefinitionsTable } from '../../store/schema-process.js';
import '../../store/schema-process.js';
import * as versioned from '../versioning/versioned-store.js';

export type DefinitionRow = Selectable<ProcessDefinitionsTable>;

export const sourceHash = (source: string) => createHash('sha256').update(source).digest('hex');

// Compiling a definition type-checks every CEL expression: worth caching. A stored version's
// text never changes once published, and the cache key includes the text's hash, so an edited
// draft compiles afresh.
// Per registry: a definition compiled against one set of operations runs with exactly those.
const compiledBy = new WeakMap<ActionRegistry, Map<string, CompiledDefinition>>();
const CACHE_MAX = 500;

function cacheOf(actions: ActionRegistry): Map<string, CompiledDefinition> {
  let item = compiledBy.get(actions);
  if (!item) compiledBy.set(actions, (item = new Map()));
  return item;
}

/** Compile stored text for a version (cached); a stored definition that no longer loads is a bug. */
export function compileStored(
  actions: ActionRegistry,
  source: string,
  version: number,
  hash = sourceHash(source),
): CompiledDefinition {
  const key = `${version}:${hash}`;
  const compiled = cacheOf(actions);
  const hit = compiled.get(key);
  if (hit) return hit;
  const result = loadDefinition(source, { version, registry: actions, stored: true });
  if (!result.ok)
    throw new Error(
      `stored process definition v${version} does not load: ${result.error.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`,
    );
  if (compiled.size >= CACHE_MAX) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, result.value);
  return result.value;
}

/** A compiled version from the cache, without its text; undefined when it was not compiled here yet. */
export function cachedCompiled(actions: ActionRegistry, version: number, hash: string): CompiledDefinition | undefined {
  return cacheOf(actions).get(`${version}:${hash}`);
}

/**
 * Validate text as a definition against the wired operations; the problems carry their YAML line
 * and column. An action nothing carries out (and not declared under `external:`) is one of them.
 */
export function checkSource(
  actions: ActionRegistry,
  source: string,
): { ok: true; def: CompiledDefinition } | { ok: false; problems: DefinitionProblem[] } {
  const result = loadDefinition(source, { registry: actions });
  return result.ok ? { ok: true, def: result.value } : { ok: false, problems: result.error };
}

export function invalidDefinition(problems: DefinitionProblem[]): AppError {
  return new AppError(
    'PROCESS_DEFINITION_INVALID',
    `the definition has ${problems.length} problem(s); nothing was saved`,
    problems.map((p) => ({
      path: p.path || '/',
      message: `line ${p.line}, column ${p.column}: ${p.message}`,
      code: p.code,
    })),
    { problems },
  );
}

/** Process definitions as a versioned kind: YAML text (and its hash) per version, audited with its line diff. */
export const processKind: versioned.VersionedKind<'process_definitions', { source: string; title: string | null }> = {
  kind: 'process',
  table: 'process_definitions',
  lockName: 'process',
  summaryColumns: ['title'],
  notFound: (key, version) =>
    new AppError(
      'PROCESS_NOT_FOUND',
      version === undefined ? `no process ${key}` : `process ${key} has no version ${version}`,
    ),
  contentColumns: (c) => ({ source: c.source, source_hash: sourceHash(c.source), title: c.title }),
  text: (row) => row.source,
  contentText: (c) => c.source,
  async retireDetails(tx, key, version) {
    const running = await tx
      .selectFrom('order_processes')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('definition_key', '=', key)
      .where('definition_version', '=', version)
      .where('status', '<>', 'done')
      .executeTakeFirstOrThrow();
    return { runningOrders: Number(running.n) };
  },
};

/** Any version, whatever its status: an order on a retired version still loads it. */
export async function findVersion(scope: TenantScope, key: string, version: number): Promise<DefinitionRow> {
  return versioned.findVersion(scope, processKind, key, version);
}

/** The version new orders start on: the published one (publishing retires the one before). */
export async function currentPublished(scope: TenantScope, key: string): Promise<DefinitionRow | undefined> {
  return versioned.currentPublished(scope, processKind, key);
}

// Only a draft's text is ever edited: a published or retired version's hash is remembered (per
// tenant, key and version), so the version an order runs on loads without a read once compiled here.
const settledHash = new Map<string, string>();

export async function loadCompiled(
  actions: ActionRegistry,
  scope: TenantScope,
  key: string,
  version: number,
): Promise<CompiledDefinition> {
  const cacheKey = `${scope.tenantId}/${key}/${version}`;
  const known = settledHash.get(cacheKey);
  const hit = known === undefined ? undefined : cachedCompiled(actions, version, known);
  if (hit) return hit;
  const row = await findVersion(scope, key, version);
  if (row.status !== 'draft') {
    if (settledHash.size >= CACHE_MAX * 4) settledHash.delete(settledHash.keys().next().value!);
    settledHash.set(cacheKey, row.source_hash);
  }
  return compileStored(actions, row.source, row.version, row.source_hash);
}

export function definitionView(result: DefinitionRow, withSource = false) {
  const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: result.id,
    key: result.key,
    version: result.version,
    status: result.status,
    title: result.title,
    createdBy: result.created_by,
    createdAt: iso(result.created_at)!,
    updatedAt: iso(result.updated_at)!,
    publishedAt: iso(result.published_at),
    retiredAt: iso(result.retired_at),
    ...(withSource ? { source: result.source } : {}),
  };
}
