import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';

/** Every change to a process's definitions, oldest first: who, when, what, and the text diff. */
export async function definitionHistory(s: TenantScope, key: string) {
  const rows = await s.selectFrom('process_definition_changes').selectAll().where('key', '=', key).orderBy('id').execute();
  if (rows.length === 0) throw new AppError('PROCESS_NOT_FOUND', `no process ${key}`);
  return {
    key,
    items: rows.map((r) => ({
      id: r.id, version: r.version, action: r.action, at: new Date(r.at).toISOString(),
      actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name }, diff: r.diff, details: r.details,
    })),
  };
}
