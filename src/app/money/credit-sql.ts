import { sql, type RawBuilder } from 'kysely';
import type { CreditFactRow } from '../../domain/order/facts.js';

/** What one order still owes: its total less what was captured (money refunded is not owed again). */
const unpaidOf = (o: string) =>
  sql.raw(`(${o}.grand_total - coalesce((select sum(p.captured) from payments p
    where p.tenant_id = ${o}.tenant_id and p.order_id = ${o}.id), 0))`);

/**
 * A company's credit position as one JSON value (a sub-select, so it rides along with the facts'
 * statement): exposure = every open order's unpaid amount (invoiced or not, so an unpaid invoice
 * counts once), whether a manual hold is open, and the overdue invoices (due before today, their
 * order still unpaid) with what they owe.
 */
export function creditJson(tenantId: RawBuilder<unknown>, companyId: RawBuilder<unknown>): RawBuilder<CreditFactRow> {
  return sql<CreditFactRow>`(select json_build_object(
    'exposure', (select coalesce(sum(greatest(${unpaidOf('o')}, 0)), 0)::text from orders o
      where o.tenant_id = ${tenantId} and o.company_id = ${companyId} and o.order_type <> 'quote'
        and o.state not in ('cancelled', 'rejected')),
    'on_hold', exists (select 1 from credit_holds h where h.tenant_id = ${tenantId} and h.company_id = ${companyId}
      and h.released_at is null),
    'overdue_count', (select count(*) from invoices i join orders o on o.tenant_id = i.tenant_id and o.id = i.order_id
      where i.tenant_id = ${tenantId} and o.company_id = ${companyId} and i.kind = 'invoice' and i.due_date < current_date
        and ${unpaidOf('o')} > 0),
    'overdue_amount', (select coalesce(sum(${unpaidOf('o')}), 0)::text from orders o
      where o.tenant_id = ${tenantId} and o.company_id = ${companyId} and ${unpaidOf('o')} > 0
        and exists (select 1 from invoices i where i.tenant_id = o.tenant_id and i.order_id = o.id and i.kind = 'invoice'
          and i.due_date < current_date))))`;
}
