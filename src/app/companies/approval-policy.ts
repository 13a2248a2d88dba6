import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { currency, moneyString } from '../schemas.js';
import { requireCompany } from './members.js';
import '../../store/schema-companies.js';

/**
 * The company's own approval rule (docs/b2b-companies.md): which orders its approver signs before
 * the seller sees them. The process reads it as `order.companyApproval` (required, steps, reasons).
 */
export const approvalPolicyInput = z
  .object({
    aboveAmount: moneyString.nullable().optional().describe('orders above this amount need approval'),
    currency: currency.optional(),
    requestersAlways: z.boolean().default(false).describe('every order placed by a requester needs approval'),
    overMemberLimit: z.boolean().default(true).describe("an order above the member's spending limit needs approval"),
    steps: z
      .union([z.literal(1), z.literal(2)])
      .default(1)
      .describe('one approver, or two in sequence'),
  })
  .strict()
  .refine((p) => !p.aboveAmount || p.currency, { message: 'an amount needs its currency', path: ['currency'] });

type PolicyRow = {
  above_amount: string | null;
  currency: string | null;
  requesters_always: boolean;
  over_member_limit: boolean;
  steps: number;
  version: number;
};
const policyView = (companyId: string, p: PolicyRow | undefined) => ({
  companyId,
  aboveAmount: p?.above_amount != null && p.currency ? formatMoney(BigInt(p.above_amount), p.currency) : null,
  currency: p?.currency ?? null,
  requestersAlways: p?.requesters_always ?? false,
  overMemberLimit: p?.over_member_limit ?? true,
  steps: p?.steps ?? 1,
  version: p?.version ?? 0,
});
const COLUMNS = ['above_amount', 'currency', 'requesters_always', 'over_member_limit', 'steps', 'version'] as const;

export async function getApprovalPolicy(scope: TenantScope, companyId: string) {
  await requireCompany(scope, companyId);
  const row = await scope
    .selectFrom('company_approval_policies')
    .select(COLUMNS)
    .where('company_id', '=', companyId)
    .executeTakeFirst();
  return policyView(companyId, row);
}

async function setApprovalPolicyWithin(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  input: z.infer<typeof approvalPolicyInput>,
) {
  await requireCompany(scope, companyId);
  let above: bigint | null = null;
  if (input.aboveAmount) {
    const value = parseMoney(input.aboveAmount, input.currency!);
    if (typeof value !== 'bigint' || value < 0n)
      throw new AppError('INVALID_AMOUNT', `${input.aboveAmount} is not an amount in ${input.currency}`, [
        { path: '/aboveAmount', message: "a decimal string with the currency's decimal places" },
      ]);
    above = value;
  }
  const values = {
    above_amount: above,
    currency: input.currency ?? null,
    requesters_always: input.requestersAlways,
    over_member_limit: input.overMemberLimit,
    steps: input.steps,
    updated_at: now,
  };
  const row = await scope
    .insertInto('company_approval_policies', { company_id: companyId, ...values })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'company_id']).doUpdateSet((eb) => ({
        ...values,
        version: eb('company_approval_policies.version', '+', 1),
      })),
    )
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  await writeAudit(scope, actor, now, {
    entity: 'company_approval_policy',
    entityId: companyId,
    action: 'set',
    changes: input,
  });
  return policyView(companyId, row);
}

/** setApprovalPolicy in its own unit of work (or the caller's). */
export function setApprovalPolicy(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  input: z.infer<typeof approvalPolicyInput>,
) {
  return atomically(scope, (tx) => setApprovalPolicyWithin(tx, actor, now, companyId, input));
}
