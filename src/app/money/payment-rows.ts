import { sql, type Selectable } from 'kysely';
import { AppError } from '../../shared/errors.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import { summarizePayments, type PaymentSummary } from '../../domain/money/payment-status.js';
import { isWork, type TenantScope, type Work } from '../../store/tenant-scope.js';
import type { PaymentOperationsTable, PaymentsTable } from '../../store/schema-money.js';
import '../../store/schema-money.js';

export type PaymentRow = Selectable<PaymentsTable>;
export type PaymentOperationRow = Selectable<PaymentOperationsTable>;

/** Job kind that carries a payment operation to its provider (and retries it with the same key). */
export const PAYMENT_OPERATION_JOB = 'payment.operation';
export const paymentJobKey = (operationId: string) => `payment-op:${operationId}`;

/** The order fields money needs. */
export interface MoneyOrder {
  id: string;
  number: string;
  currency: string;
  total: bigint;
  state: string;
  companyId: string | null;
  customerEmail: string | null;
  paymentTerms: Record<string, unknown>;
  attributes: Record<string, unknown>;
}

export async function loadMoneyOrder(scope: TenantScope, orderId: string, lock = false): Promise<MoneyOrder> {
  let query = scope
    .selectFrom('orders')
    .select([
      'id',
      'number',
      'currency',
      'grand_total',
      'state',
      'company_id',
      'customer_email',
      'payment_terms',
      'attributes',
    ])
    .where('id', '=', orderId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  return moneyOrderOf(row);
}

/** The order's money columns as read. */
interface MoneyOrderRow {
  id: string;
  number: string;
  currency: string;
  grand_total: string;
  state: string;
  company_id: string | null;
  customer_email: string | null;
  payment_terms: unknown;
  attributes: unknown;
}

function moneyOrderOf(row: MoneyOrderRow): MoneyOrder {
  return {
    id: row.id,
    number: row.number,
    currency: row.currency,
    total: BigInt(row.grand_total),
    state: row.state,
    companyId: row.company_id,
    customerEmail: row.customer_email,
    paymentTerms: (row.payment_terms ?? {}) as Record<string, unknown>,
    attributes: (row.attributes ?? {}) as Record<string, unknown>,
  };
}

/** Every column of a payment row, to read them beside the order's under a prefix. */
const PAYMENT_COLUMNS = [
  'tenant_id',
  'id',
  'order_id',
  'method',
  'provider',
  'provider_payment_id',
  'currency',
  'amount',
  'status',
  'authorized',
  'captured',
  'refunded',
  'voided',
  'reference',
  'redirect_url',
  'shipment_id',
  'remitted',
  'version',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof PaymentRow>;
type MissingPaymentColumn = Exclude<keyof PaymentRow, (typeof PAYMENT_COLUMNS)[number]>;
// A column added to `payments` must be added above, or this line stops compiling.
const everyPaymentColumn: [MissingPaymentColumn] extends [never] ? true : never = true;
void everyPaymentColumn;

/**
 * The order's money fields and its payments in one statement, both locked (the order row, then
 * its payments in id order): what a process step that changes an order's money reads first.
 * For a caller that holds the order's row lock already (a process step runs under it): had this
 * statement waited for the lock, its payments would be read as they were before the holder's
 * commit, so a command that has not locked the order reads the two with loadMoneyOrder and
 * loadPayments instead.
 */
export async function loadMoneyOrderAndPayments(
  scope: TenantScope,
  orderId: string,
): Promise<{ order: MoneyOrder; payments: PaymentRow[] }> {
  // an order this unit of work has just created: what it wrote (rememberNewOrderMoney), no statement
  const fresh = isWork(scope)
    ? scope.work.take<{ order: MoneyOrder; payments: PaymentRow[] }>(moneyKey(orderId))
    : undefined;
  if (fresh) return fresh;
  const paymentColumns = sql.join(
    PAYMENT_COLUMNS.map((column) => sql`p.${sql.ref(column)} as ${sql.ref(`p_${column}`)}`),
  );
  const { rows } = await sql<
    Record<string, unknown> & MoneyOrderRow & { p_id: string | null }
  >`select o.id, o.number, o.currency, o.grand_total, o.state, o.company_id, o.customer_email, o.payment_terms,
      o.attributes, ${paymentColumns}
    from orders o
    left join lateral (select * from payments where tenant_id = o.tenant_id and order_id = o.id order by id for update) p
      on true
    where o.tenant_id = ${scope.tenantId} and o.id = ${orderId}
    order by p.id
    for update of o`.execute(scope.conn);
  const row = rows[0];
  if (!row) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  const payments = rows
    .filter((paymentRow) => paymentRow.p_id !== null)
    .map(
      (paymentRow) =>
        Object.fromEntries(PAYMENT_COLUMNS.map((column) => [column, paymentRow[`p_${column}`]])) as PaymentRow,
    );
  return { order: moneyOrderOf(row), payments };
}

const moneyKey = (orderId: string) => `money:${orderId}`;

/**
 * Intake: the new order's money fields and every payment it wrote for it, as they are in the
 * database now. The first money read of the order in the same unit of work (the process's
 * authorize_payment at intake) takes them instead of reading them back; no other transaction can
 * see the order yet, so there is nothing to lock or to miss. Any later read asks the database.
 */
export function rememberNewOrderMoney(work: Work, order: MoneyOrder, payments: PaymentRow[]): void {
  work.work.remember(moneyKey(order.id), { order, payments });
}

/** A payment of the order was written: what rememberNewOrderMoney held is no longer what is stored. */
export function forgetNewOrderMoney(scope: TenantScope, orderId: string): void {
  if (isWork(scope)) scope.work.take(moneyKey(orderId));
}

export async function loadPayments(scope: TenantScope, orderId: string, lock = false): Promise<PaymentRow[]> {
  let query = scope.selectFrom('payments').selectAll().where('order_id', '=', orderId).orderBy('id');
  if (lock) query = query.forUpdate();
  return query.execute();
}

export const amounts = (p: PaymentRow) => ({
  status: p.status,
  authorized: BigInt(p.authorized),
  captured: BigInt(p.captured),
  refunded: BigInt(p.refunded),
  voided: BigInt(p.voided),
});

export function summaryOf(order: MoneyOrder, payments: readonly PaymentRow[]): PaymentSummary {
  return summarizePayments(order.total, payments.map(amounts));
}

/** Operations not finished yet, by payment: what they will take from an authorisation or a capture. */
export async function pendingOperations(scope: TenantScope, orderId: string): Promise<PaymentOperationRow[]> {
  return scope
    .selectFrom('payment_operations')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('status', '=', 'pending')
    .execute();
}

/** An amount from the API ("12.50") in the order's currency, as minor units, with the field at fault. */
export function parseAmount(text: string, currency: string, path: string): bigint {
  const value = parseMoney(text, currency);
  if (typeof value !== 'bigint' || value <= 0n)
    throw new AppError('VALIDATION_FAILED', `${path} must be a positive amount in ${currency}`, [
      { path, message: `must be a positive decimal amount in ${currency}, e.g. "12.50"`, code: 'BAD_AMOUNT' },
    ]);
  return value;
}

export const money = (units: bigint, currency: string) => formatMoney(units, currency);

/** A payment as the API shows it: exact decimal strings in the order's currency. */
export function paymentView(payment: PaymentRow, operations: readonly PaymentOperationRow[] = []) {
  const formatAmount = (v: string) => formatMoney(BigInt(v), payment.currency);
  return {
    id: payment.id,
    orderId: payment.order_id,
    method: payment.method,
    provider: payment.provider,
    providerPaymentId: payment.provider_payment_id,
    status: payment.status,
    currency: payment.currency,
    amount: formatAmount(payment.amount),
    authorized: formatAmount(payment.authorized),
    captured: formatAmount(payment.captured),
    refunded: formatAmount(payment.refunded),
    voided: formatAmount(payment.voided),
    reference: payment.reference,
    redirectUrl: payment.redirect_url,
    shipmentId: payment.shipment_id,
    remitted: formatAmount(payment.remitted),
    createdAt: payment.created_at.toISOString(),
    updatedAt: payment.updated_at.toISOString(),
    operations: operations
      .filter((o) => o.payment_id === payment.id)
      .map((o) => ({
        id: o.id,
        kind: o.kind,
        amount: formatAmount(o.amount),
        status: o.status,
        providerRef: o.provider_ref,
        reason: o.reason,
        error: o.error,
        attempts: o.attempts,
        lines: o.lines,
        createdAt: o.created_at.toISOString(),
        completedAt: o.completed_at ? o.completed_at.toISOString() : null,
      })),
  };
}

export type PaymentView = ReturnType<typeof paymentView>;

export function summaryView(summary: PaymentSummary, currency: string) {
  const formatAmount = (v: bigint) => formatMoney(v, currency);
  return {
    status: summary.status,
    currency,
    authorized: formatAmount(summary.authorized),
    captured: formatAmount(summary.captured),
    refunded: formatAmount(summary.refunded),
    paid: formatAmount(summary.paid),
    outstanding: formatAmount(summary.outstanding),
    overpaid: formatAmount(summary.overpaid),
  };
}
