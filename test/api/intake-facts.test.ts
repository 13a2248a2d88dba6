import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { publish, setRules, stock } from '../process/process-support.js';
import { loadOrderFacts } from '../../src/app/process/load-facts.js';
import { engineOnlyRegistry, loadDefinition } from '../../src/process/index.js';
import { jsonSafe, prepareFacts } from '../../src/process/facts.js';

/**
 * Intake starts the order's process on facts built from the rows it has just written, without
 * reading them back. These facts must be exactly what loading the order from the database gives,
 * or a condition would decide differently at intake than on every later step.
 */
const FACTS = {
  total: 'order.total',
  subtotal: 'order.subtotal',
  discountTotal: 'order.discountTotal',
  maxDiscountPct: 'order.maxDiscountPct',
  lineCount: 'order.lineCount',
  paymentTerms: 'order.paymentTerms',
  deliveryMethod: 'order.deliveryMethod',
  number: 'order.number',
  createdAt: 'order.createdAt.getFullYear()',
  allowPartial: 'order.allowPartial',
  tags: 'order.tags',
  net: 'totals.net',
  tax: 'totals.tax',
  gross: 'totals.gross',
  shipping: 'totals.shipping',
  segment: 'customer.segment',
  creditLimit: 'customer.creditLimit',
  availableCredit: 'customer.availableCredit',
  riskScore: 'customer.riskScore',
  company: 'company.id',
  budget: 'company.budgetRemaining',
  channel: 'channel.code',
  channelKind: 'channel.kind',
  stock: 'stock.outcome',
  shortLines: 'stock.shortLines',
  allInStock: 'stock.allInStock',
  valid: 'validation.ok',
  errors: 'validation.errors',
  lines: 'lines',
} as const;

const definition = `key: facts-probe
title: Facts probe
start: probing
states:
  probing:
    enter:
${Object.entries(FACTS)
  .map(([name, expr]) => `      - { action: set_attribute, args: { name: ${name}, expr: '${expr}' } }`)
  .join('\n')}
    on:
      done: finished
  finished:
    terminal: true
`;

const loaded = loadDefinition(definition, { registry: engineOnlyRegistry });
if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
const compiled = loaded.value;

describe('intake facts', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 100],
      ['SKU-2', 'KRK-S', 0],
      ['SKU-3', 'WAW-1', 2],
    ]);
    const company = await t.call('POST', '/api/v1/companies', {
      code: 'ACME',
      name: 'Zakłady Łódzkie S.A.',
      segment: 'wholesale',
      terms: {
        creditLimit: '15000.00',
        allowPartialShipments: true,
        budgetRemaining: '2500.00',
        department: 'Zakupy — Закупки',
        costCentre: 'CC-17',
      },
    });
    assert.equal(company.status, 201, JSON.stringify(company.body));
    const b2b = await t.call('POST', '/api/v1/customers', {
      code: 'B-1',
      name: 'Анна Кузнецова',
      email: 'anna@example.ru',
      segment: 'b2b',
      companyId: company.body.id,
      attributes: { riskScore: 0.25, tags: ['vip'] },
    });
    assert.equal(b2b.status, 201, JSON.stringify(b2b.body));
    await publish(t, definition);
    await setRules(t, [{ process: 'facts-probe' }]);
  });
  after(() => t.close());

  const cases: Array<[string, Record<string, unknown>]> = [
    [
      'a B2C order with a partial reservation and a discount',
      { paymentTerms: { kind: 'cash_on_delivery' }, attributes: { tags: ['gift'] } },
    ],
    [
      'a B2B order of a company customer, paid later',
      {
        customer: { code: 'B-1' },
        paymentTerms: { kind: 'deferred', dueDays: 30 },
        attributes: { allowPartial: false },
      },
    ],
    [
      'a guest pickup order',
      {
        customer: { name: 'Łucja Żak', email: 'lucja@example.pl' },
        delivery: { method: 'pickup', pickupLocation: 'KRK-S' },
        shippingAddress: undefined,
      },
    ],
  ];
  for (const [name, over] of cases) {
    test(`given ${name}, the facts at intake equal the facts loaded from the database`, async () => {
      const created = await t.call('POST', '/api/v1/orders', orderBody(over));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.process.key, 'facts-probe');
      const row = await t.store
        .selectFrom('order_processes')
        .select('snapshot')
        .where('order_id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      const atIntake = (row.snapshot as { attributes: Record<string, unknown> }).attributes;
      // The same expressions over the facts read back from the database, through the same engine path.
      const facts = await loadOrderFacts(t.store, created.body.id);
      const prepared = prepareFacts(facts);
      for (const [attr, expr] of Object.entries(FACTS)) {
        const loaded = jsonSafe(compiled.exprs.get(expr)!.run(prepared), true);
        assert.deepEqual(atIntake[attr], loaded, `${attr} (${expr})`);
      }
      assert.ok(Object.keys(atIntake).length >= Object.keys(FACTS).length);
    });
  }

  test('given company terms set through the API, the B2B facts carry the budget, department and cost centre', async () => {
    const created = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'FACTS-B2B-TERMS',
        customer: { code: 'B-1' },
        paymentTerms: { kind: 'deferred', dueDays: 30 },
      }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const facts = await loadOrderFacts(t.store, created.body.id);
    const company = facts.company as Record<string, unknown>;
    assert.deepEqual(
      [company.budgetRemaining, company.department, company.costCentre],
      [250_000n, 'Zakupy — Закупки', 'CC-17'],
    );
    const bad = await t.call('POST', '/api/v1/companies', {
      code: 'BAD',
      name: 'Zła',
      terms: { budgetRemaining: 12.5, riskScore: 7 },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), [
      '/terms/budgetRemaining',
      '/terms/riskScore',
    ]);
  });
});
