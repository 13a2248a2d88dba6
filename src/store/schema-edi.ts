import type { Generated } from 'kysely';
import type { Int8, Json, Timestamp } from './schema.js';

export type EdiDirection = 'in' | 'out';
export type EdiSyntax = 'edifact' | 'ubl';
/**
 * in: accepted (every message made its order), partial (some messages failed: see the channel
 * ingestion log), rejected (syntax, unknown partner or GLN: nothing created), duplicate (same
 * sender and control reference as an earlier interchange: nothing created).
 * out: generated (stored, to be fetched or delivered), sent (delivered to the partner's URL),
 * failed (delivery gave up).
 */
export type EdiStatus = 'accepted' | 'partial' | 'rejected' | 'duplicate' | 'generated' | 'sent' | 'failed';

/** A problem as stored and shown: the EDIFACT segment/element or UBL rule at fault. */
export interface StoredEdiProblem {
  code: string;
  message: string;
  messageRef?: string;
  segment?: string;
  position?: number;
  element?: number;
  component?: number;
  rule?: string;
  path?: string;
}

export interface EdiMessagesTable {
  tenant_id: string;
  id: string;
  /** The EDI partner: a channel connection of kind edifact or ubl; null when the sender is unknown. */
  partner_id: string | null;
  direction: EdiDirection;
  syntax: EdiSyntax;
  /** INTERCHANGE (received EDIFACT), ORDERS, ORDRSP, DESADV, INVOIC, CONTRL, Order, OrderResponse, DespatchAdvice. */
  message_type: string;
  /** UNB 0020 (EDIFACT) or the document id (UBL). */
  control_ref: string;
  sender_id: string;
  recipient_id: string;
  /** The business document's number (order, despatch advice, invoice). */
  document_number: string | null;
  status: EdiStatus;
  problems: Json<StoredEdiProblem[]>;
  order_id: string | null;
  /** For an acknowledgement: the received interchange it answers. */
  related_id: string | null;
  /** For outgoing messages: the outbox event it was made from (one message per event and type). */
  event_id: string | null;
  content: string;
  attempts: Generated<number>;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: Timestamp;
}

/** Our outgoing interchange control reference per partner: gap-free, taken under the row lock. */
export interface EdiControlNumbersTable {
  tenant_id: string;
  partner_id: string;
  last_ref: Int8;
}

declare module './schema.js' {
  interface DB {
    edi_messages: EdiMessagesTable;
    edi_control_numbers: EdiControlNumbersTable;
  }
}
