import assert from 'node:assert/strict';
import { orderBody } from '../support.js';
import { publish, shipped } from '../process/process-support.js';
import { fulfilmentsOf, ok, pickAndPack, seedShop, type FulfilmentTestApp } from '../fulfilment/helpers.js';

let seq = 0;

/** The shop (seedShop) plus the shipped returns process. */
export async function seedReturns(t: FulfilmentTestApp) {
  const basics = await seedShop(t);
  await publish(t, shipped('returns'));
  return basics;
}

/**
 * A web order paid by bank transfer (no provider: refunds wait for finance to confirm them),
 * picked, packed, shipped with the own fleet and delivered.
 */
export async function deliveredOrder(t: FulfilmentTestApp, over: Record<string, unknown> = {}) {
  const o = await ok(
    t,
    'POST',
    '/api/v1/orders',
    orderBody({ externalId: `RET-${Date.now()}-${++seq}`, delivery: { method: 'ship', carrier: 'manual' }, ...over }),
    201,
  );
  await ok(t, 'POST', `/api/v1/orders/${o.id}/payments`, { method: 'transfer', status: 'captured' }, 201);
  const fos = await fulfilmentsOf(t, o.id);
  assert.ok(
    fos.length > 0,
    `no fulfilment for ${o.number}: ${JSON.stringify(await ok(t, 'GET', `/api/v1/orders/${o.id}`))}`,
  );
  for (const fo of fos) {
    await pickAndPack(t, fo);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
  }
  const delivered = await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'delivered' });
  assert.equal(delivered.state, 'delivered', JSON.stringify(delivered.process));
  return delivered as {
    id: string;
    number: string;
    lines: Array<{ id: string; sku: string; quantity: number }>;
    totals: any;
  };
}

/** The code of the location an order was fulfilled from (its first fulfilment order's), as the KPI filters read it. */
export async function shippedFrom(t: FulfilmentTestApp, orderId: string): Promise<string> {
  const row = await t.store
    .selectFrom('fulfilment_orders')
    .innerJoin('locations', (join) =>
      join
        .onRef('locations.tenant_id', '=', 'fulfilment_orders.tenant_id')
        .onRef('locations.id', '=', 'fulfilment_orders.location_id'),
    )
    .select('locations.code')
    .where('fulfilment_orders.order_id', '=', orderId)
    .orderBy('fulfilment_orders.created_at')
    .executeTakeFirstOrThrow();
  return row.code;
}

export const lineOf = (order: { lines: Array<{ id: string; sku: string }> }, sku: string) =>
  order.lines.find((l) => l.sku === sku)!.id;

export async function onHand(t: FulfilmentTestApp, sku: string, location: string): Promise<number> {
  const a = await ok(t, 'GET', `/api/v1/inventory/availability/${sku}`);
  return a.locations.find((l: any) => l.location === location)?.onHand ?? 0;
}

/** Confirms every pending refund operation on an order (finance paid it back by hand). */
export async function confirmRefunds(t: FulfilmentTestApp, orderId: string) {
  const p = await ok(t, 'GET', `/api/v1/orders/${orderId}/payments`);
  const ops = p.payments
    .flatMap((x: any) => x.operations)
    .filter((o: any) => o.kind === 'refund' && o.status === 'pending');
  for (const op of ops) await ok(t, 'POST', `/api/v1/payment-operations/${op.id}/confirm`, { succeeded: true });
  return ops;
}
