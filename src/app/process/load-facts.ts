import { sql } from 'kysely';
import type { FactsInput } from '../../process/index.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import {
  factsFrom,
  type CreditFactRow,
  type FactRows,
  type LineFactRow,
  type PaymentFactRow,
  type StockFactRows,
} from '../../domain/order/facts.js';
import type { ReturnFactRow } from '../../domain/returns/facts.js';
import type { BudgetFactRow } from '../../domain/company/company-facts.js';
import { creditJson } from '../money/credit-sql.js';
import { returnFactsJson } from '../returns/return-facts-sql.js';
import { budgetJson, costCentreOf, memberJson } from '../companies/company-facts-sql.js';
import '../../store/schema-inventory.js';

// What the order's lines hold (active or shipped reservations) and what is backordered, as JSON
// sub-selects, so they ride along with whatever statement needs them.
const reservedJson = (t: string, orderId: string) => sql<
  StockFactRows['reserved']
>`(select coalesce(json_agg(json_build_object('order_line_id', r.order_line_id, 'qty', r.qty)), '[]')
  from (select order_line_id, sum(quantity)::text as qty from stock_reservations
    where tenant_id = ${t} and order_id = ${orderId} and status in ('active', 'consumed') group by order_line_id) r)`;
const backordersJson = (t: string, orderId: string) => sql<
  StockFactRows['backorders']
>`(select coalesce(json_agg(json_build_object('order_line_id', b.order_line_id, 'quantity', b.quantity)), '[]')
  from stock_backorders b where b.tenant_id = ${t} and b.order_id = ${orderId} and b.status = 'open')`;

/** What the order's lines hold and what is backordered: the part of the facts actions change. */
export async function loadStockFactRows(scope: TenantScope, orderId: string): Promise<StockFactRows> {
  const { rows } =
    await sql<StockFactRows>`select ${reservedJson(scope.tenantId, orderId)} as reserved, ${backordersJson(scope.tenantId, orderId)} as backorders`.execute(
      scope.conn,
    );
  return rows[0]!;
}

/** The order's process row, as an event applies it. */
export interface ProcessRow {
  definition_key: string;
  definition_version: number;
  snapshot: unknown;
  exception_kind: string | null;
  exception_resolutions: string[];
}

/** Loads the rows the facts are made of, in one statement: the order with its channel, lines, customer, company and stock. */
export async function loadFactRows(scope: TenantScope, orderId: string): Promise<FactRows> {
  return (await loadFactRowsAndProcess(scope, orderId, false)).rows;
}

type FactRowsRow = NonNullable<Awaited<ReturnType<ReturnType<typeof factRowsQuery>['executeTakeFirst']>>>;

/**
 * The fact rows and, in the same statement, the order's process row (null: the order runs no
 * process): what an event on a locked order reads before the engine runs.
 */
export async function loadFactRowsAndProcess(
  scope: TenantScope,
  orderId: string,
  withProcess = true,
): Promise<{ rows: FactRows; process: ProcessRow | null }> {
  return factRowsOf(await factRowsQuery(scope, orderId, withProcess).executeTakeFirstOrThrow());
}

