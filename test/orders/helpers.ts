import assert from 'node:assert/strict';
import type { TestApp } from '../support.js';
import { orderBody } from '../support.js';
import { must, receive } from '../inventory/helpers.js';

/** Stock for the seeded SKUs at the warehouse. */
export async function stockUp(t: TestApp, qty = 20) {
  for (const sku of ['SKU-1', 'SKU-2', 'SKU-3']) await receive(t, sku, 'WAW-1', qty);
}

/** An order of the seeded SKUs (SKU-1 ×2, SKU-2 ×1, SKU-3 ×5, delivery 14.99: 218.47 net of VAT). */
export async function placeOrder(t: TestApp, over: Record<string, unknown> = {}) {
  return must(t, 'POST', '/api/v1/orders', orderBody(over), 201);
}

export const lineOf = (order: { lines: Array<{ id: string; sku: string }> }, sku: string) =>
  order.lines.find((l) => l.sku === sku)!.id;

export async function preview(t: TestApp, orderId: string, actions: unknown[], status = 201) {
  return must(t, 'POST', `/api/v1/orders/${orderId}/changes`, { actions }, status);
}

export async function confirm(t: TestApp, orderId: string, changeId: string, headers: Record<string, string> = {}) {
  const r = await t.call('POST', `/api/v1/orders/${orderId}/changes/${changeId}/confirm`, undefined, headers);
  return r;
}

/** Reserved units per SKU for the order's live reservations. */
export async function reservedBySku(t: TestApp, orderId: string) {
  const r = await must(t, 'GET', `/api/v1/inventory/orders/${orderId}/reservations`);
  const out: Record<string, number> = {};
  for (const x of r.reservations as Array<{ sku: string; quantity: number; status: string }>)
    if (x.status === 'active') out[x.sku] = (out[x.sku] ?? 0) + x.quantity;
  return out;
}

export async function availability(t: TestApp, sku: string) {
  const a = await must(t, 'GET', `/api/v1/inventory/availability/${sku}`);
  return { onHand: a.onHand as number, reserved: a.reserved as number };
}

export function expectProblem(r: { status: number; body: any }, status: number, code: string) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.code, code, JSON.stringify(r.body));
}
