import { sql, type RawBuilder } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { scope as tenantScope, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { NewOrder } from './order-rows.js';

/** Where a new order's channel + external id is unique (migration 0001): a second delivery is DUPLICATE_ORDER. */
const CHANNEL_EXTERNAL = 'orders_channel_external';

const LINE_COLUMNS = sql.raw(`tenant_id, order_id, id, line_no, external_line_id, kind, product_id, sku, name, quantity,
  unit_price, discount, allocated_discount, discount_allocations, tax_rate, tax, net, total, attributes`);
const LINE_RECORD =
  sql.raw(`x(id uuid, line_no int, external_line_id text, kind text, product_id uuid, sku text, name text,
  quantity int, unit_price bigint, discount bigint, allocated_discount bigint, discount_allocations jsonb, tax_rate text,
  tax bigint, net bigint, total bigint, attributes jsonb)`);

/** `insert into orders (…) values (…)` for the new order, with `columns` over intake's own (a process's first state). */
function orderInsert(scope: TenantScope, order: NewOrder, columns: Record<string, unknown> = {}) {
  const json = (v: unknown) => JSON.stringify(v);
  const row: Record<string, unknown> = {
    tenant_id: scope.tenantId,
    ...order.order,
    shipping_address: json(order.order.shipping_address),
    billing_address: json(order.order.billing_address),
    payment_terms: json(order.order.payment_terms),
    attributes: json(order.order.attributes),
    pickup_point: order.order.pickup_point === null ? null : json(order.order.pickup_point),
    shipping_lines: json(order.order.shipping_lines),
    discounts: json(order.order.discounts),
    payments: json(order.order.payments),
    marketplace: order.order.marketplace === null ? null : json(order.order.marketplace),
    ...columns,
  };
  const names = Object.keys(row);
  return sql`insert into orders (${sql.raw(names.join(', '))}) values (${sql.join(names.map((c) => row[c]))})`;
}

/** The new order's lines, selected for an insert into order_lines (LINE_COLUMNS). */
function linesSelect(scope: TenantScope, order: NewOrder) {
  const linesJson = JSON.stringify(order.lines, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return sql`select ${scope.tenantId}::uuid as tenant_id, ${order.id}::uuid as order_id, x.id, x.line_no, x.external_line_id, x.kind,
      x.product_id, x.sku, x.name, x.quantity, x.unit_price, x.discount, x.allocated_discount,
      coalesce(x.discount_allocations, '[]') as discount_allocations, x.tax_rate, x.tax, x.net, x.total,
      coalesce(x.attributes, '{}') as attributes
    from jsonb_to_recordset(${linesJson}::jsonb) as ${LINE_RECORD}`;
}

/**
 * The order and its lines in one statement (with `appends`, also its history and events). On a
 * duplicate channel + external id the order insert does nothing, so nothing else is written and
 * `inserted` is 0.
 */
export function insertOrder(scope: TenantScope, order: NewOrder, appends?: RawBuilder<unknown>) {
  return sql<{ inserted: number; notified?: number }>`with o as (
      ${orderInsert(scope, order)}
      on conflict (tenant_id, channel_id, external_id) where external_id is not null do nothing
      returning id
    ), l as (
      insert into order_lines (${LINE_COLUMNS}) select line.* from o cross join (${linesSelect(scope, order)}) as line
    )${appends ? sql`, ${appends}` : sql``}
    select (select count(*) from o)::int as inserted${appends ? sql`, (select count(*) from notified)::int as notified` : sql``}`;
}

/** DUPLICATE_ORDER naming the order this channel + external id already made, or undefined when none is there. */
async function duplicateOf(scope: TenantScope, order: NewOrder): Promise<AppError | undefined> {
  const existing = await scope
    .selectFrom('orders')
    .select(['id', 'number'])
    .where('channel_id', '=', order.refs.channel.id)
    .where('external_id', '=', order.input.externalId!)
    .executeTakeFirst();
  if (!existing) return undefined;
  return new AppError(
    'DUPLICATE_ORDER',
    `order ${order.input.externalId} from channel ${order.input.channel} exists as ${existing.number}`,
    [{ path: '/externalId', message: 'already received' }],
    { existingId: existing.id, existingNumber: existing.number },
  );
}

/** After an insert that did nothing (insertOrder's `inserted` 0): DUPLICATE_ORDER with the order that is there. */
export async function refuseDuplicate(scope: TenantScope, order: NewOrder): Promise<never> {
  throw (
    (await duplicateOf(scope, order)) ?? new Error(`order ${order.input.externalId} was refused as a duplicate of none`)
  );
}

/**
 * Sends the order and its lines ahead in the unit of work (UnitOfWork.sendAhead): they leave with
 * the next statement, a round trip fewer. The answer says whether the order took (the channel's
 * order with this external id may exist): it rejects with DUPLICATE_ORDER then.
 */
export function sendOrder(work: Work, order: NewOrder): Promise<void> {
  const taken = work.work.sendAhead(insertOrder(work, order)).then(async ({ rows }) => {
    if (rows[0]!.inserted === 0) await refuseDuplicate(work, order);
  });
  taken.catch(() => {}); // awaited by the caller, or the unit of work reports the refusal
  return taken;
}

/**
 * Holds a new order's row for the closing statement of a unit of work that ends with its intake
 * (issue 19 item 2): written once, already in its process's first state (`atClose`), where it would
 * be inserted as `accepted` and updated (every index entry twice). Held from the reservation on,
 * whose rows refer to the order by keys checked at commit (migration 0044): whatever the process's
 * start then sends first (an action reading the order, a task referring to it) has the row, as
 * `accepted`, sent just ahead of it (UnitOfWork.beforeNextStatement), and the process's columns are
 * written by the closing statement as usual. A delivery of the same channel + external id that
 * commits first makes the insert fail on the unique index, and the unit of work answers
 * DUPLICATE_ORDER with that order (explainFailure), as the sent-ahead insert of the usual path does.
 */
export function holdOrder(work: Work, order: NewOrder): { atClose(columns: Record<string, unknown>): boolean } {
  work.work.explainFailure(async (error, db) =>
    isUniqueViolation(error, CHANNEL_EXTERNAL) ? duplicateOf(tenantScope(db, work.tenantId), order) : undefined,
  );
  const lines = sql`insert into order_lines (${LINE_COLUMNS}) ${linesSelect(work, order)}`;
  work.work.beforeNextStatement(() => {
    void work.work.sendAhead(sql`with o as (${orderInsert(work, order)}) ${lines}`);
  });
  return {
    /**
     * Holds the row and its lines for the closing statement with `columns` over intake's (the
     * process's first state), unless something sent them already; answers whether it did.
     */
    atClose(columns) {
      if (!work.work.heldUntilClose()) return false;
      work.work.writeAtClose(orderInsert(work, order, columns));
      work.work.writeAtClose(lines);
      return true;
    },
  };
}
