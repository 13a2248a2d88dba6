import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FactsInput } from './facts.js';
import { loadDefinitionOrThrow } from './load-definition.js';
import { compareDefinitions, simulate } from './simulate.js';
import type { SimulationCase } from './simulate.js';
import { baseFacts, PROCESSES_DIR, shipped, testActions } from './test-fixtures.js';
import { readFileSync } from 'node:fs';

const b2b = shipped('b2b-approvals');
const order = (id: string, total: number, discount: number, credit = 5_000_000): SimulationCase => ({
  id,
  facts: {
    ...baseFacts,
    order: { ...(baseFacts.order as object), total, maxDiscountPct: discount, paymentTerms: 'deferred' },
    customer: { segment: 'b2b', availableCredit: credit },
  } as FactsInput,
});

describe('simulate', () => {
  it("Given default outcomes, When a plain B2B order is simulated, Then it runs to the customer's delivery and waits there", () => {
    const r = simulate(b2b, order('o-1', 100_000, 0));
    assert.equal(r.status, 'waiting');
    assert.deepEqual(r.path, [
      'received',
      'reserving',
      'routing',
      'invoicing',
      'syncing_invoice',
      'invoiced',
      'fulfilling',
      'in_transit',
    ]);
    assert.deepEqual(r.waitingFor, { tasks: [], events: ['delivered'] });
  });

  it('Given oracle answers for tasks and waits, Then it finishes and counts approval tasks', () => {
    const r = simulate(b2b, order('o-2', 9_000_000, 20, 1_000_000), {
      oracle: { tasks: { approval: 'approve' }, waits: { in_transit: 'delivered' } },
      includeTrace: true,
    });
    assert.deepEqual([r.status, r.endState, r.outcome, r.approvalTasks], ['finished', 'completed', 'completed', 2]);
    assert.ok(r.trace!.some((t) => t.kind === 'approval'));
  });

  it('Given scripted events, Then they are applied in order and a refused one is recorded with the allowed events', () => {
    const r = simulate(
      b2b,
      { ...order('o-3', 100_000, 0), events: [{ name: 'approve' }] },
      { oracle: { actions: { reserve: 'shortage' } } },
    );
    assert.equal(r.endState, 'stock_exception');
    assert.deepEqual(r.rejectedEvents, [
      { event: 'approve', state: 'stock_exception', allowed: ['backorder', 'split', 'cancel'] },
    ]);
    assert.equal(r.exceptions, 1);
  });

  it('Given fireTimers, When nobody pays a prepaid order, Then the overdue timer sends it to the payment exception', () => {
    const c = order('o-4', 100_000, 0);
    (c.facts.order as Record<string, unknown>).paymentTerms = 'prepaid';
    const r = simulate(b2b, c, { oracle: { fireTimers: true, tasks: { finance: 'cancel' } } });
    assert.deepEqual(r.path.slice(-3), ['awaiting_payment', 'payment_exception', 'cancelled']);
    assert.equal(r.outcome, 'cancelled');
  });
});

describe('compareDefinitions', () => {
  it('Given a draft that lowers the discount threshold to 5 %, Then the summary counts the extra approvals and the changed orders', () => {
    const src = readFileSync(`${PROCESSES_DIR}b2b-approvals.yaml`, 'utf8').replaceAll(
      'order.maxDiscountPct > 15.0',
      'order.maxDiscountPct > 5.0',
    );
    const draft = loadDefinitionOrThrow(src, { version: 2, registry: testActions });
    const cases = [order('a', 100_000, 0), order('b', 100_000, 8), order('c', 100_000, 10), order('d', 100_000, 20)];
    const { summary, cases: per } = compareDefinitions(b2b, draft, cases, {
      oracle: { tasks: { sales_lead: 'reject' }, waits: { in_transit: 'delivered' } },
    });
    assert.equal(summary.orders, 4);
    assert.equal(summary.differing, 2);
    assert.deepEqual(summary.approvalTasks, { current: 1, draft: 3, delta: 2 });
    assert.deepEqual(summary.rejections, { current: 1, draft: 3, delta: 2 });
    assert.deepEqual(summary.endStates, {
      current: { completed: 3, rejected: 1 },
      draft: { completed: 1, rejected: 3 },
    });
    assert.deepEqual(per.find((c) => c.id === 'b')!.differences, [
      'end state completed → rejected',
      'approval tasks 0 → 1',
    ]);
  });
});
