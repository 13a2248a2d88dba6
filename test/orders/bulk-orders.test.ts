import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { bulkCalls, setUpBulkApprovals } from './helpers.js';

const plain = { lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '100.00', taxRate: '23' }] };
const UNKNOWN = '01890000-0000-7000-8000-000000000000';

/** POST /orders:bulk (issue 18 item 5): one request, each order on its own. */
describe('bulk actions on orders', () => {
  let t: TestApp;
  let asViewer: Record<string, string>;
  let asApprover: Record<string, string>;
  const { create, openTasks, bulk } = bulkCalls(() => t);
  const get = async (id: string) => (await t.call('GET', `/api/v1/orders/${id}`)).body;

  before(async () => {
    t = await testApp();
    await setUpBulkApprovals(t);
    for (const [role, set] of [
      ['viewer', (h: Record<string, string>) => (asViewer = h)],
      ['approver', (h: Record<string, string>) => (asApprover = h)],
    ] as const) {
      const key = await t.call('POST', '/api/v1/api-keys', { name: role, roles: [role] });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      set({ authorization: `Bearer ${key.body.secret}` });
    }
  });
  after(() => t.close());

  test('approve: a mixed batch — one approved, a stale version, one with no task, an unknown id — each told apart', async () => {
    const first = await create('PO-BULK-1');
    const stale = await create('PO-BULK-2');
    const noTask = await create('PO-BULK-3', plain);
    assert.equal(first.state, 'awaiting_approval');
    assert.notEqual(noTask.state, 'awaiting_approval');

    const res = await bulk({
      action: 'approve',
      comment: 'Rabat zgodny z umową',
      orders: [
        { id: first.id, version: first.version },
        { id: stale.id, version: stale.version + 5 },
        { id: noTask.id },
        { id: UNKNOWN },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.action, 'approve');
    assert.equal(res.body.succeeded, 1);
    assert.equal(res.body.failed, 3);
    const [done, refusedStale, refusedNoTask, refusedUnknown] = res.body.items;
    assert.deepEqual(
      res.body.items.map((item: { id: string }) => item.id),
      [first.id, stale.id, noTask.id, UNKNOWN],
      'in request order',
    );
    assert.equal(done.ok, true);
    assert.equal(done.number, first.number);
    const after = await get(first.id);
    assert.equal(done.state, after.state, 'the state the order actually reached');
    assert.notEqual(after.state, 'awaiting_approval');
    assert.equal(done.version, after.version);

    assert.equal(refusedStale.ok, false);
    assert.equal(refusedStale.problem.status, 412);
    assert.equal(refusedStale.problem.code, 'VERSION_MISMATCH');
    assert.equal(refusedStale.problem.currentVersion, stale.version);
    assert.match(refusedStale.problem.detail, new RegExp(stale.number));
    assert.equal((await get(stale.id)).state, 'awaiting_approval', 'a refused order is untouched');
    assert.equal((await openTasks(stale.id)).length, 1, 'its task is still open');

    assert.equal(refusedNoTask.problem.code, 'NO_OPEN_TASK');
    assert.equal(refusedNoTask.problem.status, 409);
    assert.equal(refusedNoTask.number, noTask.number);
    assert.equal(refusedUnknown.problem.code, 'NOT_FOUND');
    assert.equal(refusedUnknown.number, null);

    const history = (await t.call('GET', `/api/v1/orders/${first.id}/history`)).body.items;
    assert.ok(
      history.some(
        (entry: { reason?: { comment?: string } | null }) => entry.reason?.comment === 'Rabat zgodny z umową',
      ),
      'the comment is kept with the decision',
    );
  });

  test('cancel: the reason goes to each history; an order the process cannot cancel fails alone', async () => {
    const first = await create('PO-BULK-10');
    const second = await create('PO-BULK-11');
    const gone = await create('PO-BULK-12');
    const cancelled = await bulk({ action: 'cancel', reason: 'Klient zrezygnował', orders: [{ id: gone.id }] });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.items[0].state, 'cancelled');
    assert.deepEqual(cancelled.body.items[0].stateLabels, { en: 'Cancelled', pl: 'Anulowane', ru: 'Отменён' });

    const res = await bulk({
      action: 'cancel',
      reason: '  Duplikat zamówienia  ',
      orders: [{ id: first.id, version: first.version }, { id: gone.id }, { id: second.id }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.succeeded, 2);
    assert.deepEqual(
      res.body.items.map((item: { ok: boolean; state?: string; problem?: { code: string } }) =>
        item.ok ? item.state : item.problem!.code,
      ),
      ['cancelled', 'TRANSITION_NOT_ALLOWED', 'cancelled'],
    );
    assert.equal((await get(first.id)).state, 'cancelled');
    assert.equal((await get(second.id)).state, 'cancelled');
    const history = (await t.call('GET', `/api/v1/orders/${first.id}/history`)).body.items;
    assert.ok(
      JSON.stringify(history).includes('Duplikat zamówienia'),
      'the reason is in the history: ' + JSON.stringify(history),
    );
  });

  test('assign: the open task becomes the caller’s, or the named person’s', async () => {
    const mine = await create('PO-BULK-20');
    const theirs = await create('PO-BULK-21');
    const me = await bulk({ action: 'assign', orders: [{ id: mine.id }] });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.items[0].ok, true);
    assert.equal(me.body.items[0].state, 'awaiting_approval', 'assigning does not move the order');
    const [task] = await openTasks(mine.id);
    assert.equal(task.state, 'claimed');
    assert.ok(task.assignee);

    const colleague = await t.call('POST', '/api/v1/users', {
      email: 'wiktor@example.pl',
      name: 'Wiktor Ćwik',
      roles: ['operator'],
      businessRoles: ['sales_lead'],
      password: 'hasło kolegi z pracy',
    });
    assert.equal(colleague.status, 201, JSON.stringify(colleague.body));
    const handed = await bulk({ action: 'assign', assignee: colleague.body.id, orders: [{ id: theirs.id }] });
    assert.equal(handed.status, 200, JSON.stringify(handed.body));
    const [delegated] = await openTasks(theirs.id);
    assert.equal(delegated.assignee, colleague.body.id);
  });

  test('print: the address of each printable document, NOTHING_TO_PRINT for the others', async () => {
    const order = await create('PO-BULK-30', plain);
    const slips = await bulk({ action: 'print', orders: [{ id: order.id }] });
    assert.equal(slips.status, 200, JSON.stringify(slips.body));
    assert.equal(slips.body.items[0].ok, true);
    assert.equal(slips.body.items[0].document, `/api/v1/orders/${order.id}/documents/packing-slip`);
    const pdf = await t.call('GET', slips.body.items[0].document);
    assert.equal(pdf.status, 200);
    const labels = await bulk({ action: 'print', document: 'label', orders: [{ id: order.id }] });
    assert.equal(labels.body.items[0].ok, false);
    assert.equal(labels.body.items[0].problem.code, 'NOTHING_TO_PRINT');
  });

  test('a bad request is a 400 naming the field, and changes nothing', async () => {
    const order = await create('PO-BULK-40');
    const ids = (count: number) => Array.from({ length: count }, () => ({ id: order.id }));
    const cases: [unknown, string][] = [
      [{ action: 'archive', orders: [{ id: order.id }] }, '/action'],
      [{ action: 'cancel', orders: [{ id: order.id }] }, '/reason'],
      [{ action: 'cancel', reason: '   ', orders: [{ id: order.id }] }, '/reason'],
      [{ action: 'approve', orders: [] }, '/orders'],
      [
        {
          action: 'approve',
          orders: Array.from({ length: 501 }, (_, index) => ({
            id: `01890000-0000-7000-8000-${String(index).padStart(12, '0')}`,
          })),
        },
        '/orders',
      ],
      [{ action: 'approve', orders: [{ id: order.id }, { id: 'ORD-7' }] }, '/orders/1/id'],
      [{ action: 'approve', orders: ids(2) }, '/orders/1/id'],
      [{ action: 'approve', orders: [{ id: order.id, version: 'one' }] }, '/orders/0/version'],
    ];
    for (const [body, path] of cases) {
      const res = await bulk(body);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.match(String(res.headers['content-type']), /application\/problem\+json/);
      assert.equal(res.body.code, 'VALIDATION_FAILED');
      assert.ok(
        res.body.errors.some((error: { path: string }) => error.path === path),
        `${path} in ${JSON.stringify(res.body.errors)}`,
      );
      if (path === '/reason') assert.match(JSON.stringify(res.body.errors), /cancelling orders needs a reason/);
      if (path === '/action') assert.match(JSON.stringify(res.body.errors), /one of approve, assign, cancel, print/);
    }
    const unchanged = await get(order.id);
    assert.equal(unchanged.state, 'awaiting_approval');
    assert.equal(unchanged.version, order.version);
  });

  test('permissions per action as the single-order routes: a viewer may not act, an approver only on its tasks', async () => {
    const order = await create('PO-BULK-50');
    for (const body of [
      { action: 'approve', orders: [{ id: order.id }] },
      { action: 'assign', orders: [{ id: order.id }] },
      { action: 'cancel', reason: 'x', orders: [{ id: order.id }] },
    ]) {
      const refused = await bulk(body, asViewer);
      assert.equal(refused.status, 403, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'FORBIDDEN');
    }
    // an approver may act on tasks (tasks:act) but not cancel (orders:write)
    assert.equal((await bulk({ action: 'cancel', reason: 'x', orders: [{ id: order.id }] }, asApprover)).status, 403);
    const notTheirs = await bulk({ action: 'approve', orders: [{ id: order.id }] }, asApprover);
    assert.equal(notTheirs.status, 200, JSON.stringify(notTheirs.body));
    assert.equal(notTheirs.body.items[0].problem.code, 'TASK_ROLE_REQUIRED', 'the task is the sales lead’s');
    assert.equal((await get(order.id)).state, 'awaiting_approval');
    // printing is reading: a viewer may
    const printed = await bulk({ action: 'print', orders: [{ id: order.id }] }, asViewer);
    assert.equal(printed.status, 200, JSON.stringify(printed.body));
  });

  test('an Idempotency-Key replays the first answer and acts once', async () => {
    const order = await create('PO-BULK-60');
    const body = { action: 'cancel', reason: 'Powtórka', orders: [{ id: order.id }] };
    const first = await bulk(body, { 'idempotency-key': 'bulk-cancel-1' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.items[0].state, 'cancelled');
    const again = await bulk(body, { 'idempotency-key': 'bulk-cancel-1' });
    assert.equal(again.status, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body);
  });
});
