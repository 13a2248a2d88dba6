/**
 * The money API (src/api/schemas/money.ts) as the console reads it. clients/typescript/src/schema.d.ts
 * was not regenerated when the money routes were added, so these shapes are written here from
 * the server's views (src/app/money/payment-rows.ts, invoices.ts, credit.ts, revenue.ts); once
 * `npm run openapi` has been run they can become `Schemas['OrderPayments']` and the like.
 */
import { ApiError, type Me } from './api';

export type PaymentSummaryStatus =
  'unpaid' | 'authorized' | 'partially_paid' | 'paid' | 'partially_refunded' | 'refunded' | 'overpaid';

export interface PaymentOperation {
  id: string;
  kind: 'authorize' | 'capture' | 'void' | 'refund';
  amount: string;
  status: 'pending' | 'succeeded' | 'failed';
  providerRef: string | null;
  reason: string | null;
  /** The last failed attempt at the provider (stored as JSON). */
  error?: { code?: string; message?: string; providerMessages?: string[] } | null;
  attempts: number;
  createdAt?: string;
  completedAt?: string | null;
}

export interface Payment {
  id: string;
  orderId: string;
  method: string;
  provider: string | null;
  providerPaymentId: string | null;
  status: string;
  currency: string;
  amount: string;
  authorized: string;
  captured: string;
  refunded: string;
  voided: string;
  reference?: string | null;
  redirectUrl: string | null;
  createdAt?: string;
  operations: PaymentOperation[];
}

export interface PaymentSummary {
  status: PaymentSummaryStatus;
  currency: string;
  authorized: string;
  captured: string;
  refunded: string;
  paid: string;
  outstanding: string;
  overpaid: string;
}

export interface OrderPayments {
  orderId: string;
  total: string;
  summary: PaymentSummary;
  payments: Payment[];
}

export interface PaymentResult {
  payment: Payment;
  summary: PaymentSummary;
  operation: PaymentOperation | null;
}

export interface RefundResult {
  amount: string;
  operations: PaymentOperation[];
  summary: PaymentSummary;
}

export interface InvoiceLine {
  no: number;
  sku: string;
  name: string;
  quantity: number;
  gross?: string;
}

export interface Invoice {
  id: string;
  orderId: string;
  kind: 'invoice' | 'proforma' | 'credit_note';
  number: string;
  currency: string;
  net: string;
  vat: string;
  gross: string;
  issueDate: string;
  dueDate: string | null;
  correctsId: string | null;
  reason?: string | null;
  lines: InvoiceLine[];
  ksef: { status: string | null; number: string | null; error?: string | null };
  links?: { pdf?: string };
}

export interface CreditHold {
  id: string;
  reason: string;
  placedBy?: { type?: string; id?: string | null; name?: string } | null;
  placedAt?: string;
  releasedBy?: { type?: string; id?: string | null; name?: string } | null;
  releasedAt?: string | null;
  releaseReason?: string | null;
}

export interface CreditPosition {
  companyId: string;
  company?: string;
  currency: string;
  limit: string | null;
  exposure: string;
  available: string | null;
  onHold: boolean;
  overdueInvoices: number;
  overdueAmount: string;
  paymentTermsDays?: number | null;
  holds: CreditHold[];
}

export interface RevenueRow {
  period: string;
  channel: string;
  currency: string;
  orders: number;
  ordered: string;
  paid: string;
  refunded: string;
  net?: string;
  outstanding: string;
  overdue: string;
}

type MoneyPermission = 'payments:write' | 'invoices:write' | 'credit:write';

/** The money grants of src/domain/identity/roles.ts (GET /me answers roles, not permissions). */
const MONEY_GRANTS: Record<string, readonly MoneyPermission[]> = {
  admin: ['payments:write', 'invoices:write', 'credit:write'],
  integration: ['payments:write', 'invoices:write'],
  finance: ['payments:write', 'invoices:write', 'credit:write'],
};

export function canMoney(me: Me | undefined, permission: MoneyPermission): boolean {
  return Boolean(me?.roles.some((r) => MONEY_GRANTS[r]?.includes(permission)));
}

/** A panel hides itself when the role may not read money or the server has no money routes. */
export const moneyHidden = (e: unknown) => e instanceof ApiError && (e.status === 403 || e.status === 404);

const DECIMAL = /^\d+([.,]\d{1,4})?$/;

/** An amount typed by a person ("129,99" or "129.99") as the API's decimal string, or null when it is not one. */
export function parseAmountInput(text: string): string | null {
  const s = text.trim().replace(/\s/g, '');
  if (!DECIMAL.test(s)) return null;
  const v = s.replace(',', '.');
  return Number(v) > 0 ? v : null;
}

/** a − b on exact decimal strings, by minor units (2 decimals are enough for every currency the API sends). */
export function subtract(a: string, b: string): string {
  const units = (v: string) => {
    const [i = '0', f = ''] = v.replace('-', '').split('.');
    const n = BigInt(i) * 10000n + BigInt((f + '0000').slice(0, 4));
    return v.startsWith('-') ? -n : n;
  };
  const d = units(a) - units(b);
  const neg = d < 0n;
  const abs = neg ? -d : d;
  const frac = String(abs % 10000n)
    .padStart(4, '0')
    .replace(/0{1,2}$/, '');
  return `${neg ? '-' : ''}${abs / 10000n}.${frac.length < 2 ? frac.padEnd(2, '0') : frac}`;
}

export const isPositive = (v: string) => /[1-9]/.test(v) && !v.startsWith('-');

/** Why an operation failed or what its last attempt met: the reason, else the provider's message. */
export function operationNote(o: PaymentOperation): string {
  if (o.reason) return o.reason;
  const e = o.error;
  if (!e) return '';
  return [e.message, ...(e.providerMessages ?? [])].filter(Boolean).join(' — ');
}
