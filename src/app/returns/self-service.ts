import { AppError } from '../../shared/errors.js';
import type { Db } from '../../store/db.js';
import type { Actor } from '../../store/history.js';
import { scope, transaction, type TenantScope } from '../../store/tenant-scope.js';
import type { OrderProcesses } from '../process/order-processes.js';
import type { CarrierRegistry } from '../../integrations/carriers/index.js';
import { reasonCatalogue } from './reasons.js';
import { getReturnLabel } from './return-label-document.js';
import { requestReturn, returnableLines, type ReturnRequestInput } from './request-return.js';
import '../../store/schema-fulfilment.js';

const SELF_SERVICE: Actor = { type: 'system', id: null, name: 'customer self-service' };

/** The tenant and order a public tracking token names; an unknown token is 404 like any missing page. */
async function byToken(db: Db, token: string): Promise<{ store: TenantScope; orderId: string }> {
  const row =
    token.length <= 100
      ? await db
          .selectFrom('order_tracking_tokens')
          .select(['tenant_id', 'order_id'])
          .where('token', '=', token)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new AppError('NOT_FOUND', 'no order is tracked under this link');
  return { store: scope(db, row.tenant_id), orderId: row.order_id };
}

/**
 * What the customer's return page shows, reached from the public tracking page by its token (no
 * login): the order's items with how many can still come back, the reasons in the customer's
 * language, and the returns already made. No prices, names or addresses.
 */
export async function selfServiceReturnPage(db: Db, token: string) {
  const { store, orderId } = await byToken(db, token);
  const order = await store
    .selectFrom('orders')
    .select(['number', 'order_type', 'customer_id'])
    .where('id', '=', orderId)
    .executeTakeFirstOrThrow();
  const locale = order.customer_id
    ? ((await store.selectFrom('customers').select('locale').where('id', '=', order.customer_id).executeTakeFirst())
        ?.locale ?? null)
    : null;
  const lines = await transaction(store, (tx) => returnableLines(tx, orderId));
  const reasons = (await reasonCatalogue(store)).filter((r) => r.active);
  const returns = await store
    .selectFrom('returns')
    .innerJoin('orders as r', (j) => j.onRef('r.tenant_id', '=', 'returns.tenant_id').onRef('r.id', '=', 'returns.id'))
    .select(['r.number', 'r.state', 'returns.created_at', 'returns.wish', 'returns.label'])
    .where('returns.order_id', '=', orderId)
    .orderBy('returns.created_at')
    .execute();
  return {
    orderNumber: order.number,
    locale: locale ?? 'en',
    lines: lines.map((l) => ({
      lineId: l.id,
      sku: l.sku,
      name: l.name,
      shipped: l.shipped,
      returnable: l.returnable ? Math.max(0, l.shipped - l.returned) : 0,
    })),
    reasons: reasons.map((r) => ({ code: r.code, labels: r.labels, needsPhoto: r.needsPhoto })),
    returns: returns.map((r) => ({
      number: r.number,
      state: r.state,
      wish: r.wish,
      createdAt: r.created_at.toISOString(),
      labelReady: (r.label as { status?: string } | null)?.status === 'issued',
    })),
  };
}

/** The customer asks for a return on the self-service page: the same checks and process as any request. */
export async function requestSelfServiceReturn(
  processes: OrderProcesses,
  db: Db,
  token: string,
  now: Date,
  input: Omit<ReturnRequestInput, 'source'> & { source?: unknown },
) {
  const { store, orderId } = await byToken(db, token);
  const created = await transaction(store, (tx) =>
    requestReturn(processes, tx, SELF_SERVICE, now, orderId, { ...input, source: 'self_service' as const }),
  );
  return { number: created.number, state: created.state };
}

/** The customer's return label (PDF) for one of the order's returns, by the tracking token and the return's number. */
export async function selfServiceReturnLabel(
  db: Db,
  carriers: CarrierRegistry | undefined,
  token: string,
  number: string,
) {
  const { store, orderId } = await byToken(db, token);
  const ret = await store
    .selectFrom('returns')
    .innerJoin('orders as r', (j) => j.onRef('r.tenant_id', '=', 'returns.tenant_id').onRef('r.id', '=', 'returns.id'))
    .select('returns.id')
    .where('returns.order_id', '=', orderId)
    .where('r.number', '=', number)
    .executeTakeFirst();
  if (!ret) throw new AppError('NOT_FOUND', `no return ${number} on this order`);
  return getReturnLabel(store, carriers, ret.id, 'pdf');
}
