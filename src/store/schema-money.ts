import type { ColumnType, Generated } from 'kysely';
import type { Int8, Json, Timestamp } from './schema.js';

/** An int8 column with a default (0): strings out, optional in. */
type Int8Default = ColumnType<string, bigint | string | number | undefined, bigint | string | number>;
/** A `date` column: ISO `YYYY-MM-DD` text both ways (db.ts keeps dates as text). */
type DateText = ColumnType<string, string, string>;

export type PaymentMethod = 'card' | 'online' | 'transfer' | 'blik' | 'gift_card' | 'store_credit' | 'cod' | 'terms';
export type PaymentRowStatus = 'pending' | 'authorized' | 'captured' | 'voided' | 'failed' | 'cancelled';
export type PaymentOperationKind = 'authorize' | 'capture' | 'void' | 'refund';

export interface PaymentsTable {
  tenant_id: string;
  id: string;
  order_id: string;
  method: PaymentMethod;
  provider: string | null;
  provider_payment_id: string | null;
  currency: string;
  amount: Int8;
  status: PaymentRowStatus;
  authorized: Int8Default;
  captured: Int8Default;
  refunded: Int8Default;
  voided: Int8Default;
  reference: string | null;
  redirect_url: string | null;
  shipment_id: string | null;
  remitted: Int8Default;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentOperationsTable {
  tenant_id: string;
  id: string;
  payment_id: string;
  order_id: string;
  kind: PaymentOperationKind;
  amount: Int8;
  status: 'pending' | 'succeeded' | 'failed';
  provider_ref: string | null;
  reason: string | null;
  error: Json<Record<string, unknown>> | null;
  attempts: Generated<number>;
  lines: Json<Array<{ lineId: string; quantity: number; amount: string }>>;
  request: Json<Record<string, unknown>>;
  actor: Json<Record<string, unknown>>;
  created_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface PaymentNotificationsTable {
  tenant_id: string;
  id: string;
  provider: string;
  notification_id: string;
  payment_id: string | null;
  received_at: Timestamp;
  outcome: string;
  payload: Json<Record<string, unknown>>;
}

export interface SellersTable {
  tenant_id: string;
  code: string;
  name: string;
  tax_id: string | null;
  kpp: string | null;
  address: Json<Record<string, unknown>>;
  country: string;
  language: Generated<string>;
  time_zone: Generated<string>;
  bank_account: string | null;
  /** Who signs statutory documents (УПД): lastName, firstName, middleName?, position?. */
  signer: Json<Record<string, unknown>> | null;
  /** The seller's ЭДО participant id (Russia). */
  edo_id: string | null;
  invoice_series: Generated<string>;
  credit_note_series: Generated<string>;
  proforma_series: Generated<string>;
  ksef: Generated<boolean>;
  is_default: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InvoiceCountersTable {
  tenant_id: string;
  seller: string;
  series: string;
  year: number;
  last_no: number;
}

export interface InvoicesTable {
  tenant_id: string;
  id: string;
  order_id: string;
  shipment_id: string | null;
  kind: 'invoice' | 'proforma' | 'credit_note';
  seller: string;
  series: string;
  year: number;
  seq: number;
  number: string;
  currency: string;
  net: Int8;
  vat: Int8;
  gross: Int8;
  issue_date: DateText;
  due_date: DateText | null;
  corrects_id: string | null;
  reason: string | null;
  document: Json<Record<string, unknown>>;
  ksef_status: string | null;
  ksef_number: string | null;
  ksef_reference: string | null;
  upo: string | null;
  ksef_error: Json<Record<string, unknown>> | null;
  emailed_at: Timestamp | null;
  created_by: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface CreditHoldsTable {
  tenant_id: string;
  id: string;
  company_id: string;
  reason: string;
  placed_by: Json<Record<string, unknown>>;
  placed_at: Timestamp;
  released_by: Json<Record<string, unknown>> | null;
  released_at: Timestamp | null;
  release_reason: string | null;
}

export interface CodRemittancesTable {
  tenant_id: string;
  id: string;
  carrier: string;
  reference: string;
  file_name: string | null;
  currency: string;
  total: Int8;
  matched: Generated<number>;
  differences: Generated<number>;
  unmatched: Generated<number>;
  imported_by: Json<Record<string, unknown>>;
  imported_at: Timestamp;
}

export interface CodRemittanceLinesTable {
  tenant_id: string;
  remittance_id: string;
  row_no: number;
  tracking_number: string | null;
  shipment_id: string | null;
  payment_id: string | null;
  order_id: string | null;
  amount: Int8;
  expected: Int8 | null;
  outcome: 'matched' | 'difference' | 'unknown_shipment' | 'duplicate' | 'not_cod';
}

declare module './schema.js' {
  interface DB {
    payments: PaymentsTable;
    payment_operations: PaymentOperationsTable;
    payment_notifications: PaymentNotificationsTable;
    sellers: SellersTable;
    invoice_counters: InvoiceCountersTable;
    invoices: InvoicesTable;
    credit_holds: CreditHoldsTable;
    cod_remittances: CodRemittancesTable;
    cod_remittance_lines: CodRemittanceLinesTable;
  }
}
