import assert from 'node:assert/strict';
import type { TestApp } from '../support.js';
import { orderBody, seedBasics, setUpSeller } from '../support.js';
import { b2bOrder, publish, setRules, setUpB2bPortal, shipped, stock } from '../process/process-support.js';
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

/**
 * The bulk tests' shop: the basics, a seller, the B2B portal with HURT-1 (credit limit 50 000 PLN),
 * 500 × SKU-1 at WAW-1, B2B portal orders routed to the shipped b2b-approvals process.
 */
export async function setUpBulkApprovals(t: TestApp) {
  await seedBasics(t);
  await setUpSeller(t);
  await setUpB2bPortal(t, { creditLimit: '50000.00' });
  await stock(t, [['SKU-1', 'WAW-1', 500]]);
  await publish(t, shipped('b2b-approvals'));
  await setRules(t, [{ process: 'b2b-approvals', channel: 'b2b_portal' }]);
}

/**
 * The calls the bulk tests make, on the app `app()` returns when called (a test's `before` sets
 * it): create a B2B portal order, an order's open or claimed tasks, POST /orders:bulk.
 */
export function bulkCalls(app: () => TestApp) {
  return {
    async create(externalId: string, over: Record<string, unknown> = {}) {
      const created = await app().call('POST', '/api/v1/orders', b2bOrder(externalId, over));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body as { id: string; number: string; state: string; version: number };
    },
    async openTasks(id: string) {
      return (await app().call('GET', `/api/v1/tasks?orderId=${id}`)).body.items.filter(
        (task: { state: string }) => task.state === 'open' || task.state === 'claimed',
      );
    },
    bulk(body: unknown, headers: Record<string, string> = {}) {
      return app().call('POST', '/api/v1/orders:bulk', body, headers);
    },
  };
}

/** Operators with business roles, by key: [key, e-mail, name, business roles]; answers the created users. */
export async function addOperators(
  t: TestApp,
  people: ReadonlyArray<readonly [string, string, string, readonly string[]]>,
): Promise<Record<string, { id: string; name: string }>> {
  const created: Record<string, { id: string; name: string }> = {};
  for (const [key, email, name, businessRoles] of people) {
    const answer = await t.call('POST', '/api/v1/users', {
      email,
      name,
      roles: ['operator'],
      businessRoles,
      password: 'hasło kolegi z pracy',
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    created[key] = answer.body;
  }
  return created;
}
