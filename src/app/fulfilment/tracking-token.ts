import { randomBytes } from 'node:crypto';
import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-fulfilment.js';

/**
 * The order's public tracking token (192 random bits, base64url), created on first use and then
 * stable, so links already sent to the customer keep working. The token itself is stored (not a
 * hash): operators and notifications must be able to show the link again, and it opens only the
 * non-personal view of GET /api/v1/tracking/{token}.
 */
export async function trackingTokenFor(tx: TenantScope, orderId: string): Promise<string> {
  const found = await tx
    .selectFrom('order_tracking_tokens')
    .select('token')
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  if (found) return found.token;
  const order = await tx.selectFrom('orders').select('id').where('id', '=', orderId).executeTakeFirst();
  if (!order) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  await tx
    .insertInto('order_tracking_tokens', {
      order_id: orderId,
      token: randomBytes(24).toString('base64url'),
      created_at: new Date(),
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'order_id']).doNothing())
    .execute();
  return (
    await tx
      .selectFrom('order_tracking_tokens')
      .select('token')
      .where('order_id', '=', orderId)
      .executeTakeFirstOrThrow()
  ).token;
}

/** The link operators and notifications send: the console's customer page, and the API behind it. */
export async function trackingLink(tx: TenantScope, orderId: string) {
  const token = await trackingTokenFor(tx, orderId);
  return { orderId, token, url: `/track/${token}`, apiUrl: `/api/v1/tracking/${token}` };
}
