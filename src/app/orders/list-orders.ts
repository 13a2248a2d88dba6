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
export async function listOrders(s: TenantScope, f: z.infer<typeof orderListQuery>) {
  let q = s.selectFrom('orders')
    .innerJoin('channels', (j) => j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'))
    .selectAll('orders').select('channels.code as channel_code');
  if (f.state) q = q.where('orders.state', '=', f.state);
  if (f.channel) q = q.where('channels.code', '=', f.channel);
  if (f.customerId) q = q.where('orders.customer_id', '=', f.customerId);
  if (f.placedFrom) q = q.where('orders.placed_at', '>=', new Date(f.placedFrom));
  if (f.placedTo) q = q.where('orders.placed_at', '<', new Date(f.placedTo));
  if (f.q) {
    const needle = f.q.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    q = q.where('orders.search_text', 'like', `%${needle}%`);
  }
  const after = decodeCursor(f.cursor);
  if (after) q = q.where('orders.id', '<', after);
  const rows = await q.orderBy('orders.id', 'desc').limit(f.limit + 1).execute();
  const page = rows.slice(0, f.limit);
  return {
    items: page.map(orderSummaryView),
    nextCursor: rows.length > f.limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}
