/**
 * Sale mode, 1C pulling orders: `mode=query` answers every order that is new or changed since 1C
 * last said `mode=success` (a history row of the order is past the mark 1C took: state changes,
 * edits, payments and shipments all write one), as CommerceML documents in the
 * connection's encoding; those orders are remembered as pending. `mode=success` marks the pending
 * orders taken at the marks answered. Until then a repeated query answers them again (1C
 * failing between query and success loses nothing), and an order changed after the query goes
 * out again with the next one.
 */
import { sql } from 'kysely';
import { formatMoney } from '../../shared/money.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { buildOrdersXml, type CmlExportLine, type CmlExportOrder } from '../../integrations/erp/commerceml/index.js';
import type { OneCConnection } from './onec-connection.js';
import { logExchange } from './exchange-log.js';
import '../../store/schema-erp.js';
import '../../store/schema-money.js';

/** Orders per query answer; the rest follow after 1C's success. */
export const QUERY_BATCH = 500;

/** 1C's name for a currency in documents: "руб" for roubles (as Bitrix writes), else the ISO code. */
const oneCCurrency = (iso: string) => (iso === 'RUB' ? 'руб' : iso);

const pad = (n: number) => String(n).padStart(2, '0');
const dateOf = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const timeOf = (d: Date) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

function addressText(address: unknown): string | null {
  if (!address || typeof address !== 'object') return null;
  const fields = address as Record<string, unknown>;
  const parts = [fields.postalCode, fields.country, fields.region, fields.city, fields.line1, fields.line2].filter(
    (part): part is string => typeof part === 'string' && part.length > 0,
  );
  return parts.length ? parts.join(', ') : null;
}

/** The id of an order's latest history row: what changes with every change to the order. */
const markOf = sql<string>`coalesce((select h.id from order_history h where h.tenant_id = orders.tenant_id and h.order_id = orders.id order by h.id desc limit 1), orders.id)`;

/** Orders new or changed since 1C took them (a history row past the mark taken). */
async function ordersToSend(store: TenantScope, conn: OneCConnection) {
  let query = store
    .selectFrom('orders')
    .leftJoin('erp_exchange_orders as taken', (j) =>
      j
        .onRef('taken.tenant_id', '=', 'orders.tenant_id')
        .onRef('taken.order_id', '=', 'orders.id')
        .on('taken.connection_id', '=', conn.id),
    )
    .select(['orders.id', markOf.as('mark')])
    .where((eb) =>
      eb.or([
        eb('taken.order_id', 'is', null),
        sql<boolean>`exists (select 1 from order_history h where h.tenant_id = orders.tenant_id and h.order_id = orders.id and h.id > taken.mark)`,
      ]),
    )
    .where('orders.channel_id', '<>', conn.channelId)
    .where('orders.order_type', 'in', conn.settings.orderTypes)
    .orderBy('orders.id')
    .limit(QUERY_BATCH);
  if (conn.settings.orderChannels?.length) {
    const channels = await store
      .selectFrom('channels')
      .select('id')
      .where('code', 'in', conn.settings.orderChannels)
      .execute();
    query = query.where(
      'orders.channel_id',
      'in',
      channels.length ? channels.map((c) => c.id) : ['00000000-0000-0000-0000-000000000000'],
    );
  }
  return query.execute();
}

