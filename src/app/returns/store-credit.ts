import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import '../../store/schema-returns.js';

/** A customer's store credit: the ledger's entries and the balance per currency (their sum). */
export async function customerStoreCredit(scope: TenantScope, customerId: string) {
  const customer = await scope.selectFrom('customers').select('id').where('id', '=', customerId).executeTakeFirst();
  if (!customer) throw new AppError('NOT_FOUND', `customer ${customerId} not found`);
  const entries = await scope
    .selectFrom('store_credit_entries')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
  const sums = new Map<string, bigint>();
  for (const entry of entries) sums.set(entry.currency, (sums.get(entry.currency) ?? 0n) + BigInt(entry.amount));
  return {
    customerId,
    balances: [...sums].map(([currency, balance]) => ({ currency, balance: formatMoney(balance, currency) })),
    entries: entries.map((e) => ({
      id: e.id,
      amount: formatMoney(BigInt(e.amount), e.currency),
      currency: e.currency,
      returnId: e.return_id,
      orderId: e.order_id,
      note: e.note,
      at: e.at.toISOString(),
    })),
  };
}
