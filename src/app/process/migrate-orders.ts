import { AppError } from '../../shared/errors.js';
import { previewMigration } from '../../process/index.js';
import type { ProcessSnapshot } from '../../process/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { findVersion, compileStored, loadCompiled } from './definition-store.js';
import type { Operations } from './operation.js';
import { saveSnapshot } from './drive-process.js';
import { loadOrderFacts } from './load-facts.js';
import { runEffects } from './run-effects.js';
import '../../store/schema-process.js';

export interface MigrationInput {
  toVersion: number;
  /** Only orders on this version (default: every running order of the process on another version). */
  fromVersion?: number | undefined;
  orderIds?: string[] | undefined;
  /** State on the old version → state on the new one, for states the new version renamed or dropped. */
  mapping?: Record<string, string> | undefined;
  limit?: number | undefined;
}

async function target(ops: Operations, scope: TenantScope, key: string, input: MigrationInput) {
  const row = await findVersion(scope, key, input.toVersion);
  if (row.status !== 'published')
    throw new AppError(
      'MIGRATION_BLOCKED',
      `${key} v${input.toVersion} is ${row.status}; orders migrate only to a published version`,
    );
  return compileStored(ops.actions, row.source, row.version, row.source_hash);
}

async function candidates(scope: TenantScope, key: string, input: MigrationInput) {
  let query = scope
    .selectFrom('order_processes')
    .innerJoin('orders', (j) =>
      j.onRef('orders.tenant_id', '=', 'order_processes.tenant_id').onRef('orders.id', '=', 'order_processes.order_id'),
    )
    .select([
      'order_processes.order_id',
      'orders.number',
      'order_processes.definition_version',
      'order_processes.snapshot',
    ])
    .where('order_processes.definition_key', '=', key)
    .where('order_processes.status', '<>', 'done')
    .where('order_processes.definition_version', '<>', input.toVersion);
  if (input.fromVersion !== undefined)
    query = query.where('order_processes.definition_version', '=', input.fromVersion);
  if (input.orderIds?.length) query = query.where('order_processes.order_id', 'in', input.orderIds);
  return query
    .orderBy('order_processes.order_id')
    .limit(Math.min(input.limit ?? 500, 500))
    .execute();
}

/** Per running order: the state it would land in on the new version, and what blocks or warns. */
export async function previewOrderMigration(ops: Operations, scope: TenantScope, key: string, input: MigrationInput) {
  const to = await target(ops, scope, key, input);
  const rows = await candidates(scope, key, input);
  const items = [];
  for (const row of rows) {
    const from = await loadCompiled(ops.actions, scope, key, row.definition_version);
    const migrationPreview = previewMigration(
      from,
      to,
      row.snapshot as unknown as ProcessSnapshot,
      input.mapping ?? {},
    );
    items.push({
      orderId: row.order_id,
      number: row.number,
      from: migrationPreview.from,
      to: migrationPreview.to,
      via: migrationPreview.via,
      canMigrate: migrationPreview.canMigrate,
      problems: migrationPreview.problems,
    });
  }
  return {
    key,
    toVersion: to.version,
    total: items.length,
    migratable: items.filter((i) => i.canMigrate).length,
    items,
  };
}

/**
 * Moves running orders to a newer published version, each in its own transaction under the
 * order's row lock: the preview is computed again on the locked snapshot, open tasks and timers
 * that no longer fit are cancelled, and a history row records from, to and the mapping used.
 */
export async function applyOrderMigration(
  ops: Operations,
  scope: TenantScope,
  actor: Actor,
  now: Date,
  key: string,
  input: MigrationInput,
) {
  const to = await target(ops, scope, key, input);
  const rows = await candidates(scope, key, input);
  const items = [];
  for (const row of rows) {
    const res = await atomically(scope, async (tx) => {
      await tx.selectFrom('orders').select('id').where('id', '=', row.order_id).forUpdate().executeTakeFirstOrThrow();
      const proc = await tx
        .selectFrom('order_processes')
        .selectAll()
        .where('order_id', '=', row.order_id)
        .executeTakeFirstOrThrow();
      const from = await loadCompiled(ops.actions, tx, key, proc.definition_version);
      const snap = proc.snapshot as unknown as ProcessSnapshot;
      const migrationPreview = previewMigration(from, to, snap, input.mapping ?? {});
      if (!migrationPreview.canMigrate || !migrationPreview.snapshot)
        return {
          orderId: row.order_id,
          number: row.number,
          migrated: false,
          from: migrationPreview.from,
          to: migrationPreview.to,
          problems: migrationPreview.problems,
        };
      const definition = { key: to.key, version: to.version };
      const ctx = { tx, actor, now, orderId: row.order_id, facts: await loadOrderFacts(tx, row.order_id), definition };
      const st = {
        exception: proc.exception_kind ? { kind: proc.exception_kind, resolutions: proc.exception_resolutions } : null,
      };
      await runEffects(ops, ctx, migrationPreview.effects, st, null);
      const ex =
        to.states.get(migrationPreview.snapshot.state)?.exception ??
        (migrationPreview.snapshot.state === proc.state ? st.exception : null);
      await writeHistory(tx, actor, now, [
        {
          orderId: row.order_id,
          action: 'process.migrated',
          fromState: snap.state,
          toState: migrationPreview.snapshot.state,
          changes: { from: migrationPreview.from, to: migrationPreview.to },
          reason: { via: migrationPreview.via, mapping: input.mapping ?? {}, warnings: migrationPreview.problems },
        },
      ]);
      await saveSnapshot(tx, row.order_id, now, migrationPreview.snapshot, ex, { insert: false, bumpVersion: true });
      return {
        orderId: row.order_id,
        number: row.number,
        migrated: true,
        from: migrationPreview.from,
        to: migrationPreview.to,
        problems: migrationPreview.problems,
      };
    });
    items.push(res);
  }
  return {
    key,
    toVersion: to.version,
    migrated: items.filter((i) => i.migrated).length,
    blocked: items.filter((i) => !i.migrated).length,
    items,
  };
}
