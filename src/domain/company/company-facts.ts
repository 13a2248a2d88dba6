/**
 * Company depth's process facts (issue 17, item 5; docs/b2b-companies.md), pure: who placed the
 * order for the company, whether the company approves it itself before the seller sees it, and
 * what the cost centre's budget has left.
 */

/** The member who placed the order and the company's approval rule (int8 as text, as the database returns them). */
export interface MemberFactRow {
  id: string;
  roles: string[];
  spending_limit: string | null;
  currency: string | null;
  cost_centre: string | null;
  department: string | null;
  policy: {
    above_amount: string | null;
    currency: string | null;
    requesters_always: boolean;
    over_member_limit: boolean;
    steps: number;
  } | null;
}

/** The budget of the order's cost centre for the period the order falls in. */
export interface BudgetFactRow {
  id: string;
  cost_centre: string;
  currency: string;
  amount: string;
  consumed: string;
}

/** Member roles, most to least authority: a member's `role` fact is the first it holds. */
export const MEMBER_ROLES = ['approver', 'buyer', 'requester'] as const;

/**
 * Whether the company approves this order itself, and why: above the policy's amount (same
 * currency), anything from a requester when the policy says so, or above the member's own
 * spending limit (unless the policy turns that off). No member, no company approval.
 */
export function companyApproval(member: MemberFactRow | undefined, total: bigint, currency: string) {
  const reasons: string[] = [];
  if (!member) return { required: false, steps: 0, reasons };
  const policy = member.policy;
  if (policy?.requesters_always && member.roles.includes('requester') && !member.roles.includes('approver'))
    reasons.push('requester');
  if (policy?.above_amount != null && policy.currency === currency && total > BigInt(policy.above_amount))
    reasons.push('above_amount');
  const overLimitApplies = policy ? policy.over_member_limit : true;
  if (
    overLimitApplies &&
    member.spending_limit != null &&
    (member.currency ?? currency) === currency &&
    total > BigInt(member.spending_limit)
  )
    reasons.push('over_member_limit');
  const required = reasons.length > 0;
  return { required, steps: required ? (policy?.steps ?? 1) : 0, reasons };
}

/** The `order.placedBy` fact: every key present, so conditions never fail on an absent one. */
export function placedByFact(member: MemberFactRow | undefined) {
  const role = MEMBER_ROLES.find((r) => member?.roles.includes(r)) ?? member?.roles[0] ?? '';
  return {
    id: member?.id ?? '',
    role,
    roles: member?.roles ?? [],
    hasLimit: member?.spending_limit != null,
    limit: member?.spending_limit != null ? BigInt(member.spending_limit) : 0n,
    costCentre: member?.cost_centre ?? '',
    department: member?.department ?? '',
  };
}

/** What the budget has left (may be negative after an allowed overspend); undefined without a budget in this currency. */
export function budgetRemaining(budget: BudgetFactRow | undefined, currency: string): bigint | undefined {
  if (!budget || budget.currency !== currency) return undefined;
  return BigInt(budget.amount) - BigInt(budget.consumed);
}
