import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { addOperators, bulkCalls, setUpBulkApprovals } from './helpers.js';

const UNKNOWN = '01890000-0000-7000-8000-000000000000';

/**
 * Bulk assign to a colleague (issue 18): the people an operator may hand tasks to
 * (GET /users/assignable: active users by name, no e-mails), and POST /orders:bulk with an
 * `assignee` that must be an active user who may act on the task's business role.
 */
describe('bulk assign to a colleague', () => {
  let t: TestApp;
  let asViewer: Record<string, string>;
  let asOperator: Record<string, string>;
  let asLead: Record<string, string>;
  const people: Record<string, { id: string }> = {};
  const calls = bulkCalls(() => t);
  const { bulk } = calls;
  const create = async (externalId: string) => {
    const created = await calls.create(externalId);
    assert.equal(created.state, 'awaiting_approval');
    return created;
  };
  const openTask = async (id: string) => (await calls.openTasks(id))[0];

  before(async () => {
    t = await testApp();
    await setUpBulkApprovals(t);
    for (const [role, businessRoles, set] of [
      ['viewer', [], (h: Record<string, string>) => (asViewer = h)],
      ['operator', [], (h: Record<string, string>) => (asOperator = h)],
      ['operator', ['sales_lead'], (h: Record<string, string>) => (asLead = h)],
    ] as const) {
      const key = await t.call('POST', '/api/v1/api-keys', {
        name: `${role} ${businessRoles.join(' ')}`,
        roles: [role],
        businessRoles,
      });
      assert.equal(key.status, 201, JSON.stringify(key.body));
      set({ authorization: `Bearer ${key.body.secret}` });
    }
    Object.assign(
      people,
      await addOperators(t, [
        ['colleague', 'wiktor@example.pl', 'Wiktor Ćwik', ['sales_lead']],
        ['warehouse', 'ola@example.pl', 'Ola Żak', ['warehouse_lead']],
        ['gone', 'jan@example.pl', 'Jan Nieaktywny', ['sales_lead']],
      ]),
    );
    assert.equal((await t.call('DELETE', `/api/v1/users/${people.gone!.id}`)).status, 200);
  });
  after(() => t.close());

  test('the people list: active users by name, no e-mail addresses; a viewer may not read it', async () => {
    const listed = await t.call('GET', '/api/v1/users/assignable', undefined, asOperator);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const names = listed.body.items.map((person: { name: string }) => person.name);
    assert.ok(names.includes('Wiktor Ćwik') && names.includes('Ola Żak'), names.join(', '));
    assert.ok(!names.includes('Jan Nieaktywny'), 'only active users');
    assert.ok(!JSON.stringify(listed.body).includes('@'), 'no e-mail addresses');
    const wiktor = listed.body.items.find((person: { name: string }) => person.name === 'Wiktor Ćwik');
    assert.deepEqual(wiktor.businessRoles, ['sales_lead']);
    assert.equal((await t.call('GET', '/api/v1/users/assignable', undefined, asViewer)).status, 403);
  });

  test('a sales lead hands two orders’ tasks to a colleague who holds their role; the tasks name him', async () => {
    const orders = [await create('PO-ASSIGN-1'), await create('PO-ASSIGN-2')];
    const handed = await bulk(
      {
        action: 'assign',
        assignee: people.colleague!.id,
        orders: orders.map((o) => ({ id: o.id, version: o.version })),
      },
      asLead,
    );
    assert.equal(handed.status, 200, JSON.stringify(handed.body));
    assert.equal(handed.body.succeeded, 2, JSON.stringify(handed.body));
    for (const order of orders) {
      const task = await openTask(order.id);
      assert.equal(task.state, 'claimed');
      assert.equal(task.assignee, people.colleague!.id);
      assert.equal(task.assigneeName, 'Wiktor Ćwik');
    }
  });

  test('an unknown, inactive or made-up assignee is a 400 at /assignee; a viewer is refused; nothing changes', async () => {
    const order = await create('PO-ASSIGN-3');
    for (const assignee of [UNKNOWN, people.gone!.id, 'user:wiktor']) {
      const refused = await bulk({ action: 'assign', assignee, orders: [{ id: order.id }] }, asLead);
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.errors[0].path, '/assignee');
    }
    const byViewer = await bulk(
      { action: 'assign', assignee: people.colleague!.id, orders: [{ id: order.id }] },
      asViewer,
    );
    assert.equal(byViewer.status, 403);
    const task = await openTask(order.id);
    assert.equal(task.state, 'open', 'nothing was assigned');
    assert.equal(task.assignee ?? null, null);
  });

  test('a colleague without the task’s business role is that order’s 403 ASSIGNEE_ROLE_REQUIRED; the task stays open', async () => {
    const order = await create('PO-ASSIGN-4');
    const refused = await bulk(
      { action: 'assign', assignee: people.warehouse!.id, orders: [{ id: order.id }] },
      asLead,
    );
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.equal(refused.body.items[0].ok, false);
    assert.equal(refused.body.items[0].problem.code, 'ASSIGNEE_ROLE_REQUIRED');
    assert.equal(refused.body.items[0].problem.role, 'sales_lead');
    assert.equal(refused.body.items[0].problem.status, 403);
    assert.equal((await openTask(order.id)).state, 'open');
  });

  test('an operator who does not hold the task’s role may not hand it on either (403 TASK_ROLE_REQUIRED, as POST /tasks/{id}/delegate)', async () => {
    const order = await create('PO-ASSIGN-5');
    const refused = await bulk(
      { action: 'assign', assignee: people.colleague!.id, orders: [{ id: order.id }] },
      asOperator,
    );
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    assert.equal(refused.body.items[0].problem.code, 'TASK_ROLE_REQUIRED');
    assert.equal((await openTask(order.id)).state, 'open');
  });
});
