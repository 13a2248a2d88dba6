import { sql } from 'kysely';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { writeAudit, type Actor } from '../../store/history.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { atomically, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { currency, moneyString, text } from '../schemas.js';
import { budgetJson, costCentreOf } from './company-facts-sql.js';
import { requireCompany } from './members.js';
import '../../store/schema-companies.js';

/**
 * Budgets (docs/b2b-companies.md): what a company's (or the seller's own organisation's) cost
 * centre may spend in a month, quarter or year, in the budget's time zone. An approved
 * requisition consumes its total (consume_budget), a cancelled one gives it back
 * (release_budget). The consuming update is guarded in the database — `consumed + amount <=
 * amount` in the UPDATE's WHERE — so of two requisitions racing for the last of a budget one
 * consumes and the other is told the budget is exceeded; the row lock makes the second
 * re-check against the first's result.
 */
export const budgetInput = z
  .object({
    costCentre: text(100).min(1),
    period: z.enum(['month', 'quarter', 'year']),
    periodStart: z.iso.date().describe('the first day of the period (a month, quarter or year start)'),
    timeZone: z.string().min(1).max(64).default('UTC').describe('the zone periods are counted in (Europe/Warsaw)'),
    currency,
    amount: moneyString,
  })
  .strict();
export const budgetPatch = z.object({ amount: moneyString }).strict();

type BudgetRow = {
  id: string;
  company_id: string;
  cost_centre: string;
  period: string;
  period_start: string;
  time_zone: string;
  currency: string;
  amount: string;
  consumed: string;
  version: number;
};
const budgetView = (b: BudgetRow) => ({
  id: b.id,
  companyId: b.company_id,
  costCentre: b.cost_centre,
  period: b.period,
  periodStart: b.period_start,
  timeZone: b.time_zone,
  currency: b.currency,
  amount: formatMoney(BigInt(b.amount), b.currency),
  consumed: formatMoney(BigInt(b.consumed), b.currency),
  remaining: formatMoney(BigInt(b.amount) - BigInt(b.consumed), b.currency),
  version: b.version,
});
const COLUMNS = [
  'id',
  'company_id',
  'cost_centre',
  'period',
  'period_start',
  'time_zone',
  'currency',
  'amount',
  'consumed',
  'version',
] as const;

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function amountOf(text: string, cur: string, path: string): bigint {
  const value = parseMoney(text, cur);
  if (typeof value !== 'bigint' || value < 0n)
    throw new AppError('INVALID_AMOUNT', `${text} is not an amount in ${cur}`, [
      { path, message: "a non-negative decimal string with the currency's decimal places" },
    ]);
  return value;
}

export async function createBudget(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  input: z.infer<typeof budgetInput>,
) {
  await requireCompany(scope, companyId);
  const [, month, day] = input.periodStart.split('-').map(Number) as [number, number, number];
  const starts =
    day === 1 && (input.period === 'month' || (input.period === 'quarter' ? (month - 1) % 3 === 0 : month === 1));
  if (!starts)
    throw new AppError('VALIDATION_FAILED', `${input.periodStart} does not start a ${input.period}`, [
      { path: '/periodStart', message: `the first day of a ${input.period}` },
    ]);
  if (!validZone(input.timeZone))
    throw new AppError('VALIDATION_FAILED', `unknown time zone ${input.timeZone}`, [
      { path: '/timeZone', message: 'an IANA time zone such as Europe/Warsaw' },
    ]);
  const id = newId();
  try {
    await scope
      .insertInto('budgets', {
        id,
        company_id: companyId,
        cost_centre: input.costCentre,
        period: input.period,
        period_start: input.periodStart,
        time_zone: input.timeZone,
        currency: input.currency,
        amount: amountOf(input.amount, input.currency, '/amount'),
        created_at: now,
        updated_at: now,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error))
      throw new AppError('BUDGET_CONFLICT', 'a budget for this cost centre and period exists: change its amount', [
        { path: '/periodStart', message: 'a budget exists for this period' },
      ]);
    throw error;
  }
  await writeAudit(scope, actor, now, { entity: 'budget', entityId: id, action: 'created', changes: input });
  return getBudget(scope, companyId, id);
}

/** One budget with what consumed it (order, amount, consumed or released). */
export async function getBudget(scope: TenantScope, companyId: string, id: string) {
  const row = await scope
    .selectFrom('budgets')
    .select(COLUMNS)
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `budget ${id} of company ${companyId} not found`);
  const uses = await scope
    .selectFrom('budget_consumptions')
    .select(['order_id', 'amount', 'state', 'consumed_at', 'released_at'])
    .where('budget_id', '=', id)
    .orderBy('consumed_at')
    .orderBy('order_id')
    .execute();
  return {
    ...budgetView(row),
    consumptions: uses.map((u) => ({
      orderId: u.order_id,
      amount: formatMoney(BigInt(u.amount), row.currency),
      state: u.state,
      consumedAt: new Date(u.consumed_at).toISOString(),
      releasedAt: u.released_at ? new Date(u.released_at).toISOString() : null,
    })),
  };
}

export async function listBudgets(
  scope: TenantScope,
  companyId: string,
  query: { limit: number; cursor?: string | undefined; costCentre?: string | undefined },
) {
  await requireCompany(scope, companyId);
  let sel = scope.selectFrom('budgets').select(COLUMNS).where('company_id', '=', companyId);
  if (query.costCentre) sel = sel.where('cost_centre', '=', query.costCentre);
  if (query.cursor) sel = sel.where('id', '>', query.cursor);
  const rows = await sel
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  return { items: page.map(budgetView), nextCursor: rows.length > query.limit ? page[page.length - 1]!.id : null };
}

