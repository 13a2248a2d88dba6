import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { definitionView, findVersion } from './definition-store.js';
import { lockProcessKey, recordDefinitionChange } from './definition-changes.js';

/** Retires a published version (or drops a draft): no new order starts on it; running orders finish on it. */
export async function retireDefinition(s: TenantScope, actor: Actor, now: Date, key: string, version: number) {
  return atomically(s, async (tx) => {
    await lockProcessKey(tx, key);
    const row = await findVersion(tx, key, version);
    if (row.status === 'retired') throw new AppError('CONFLICT', `${key} v${version} is already retired`);
    const updated = await tx.updateTable('process_definitions').set({ status: 'retired', retired_at: now, updated_at: now })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    const running = await tx.selectFrom('order_processes').select((eb) => eb.fn.countAll<string>().as('n'))
      .where('definition_key', '=', key).where('definition_version', '=', version).where('status', '<>', 'done').executeTakeFirstOrThrow();
    await recordDefinitionChange(tx, actor, now, { key, version, action: 'retired', details: { from: row.status, runningOrders: Number(running.n) } });
    return { ...definitionView(updated), runningOrders: Number(running.n) };
  });
}
