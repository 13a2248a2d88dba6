import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { currency, moneyString, name, text, uuid, emailAddress } from '../schemas.js';
import '../../store/schema-companies.js';

/**
 * The people of a customer company who order for it (docs/b2b-companies.md): each a customer
 * record of that company or a B2B portal user id, with roles (requester, approver, buyer), an
 * optional per-order spending limit and a cost centre. Deactivated, never deleted.
 */
const memberRoles = z
  .array(z.enum(['requester', 'approver', 'buyer']))
  .min(1)
  .max(3);
export const memberInput = z
  .object({
    name: name(),
    email: emailAddress().optional(),
    customerId: uuid.optional().describe('a customer record of this company'),
    externalUserId: text(200).min(1).optional().describe("the B2B portal's user id"),
    roles: memberRoles,
    spendingLimit: moneyString.optional().describe('the most one order of this member may be without approval'),
    currency: currency.optional(),
    costCentre: text(100).min(1).optional(),
    department: text(200).min(1).optional(),
  })
  .strict()
  .refine((m) => m.customerId || m.externalUserId, {
    message: 'give customerId or externalUserId',
    path: ['customerId'],
  })
  .refine((m) => !m.spendingLimit || m.currency, {
    message: 'a spending limit needs its currency',
    path: ['currency'],
  });
export const memberPatch = z
  .object({
    name: name().optional(),
    email: emailAddress().nullable().optional(),
    roles: memberRoles.optional(),
    spendingLimit: moneyString.nullable().optional(),
    currency: currency.nullable().optional(),
    costCentre: text(100).min(1).nullable().optional(),
    department: text(200).min(1).nullable().optional(),
    active: z.boolean().optional(),
  })
  .strict();

type MemberRow = {
  id: string;
  company_id: string;
  customer_id: string | null;
  external_user_id: string | null;
  name: string;
  email: string | null;
  roles: string[];
  spending_limit: string | null;
  currency: string | null;
  cost_centre: string | null;
  department: string | null;
  active: boolean;
  version: number;
};
export const memberView = (m: MemberRow) => ({
  id: m.id,
  companyId: m.company_id,
  customerId: m.customer_id,
  externalUserId: m.external_user_id,
  name: m.name,
  email: m.email,
  roles: m.roles,
  spendingLimit: m.spending_limit != null && m.currency ? formatMoney(BigInt(m.spending_limit), m.currency) : null,
  currency: m.currency,
  costCentre: m.cost_centre,
  department: m.department,
  active: m.active,
  version: m.version,
});
const COLUMNS = [
  'id',
  'company_id',
  'customer_id',
  'external_user_id',
  'name',
  'email',
  'roles',
  'spending_limit',
  'currency',
  'cost_centre',
  'department',
  'active',
  'version',
] as const;

/** The company must exist (404 otherwise). */
export async function requireCompany(scope: TenantScope, companyId: string) {
  const company = await scope
    .selectFrom('companies')
    .select(['id', 'code'])
    .where('id', '=', companyId)
    .executeTakeFirst();
  if (!company) throw new AppError('NOT_FOUND', `company ${companyId} not found`);
  return company;
}

function limitOf(amount: string | null | undefined, cur: string | null | undefined, path: string): bigint | null {
  if (amount === null || amount === undefined) return null;
  const value = parseMoney(amount, cur ?? 'XXX');
  if (typeof value !== 'bigint' || value < 0n)
    throw new AppError('INVALID_AMOUNT', `${amount} is not an amount in ${cur}`, [
      { path, message: "a decimal string with the currency's decimal places", code: String(value) },
    ]);
  return value;
}

