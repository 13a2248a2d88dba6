import { sql } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { newId } from '../../shared/ids.js';
import type { CreditFactRow } from '../../domain/order/facts.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { creditJson } from './credit-sql.js';

async function company(scope: TenantScope, companyId: string) {
  const row = await scope
    .selectFrom('companies')
    .select(['id', 'code', 'name', 'terms'])
    .where('id', '=', companyId)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `company ${companyId} not found`);
  return row;
}

/**
 * A company's credit position: its limit (terms.creditLimit), exposure (every open order's unpaid
 * amount, so an unpaid invoice counts once), what is left, overdue invoices and the manual hold
 * with its history. The same figures the process reads as `credit.*` facts.
 */
export async function creditPosition(scope: TenantScope, companyId: string) {
  const companyRow = await company(scope, companyId);
  const terms = (companyRow.terms ?? {}) as Record<string, unknown>;
  const currency = String(terms.currency ?? 'PLN');
  const { rows } = await sql<{ credit: CreditFactRow }>`select ${creditJson(
    sql`${scope.tenantId}::uuid`,
    sql`${companyId}::uuid`,
  )} as credit`.execute(scope.conn);
  const credit = rows[0]!.credit;
  const limitParsed = terms.creditLimit === undefined ? undefined : parseMoney(String(terms.creditLimit), currency);
  const limit = typeof limitParsed === 'bigint' ? limitParsed : null;
  const exposure = BigInt(credit.exposure);
  const holds = await scope
    .selectFrom('credit_holds')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  const formatAmount = (v: bigint) => formatMoney(v, currency);
  return {
    companyId,
    company: companyRow.name,
    currency,
    limit: limit === null ? null : formatAmount(limit),
    exposure: formatAmount(exposure),
    available: limit === null ? null : formatAmount(limit - exposure),
    onHold: credit.on_hold,
    overdueInvoices: Number(credit.overdue_count),
    overdueAmount: formatAmount(BigInt(credit.overdue_amount)),
    paymentTermsDays: typeof terms.paymentTermsDays === 'number' ? terms.paymentTermsDays : null,
    holds: holds.map((h) => ({
      id: h.id,
      reason: h.reason,
      placedBy: h.placed_by,
      placedAt: h.placed_at.toISOString(),
      releasedBy: h.released_by,
      releasedAt: h.released_at ? h.released_at.toISOString() : null,
      releaseReason: h.release_reason,
    })),
  };
}

/**
 * Places or releases a manual credit hold (finance's decision, with its reason): while it is open
 * the company's orders read `credit.onHold` and check_credit answers credit_exceeded. Both are in
 * the audit log and go out as `credit.hold_changed`.
 */
export async function setCreditHold(
  tx: Work,
  actor: Actor,
  now: Date,
  companyId: string,
  hold: boolean,
  reason: string,
) {
  await company(tx, companyId);
  const open = await tx
    .selectFrom('credit_holds')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('released_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (hold === Boolean(open))
    throw new AppError('CREDIT_HOLD_CONFLICT', hold ? 'the company is on hold already' : 'the company is not on hold');
  const who = { ...actor };
  if (hold)
    await tx
      .insertInto('credit_holds', {
        id: newId(),
        company_id: companyId,
        reason,
        placed_by: JSON.stringify(who),
        placed_at: now,
        released_by: null,
        released_at: null,
        release_reason: null,
      })
      .execute();
  else
    await tx
      .updateTable('credit_holds')
      .set({ released_by: JSON.stringify(who), released_at: now, release_reason: reason })
      .where('id', '=', open!.id)
      .execute();
  await writeAudit(tx, actor, now, {
    entity: 'company',
    entityId: companyId,
    action: hold ? 'credit_hold.placed' : 'credit_hold.released',
    changes: { reason },
  });
  await emitEvent(tx, {
    type: 'credit.hold_changed',
    subject: companyId,
    time: now,
    payload: { companyId, onHold: hold, reason },
  });
  return creditPosition(tx, companyId);
}
