import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { address, onPostgres, seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';
import { transaction } from '../../src/store/tenant-scope.js';
import { consumeBudget } from '../../src/app/companies/budgets.js';

/** The first day of the current month in Warsaw (budgets count periods in their time zone). */
function monthStartIn(zone: string, at = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit' }).formatToParts(
    at,
  );
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = parts.find((p) => p.type === 'month')!.value;
  return `${year}-${month}-01`;
}

describe('B2B companies: members, the company’s own approval, budgets', () => {
  let t: TestApp;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const ok = async (method: string, url: string, body: unknown, status = 201, headers: Record<string, string> = {}) => {
    const r = await t.call(method, url, body, headers);
    assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const ids: Record<string, string> = {};
  const keys: Record<string, string> = {};
  const memberKey = async (name: string, memberId: string) =>
    (await ok('POST', '/api/v1/api-keys', { name, roles: ['approver'], companyMemberId: memberId })).secret as string;

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await setUpSeller(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 1000],
      ['SKU-3', 'WAW-1', 0],
    ]);
    await ok('POST', '/api/v1/channels', { code: 'b2b', name: 'Portal B2B', kind: 'b2b_portal', currency: 'PLN' });
    await ok('POST', '/api/v1/channels', {
      code: 'intranet',
      name: 'Zapotrzebowania',
      kind: 'b2b_portal',
      currency: 'PLN',
    });
    for (const [code, name] of [
      ['ZURAW', 'Hurtownia Żuraw sp. z o.o.'],
      ['KRUK', 'ООО «Ворон»'],
      ['OWN', 'Sklep Łódź — działy wewnętrzne'],
    ] as const) {
      ids[code] = (
        await ok('POST', '/api/v1/companies', { code, name, terms: { creditLimit: '500000.00', currency: 'PLN' } })
      ).id;
      ids[`${code}-customer`] = (
        await ok('POST', '/api/v1/customers', { code: `${code}-1`, name, companyId: ids[code] })
      ).id;
    }
    const member = async (company: string, body: Record<string, unknown>) =>
      (await ok('POST', `/api/v1/companies/${ids[company]}/members`, body)).id as string;
    ids.anna = await member('ZURAW', {
      name: 'Anna Wiśniewska',
      externalUserId: 'portal-anna',
      roles: ['requester'],
      spendingLimit: '1000.00',
      currency: 'PLN',
      costCentre: 'ZAKUPY',
    });
    ids.piotr = await member('ZURAW', {
      name: 'Piotr Żuraw',
      externalUserId: 'portal-piotr',
      roles: ['approver', 'buyer'],
    });
    ids.igor = await member('KRUK', { name: 'Игорь Воронов', customerId: ids['KRUK-customer'], roles: ['approver'] });
    ids.kasia = await member('OWN', {
      name: 'Kasia Nowak',
      externalUserId: 'intra-kasia',
      roles: ['requester'],
      costCentre: 'IT',
    });
    await ok('PUT', `/api/v1/companies/${ids.ZURAW}/approval-policy`, { aboveAmount: '5000.00', currency: 'PLN' }, 200);
    keys.piotr = await memberKey('portal: Piotr', ids.piotr);
    keys.igor = await memberKey('portal: Igor', ids.igor);
    keys.finance = (
      await ok('POST', '/api/v1/api-keys', { name: 'finanse', roles: ['finance'], businessRoles: ['finance'] })
    ).secret;
    keys.owner = (
      await ok('POST', '/api/v1/api-keys', {
        name: 'kierownik IT',
        roles: ['approver'],
        businessRoles: ['budget_owner'],
      })
    ).secret;
    keys.warehouse = (
      await ok('POST', '/api/v1/api-keys', { name: 'magazyn', roles: ['operator'], businessRoles: ['warehouse_lead'] })
    ).secret;
    await publish(t, shipped('b2b-approvals'));
    await publish(t, shipped('internal-requisition'));
    await setRules(t, [
      { process: 'b2b-approvals', channel: ['b2b'] },
      { process: 'internal-requisition', channel: ['intranet'] },
    ]);
  });
  after(() => t.close());

  const b2bOrder = (externalId: string, quantity: number, memberId?: string, customer = 'ZURAW-1') => ({
    channel: 'b2b',
    externalId,
    customer: { code: customer, ...(memberId ? { memberId } : {}) },
    currency: 'PLN',
    lines: [{ sku: 'SKU-1', quantity, unitPrice: '100.00', taxRate: '23' }],
    shippingAddress: { ...address, company: 'Hurtownia Żuraw sp. z o.o.' },
    delivery: { method: 'ship' },
    paymentTerms: { kind: 'deferred', dueDays: 30 },
  });
  const reservations = async (orderId: string) =>
    (await t.store.selectFrom('stock_reservations').select('id').where('order_id', '=', orderId).execute()).length;

  test('a portal key bound to a member places orders as that member, and cannot name another', async () => {
    const portal = (
      await ok('POST', '/api/v1/api-keys', { name: 'portal: Anna', roles: ['integration'], companyMemberId: ids.anna })
    ).secret as string;
    const placed = await ok('POST', '/api/v1/orders', b2bOrder('BOUND-1', 1), 201, as(portal));
    const row = await t.store
      .selectFrom('orders')
      .select('placed_by_member_id')
      .where('id', '=', placed.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.placed_by_member_id, ids.anna);
    const other = await t.call('POST', '/api/v1/orders', b2bOrder('BOUND-2', 1, ids.piotr), as(portal));
    assert.equal(other.status, 403, JSON.stringify(other.body));
    assert.equal(other.body.errors[0].path, '/customer/memberId');
    const batch = await t.call(
      'POST',
      '/api/v1/orders:batch',
      { orders: [b2bOrder('BOUND-3', 1, ids.piotr)] },
      as(portal),
    );
    assert.equal(batch.status, 403);
    assert.equal(
      (await t.store.selectFrom('orders').select('id').where('external_id', 'in', ['BOUND-2', 'BOUND-3']).execute())
        .length,
      0,
    );
  });

  test('members: listed by role, changed with If-Match, and a customer of another company is refused', async () => {
    const approvers = await ok('GET', `/api/v1/companies/${ids.ZURAW}/members?role=approver`, undefined, 200);
    assert.deepEqual(
      approvers.items.map((m: any) => m.name),
      ['Piotr Żuraw'],
    );
    const anna = await ok('GET', `/api/v1/companies/${ids.ZURAW}/members/${ids.anna}`, undefined, 200);
    assert.equal(anna.spendingLimit, '1000.00');
    const wrong = await t.call('POST', `/api/v1/companies/${ids.ZURAW}/members`, {
      name: 'Obcy',
      customerId: ids['KRUK-customer'],
      roles: ['buyer'],
    });
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.errors[0].path, '/customerId');
    const stale = await t.call(
      'PATCH',
      `/api/v1/companies/${ids.ZURAW}/members/${ids.anna}`,
      { department: 'Zakupy' },
      { 'if-match': '"9"' },
    );
    assert.equal(stale.status, 412);
    const changed = await ok(
      'PATCH',
      `/api/v1/companies/${ids.ZURAW}/members/${ids.anna}`,
      { department: 'Zakupy' },
      200,
      { 'if-match': '"1"' },
    );
    assert.equal(changed.department, 'Zakupy');
    assert.equal(changed.version, 2);
  });

  test('given a requester’s order above her limit, it waits for her company’s approver with nothing reserved; another company’s approver and the seller’s finance are refused; approved, the seller’s process runs', async () => {
    const created = await ok('POST', '/api/v1/orders', b2bOrder('PO-ZUR-1', 20, ids.anna));
    assert.equal(created.state, 'customer_approval', JSON.stringify(created.process ?? created));
    assert.equal(await reservations(created.id), 0, 'a B2B seller holds nothing before the customer approves');
    const [task] = (await ok('GET', `/api/v1/tasks?orderId=${created.id}`, undefined, 200)).items;
    assert.equal(task.party, 'customer');
    assert.equal(task.role, 'approver');

    const igor = await t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve' }, as(keys.igor!));
    assert.equal(igor.status, 403, JSON.stringify(igor.body));
    assert.equal(igor.body.code, 'TASK_MEMBER_REQUIRED');
    assert.equal(igor.body.role, 'approver');
    const finance = await t.call('POST', `/api/v1/tasks/${task.id}/claim`, undefined, as(keys.finance!));
    assert.equal(finance.status, 403);
    assert.equal(finance.body.code, 'TASK_MEMBER_REQUIRED');
    assert.equal((await ok('GET', '/api/v1/tasks?mine=true', undefined, 200, as(keys.igor!))).items.length, 0);
    assert.deepEqual(
      (await ok('GET', '/api/v1/tasks?mine=true', undefined, 200, as(keys.piotr!))).items.map((i: any) => i.id),
      [task.id],
    );

    const approved = await ok(
      'POST',
      `/api/v1/tasks/${task.id}/complete`,
      { outcome: 'approve', comment: 'Zgoda' },
      200,
      as(keys.piotr!),
    );
    // approved → reserved → routed → invoice issued → the ERP is asked for it
    assert.equal(approved.order.state, 'syncing_invoice');
    assert.ok((await reservations(created.id)) > 0);
    const history = (await ok('GET', `/api/v1/orders/${created.id}/history`, undefined, 200)).items;
    assert.equal(history.filter((h: any) => h.action === 'task.override').length, 0);
  });

  test('given a requester’s order within her limit, the company is not asked; a member of another company is refused at intake', async () => {
    const small = await ok('POST', '/api/v1/orders', b2bOrder('PO-ZUR-2', 5, ids.anna));
    assert.equal(small.state, 'syncing_invoice');
    const foreign = await t.call('POST', '/api/v1/orders', b2bOrder('PO-ZUR-3', 5, ids.igor));
    assert.equal(foreign.status, 422);
    assert.equal(foreign.body.code, 'UNKNOWN_COMPANY_MEMBER');
    assert.equal(foreign.body.errors[0].path, '/customer/memberId');
  });

  test('given a two-step company rule, the order waits for two approvals of its company', async () => {
    await ok(
      'PUT',
      `/api/v1/companies/${ids.ZURAW}/approval-policy`,
      { aboveAmount: '5000.00', currency: 'PLN', steps: 2 },
      200,
    );
    const created = await ok('POST', '/api/v1/orders', b2bOrder('PO-ZUR-4', 50, ids.piotr));
    assert.equal(created.state, 'customer_approval');
    const [first] = (await ok('GET', `/api/v1/tasks?orderId=${created.id}`, undefined, 200)).items;
    const one = await ok('POST', `/api/v1/tasks/${first.id}/complete`, { outcome: 'approve' }, 200, as(keys.piotr!));
    assert.equal(one.order.state, 'customer_approval');
    const [second] = (await ok('GET', `/api/v1/tasks?orderId=${created.id}`, undefined, 200)).items;
    assert.equal(second.party, 'customer');
    // the same person cannot sign both steps
    const again = await t.call('POST', `/api/v1/tasks/${second.id}/complete`, { outcome: 'approve' }, as(keys.piotr!));
    assert.equal(again.status, 403, JSON.stringify(again.body));
    assert.equal(again.body.code, 'TASK_SECOND_APPROVER_REQUIRED');
    const ewa = (
      await ok('POST', `/api/v1/companies/${ids.ZURAW}/members`, {
        name: 'Ewa Kowalczyk',
        externalUserId: 'portal-ewa',
        roles: ['approver'],
      })
    ).id;
    const two = await ok(
      'POST',
      `/api/v1/tasks/${second.id}/complete`,
      { outcome: 'approve' },
      200,
      as(await memberKey('portal: Ewa', ewa)),
    );
    assert.equal(two.order.state, 'syncing_invoice');
    await ok('PUT', `/api/v1/companies/${ids.ZURAW}/approval-policy`, { aboveAmount: '5000.00', currency: 'PLN' }, 200);
  });

  const requisition = (externalId: string, quantity: number, sku = 'SKU-1') => ({
    channel: 'intranet',
    externalId,
    customer: { code: 'OWN-1', memberId: ids.kasia },
    currency: 'PLN',
    lines: [{ sku, quantity, unitPrice: '100.00', taxRate: '0' }],
    delivery: { method: 'ship' },
    shippingAddress: address,
  });
  const approveBudgetStep = async (orderId: string) => {
    const [task] = (await ok('GET', `/api/v1/tasks?orderId=${orderId}`, undefined, 200)).items;
    assert.equal(task.role, 'budget_owner');
    return t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve' }, as(keys.owner!));
  };

  test('budgets: an approved requisition consumes, one past the budget needs finance, a cancelled one releases', async () => {
    const budget = await ok('POST', `/api/v1/companies/${ids.OWN}/budgets`, {
      costCentre: 'IT',
      period: 'month',
      periodStart: monthStartIn('Europe/Warsaw'),
      timeZone: 'Europe/Warsaw',
      currency: 'PLN',
      amount: '1000.00',
    });
    assert.equal(budget.remaining, '1000.00');
    const dup = await t.call('POST', `/api/v1/companies/${ids.OWN}/budgets`, {
      costCentre: 'IT',
      period: 'month',
      periodStart: monthStartIn('Europe/Warsaw'),
      timeZone: 'Europe/Warsaw',
      currency: 'PLN',
      amount: '5.00',
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 'BUDGET_CONFLICT');
    const notStart = await t.call('POST', `/api/v1/companies/${ids.OWN}/budgets`, {
      costCentre: 'IT',
      period: 'quarter',
      periodStart: '2026-02-01',
      currency: 'PLN',
      amount: '5.00',
    });
    assert.equal(notStart.status, 400);
    assert.equal(notStart.body.errors[0].path, '/periodStart');
    const read = async () => ok('GET', `/api/v1/companies/${ids.OWN}/budgets/${budget.id}`, undefined, 200);

    // 600.00 of 1000.00: the budget owner alone approves, the budget is consumed
    const first = await ok('POST', '/api/v1/orders', requisition('REQ-1', 6));
    assert.equal(first.state, 'budget_approval');
    const r1 = await approveBudgetStep(first.id);
    assert.equal(r1.status, 200, JSON.stringify(r1.body));
    assert.equal(r1.body.order.state, 'picking');
    assert.equal((await read()).consumed, '600.00');

    // 600.00 more is past what is left (400.00): finance signs too, and the overspend is recorded
    const second = await ok('POST', '/api/v1/orders', requisition('REQ-2', 6));
    assert.equal((await approveBudgetStep(second.id)).body.order.state, 'budget_approval');
    const [financeTask] = (await ok('GET', `/api/v1/tasks?orderId=${second.id}`, undefined, 200)).items;
    assert.equal(financeTask.role, 'finance');
    const owner = await t.call(
      'POST',
      `/api/v1/tasks/${financeTask.id}/complete`,
      { outcome: 'approve' },
      as(keys.owner!),
    );
    assert.equal(owner.status, 403);
    assert.equal(owner.body.code, 'TASK_ROLE_REQUIRED');
    const fin = await ok(
      'POST',
      `/api/v1/tasks/${financeTask.id}/complete`,
      { outcome: 'approve' },
      200,
      as(keys.finance!),
    );
    assert.equal(fin.order.state, 'picking');
    assert.equal((await read()).remaining, '-200.00');

    // a requisition for what is not in stock is cancelled by the warehouse: its budget comes back
    await ok('PATCH', `/api/v1/companies/${ids.OWN}/budgets/${budget.id}`, { amount: '2000.00' }, 200);
    const third = await ok('POST', '/api/v1/orders', requisition('REQ-3', 3, 'SKU-3'));
    assert.equal((await approveBudgetStep(third.id)).body.order.state, 'stock_exception');
    assert.equal((await read()).consumed, '1500.00');
    const [resolve] = (await ok('GET', `/api/v1/tasks?orderId=${third.id}`, undefined, 200)).items;
    const cancelled = await ok(
      'POST',
      `/api/v1/tasks/${resolve.id}/complete`,
      { outcome: 'cancel' },
      200,
      as(keys.warehouse!),
    );
    assert.equal(cancelled.order.state, 'cancelled');
    const after = await read();
    assert.equal(after.consumed, '1200.00');
    assert.deepEqual(
      after.consumptions.map((c: any) => [c.orderId, c.amount, c.state]),
      [
        [first.id, '600.00', 'consumed'],
        [second.id, '600.00', 'consumed'],
        [third.id, '300.00', 'released'],
      ],
    );
    await ok('PATCH', `/api/v1/companies/${ids.OWN}/budgets/${budget.id}`, { amount: '1200.00' }, 200);
  });

  test('budgets under concurrency: two requisitions approved at once for the last of a budget, one consumes and the other goes to finance', async () => {
    const budget = await ok('POST', `/api/v1/companies/${ids.OWN}/budgets`, {
      costCentre: 'RACE',
      period: 'year',
      periodStart: `${monthStartIn('Europe/Warsaw').slice(0, 4)}-01-01`,
      timeZone: 'Europe/Warsaw',
      currency: 'PLN',
      amount: '700.00',
    });
    const orders = [];
    for (const n of [1, 2]) {
      const body = requisition(`RACE-${n}`, 6);
      orders.push(
        await ok('POST', '/api/v1/orders', {
          ...body,
          customer: { code: 'OWN-1' },
          attributes: { costCentre: 'RACE' },
        }),
      );
    }
    const tasks = await Promise.all(
      orders.map(async (o) => (await ok('GET', `/api/v1/tasks?orderId=${o.id}`, undefined, 200)).items[0]),
    );
    const results = await Promise.all(
      tasks.map((task) => t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve' }, as(keys.owner!))),
    );
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(results.map((r) => r.body.order.state).sort(), ['budget_exception', 'picking']);
    const read = await ok('GET', `/api/v1/companies/${ids.OWN}/budgets/${budget.id}`, undefined, 200);
    assert.equal(read.consumed, '600.00');
    assert.equal(read.consumptions.length, 1);
  });

  test('property: budgets never go past their amount under concurrent consumption, and consumed is the sum of what succeeded', async () => {
    const orders: { id: string; total: bigint }[] = [];
    for (let n = 0; n < 6; n++) {
      const o = await ok('POST', '/api/v1/orders', {
        channel: 'web',
        externalId: `PROP-${n}`,
        customer: { code: 'OWN-1' },
        currency: 'PLN',
        lines: [{ sku: 'SKU-1', quantity: n + 1, unitPrice: '100.00', taxRate: '0' }],
        delivery: { method: 'ship' },
        shippingAddress: address,
        attributes: { costCentre: 'PROP' },
      });
      orders.push({ id: o.id, total: BigInt((n + 1) * 10000) });
    }
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2500 }),
        fc.subarray([0, 1, 2, 3, 4, 5], { minLength: 1 }),
        async (amountZl, picked) => {
          round += 1;
          // a fresh budget each round: the cost centre PROP for a year long ago (the orders' placedAt moves with it)
          await t.store.deleteFrom('budget_consumptions').execute();
          await t.store.deleteFrom('budgets').where('cost_centre', '=', 'PROP').execute();
          const budget = await ok('POST', `/api/v1/companies/${ids.OWN}/budgets`, {
            costCentre: 'PROP',
            period: 'year',
            periodStart: `${monthStartIn('UTC').slice(0, 4)}-01-01`,
            timeZone: 'UTC',
            currency: 'PLN',
            amount: `${amountZl}.00`,
          });
          const outcomes = await Promise.all(
            picked.map((i) => transaction(t.store, (tx) => consumeBudget(tx, new Date(), orders[i]!.id, false))),
          );
          const row = await t.store
            .selectFrom('budgets')
            .select(['amount', 'consumed'])
            .where('id', '=', budget.id)
            .executeTakeFirstOrThrow();
          const succeeded = picked.filter((_, k) => outcomes[k]!.kind === 'consumed');
          const sum = succeeded.reduce((a, i) => a + orders[i]!.total, 0n);
          assert.ok(BigInt(row.consumed) <= BigInt(row.amount), `round ${round}: ${row.consumed} > ${row.amount}`);
          assert.equal(BigInt(row.consumed), sum);
          // every refusal was a real one: what is left now (never more than when it was refused) cannot take it
          for (const [k, i] of picked.entries())
            if (outcomes[k]!.kind === 'exceeded') assert.ok(orders[i]!.total > BigInt(row.amount) - sum);
          const rows = await t.store.selectFrom('budget_consumptions').select('order_id').execute();
          assert.equal(rows.length, succeeded.length);
        },
      ),
      { numRuns: onPostgres ? 15 : 8 },
    );
  });
});