export async function createMember(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  input: z.infer<typeof memberInput>,
) {
  await requireCompany(scope, companyId);
  if (input.customerId) {
    const customer = await scope
      .selectFrom('customers')
      .select('company_id')
      .where('id', '=', input.customerId)
      .executeTakeFirst();
    if (!customer || customer.company_id !== companyId)
      throw new AppError('UNKNOWN_CUSTOMER', 'the customer is not a customer of this company', [
        { path: '/customerId', message: 'not a customer of this company' },
      ]);
  }
  const id = newId();
  try {
    await scope
      .insertInto('company_members', {
        id,
        company_id: companyId,
        customer_id: input.customerId ?? null,
        external_user_id: input.externalUserId ?? null,
        name: input.name,
        email: input.email ?? null,
        roles: input.roles,
        spending_limit: limitOf(input.spendingLimit, input.currency, '/spendingLimit'),
        currency: input.currency ?? null,
        cost_centre: input.costCentre ?? null,
        department: input.department ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('CONFLICT', 'this person is already a member of the company', [
        { path: input.externalUserId ? '/externalUserId' : '/customerId', message: 'already a member' },
      ]);
    throw error;
  }
  await writeAudit(scope, actor, now, { entity: 'company_member', entityId: id, action: 'created', changes: input });
  return getMember(scope, companyId, id);
}

export async function getMember(scope: TenantScope, companyId: string, id: string) {
  const row = await scope
    .selectFrom('company_members')
    .select(COLUMNS)
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `member ${id} of company ${companyId} not found`);
  return memberView(row);
}

export async function listMembers(
  scope: TenantScope,
  companyId: string,
  query: { limit: number; cursor?: string | undefined; role?: string | undefined },
) {
  await requireCompany(scope, companyId);
  let sel = scope.selectFrom('company_members').select(COLUMNS).where('company_id', '=', companyId);
  if (query.role) sel = sel.where(({ eb, val }) => eb(val(query.role!), '=', eb.fn.any('roles')));
  if (query.cursor) sel = sel.where('id', '>', query.cursor);
  const rows = await sel
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return { items: page.map(memberView), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
}

/** Changes a member (If-Match: the version read); `active: false` deactivates it, and its portal keys stop acting for it. */
async function updateMemberWithin(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  id: string,
  patch: z.infer<typeof memberPatch>,
  expectedVersion: number | null,
) {
  const current = await scope
    .selectFrom('company_members')
    .select(COLUMNS)
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new AppError('NOT_FOUND', `member ${id} of company ${companyId} not found`);
  if (expectedVersion !== null && expectedVersion !== current.version)
    throw new AppError('VERSION_MISMATCH', `the member is at version ${current.version}, not ${expectedVersion}`);
  const cur = patch.currency !== undefined ? patch.currency : current.currency;
  const limit =
    patch.spendingLimit !== undefined
      ? limitOf(patch.spendingLimit, cur, '/spendingLimit')
      : current.spending_limit === null
        ? null
        : BigInt(current.spending_limit);
  if (limit !== null && !cur)
    throw new AppError('VALIDATION_FAILED', 'a spending limit needs its currency', [
      { path: '/currency', message: 'required with a spending limit' },
    ]);
  await scope
    .updateTable('company_members')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.roles !== undefined ? { roles: patch.roles } : {}),
      spending_limit: limit,
      currency: cur,
      ...(patch.costCentre !== undefined ? { cost_centre: patch.costCentre } : {}),
      ...(patch.department !== undefined ? { department: patch.department } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      updated_at: now,
      version: current.version + 1,
    })
    .where('id', '=', id)
    .execute();
  await writeAudit(scope, actor, now, {
    entity: 'company_member',
    entityId: id,
    action: patch.active === false ? 'deactivated' : 'updated',
    changes: patch,
  });
  return getMember(scope, companyId, id);
}

/** updateMember in its own unit of work (or the caller's). */
export function updateMember(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  id: string,
  patch: z.infer<typeof memberPatch>,
  expectedVersion: number | null,
) {
  return atomically(scope, (tx) => updateMemberWithin(tx, actor, now, companyId, id, patch, expectedVersion));
}

/**
 * An order placed with a key bound to a company member (a B2B portal acting for one buyer) is that
 * member's: the member is set on the order, and naming another member is refused.
 */
export function placedByBoundMember<T>(input: T, boundMemberId: string | undefined): T {
  if (!boundMemberId || !input || typeof input !== 'object') return input;
  const order = input as { customer?: { memberId?: unknown } & Record<string, unknown> };
  const named = order.customer?.memberId;
  if (named !== undefined && named !== boundMemberId)
    throw new AppError('FORBIDDEN', 'this key acts for one company member and cannot place orders for another', [
      { path: '/customer/memberId', message: 'not the member this key is bound to' },
    ]);
  return { ...input, customer: { ...order.customer, memberId: boundMemberId } } as T;
}
