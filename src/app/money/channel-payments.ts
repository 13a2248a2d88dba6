import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { PaymentMethod } from '../../store/schema-money.js';
import { newId } from '../../shared/ids.js';
import { recordPaymentChange } from './record-payment.js';
import type { PaymentRow } from './payment-rows.js';

/** A payment the channel took before the order reached Ordo (order input `payments`, amounts in minor units). */
export interface ChannelPayment {
  method: 'card' | 'gift_card' | 'marketplace' | 'cash_on_delivery' | 'bank_transfer' | 'wallet' | 'other';
  amount: bigint;
  status: 'paid' | 'authorized' | 'pending';
  provider?: string | undefined;
  reference?: string | undefined;
}

/** The ledger's method for a channel's: marketplace, wallet and other money arrived online. */
const LEDGER_METHOD: Record<ChannelPayment['method'], PaymentMethod> = {
  card: 'card',
  gift_card: 'gift_card',
  marketplace: 'online',
  cash_on_delivery: 'cod',
  bank_transfer: 'transfer',
  wallet: 'online',
  other: 'online',
};

/**
 * Records the channel's paid payments of a new order in the money ledger, in the intake's unit of
 * work: each one a captured payment with no provider of ours (the channel or marketplace holds the
 * money and refunds through its own flow), its history row and its `payment.captured` event, so
 * the order shows as paid or partly paid from the start. Authorised and pending payments stay on
 * the order as received: only the channel can capture them. Returns the rows written (the intake's
 * payment facts).
 */
export async function recordChannelPayments(
  work: Work,
  actor: Actor,
  now: Date,
  order: { id: string; currency: string },
  payments: readonly ChannelPayment[],
): Promise<PaymentRow[]> {
  const written: PaymentRow[] = [];
  for (const paid of payments.filter((p) => p.status === 'paid' && p.amount > 0n)) {
    const payment: PaymentRow = {
      tenant_id: work.tenantId,
      id: newId(),
      order_id: order.id,
      method: LEDGER_METHOD[paid.method],
      provider: null,
      provider_payment_id: null,
      currency: order.currency,
      amount: String(paid.amount),
      status: 'pending',
      authorized: '0',
      captured: '0',
      refunded: '0',
      voided: '0',
      // the channel's provider and reference, as it named them
      reference: [paid.provider, paid.reference].filter(Boolean).join(' ') || null,
      redirect_url: null,
      shipment_id: null,
      remitted: '0',
      version: 1,
      created_at: now,
      updated_at: now,
    };
    const { tenant_id: _tenant, ...row } = payment;
    await work.insertInto('payments', row).execute();
    await recordPaymentChange({ tx: work, actor, now }, payment, { kind: 'captured', amount: paid.amount });
    written.push({
      ...payment,
      status: 'captured',
      authorized: String(paid.amount),
      captured: String(paid.amount),
      version: 2,
    });
  }
  return written;
}