/** The orders as CommerceML documents. */
export async function exportOrders(store: TenantScope, conn: OneCConnection, ids: string[]): Promise<CmlExportOrder[]> {
  if (!ids.length) return [];
  const orders = await store
    .selectFrom('orders')
    .leftJoin('customers', (j) =>
      j.onRef('customers.tenant_id', '=', 'orders.tenant_id').onRef('customers.id', '=', 'orders.customer_id'),
    )
    .leftJoin('companies', (j) =>
      j.onRef('companies.tenant_id', '=', 'orders.tenant_id').onRef('companies.id', '=', 'orders.company_id'),
    )
    .select([
      'orders.id',
      'orders.number',
      'orders.placed_at',
      'orders.updated_at',
      'orders.currency',
      'orders.grand_total',
      'orders.state',
      'orders.notes',
      'orders.attributes',
      'orders.shipping_lines',
      'orders.shipping_address',
      'orders.billing_address',
      'orders.customer_name',
      'orders.customer_email',
      'orders.customer_external_id',
      'customers.code as customer_code',
      'customers.phone as customer_phone',
      'companies.code as company_code',
      'companies.name as company_name',
      'companies.tax_id as company_tax_id',
    ])
    .where('orders.id', 'in', ids)
    .orderBy('orders.id')
    .execute();
  const lines = await store
    .selectFrom('order_lines')
    .select([
      'order_id',
      'sku',
      'name',
      'quantity',
      'unit_price',
      'discount',
      'tax_rate',
      'tax',
      'net',
      'total',
      'kind',
    ])
    .where('order_id', 'in', ids)
    .orderBy('order_id')
    .orderBy('line_no')
    .execute();
  const skus = [...new Set(lines.map((line) => line.sku))];
  const oneCIds = new Map<string, string>();
  if (skus.length)
    for (const row of await store
      .selectFrom('channel_offers')
      .select(['offer_id', 'sku'])
      .where('connection_id', '=', conn.id)
      .where('sku', 'in', skus)
      .orderBy('offer_id')
      .execute())
      if (!oneCIds.has(row.sku)) oneCIds.set(row.sku, row.offer_id);
  const units = new Map(
    skus.length
      ? (await store.selectFrom('products').select(['sku', 'unit']).where('sku', 'in', skus).execute()).map((p) => [
          p.sku,
          p.unit,
        ])
      : [],
  );
  const paid = new Map(
    (
      await store
        .selectFrom('payments')
        .select(['order_id', sql<string>`sum(captured - refunded)`.as('paid')])
        .where('order_id', 'in', ids)
        .groupBy('order_id')
        .execute()
    ).map((row) => [row.order_id, BigInt(row.paid ?? '0')]),
  );
  return orders.map((order) => {
    const currency = order.currency;
    const money = (units: string | bigint) => formatMoney(BigInt(units), currency);
    const attributes = (order.attributes ?? {}) as Record<string, unknown>;
    const taxIncluded = attributes.pricesIncludeTax === true;
    const orderLines: CmlExportLine[] = lines
      .filter((line) => line.order_id === order.id)
      .map((line) => ({
        id: oneCIds.get(line.sku) ?? line.sku,
        article: line.sku,
        name: line.name,
        unit: (units.get(line.sku) === 'pcs' ? 'шт' : units.get(line.sku)) ?? 'шт',
        unitPrice: money(line.unit_price),
        quantity: String(line.quantity),
        // the line's sum as 1C reads it: with tax when the prices include it, else net (tax beside it)
        sum: money(taxIncluded ? line.total : line.net),
        taxRate: line.tax_rate,
        taxSum: money(line.tax),
        discount: money(line.discount),
        kind: line.kind === 'service' ? ('service' as const) : ('product' as const),
      }));
    for (const shipping of (order.shipping_lines ?? []) as Array<Record<string, unknown>>) {
      const total = BigInt(String(shipping.total ?? shipping.amount ?? '0'));
      if (total === 0n) continue;
      const net = BigInt(String(shipping.net ?? total));
      orderLines.push({
        id: 'ORDER_DELIVERY',
        article: 'ORDER_DELIVERY',
        name: String(shipping.title ?? 'Доставка заказа'),
        unit: 'шт',
        unitPrice: money(taxIncluded ? total : net),
        quantity: '1',
        sum: money(taxIncluded ? total : net),
        taxRate: typeof shipping.taxRate === 'string' ? shipping.taxRate : null,
        taxSum: money(BigInt(String(shipping.tax ?? '0'))),
        discount: '0',
        kind: 'service',
      });
    }
    const placed = new Date(order.placed_at);
    const cancelled = order.state === 'cancelled';
    const isPaid = (paid.get(order.id) ?? 0n) >= BigInt(order.grand_total) && BigInt(order.grand_total) > 0n;
    const company = order.company_name !== null;
    return {
      id: order.id,
      number: order.number,
      date: dateOf(placed),
      time: timeOf(placed),
      currency: oneCCurrency(currency),
      total: money(order.grand_total),
      taxIncluded,
      comment: order.notes,
      customer: {
        id:
          order.company_code ??
          order.customer_code ??
          order.customer_external_id ??
          order.customer_email ??
          `order-${order.number}`,
        name:
          (company ? order.company_name : order.customer_name) ??
          order.customer_email ??
          `Покупатель заказа ${order.number}`,
        isCompany: company,
        inn: order.company_tax_id,
        kpp: null,
        address: addressText(order.billing_address) ?? addressText(order.shipping_address),
        email: order.customer_email,
        phone: order.customer_phone,
      },
      lines: orderLines,
      requisites: [
        ['Статус заказа', order.state],
        ['Заказ оплачен', isPaid ? 'true' : 'false'],
        ['Отменен', cancelled ? 'true' : 'false'],
        ['Финальный статус', ['cancelled', 'completed', 'closed'].includes(order.state) ? 'true' : 'false'],
        ['Дата изменения статуса', `${dateOf(new Date(order.updated_at))} ${timeOf(new Date(order.updated_at))}`],
        ['Сайт', 'Ordo'],
      ],
    };
  });
}

