import { AppError, type FieldError } from '../../shared/errors.js';
import { parseMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { checkSchedule, type Schedule } from '../../domain/subscriptions/schedule.js';
import type { subscriptionLineInput } from './schemas.js';
import type { z } from 'zod';
import '../../store/schema-subscriptions.js';
import '../../store/schema-money.js';

export type LineInput = z.infer<typeof subscriptionLineInput>;

/** The tenant's zone: its default seller's (sellers.time_zone), else UTC. */
export async function tenantTimeZone(scope: TenantScope): Promise<string> {
  const seller = await scope
    .selectFrom('sellers')
    .select('time_zone')
    .orderBy('is_default', 'desc')
    .limit(1)
    .executeTakeFirst();
  return seller?.time_zone ?? 'UTC';
}

export function lineRows(
  scope: TenantScope,
  subscriptionId: string,
  currency: string,
  lines: LineInput[],
  at = '/lines',
) {
  const errors: FieldError[] = [];
  const rows = lines.map((line, index) => {
    // no price: the cycle order is priced at intake from the price lists
    const price = line.unitPrice === undefined ? null : parseMoney(line.unitPrice, currency);
    if (typeof price === 'string')
      errors.push({
        path: `${at}/${index}/unitPrice`,
        message: "must be a decimal string with the currency's decimal places",
        code: price,
      });
    else if (price !== null && price < 0n)
      errors.push({ path: `${at}/${index}/unitPrice`, message: 'must not be negative' });
    return {
      tenant_id: scope.tenantId,
      subscription_id: subscriptionId,
      line_no: index + 1,
      kind: line.kind ?? 'product',
      sku: line.sku,
      quantity: line.quantity,
      unit_price: typeof price === 'bigint' ? price.toString() : null,
      tax_rate: line.taxRate ?? null,
    };
  });
  return { rows, errors };
}

/** SKUs that are not in the catalogue or not sold any more, as field errors. */
export async function checkSkus(scope: TenantScope, lines: LineInput[], at = '/lines'): Promise<FieldError[]> {
  const skus = [...new Set(lines.map((l) => l.sku))];
  const found = await scope.selectFrom('products').select(['sku', 'active']).where('sku', 'in', skus).execute();
  const bySku = new Map(found.map((p) => [p.sku, p.active]));
  const errors: FieldError[] = [];
  lines.forEach((line, index) => {
    const active = bySku.get(line.sku);
    if (active === undefined)
      errors.push({ path: `${at}/${index}/sku`, message: `unknown SKU ${line.sku}`, code: 'UNKNOWN_SKU' });
    else if (!active)
      errors.push({ path: `${at}/${index}/sku`, message: `SKU ${line.sku} is not sold any more`, code: 'UNKNOWN_SKU' });
  });
  return errors;
}

export function checkedSchedule(input: { rrule: string; start: string }, timeZone: string, at = '/schedule'): Schedule {
  const schedule = { rrule: input.rrule.replace(/^RRULE:/i, '').toUpperCase(), start: input.start, timeZone };
  const errors = checkSchedule(schedule, at);
  if (errors.length) throw new AppError('VALIDATION_FAILED', 'the schedule is not valid', errors);
  return schedule;
}