/** The statement loadFactRowsAndProcess runs (one row, none when there is no such order); factRowsOf shapes its row. */
export function factRowsQuery(scope: TenantScope, orderId: string, withProcess = true) {
  const tenantId = scope.tenantId;
  return scope
    .selectFrom('orders')
    .innerJoin('channels', (j) =>
      j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
    )
    .selectAll('orders')
    .select(['channels.code as channel_code', 'channels.kind as channel_kind', 'channels.settings as channel_settings'])
    .select([
      sql<
        LineFactRow[]
      >`(select coalesce(json_agg(json_build_object('id', l.id, 'line_no', l.line_no, 'kind', l.kind, 'sku', l.sku, 'name', l.name, 'quantity', l.quantity,
        'unit_price', l.unit_price::text, 'discount', l.discount::text, 'total', l.total::text, 'attributes', l.attributes) order by l.line_no), '[]')
        from order_lines l where l.tenant_id = orders.tenant_id and l.order_id = orders.id)`.as('fact_lines'),
      sql<
        FactRows['customer'] | null
      >`(select json_build_object('segment', cu.segment, 'attributes', cu.attributes) from customers cu
        where cu.tenant_id = orders.tenant_id and cu.id = orders.customer_id)`.as('fact_customer'),
      sql<
        FactRows['company'] | null
      >`(select json_build_object('segment', co.segment, 'terms', co.terms) from companies co
        where co.tenant_id = orders.tenant_id and co.id = orders.company_id)`.as('fact_company'),
      sql<PaymentFactRow[]>`(select coalesce(json_agg(json_build_object('method', p.method, 'status', p.status,
        'authorized', p.authorized::text, 'captured', p.captured::text, 'refunded', p.refunded::text, 'voided', p.voided::text)
        order by p.id), '[]') from payments p where p.tenant_id = orders.tenant_id and p.order_id = orders.id)`.as(
        'fact_payments',
      ),
      sql<CreditFactRow | null>`(case when orders.company_id is null then null else ${creditJson(sql`orders.tenant_id`, sql`orders.company_id`)} end)`.as(
        'fact_credit',
      ),
      sql<ReturnFactRow | null>`(case when orders.order_type = 'return' then ${returnFactsJson(sql`orders.tenant_id`, sql`orders.id`)} end)`.as(
        'fact_return',
      ),
      memberJson(sql`orders.tenant_id`, sql`orders.placed_by_member_id`).as('fact_member'),
      sql<BudgetFactRow | null>`(case when orders.company_id is null then null else ${budgetJson(
        sql`orders.tenant_id`,
        sql`orders.company_id`,
        costCentreOf(
          sql`orders.tenant_id`,
          sql`orders.placed_by_member_id`,
          sql`orders.attributes`,
          sql`(select co.terms from companies co where co.tenant_id = orders.tenant_id and co.id = orders.company_id)`,
        ),
        sql`orders.placed_at`,
      )} end)`.as('fact_budget'),
      reservedJson(tenantId, orderId).as('fact_reserved'),
      backordersJson(tenantId, orderId).as('fact_backorders'),
      (withProcess
        ? sql<ProcessRow | null>`(select json_build_object('definition_key', p.definition_key,
            'definition_version', p.definition_version, 'snapshot', p.snapshot, 'exception_kind', p.exception_kind,
            'exception_resolutions', p.exception_resolutions)
          from order_processes p where p.tenant_id = orders.tenant_id and p.order_id = orders.id)`
        : sql<ProcessRow | null>`null::json`
      ).as('fact_process'),
    ])
    .where('orders.id', '=', orderId);
}

/** The fact rows and the process row, from the row of factRowsQuery. */
export function factRowsOf(row: FactRowsRow): { rows: FactRows; process: ProcessRow | null } {
  const {
    fact_lines: lines,
    fact_customer: customer,
    fact_company: company,
    fact_reserved: reserved,
    fact_backorders: backorders,
    fact_payments: payments,
    fact_credit: credit,
    fact_return: ret,
    fact_member: member,
    fact_budget: budget,
    fact_process: process,
    ...order
  } = row;
  const rows: FactRows = {
    order,
    lines,
    customer: customer ?? undefined,
    company: company ?? undefined,
    reserved,
    backorders,
    payments,
    credit: credit ?? undefined,
    ret: ret ?? undefined,
    member: member ?? undefined,
    budget: budget ?? undefined,
  };
  return { rows, process };
}

/**
 * The facts conditions read (docs/process.md), loaded once before the engine runs: the order,
 * its lines and totals, the customer and company terms, the channel, the stock outcome, and the
 * verification result. Money is minor units. Customer and company terms come from their
 * attributes/terms (creditLimit, availableCredit, riskScore, allowsPartialShipments, …).
 */
export async function loadOrderFacts(scope: TenantScope, orderId: string): Promise<FactsInput> {
  return factsFrom(await loadFactRows(scope, orderId));
}
