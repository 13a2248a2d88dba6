import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { addOperators, bulkCalls, setUpBulkApprovals } from './helpers.js';

const UNKNOWN = '01890000-0000-7000-8000-000000000000';
const SALES_LEAD = { en: 'Sales lead', pl: 'Kierownik sprzedaży', ru: 'Руководитель группы продаж' };

/**
 * Issue 18: a task goes only to someone who can take it. GET /users/assignable with `role` or
 * `orderIds` lists only the people who hold the role of those tasks (the console's assignee
 * pickers offer no one else), and handing a task to anyone else — in bulk or one task with
 * POST /tasks/{id}/delegate — is a 403 problem+json ASSIGNEE_ROLE_REQUIRED naming the role in
 * words (`detail` in English, `roleLabels` in every language). The b2b-approvals process's first
 * task is for its sales lead ("Sales lead").
 */
describe('who a task can be handed to', () => {
  let t: TestApp;
  const people: Record<string, { id: string }> = {};
  const calls = bulkCalls(() => t);
  const names = (body: { items: { name: string }[] }) => body.items.map((person) => person.name).sort();
  let adminName = '';

  before(async () => {
    t = await testApp();
    await setUpBulkApprovals(t);
    Object.assign(
      people,
      await addOperators(t, [
        ['lead', 'wiktor@example.pl', 'Wiktor Ćwik', ['sales_lead']],
        ['warehouse', 'ola@example.pl', 'Ola Żak', ['warehouse_lead']],
      ]),
    );
    const all = await t.call('GET', '/api/v1/users?limit=200');
    adminName = all.body.items.find((u: { roles: string[] }) => u.roles.includes('admin')).name;
  });
  after(() => t.close());

  test('given orders or a role, the list holds only the people who can take those tasks, with the role in words', async () => {
    const order = await calls.create('PO-WHO-1');
    assert.equal((await calls.openTasks(order.id))[0].role, 'sales_lead');

    const everyone = await t.call('GET', '/api/v1/users/assignable');
    assert.deepEqual(names(everyone.body), [adminName, 'Ola Żak', 'Wiktor Ćwik'].sort());
    assert.deepEqual(everyone.body.forRoles, []);

    const forOrder = await t.call('GET', `/api/v1/users/assignable?orderIds=${order.id}`);
    assert.equal(forOrder.status, 200, JSON.stringify(forOrder.body));
    // the admin may act on any task; Ola (warehouse) may not take a sales lead's
    assert.deepEqual(names(forOrder.body), [adminName, 'Wiktor Ćwik'].sort());
    assert.deepEqual(forOrder.body.forRoles, [{ code: 'sales_lead', labels: SALES_LEAD }]);

    const forRole = await t.call('GET', '/api/v1/users/assignable?role=warehouse_lead');
    assert.deepEqual(names(forRole.body), [adminName, 'Ola Żak'].sort());
  });

  test('given a person without the role, bulk assign refuses that order naming the role in words', async () => {
    const order = await calls.create('PO-WHO-2');
    const refused = await calls.bulk({ action: 'assign', assignee: people.warehouse!.id, orders: [{ id: order.id }] });
    assert.equal(refused.status, 200, JSON.stringify(refused.body));
    const problem = refused.body.items[0].problem;
    assert.equal(problem.code, 'ASSIGNEE_ROLE_REQUIRED');
    assert.equal(problem.status, 403);
    assert.equal(problem.role, 'sales_lead');
    assert.deepEqual(problem.roleLabels, SALES_LEAD);
    assert.match(
      problem.detail,
      /Ola Żak cannot take order .*'s task: it is for the business role Sales lead \(sales_lead\)/,
    );
    assert.equal((await calls.openTasks(order.id))[0].state, 'open');
  });

  test('given one task, POST /tasks/{id}/delegate refuses a person without its role (403 problem+json) and hands it to one with it', async () => {
    const order = await calls.create('PO-WHO-3');
    const task = (await calls.openTasks(order.id))[0];
    const refused = await t.call('POST', `/api/v1/tasks/${task.id}/delegate`, { assignee: people.warehouse!.id });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
    assert.equal(refused.body.code, 'ASSIGNEE_ROLE_REQUIRED');
    assert.equal(refused.body.role, 'sales_lead');
    assert.deepEqual(refused.body.roleLabels, SALES_LEAD);
    assert.match(refused.body.detail, /Sales lead/);
    assert.equal((await calls.openTasks(order.id))[0].state, 'open', 'nothing was handed');

    const unknown = await t.call('POST', `/api/v1/tasks/${task.id}/delegate`, { assignee: UNKNOWN });
    assert.equal(unknown.status, 400, JSON.stringify(unknown.body));
    assert.equal(unknown.body.errors[0].path, '/assignee');

    const handed = await t.call('POST', `/api/v1/tasks/${task.id}/delegate`, { assignee: people.lead!.id });
    assert.equal(handed.status, 200, JSON.stringify(handed.body));
    const now = (await calls.openTasks(order.id))[0];
    assert.equal(now.state, 'claimed');
    assert.equal(now.assignee, people.lead!.id);
  });
});