/** Changes a budget's amount (If-Match); it may go below what is consumed (nothing more can be consumed then). */
async function updateBudgetWithin(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  id: string,
  patch: z.infer<typeof budgetPatch>,
  expectedVersion: number | null,
) {
  const current = await scope
    .selectFrom('budgets')
    .select(COLUMNS)
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new AppError('NOT_FOUND', `budget ${id} of company ${companyId} not found`);
  if (expectedVersion !== null && expectedVersion !== current.version)
    throw new AppError('VERSION_MISMATCH', `the budget is at version ${current.version}, not ${expectedVersion}`);
  await scope
    .updateTable('budgets')
    .set({
      amount: amountOf(patch.amount, current.currency, '/amount'),
      updated_at: now,
      version: current.version + 1,
    })
    .where('id', '=', id)
    .execute();
  await writeAudit(scope, actor, now, { entity: 'budget', entityId: id, action: 'updated', changes: patch });
  return getBudget(scope, companyId, id);
}

export type ConsumeOutcome =
  | { kind: 'consumed'; budgetId: string; amount: bigint; remaining: bigint; again: boolean }
  | { kind: 'exceeded'; budgetId: string; amount: bigint; remaining: bigint }
  | { kind: 'currency_mismatch'; budgetId: string }
  | { kind: 'no_budget' };

/**
 * Consumes the order's total from the budget of its cost centre and period, once per order (a
 * second call answers from the first). Without `allowOverspend` the update only happens while the
 * budget covers it; with it (finance approved the overspend) it always does.
 */
export async function consumeBudget(
  tx: Work,
  now: Date,
  orderId: string,
  allowOverspend: boolean,
): Promise<ConsumeOutcome> {
  const tenant = sql`${tx.tenantId}::uuid`;
  const { rows } = await sql<{
    budget: { id: string; currency: string } | null;
    total: string;
    currency: string;
  }>`select o.grand_total::text as total, o.currency,
      (case when o.company_id is null then null else ${budgetJson(
        tenant,
        sql`o.company_id`,
        costCentreOf(
          tenant,
          sql`o.placed_by_member_id`,
          sql`o.attributes`,
          sql`(select co.terms from companies co where co.tenant_id = o.tenant_id and co.id = o.company_id)`,
        ),
        sql`o.placed_at`,
      )} end) as budget
    from orders o where o.tenant_id = ${tenant} and o.id = ${orderId}`.execute(tx.conn);
  const order = rows[0];
  if (!order?.budget) return { kind: 'no_budget' };
  const budget = order.budget;
  if (budget.currency !== order.currency) return { kind: 'currency_mismatch', budgetId: budget.id };
  const amount = BigInt(order.total);
  const before = await tx
    .selectFrom('budget_consumptions')
    .select(['amount', 'state'])
    .where('budget_id', '=', budget.id)
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  if (before?.state === 'consumed') {
    const now2 = await tx
      .selectFrom('budgets')
      .select(['amount', 'consumed'])
      .where('id', '=', budget.id)
      .executeTakeFirstOrThrow();
    return {
      kind: 'consumed',
      budgetId: budget.id,
      amount: BigInt(before.amount),
      remaining: BigInt(now2.amount) - BigInt(now2.consumed),
      again: true,
    };
  }
  const updated = await tx
    .updateTable('budgets')
    .set((eb) => ({
      consumed: eb('consumed', '+', amount.toString()),
      version: eb('version', '+', 1),
      updated_at: now,
    }))
    .where('id', '=', budget.id)
    .$if(!allowOverspend, (qb) => qb.where(sql<boolean>`consumed + ${amount.toString()}::bigint <= amount`))
    .returning(['amount', 'consumed'])
    .executeTakeFirst();
  if (!updated) {
    const left = await tx
      .selectFrom('budgets')
      .select(['amount', 'consumed'])
      .where('id', '=', budget.id)
      .executeTakeFirstOrThrow();
    return { kind: 'exceeded', budgetId: budget.id, amount, remaining: BigInt(left.amount) - BigInt(left.consumed) };
  }
  await tx
    .insertInto('budget_consumptions', {
      budget_id: budget.id,
      order_id: orderId,
      amount,
      state: 'consumed',
      consumed_at: now,
      released_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'budget_id', 'order_id']).doUpdateSet({
        amount,
        state: 'consumed',
        consumed_at: now,
        released_at: null,
      }),
    )
    .execute();
  return {
    kind: 'consumed',
    budgetId: budget.id,
    amount,
    remaining: BigInt(updated.amount) - BigInt(updated.consumed),
    again: false,
  };
}

/** Gives back what the order consumed (a cancelled requisition); nothing when it consumed nothing. */
export async function releaseBudget(tx: Work, now: Date, orderId: string) {
  const released = await tx
    .updateTable('budget_consumptions')
    .set({ state: 'released', released_at: now })
    .where('order_id', '=', orderId)
    .where('state', '=', 'consumed')
    .returning(['budget_id', 'amount'])
    .execute();
  for (const use of released)
    await tx
      .updateTable('budgets')
      .set((eb) => ({ consumed: eb('consumed', '-', use.amount), version: eb('version', '+', 1), updated_at: now }))
      .where('id', '=', use.budget_id)
      .execute();
  return released.map((r) => ({ budgetId: r.budget_id, amount: BigInt(r.amount) }));
}

/** updateBudget in its own unit of work (or the caller's). */
export function updateBudget(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  companyId: string,
  id: string,
  patch: z.infer<typeof budgetPatch>,
  expectedVersion: number | null,
) {
  return atomically(scope, (tx) => updateBudgetWithin(tx, actor, now, companyId, id, patch, expectedVersion));
}
