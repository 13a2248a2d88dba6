import { AppError } from '../shared/errors.js';
import type { TenantScope } from '../store/tenant-scope.js';
import '../store/schema-events.js';

const PARENTS = {
  orders: 'order',
  webhook_subscriptions: 'webhook subscription',
  event_deliveries: 'webhook delivery',
} as const;

/**
 * A sub-resource or action of a parent the tenant does not have is 404, not an empty list or a
 * no-op: a client with a wrong id learns that the id is wrong.
 */
export async function requireParent(scope: TenantScope, table: keyof typeof PARENTS, id: string): Promise<void> {
  const row = await scope
    .selectFrom(table as 'orders')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `${PARENTS[table]} ${id} not found`);
}
