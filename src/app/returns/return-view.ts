import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import type { ActionRegistry } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { orderProcessView } from '../process/order-process-view.js';
import '../../store/schema-returns.js';

/** One return as the API and the console show it: its lines and what happened to them, its process, its money. */
export async function getReturn(actions: ActionRegistry, scope: TenantScope, returnId: string) {
  const row = await scope
    .selectFrom('returns')
    .innerJoin('orders as r', (j) => j.onRef('r.tenant_id', '=', 'returns.tenant_id').onRef('r.id', '=', 'returns.id'))
    .innerJoin('orders as o', (j) =>
      j.onRef('o.tenant_id', '=', 'returns.tenant_id').onRef('o.id', '=', 'returns.order_id'),
    )
    .leftJoin('locations as l', (j) =>
      j.onRef('l.tenant_id', '=', 'returns.tenant_id').onRef('l.id', '=', 'returns.receiving_location_id'),
    )
    .leftJoin('orders as x', (j) =>
      j.onRef('x.tenant_id', '=', 'returns.tenant_id').onRef('x.id', '=', 'returns.exchange_order_id'),
    )
    .selectAll('returns')
    .select([
      'r.number',
      'r.state',
      'r.currency',
      'r.grand_total',
      'r.version',
      'r.customer_name',
      'o.number as order_number',
      'l.code as location_code',
      'x.number as exchange_number',
      'x.state as exchange_state',
    ])
    .where('returns.id', '=', returnId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `return ${returnId} not found`);
  const [lines, receipts, inspections, process] = await Promise.all([
    scope
      .selectFrom('return_lines')
      .innerJoin('order_lines as ol', (j) =>
        j.onRef('ol.tenant_id', '=', 'return_lines.tenant_id').onRef('ol.id', '=', 'return_lines.order_line_id'),
      )
      .selectAll('return_lines')
      .select(['ol.name', 'ol.line_no'])
      .where('return_lines.return_id', '=', returnId)
      .orderBy('ol.line_no')
      .execute(),
    scope
      .selectFrom('return_receipts')
      .leftJoin('locations as l', (j) =>
        j.onRef('l.tenant_id', '=', 'return_receipts.tenant_id').onRef('l.id', '=', 'return_receipts.location_id'),
      )
      .selectAll('return_receipts')
      .select('l.code as location_code')
      .where('return_receipts.return_id', '=', returnId)
      .orderBy('return_receipts.received_at')
      .execute(),
    scope
      .selectFrom('return_inspections')
      .selectAll()
      .where('return_id', '=', returnId)
      .orderBy('inspected_at')
      .execute(),
    orderProcessView(actions, scope, returnId, { state: row.state, process_key: null, process_version: null }),
  ]);
  const money = (v: string | bigint) => formatMoney(BigInt(v), row.currency);
  return {
    id: row.id,
    number: row.number,
    orderId: row.order_id,
    orderNumber: row.order_number,
    customerName: row.customer_name,
    state: row.state,
    version: row.version,
    source: row.source,
    wish: row.wish,
    reason: row.reason_code,
    note: row.note,
    photos: row.photos,
    dropOff: row.drop_off as Record<string, unknown>,
    label: row.label as Record<string, unknown> | null,
    exchange: row.exchange as Record<string, unknown> | null,
    exchangeOrder: row.exchange_order_id
      ? { id: row.exchange_order_id, number: row.exchange_number, state: row.exchange_state }
      : null,
    receivingLocation: row.location_code,
    currency: row.currency,
    value: money(row.grand_total),
    refunded: money(row.refunded),
    storeCredit: money(row.store_credit),
    creditNoteId: row.credit_note_id,
    lines: lines.map((l) => ({
      id: l.id,
      orderLineId: l.order_line_id,
      lineNo: l.line_no,
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      received: l.received,
      resell: l.resell,
      refurbish: l.refurbish,
      writeOff: l.write_off,
      value: money(l.value),
      reason: l.reason_code,
    })),
    receipts: receipts.map((r) => ({
      id: r.id,
      lineId: r.return_line_id,
      sku: r.sku,
      quantity: r.quantity,
      location: r.location_code,
      unexpected: r.unexpected,
      status: r.status,
      note: r.note,
      receivedAt: r.received_at.toISOString(),
    })),
    inspections: inspections.map((i) => ({
      id: i.id,
      lineId: i.return_line_id,
      grade: i.grade,
      quantity: i.quantity,
      serial: i.serial,
      note: i.note,
      stocked: i.stocked,
      inspectedAt: i.inspected_at.toISOString(),
    })),
    process: process.process,
    allowedEvents: process.allowedEvents,
    openTasks: process.openTasks,
    createdAt: row.created_at.toISOString(),
    closedAt: row.closed_at ? row.closed_at.toISOString() : null,
  };
}

