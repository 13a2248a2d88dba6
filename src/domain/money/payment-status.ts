/**
 * An order's payment status, derived from its payments (never stored, so it cannot drift from
 * them): what was authorised and is still open, captured, refunded, and what that leaves paid
 * and outstanding against the order's total. Amounts are bigint minor units.
 */

export const PAYMENT_STATUSES = [
  'unpaid',
  'authorized',
  'partially_paid',
  'paid',
  'partially_refunded',
  'refunded',
  'overpaid',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** One payment as the status needs it (the `payments` row). */
export interface PaymentAmounts {
  status: string;
  authorized: bigint;
  captured: bigint;
  refunded: bigint;
  voided: bigint;
}

export interface PaymentSummary {
  status: PaymentStatus;
  /** Authorised and neither captured nor voided yet. */
  authorized: bigint;
  captured: bigint;
  refunded: bigint;
  /** Captured − refunded: the money Ordo holds for the order. */
  paid: bigint;
  /** What is still to pay: the total less what was captured (a refund is not owed again); 0 when paid. */
  outstanding: bigint;
  /** Paid above the total (0 unless overpaid). */
  overpaid: bigint;
}

/** The money of an authorisation still open on one payment. */
export function openAuthorization(payment: PaymentAmounts): bigint {
  if (payment.status !== 'authorized') return 0n;
  const open = payment.authorized - payment.captured - payment.voided;
  return open > 0n ? open : 0n;
}

export function summarizePayments(total: bigint, payments: readonly PaymentAmounts[]): PaymentSummary {
  let authorized = 0n;
  let captured = 0n;
  let refunded = 0n;
  for (const payment of payments) {
    authorized += openAuthorization(payment);
    captured += payment.captured;
    refunded += payment.refunded;
  }
  const paid = captured - refunded;
  // Money given back was given back on purpose (a return, goodwill): it is not owed again.
  const outstanding = total > captured ? total - captured : 0n;
  const overpaid = paid > total ? paid - total : 0n;
  let status: PaymentStatus;
  if (paid > total) status = 'overpaid';
  else if (paid === total && (captured > 0n || total === 0n)) status = 'paid';
  else if (refunded > 0n) status = paid === 0n ? 'refunded' : 'partially_refunded';
  else if (paid > 0n) status = 'partially_paid';
  else if (authorized > 0n) status = 'authorized';
  else status = 'unpaid';
  return { status, authorized, captured, refunded, paid, outstanding, overpaid };
}
