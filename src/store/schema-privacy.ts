import type { ColumnType } from 'kysely';
import type { Json, Timestamp } from './schema.js';

/** Erasures of a data subject's personal data (migration 0032, docs/privacy.md). */
export interface PrivacyErasuresTable {
  tenant_id: string;
  id: string;
  customer_id: string | null;
  /** sha256(tenant id, normalised e-mail or phone) of the subject: recognises a repeated request. */
  subject_hashes: string[];
  order_ids: string[];
  reason: string;
  legal_basis: string;
  forced: boolean;
  actor: Json<Record<string, unknown>>;
  /** table → rows changed */
  erased: Json<Record<string, number>>;
  /** [{ table, id, field, until, why }] */
  retained: Json<Array<Record<string, unknown>>>;
  at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    privacy_erasures: PrivacyErasuresTable;
  }
  interface CustomersTable {
    erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  }
}
