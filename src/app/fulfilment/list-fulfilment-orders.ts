import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { FulfilmentState } from '../../domain/fulfilment/states.js';
import { fulfilmentLines, fulfilmentPackages, fulfilmentView } from './common.js';

export interface FulfilmentFilter {
  /** Location code (what WMS and store staff know). */
  location?: string | undefined;
  state?: FulfilmentState[] | undefined;
  orderId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A location's work queue (or an order's fulfilment orders), newest first, paged by id. */
export async function listFulfilmentOrders(tx: TenantScope, fulfilmentFilter: FulfilmentFilter) {
  let query = tx.selectFrom('fulfilment_orders').selectAll();
  const codes = new Map<string, string>();
  if (fulfilmentFilter.location) {
    const loc = await tx
      .selectFrom('locations')
      .select(['id', 'code'])
      .where('code', '=', fulfilmentFilter.location)
      .executeTakeFirst();
    if (!loc)
      throw new AppError('UNKNOWN_LOCATION', `no location ${fulfilmentFilter.location}`, [
        { path: 'query:location', message: 'unknown location' },
      ]);
    query = query.where('location_id', '=', loc.id);
    codes.set(loc.id, loc.code);
  }
  if (fulfilmentFilter.state?.length) query = query.where('state', 'in', fulfilmentFilter.state);
  if (fulfilmentFilter.orderId) query = query.where('order_id', '=', fulfilmentFilter.orderId);
  const after = decodeCursor(fulfilmentFilter.cursor);
  if (after) query = query.where('id', '<', after);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(fulfilmentFilter.limit + 1)
    .execute();
  const page = rows.slice(0, fulfilmentFilter.limit);
  const ids = page.map((r) => r.id);
  const [lines, packages] = [await fulfilmentLines(tx, ids), await fulfilmentPackages(tx, ids)];
  const orders = page.length
    ? await tx
        .selectFrom('orders')
        .select(['id', 'number'])
        .where('id', 'in', [...new Set(page.map((r) => r.order_id))])
        .execute()
    : [];
  const locs = page.length
    ? await tx
        .selectFrom('locations')
        .select(['id', 'code'])
        .where('id', 'in', [...new Set(page.map((r) => r.location_id))])
        .execute()
    : [];
  for (const loc of locs) codes.set(loc.id, loc.code);
  const numbers = new Map(orders.map((o) => [o.id, o.number]));
  return {
    items: page.map((r) =>
      fulfilmentView(r, lines, packages, {
        orderNumber: numbers.get(r.order_id)!,
        locationCode: codes.get(r.location_id)!,
      }),
    ),
    nextCursor: rows.length > fulfilmentFilter.limit ? encodeCursor(page[page.length - 1]!.id) : null,
  };
}
