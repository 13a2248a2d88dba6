import type { Timestamp } from './schema.js';

export interface ErpExchangeSessionsTable {
  tenant_id: string;
  id: string;
  connection_id: string;
  /** sha256 of the cookie value handed to 1C at checkauth (hex). */
  token_hash: string;
  exchange_type: 'catalog' | 'sale';
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface ErpExchangeFilesTable {
  tenant_id: string;
  session_id: string;
  filename: string;
  data: Buffer;
  chunks: number;
  imported_at: Timestamp | null;
  /** The protocol answer its import gave ("success", "failure\n…"), answered again on a repeat. */
  outcome: string | null;
  updated_at: Timestamp;
}

export interface ErpExchangePendingTable {
  tenant_id: string;
  connection_id: string;
  order_id: string;
  /** The id of the order's latest history row when it was answered. */
  mark: string;
  queried_at: Timestamp;
}

export interface ErpExchangeOrdersTable {
  tenant_id: string;
  connection_id: string;
  order_id: string;
  /** The id of the order's latest history row when 1C took it. */
  mark: string;
  taken_at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    erp_exchange_sessions: ErpExchangeSessionsTable;
    erp_exchange_files: ErpExchangeFilesTable;
    erp_exchange_pending: ErpExchangePendingTable;
    erp_exchange_orders: ErpExchangeOrdersTable;
  }
}
