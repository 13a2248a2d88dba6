import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';

export interface OrderFlag {
  code: string;
  message: string | null;
  at: string;
  by: string;
}

/** Raises a flag on the order for people (kept in attributes.flags, newest last). */
export async function raiseFlag(tx: TenantScope, orderId: string, flag: OrderFlag): Promise<void> {
  await tx
    .updateTable('orders')
    .set({
      attributes: sql`jsonb_set(attributes, '{flags}', coalesce(attributes->'flags', '[]'::jsonb) || ${JSON.stringify([flag])}::jsonb)`,
    })
    .where('id', '=', orderId)
    .execute();
}
