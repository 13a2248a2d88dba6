import { sql, type RawBuilder } from 'kysely';
import type { BudgetFactRow, MemberFactRow } from '../../domain/company/company-facts.js';
import { AppError } from '../../shared/errors.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-companies.js';

type Expr = RawBuilder<unknown>;

/** The member who placed an order, with its company's approval policy, as one JSON value (a sub-select). */
export function memberJson(tenantId: Expr, memberId: Expr): RawBuilder<MemberFactRow | null> {
  return sql<MemberFactRow | null>`(select json_build_object('id', m.id, 'roles', m.roles,
      'spending_limit', m.spending_limit::text, 'currency', m.currency, 'cost_centre', m.cost_centre,
      'department', m.department, 'company_id', m.company_id,
      'policy', (select json_build_object('above_amount', p.above_amount::text, 'currency', p.currency,
        'requesters_always', p.requesters_always, 'over_member_limit', p.over_member_limit, 'steps', p.steps)
        from company_approval_policies p where p.tenant_id = m.tenant_id and p.company_id = m.company_id))
    from company_members m where m.tenant_id = ${tenantId} and m.id = ${memberId})`;
}

/**
 * The budget of a company's cost centre for the period `at` falls in, in the budget's time zone
 * (a month, quarter or year starting on period_start), as one JSON value.
 */
export function budgetJson(
  tenantId: Expr,
  companyId: Expr,
  costCentre: Expr,
  at: Expr,
): RawBuilder<BudgetFactRow | null> {
  return sql<BudgetFactRow | null>`(select json_build_object('id', b.id, 'cost_centre', b.cost_centre,
      'currency', b.currency, 'amount', b.amount::text, 'consumed', b.consumed::text)
    from budgets b where b.tenant_id = ${tenantId} and b.company_id = ${companyId} and b.cost_centre = ${costCentre}
      and b.period_start = (date_trunc(b.period, (${at})::timestamptz at time zone b.time_zone))::date
    order by b.id limit 1)`;
}

/** The cost centre of an order: its member's, else attributes.costCentre, else the company's terms. */
export const costCentreOf = (tenantId: Expr, memberId: Expr, attributes: Expr, terms: Expr) =>
  sql`coalesce((select m.cost_centre from company_members m where m.tenant_id = ${tenantId} and m.id = ${memberId}),
    (${attributes})->>'costCentre', (${terms})->>'costCentre')`;

/**
 * At intake: the member named by `customer.memberId` (it must be an active member of the
 * customer's company, else 422 UNKNOWN_COMPANY_MEMBER at /customer/memberId) and the budget the
 * order would draw on. One round trip, only for an order with a company.
 */
export async function companyFactRowsAtIntake(
  scope: TenantScope,
  input: {
    customer?: { memberId?: string | undefined } | undefined;
    attributes?: Record<string, unknown> | undefined;
    placedAt?: string | undefined;
  },
  customer: { company_id: string | null; company_terms: Record<string, unknown> | null } | undefined,
  now: Date,
): Promise<{ member?: MemberFactRow; budget?: BudgetFactRow }> {
  const memberId = input.customer?.memberId ?? null;
  const companyId = customer?.company_id ?? null;
  if (!companyId) {
    if (memberId)
      throw new AppError('UNKNOWN_COMPANY_MEMBER', 'a member orders for a company: name a customer of that company', [
        { path: '/customer/memberId', message: 'the customer belongs to no company' },
      ]);
    return {};
  }
  const tenant = sql`${scope.tenantId}::uuid`;
  const member = sql`${memberId}::uuid`;
  const attributes = sql`${JSON.stringify(input.attributes ?? {})}::jsonb`;
  const terms = sql`${JSON.stringify(customer?.company_terms ?? {})}::jsonb`;
  const at = sql`${(input.placedAt ? new Date(input.placedAt) : now).toISOString()}`;
  const { rows } = await sql<{
    member: (MemberFactRow & { company_id: string; active?: boolean }) | null;
    active: boolean | null;
    budget: BudgetFactRow | null;
  }>`select ${memberJson(tenant, member)} as member,
      (select m.active from company_members m where m.tenant_id = ${tenant} and m.id = ${member}) as active,
      ${budgetJson(tenant, sql`${companyId}::uuid`, costCentreOf(tenant, member, attributes, terms), at)} as budget`.execute(
    scope.conn,
  );
  const row = rows[0]!;
  if (memberId && (!row.member || row.member.company_id !== companyId || !row.active))
    throw new AppError('UNKNOWN_COMPANY_MEMBER', "the member is not an active member of the customer's company", [
      { path: '/customer/memberId', message: 'unknown or inactive member of this company' },
    ]);
  return { ...(row.member ? { member: row.member } : {}), ...(row.budget ? { budget: row.budget } : {}) };
}
