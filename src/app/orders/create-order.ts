import { sql } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { priceOrder } from '../../domain/order/totals.js';
import { formatMoney } from '../../shared/money.js';
import type { OrderInput } from '../../api/schemas/order.js';
import { atomically, type TenantScope } from '../../store/tenant-scope.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { isUniqueViolation } from '../../store/pg-errors.js';
import { getOrder } from './get-order.js';
import { reserveOnIntake, type ReservationOutcome } from '../inventory/reserve.js';
import { emitEvent } from '../events/emit-event.js';
import { orderAcceptedPayload } from '../../domain/events/order-payloads.js';
import { startOrderProcess } from '../process/start-order-process.js';

/** The initial state of an order before a process takes it (the process engine moves it on). */
export const ACCEPTED = 'accepted';

/** Reference data an order needs, resolved and checked before anything is written. */
async function resolveReferences(s: TenantScope, input: OrderInput) {
  const errors: FieldError[] = [];
  const channel = await s.selectFrom('channels').select(['id', 'code', 'active', 'process_key']).where('code', '=', input.channel).executeTakeFirst();
  if (!channel) throw new AppError('UNKNOWN_CHANNEL', `channel ${input.channel} does not exist`, [{ path: '/channel', message: 'unknown channel' }]);
  if (!channel.active) throw new AppError('CHANNEL_INACTIVE', `channel ${input.channel} is inactive`, [{ path: '/channel', message: 'channel is inactive' }]);

  let customer: { id: string; name: string; email: string | null; company_id: string | null } | undefined;
  if (input.customer.id || input.customer.code) {
    let q = s.selectFrom('customers').select(['id', 'name', 'email', 'company_id']);
    q = input.customer.id ? q.where('id', '=', input.customer.id) : q.where('code', '=', input.customer.code!);
    customer = await q.executeTakeFirst();
    if (!customer) {
      throw new AppError('UNKNOWN_CUSTOMER', 'the customer does not exist',
        [{ path: input.customer.id ? '/customer/id' : '/customer/code', message: 'unknown customer' }]);
    }
  }

  const skus = [...new Set(input.lines.map((l) => l.sku))];
  const products = await s.selectFrom('products').select(['id', 'sku', 'name', 'active']).where('sku', 'in', skus).execute();
  const bySku = new Map(products.map((p) => [p.sku, p]));
  input.lines.forEach((l, i) => {
    const p = bySku.get(l.sku);
    if (!p) errors.push({ path: `/lines/${i}/sku`, message: `unknown SKU ${l.sku}`, code: 'UNKNOWN_SKU' });
    else if (!p.active) errors.push({ path: `/lines/${i}/sku`, message: `SKU ${l.sku} is not sold any more`, code: 'UNKNOWN_SKU' });
  });
  if (errors.length) throw new AppError('UNKNOWN_SKU', `${errors.length} line(s) name an unknown SKU`, errors);

  let pickupLocationId: string | null = null;
  if (input.delivery.method === 'pickup') {
    const loc = await s.selectFrom('locations').select(['id', 'capabilities', 'active']).where('code', '=', input.delivery.pickupLocation!).executeTakeFirst();
    if (!loc || !loc.active || !loc.capabilities.includes('pickup')) {
      throw new AppError('VALIDATION_FAILED', 'the pickup location does not exist or does not serve pickups',
        [{ path: '/delivery/pickupLocation', message: 'unknown pickup location' }]);
    }
    pickupLocationId = loc.id;
  }
  return { channel, customer, bySku, pickupLocationId };
}

/**
 * Accepts an order from any channel: checks references, prices it exactly, and writes the order,
 * its lines and its first history row in one transaction. The same channel + external id twice
 * is refused with DUPLICATE_ORDER and the existing id — the unique index decides, so two
 * concurrent deliveries of the same marketplace order cannot both be accepted.
 */