/** `mode=query`: the document 1C reads, and the orders in it remembered as pending. */
export async function queryOrders(store: TenantScope, conn: OneCConnection, now: Date) {
  return atomically(store, async (tx) => {
    const pending = await tx
      .selectFrom('erp_exchange_pending')
      .select(['order_id'])
      .where('connection_id', '=', conn.id)
      .execute();
    const changed = await ordersToSend(tx, conn);
    const marks = new Map(changed.map((row) => [row.id, row.mark]));
    // pending orders are answered again (at their current mark)
    const again = pending.map((p) => p.order_id).filter((id) => !marks.has(id));
    if (again.length)
      for (const row of await tx
        .selectFrom('orders')
        .select(['id', markOf.as('mark')])
        .where('id', 'in', again)
        .execute())
        marks.set(row.id, row.mark);
    const ids = [...marks.keys()].sort();
    if (ids.length)
      await tx
        .insertInto(
          'erp_exchange_pending',
          ids.map((id) => ({ connection_id: conn.id, order_id: id, mark: marks.get(id)!, queried_at: now })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'connection_id', 'order_id']).doUpdateSet({
            mark: sql`excluded.mark`,
            queried_at: now,
          }),
        )
        .execute();
    const documents = await exportOrders(tx, conn, ids);
    const body = buildOrdersXml(documents, {
      encoding: conn.settings.encoding,
      version: conn.settings.schemaVersion,
      namespace: conn.settings.xmlNamespace,
      generatedAt: `${dateOf(now)}T${timeOf(now)}`,
    });
    await logExchange(tx, now, {
      connectionId: conn.id,
      via: 'poll',
      eventType: 'sale.query',
      status: ids.length ? 'updated' : 'ignored',
      reason: ids.length ? `${ids.length} orders answered` : 'no new or changed orders',
      payload: {
        orders: documents.map((d) => ({ id: d.id, number: d.number, mark: marks.get(d.id) })),
        bytes: body.length,
        encoding: conn.settings.encoding,
        schemaVersion: conn.settings.schemaVersion,
      },
    });
    return { body, count: ids.length };
  });
}

/** `mode=success`: the pending orders are taken at the marks answered. */
export async function confirmOrders(store: TenantScope, conn: OneCConnection, now: Date) {
  return atomically(store, async (tx) => {
    const pending = await tx
      .deleteFrom('erp_exchange_pending')
      .where('connection_id', '=', conn.id)
      .returning(['order_id', 'mark'])
      .execute();
    if (pending.length)
      await tx
        .insertInto(
          'erp_exchange_orders',
          pending.map((p) => ({ connection_id: conn.id, order_id: p.order_id, mark: p.mark, taken_at: now })),
        )
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'connection_id', 'order_id']).doUpdateSet({
            mark: sql`greatest(erp_exchange_orders.mark, excluded.mark)`,
            taken_at: now,
          }),
        )
        .execute();
    await logExchange(tx, now, {
      connectionId: conn.id,
      via: 'poll',
      eventType: 'sale.success',
      status: pending.length ? 'updated' : 'ignored',
      reason: `1C took ${pending.length} orders`,
      payload: { orders: pending.map((p) => ({ id: p.order_id, mark: p.mark })) },
    });
    return { taken: pending.length };
  });
}
