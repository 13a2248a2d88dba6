import type { Generated } from 'kysely';
import type { Int8, Json, Timestamp } from './schema.js';

export type SubscriptionState = 'active' | 'paused' | 'cancelled' | 'completed';
export type CycleStatus = 'created' | 'failed' | 'skipped' | 'missed';

/** How a subscription's cycle orders are delivered (the order's `delivery`). */
export type SubscriptionDelivery = {
  method: 'ship' | 'pickup' | 'pickup_point';
  pickupLocation?: string;
  pickupPoint?: Record<string, unknown>;
  carrier?: string;
  service?: string;
};

/** The open exception of a subscription: a cycle whose order was refused, for an operator. */
export type SubscriptionException = {
  kind: 'cycle_failed';
  cycle: number;
  code: string;
  reason: string;
  at: string;
};

export interface SubscriptionsTable {
  tenant_id: string;
  id: string;
  number: string;
  state: SubscriptionState;
  customer_id: string;
  company_id: string | null;
  channel_id: string;
  order_type: 'subscription' | 'service';
  currency: string;
  rrule: string;
  start_local: string;
  time_zone: string;
  cycles_total: number | null;
  cycles_done: Generated<number>;
  cycle_seq: Generated<number>;
  next_run_at: Timestamp | null;
  skip_at: Json<string[]>;
  paused_until: Timestamp | null;
  delivery: Json<SubscriptionDelivery>;
  shipping_address: Json<Record<string, unknown>> | null;
  billing_address: Json<Record<string, unknown>> | null;
  payment_terms: Json<Record<string, unknown>>;
  shipping: Json<{ amount: string; taxRate?: string }> | null;
  prices_include_tax: Generated<boolean>;
  attributes: Json<Record<string, unknown>>;
  notes: string | null;
  exception: Json<SubscriptionException> | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface SubscriptionLinesTable {
  tenant_id: string;
  subscription_id: string;
  line_no: number;
  kind: Generated<'product' | 'service'>;
  sku: string;
  quantity: number;
  unit_price: Int8 | null;
  tax_rate: string | null;
}

export interface SubscriptionCyclesTable {
  tenant_id: string;
  subscription_id: string;
  cycle: number;
  due_at: Timestamp;
  status: CycleStatus;
  order_id: string | null;
  error_code: string | null;
  reason: string | null;
  attempts: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SubscriptionHistoryTable {
  tenant_id: string;
  id: string;
  subscription_id: string;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  from_state: string | null;
  to_state: string | null;
  changes: Json<Record<string, unknown>>;
  reason: string | null;
}

declare module './schema.js' {
  interface DB {
    subscriptions: SubscriptionsTable;
    subscription_lines: SubscriptionLinesTable;
    subscription_cycles: SubscriptionCyclesTable;
    subscription_history: SubscriptionHistoryTable;
  }
}
