import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { compileSelectionRules, selectProcess } from '../../process/index.js';
import type { CompiledSelectionRules, FactsInput } from '../../process/index.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-process.js';

const compiledRules = new Map<string, CompiledSelectionRules>();

export async function getSelectionRules(scope: TenantScope) {
  const row = await scope.selectFrom('process_selection_rules').selectAll().executeTakeFirst();
  return {
    rules: (row?.rules ?? []) as unknown[],
    version: row?.version ?? 0,
    updatedAt: row ? new Date(row.updated_at).toISOString() : null,
  };
}

/**
 * Replaces the tenant's rules (channel, customer segment, order type, CEL `when` → process key),
 * first match wins. Rules are checked when saved, so choosing a process never fails on a typo.
 */
export async function saveSelectionRules(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  rules: unknown[],
  expectedVersion: number | null,
) {
  const value = compileSelectionRules(rules);
  if (!value.ok)
    throw new AppError(
      'VALIDATION_FAILED',
      `${value.error.length} rule problem(s)`,
      value.error.map((p) => ({ path: `/rules${p.path}`, message: p.message })),
    );
  const before = await getSelectionRules(scope);
  if (expectedVersion !== null && expectedVersion !== before.version) {
    throw new AppError('VERSION_MISMATCH', `the rules are at version ${before.version}, not ${expectedVersion}`);
  }
  const json = JSON.stringify(value.value.rules);
  const row = await scope
    .insertInto('process_selection_rules', { rules: json, version: 1, updated_at: now })
    .onConflict((oc) =>
      oc
        .column('tenant_id')
        .doUpdateSet({ rules: json, version: sql`process_selection_rules.version + 1`, updated_at: now }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeAudit(scope, actor, now, {
    entity: 'process_selection_rules',
    entityId: scope.tenantId,
    action: 'updated',
    changes: { from: before.rules, to: value.value.rules },
  });
  return { rules: row.rules as unknown[], version: row.version, updatedAt: new Date(row.updated_at).toISOString() };
}

export type Choice = { key: string; via: 'rule'; rule: number } | { key: string; via: 'channel' } | null;

/** The process an order runs: the first matching rule, else its channel's process_key, else none. */
export async function chooseProcess(
  scope: TenantScope,
  facts: FactsInput,
  channelProcessKey: string | null,
  /** The tenant's rules row when the caller already read it (null: the tenant has none). */
  preloaded?: { rules: unknown; version: number } | null,
): Promise<Choice> {
  const row =
    preloaded !== undefined
      ? (preloaded ?? undefined)
      : await scope.selectFrom('process_selection_rules').select(['rules', 'version']).executeTakeFirst();
  if (row && (row.rules as unknown[]).length > 0) {
    const key = `${scope.tenantId}:${row.version}`;
    let compiled = compiledRules.get(key);
    if (!compiled) {
      const rules = compileSelectionRules(row.rules);
      // Stored rules were checked on save; a rule that stopped compiling falls through to the channel.
      if (rules.ok) {
        compiled = rules.value;
        if (compiledRules.size > 1000) compiledRules.clear();
        compiledRules.set(key, compiled);
      }
    }
    const hit = compiled ? selectProcess(compiled, facts) : null;
    if (hit) return { key: hit.processKey, via: 'rule', rule: hit.rule };
  }
  return channelProcessKey ? { key: channelProcessKey, via: 'channel' } : null;
}
