import type { z } from 'zod';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { orderListQuery } from './schemas.js';
import { orderSummaryView } from './order-view.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';

/**
 * Newest first, paged by id (UUIDv7, so id order is creation order). Every filter has an index
 * that starts with (tenant_id, filter, id), so a page is an index range scan at any table size;
 * text search uses a trigram index.
 */
export async function listOrders(scope: TenantScope, file: z.infer<typeof orderListQuery>) {
  let query = scope
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('orders')
    .select('channels.code as channel_code');
  if (file.state) query = query.where('orders.state', '=', file.state);
  if (file.channel) query = query.where('channels.code', '=', file.channel);
  if (file.customerId) query = query.where('orders.customer_id', '=', file.customerId);
  if (file.type) query = query.where('orders.order_type', '=', file.type);
  if (file.placedFrom) query = query.where('orders.placed_at', '>=', new Date(file.placedFrom));
  if (file.placedTo) query = query.where('orders.placed_at', '<', new Date(file.placedTo));
  if (file.q) {
    const needle = file.q
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where('orders.search_text', 'like', `%${needle}%`);
  }
  const after = decodeCursor(file.cursor);
  if (after) query = query.where('orders.id', '<', after);
  const rows = await query
    .orderBy('orders.id', 'desc')
    .limit(file.limit + 1)
    .execute();
  const page = rows.slice(0, file.limit);
  return {
    items: page.map(orderSummaryView),
    nextCursor: rows.length > file.limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}