export type ReturnView = Awaited<ReturnType<typeof getReturn>>;

/** The returns queue: newest first, by state or open only, or one order's returns. */
export async function listReturns(
  scope: TenantScope,
  filter: {
    state?: string | undefined;
    open?: 'true' | 'false' | undefined;
    orderId?: string | undefined;
    customerId?: string | undefined;
    limit?: number | undefined;
  },
) {
  let query = scope
    .selectFrom('returns')
    .innerJoin('orders as r', (j) => j.onRef('r.tenant_id', '=', 'returns.tenant_id').onRef('r.id', '=', 'returns.id'))
    .innerJoin('orders as o', (j) =>
      j.onRef('o.tenant_id', '=', 'returns.tenant_id').onRef('o.id', '=', 'returns.order_id'),
    )
    .select([
      'returns.id',
      'returns.order_id',
      'returns.wish',
      'returns.reason_code',
      'returns.source',
      'returns.refunded',
      'returns.created_at',
      'returns.closed_at',
      'r.number',
      'r.state',
      'r.currency',
      'r.grand_total',
      'r.customer_name',
      'o.number as order_number',
      sql<number>`(select coalesce(sum(quantity), 0)::int from return_lines rl where rl.tenant_id = returns.tenant_id and rl.return_id = returns.id)`.as(
        'units',
      ),
      sql<number>`(select coalesce(sum(received), 0)::int from return_lines rl where rl.tenant_id = returns.tenant_id and rl.return_id = returns.id)`.as(
        'received',
      ),
    ])
    .orderBy('returns.id', 'desc')
    .limit(filter.limit ?? 50);
  if (filter.state) query = query.where('r.state', '=', filter.state);
  if (filter.open === 'true')
    query = query
      .where('returns.closed_at', 'is', null)
      .where('r.state', 'not in', ['refused', 'rejected', 'cancelled', 'closed']);
  if (filter.orderId) query = query.where('returns.order_id', '=', filter.orderId);
  // the customer of the order returned (the customer page's returns)
  if (filter.customerId) query = query.where('o.customer_id', '=', filter.customerId);
  const rows = await query.execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      number: r.number,
      orderId: r.order_id,
      orderNumber: r.order_number,
      customerName: r.customer_name,
      state: r.state,
      wish: r.wish,
      reason: r.reason_code,
      source: r.source,
      units: r.units,
      received: r.received,
      value: formatMoney(BigInt(r.grand_total), r.currency),
      refunded: formatMoney(BigInt(r.refunded), r.currency),
      currency: r.currency,
      createdAt: r.created_at.toISOString(),
      closedAt: r.closed_at ? r.closed_at.toISOString() : null,
    })),
  };
}

/** Receipts nobody asked for (or that did not match their return), waiting for a person. */
export async function listQueuedReceipts(scope: TenantScope) {
  const rows = await scope
    .selectFrom('return_receipts')
    .innerJoin('locations as l', (j) =>
      j.onRef('l.tenant_id', '=', 'return_receipts.tenant_id').onRef('l.id', '=', 'return_receipts.location_id'),
    )
    .selectAll('return_receipts')
    .select('l.code as location_code')
    .where('return_receipts.status', '=', 'queued')
    .orderBy('return_receipts.received_at')
    .limit(500)
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      returnId: r.return_id,
      sku: r.sku,
      quantity: r.quantity,
      location: r.location_code,
      note: r.note,
      receivedAt: r.received_at.toISOString(),
    })),
  };
}
