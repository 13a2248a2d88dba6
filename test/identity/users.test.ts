import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, setRules } from '../process/process-support.js';

/** A process whose first step is a task for finance: who may act on it is the subject here. */
const financeCheck = `key: finance-check
title: Finance check
start: received
states:
  received:
    task: { kind: approval, role: finance, title: Sprawdź płatność }
    on:
      approve: done
      reject: rejected
  done:
    terminal: true
  rejected:
    terminal: true
`;

describe('users, business roles and who may act on a task', () => {
  let t: TestApp;
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await publish(t, financeCheck);
    await setRules(t, [{ process: 'finance-check', channel: 'web' }]);
  });
  after(() => t.close());

  const newOrder = async (externalId: string) => {
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'received');
    const tasks = await t.call('GET', `/api/v1/tasks?orderId=${created.body.id}`);
    assert.equal(tasks.body.items.length, 1);
    assert.equal(tasks.body.items[0].role, 'finance');
    return { order: created.body, task: tasks.body.items[0] };
  };
  const key = async (name: string, roles: string[], businessRoles: string[]) => {
    const issued = await t.call('POST', '/api/v1/api-keys', { name, roles, businessRoles });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    assert.deepEqual(issued.body.businessRoles, businessRoles);
    return issued.body.secret as string;
  };

  test('given an admin, when users are created, listed, read, changed with If-Match and deactivated, then each step holds and login follows', async () => {
    const created = await t.call('POST', '/api/v1/users', {
      email: 'Jadwiga.Zielinska@example.pl',
      name: 'Jadwiga Zielińska',
      locale: 'pl',
      roles: ['approver'],
      businessRoles: ['finance'],
      password: 'długie hasło księgowej',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.businessRoles, ['finance']);
    assert.equal(created.body.name, 'Jadwiga Zielińska');
    assert.equal(created.body.password, undefined);
    const id = created.body.id;

    const dup = await t.call('POST', '/api/v1/users', {
      email: 'jadwiga.zielinska@EXAMPLE.pl',
      name: 'Ktoś inny',
      roles: ['viewer'],
      password: 'jeszcze inne hasło',
    });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 'EMAIL_TAKEN');
    const neither = await t.call('POST', '/api/v1/users', { email: 'x@example.pl', name: 'X', roles: ['viewer'] });
    assert.equal(neither.status, 400);
    assert.equal(neither.body.errors[0].path, '/password');

    const login = await t.call('POST', '/api/v1/auth/login', {
      email: 'jadwiga.zielinska@example.pl',
      password: 'długie hasło księgowej',
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const me = await t.call('GET', '/api/v1/me', undefined, { authorization: '', cookie });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.businessRoles, ['finance']);
    // not an admin: the users API is closed to her
    const denied = await t.call('GET', '/api/v1/users', undefined, { authorization: '', cookie });
    assert.equal(denied.status, 403);

    const list = await t.call('GET', '/api/v1/users?limit=1');
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 1);
    assert.ok(list.body.nextCursor, 'the admin and Jadwiga: a second page');
    const got = await t.call('GET', `/api/v1/users/${id}`);
    assert.equal(got.headers.etag, '"1"');

    const stale = await t.call(
      'PATCH',
      `/api/v1/users/${id}`,
      { businessRoles: ['finance', 'cfo'] },
      { 'if-match': '"7"' },
    );
    assert.equal(stale.status, 412);
    const changed = await t.call(
      'PATCH',
      `/api/v1/users/${id}`,
      { businessRoles: ['finance', 'cfo'] },
      { 'if-match': '"1"' },
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body.businessRoles, ['finance', 'cfo']);
    assert.equal(changed.body.version, 2);

    const gone = await t.call('DELETE', `/api/v1/users/${id}`);
    assert.equal(gone.status, 200);
    assert.equal(gone.body.active, false);
    const after = await t.call('GET', '/api/v1/me', undefined, { authorization: '', cookie });
    assert.equal(after.status, 401, 'her session ended with the deactivation');
    const again = await t.call('POST', '/api/v1/auth/login', {
      email: 'jadwiga.zielinska@example.pl',
      password: 'długie hasło księgowej',
    });
    assert.equal(again.status, 401);
  });

  test('given an invitation, when the person sets a password with its token, then they log in, and the token works once', async () => {
    const invited = await t.call('POST', '/api/v1/users', {
      email: 'oleg.petrov@example.ru',
      name: 'Олег Петров',
      locale: 'ru',
      roles: ['viewer'],
      invite: true,
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const token = invited.body.invitation.token;
    const before = await t.call('POST', '/api/v1/auth/login', { email: 'oleg.petrov@example.ru', password: token });
    assert.equal(before.status, 401);
    const accepted = await t.call('POST', '/api/v1/auth/accept-invitation', {
      token,
      password: 'пароль достаточно длинный',
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const login = await t.call('POST', '/api/v1/auth/login', {
      email: 'oleg.petrov@example.ru',
      password: 'пароль достаточно длинный',
    });
    assert.equal(login.status, 200);
    const twice = await t.call('POST', '/api/v1/auth/accept-invitation', { token, password: 'другой длинный пароль' });
    assert.equal(twice.status, 401);
  });

  test('given a finance task, when a warehouse key acts it is refused with TASK_ROLE_REQUIRED, a finance key completes it, and mine lists only what is yours', async () => {
    const { order, task } = await newOrder('FIN-1');
    const warehouse = await key('magazyn', ['operator'], ['warehouse_lead']);
    const finance = await key('księgowość', ['approver'], ['finance']);

    for (const act of ['claim', 'complete', 'delegate'] as const) {
      const body =
        act === 'complete' ? { outcome: 'approve' } : act === 'delegate' ? { role: 'warehouse_lead' } : undefined;
      const refused = await t.call('POST', `/api/v1/tasks/${task.id}/${act}`, body, as(warehouse));
      assert.equal(refused.status, 403, `${act}: ${JSON.stringify(refused.body)}`);
      assert.equal(refused.body.code, 'TASK_ROLE_REQUIRED');
      assert.equal(refused.body.role, 'finance');
      assert.match(String(refused.headers['content-type']), /problem\+json/);
    }
    const mineWarehouse = await t.call('GET', '/api/v1/tasks?mine=true', undefined, as(warehouse));
    assert.equal(mineWarehouse.body.items.length, 0);
    const mineFinance = await t.call('GET', '/api/v1/tasks?mine=true', undefined, as(finance));
    assert.deepEqual(
      mineFinance.body.items.map((i: any) => i.id),
      [task.id],
    );

    const done = await t.call('POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'approve' }, as(finance));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.order.state, 'done');
    const history = (await t.call('GET', `/api/v1/orders/${order.id}/history`)).body.items;
    assert.equal(history.filter((h: any) => h.action === 'task.override').length, 0);
  });

  test('given a tenant map cfo → finance, when a cfo key completes a finance task, then it is allowed', async () => {
    const { task } = await newOrder('FIN-2');
    const cfo = await key('dyrektor finansowy', ['approver'], ['cfo']);
    const refused = await t.call('POST', `/api/v1/tasks/${task.id}/claim`, undefined, as(cfo));
    assert.equal(refused.status, 403);
    const mapped = await t.call('PUT', '/api/v1/business-roles/map', { entries: [{ role: 'cfo', actsAs: 'finance' }] });
    assert.equal(mapped.status, 200, JSON.stringify(mapped.body));
    const claimed = await t.call('POST', `/api/v1/tasks/${task.id}/claim`, undefined, as(cfo));
    assert.equal(claimed.status, 200, JSON.stringify(claimed.body));
  });

  test('given an admin without the finance role, when the admin completes the task, then it is an override recorded in the order history', async () => {
    const { order, task } = await newOrder('FIN-3');
    const done = await t.call('POST', `/api/v1/tasks/${task.id}/complete`, {
      outcome: 'reject',
      comment: 'Księgowa na urlopie, decyduję za nią',
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.order.state, 'rejected');
    const history = (await t.call('GET', `/api/v1/orders/${order.id}/history`)).body.items;
    const override = history.find((h: any) => h.action === 'task.override');
    assert.ok(override, JSON.stringify(history.map((h: any) => h.action)));
    assert.deepEqual(override.changes, { taskId: task.id, act: 'complete', role: 'finance', party: 'seller' });
    assert.equal(override.reason.override, 'admin');
    assert.equal(override.reason.comment, 'Księgowa na urlopie, decyduję za nią');
  });
});