export async function createOrder(s: TenantScope, actor: Actor, clock: Clock, input: OrderInput) {
  const priced = priceOrder(input.currency, input.lines, input.shipping, input.pricesIncludeTax);
  if ('errors' in priced) throw new AppError('VALIDATION_FAILED', 'some amounts are not valid', priced.errors);
  const refs = await resolveReferences(s, input);
  const now = clock.now();
  const id = newId();
  const customerName = refs.customer?.name ?? input.customer.name ?? null;
  const customerEmail = refs.customer?.email ?? input.customer.email ?? null;
  let reservation: ReservationOutcome | undefined;

  try {
    await atomically(s, async (tx) => {
      const { rows } = await sql<{ n: string }>`select nextval('order_number_seq') as n`.execute(tx.conn);
      const number = `ORD-${rows[0]!.n.padStart(7, '0')}`;
      const t = priced.totals;
      await tx.insertInto('orders', {
        id, number, channel_id: refs.channel.id, external_id: input.externalId ?? null, order_type: input.orderType,
        customer_id: refs.customer?.id ?? null, customer_name: customerName, customer_email: customerEmail,
        company_id: refs.customer?.company_id ?? null, currency: input.currency, state: ACCEPTED,
        process_key: refs.channel.process_key, process_version: null,
        subtotal: t.subtotal, discount_total: t.discountTotal, tax_total: t.taxTotal, shipping_total: t.shippingTotal, grand_total: t.grandTotal,
        delivery_method: input.delivery.method, pickup_location_id: refs.pickupLocationId,
        shipping_address: JSON.stringify(input.shippingAddress ?? null), billing_address: JSON.stringify(input.billingAddress ?? null),
        payment_terms: JSON.stringify(input.paymentTerms),
        attributes: JSON.stringify({ ...(input.attributes ?? {}), ...(input.delivery.carrier || input.delivery.service
          ? { delivery: { carrier: input.delivery.carrier, service: input.delivery.service } } : {}), ...(input.pricesIncludeTax ? { pricesIncludeTax: true } : {}) }),
        notes: input.notes ?? null, line_count: input.lines.length,
        search_text: [number, input.externalId, customerName, customerEmail].filter(Boolean).join(' ').toLowerCase(),
        placed_at: input.placedAt ? new Date(input.placedAt) : now, created_at: now, updated_at: now,
      }).execute();
      await tx.insertInto('order_lines', input.lines.map((l, i) => {
        const p = priced.lines[i]!;
        const product = refs.bySku.get(l.sku)!;
        return {
          order_id: id, id: newId(), line_no: i + 1, external_line_id: l.id ?? null, product_id: product.id, sku: l.sku,
          name: l.name ?? product.name, quantity: l.quantity, unit_price: p.unitPrice, discount: p.discount,
          tax_rate: p.taxRate, tax: p.tax, net: p.net, total: p.total, attributes: JSON.stringify(l.attributes ?? {}),
        };
      })).execute();
      await writeHistory(tx, actor, now, [{
        orderId: id, action: 'order.accepted', toState: ACCEPTED,
        changes: { number, lines: input.lines.length, grandTotal: formatMoney(t.grandTotal, input.currency), currency: input.currency },
        reason: { channel: input.channel, externalId: input.externalId ?? null },
      }]);
      // reservations (issue 3): reserve stock for the lines here, in this transaction
      reservation = await reserveOnIntake(tx, actor, now, { orderId: id, channelId: refs.channel.id, pickupLocationId: refs.pickupLocationId });
      // outbox (issue 8): write the order.accepted event here, in this transaction
      await emitEvent(tx, { type: 'order.accepted', subject: id, time: now, payload: orderAcceptedPayload({
        id, number, channelId: refs.channel.id, channel: refs.channel.code, externalId: input.externalId ?? null, state: ACCEPTED,
        currency: input.currency, grandTotal: t.grandTotal, lineCount: input.lines.length, customerId: refs.customer?.id ?? null,
        placedAt: input.placedAt ? new Date(input.placedAt) : now,
      }) });
      // process (issue 4): choose and start the order's process here, in this transaction
      await startOrderProcess(tx, actor, now, id);
    });
  } catch (e) {
    if (isUniqueViolation(e) && input.externalId !== undefined) {
      const existing = await s.selectFrom('orders').select(['id', 'number'])
        .where('channel_id', '=', refs.channel.id).where('external_id', '=', input.externalId).executeTakeFirst();
      if (existing) {
        throw new AppError('DUPLICATE_ORDER', `order ${input.externalId} from channel ${input.channel} exists as ${existing.number}`,
          [{ path: '/externalId', message: 'already received' }], { existingId: existing.id, existingNumber: existing.number });
      }
    }
    throw e;
  }
  return { ...(await getOrder(s, id)), reservation };
}
