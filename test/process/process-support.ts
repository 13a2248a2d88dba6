import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { address, seedBasics, type TestApp } from '../support.js';

export const shipped = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'processes', `${name}.yaml`), 'utf8');

/** Saves a definition as a draft and publishes it; returns the version. */
export async function publish(t: TestApp, source: string): Promise<number> {
  const d = await t.call('POST', '/api/v1/processes', { source });
  assert.equal(d.status, 201, JSON.stringify(d.body));
  const p = await t.call('POST', `/api/v1/processes/${d.body.key}/versions/${d.body.version}/publish`);
  assert.equal(p.status, 200, JSON.stringify(p.body));
  return d.body.version;
}

export async function setRules(t: TestApp, rules: unknown[]) {
  const r = await t.call('PUT', '/api/v1/process-selection-rules', { rules });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

export async function stock(t: TestApp, rows: [sku: string, location: string, onHand: number][]) {
  for (const [sku, location, onHand] of rows) {
    const r = await t.call('POST', '/api/v1/inventory/stock:set', { sku, location, onHand });
    assert.ok(r.status < 300, JSON.stringify(r.body));
  }
}

/**
 * Posts an event to an order and expects it to be accepted. The answer is built from what the
 * event saved, not read back: it must equal what reading the order gives.
 */
export async function send(t: TestApp, orderId: string, name: string, extra: Record<string, unknown> = {}) {
  const r = await t.call('POST', `/api/v1/orders/${orderId}/events`, { name, ...extra });
  assert.equal(r.status, 200, `${name}: ${JSON.stringify(r.body)}`);
  const read = await t.call('GET', `/api/v1/orders/${orderId}`);
  assert.deepEqual(r.body, read.body, `${name}: the event's answer differs from the order read back`);
  assert.equal(r.headers.etag, read.headers.etag);
  return r.body;
}

/** A B2B portal order of customer HURT-1 (10 × SKU-1 with a 20 % discount, deferred terms), as the approval tests send it. */
export const b2bOrder = (externalId: string, over: Record<string, unknown> = {}) => ({
  channel: 'b2b',
  externalId,
  customer: { code: 'HURT-1' },
  currency: 'PLN',
  // a 20 % discount: the sales lead approves it
  lines: [{ sku: 'SKU-1', quantity: 10, unitPrice: '100.00', discount: '200.00', taxRate: '23' }],
  shippingAddress: { ...address, company: 'Hurtownia Żuraw Sp. z o.o.' },
  delivery: { method: 'ship' },
  paymentTerms: { kind: 'deferred', dueDays: 30 },
  ...over,
});

/** The B2B portal channel `b2b` and its wholesale customer HURT-1 with the given attributes. */
export async function setUpB2bPortal(t: TestApp, customerAttributes: Record<string, unknown>) {
  const channel = await t.call('POST', '/api/v1/channels', {
    code: 'b2b',
    name: 'Portal B2B',
    kind: 'b2b_portal',
    currency: 'PLN',
  });
  assert.equal(channel.status, 201, JSON.stringify(channel.body));
  const customer = await t.call('POST', '/api/v1/customers', {
    code: 'HURT-1',
    name: 'Hurtownia Żuraw',
    segment: 'wholesale',
    attributes: customerAttributes,
  });
  assert.equal(customer.status, 201, JSON.stringify(customer.body));
}

/** The basics, 50 of SKU-1..3 at WAW-1, and the shipped B2C (web) and FBS (wildberries) processes in force. */
export async function seedWebAndMarketplace(t: TestApp): Promise<void> {
  await seedBasics(t);
  await stock(t, [
    ['SKU-1', 'WAW-1', 50],
    ['SKU-2', 'WAW-1', 50],
    ['SKU-3', 'WAW-1', 50],
  ]);
  await publish(t, shipped('b2c-omnichannel'));
  await publish(t, shipped('marketplace-fbs'));
  await setRules(t, [
    { process: 'marketplace-fbs', channel: ['wildberries'] },
    { process: 'b2c-omnichannel', channel: ['web'] },
  ]);
}
