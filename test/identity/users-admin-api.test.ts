import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { publish } from '../process/process-support.js';

const withRoles = `key: role-words
title: Role words
start: received
roles:
  finance: { labels: { en: Finance, pl: Finanse, ru: Финансы } }
states:
  received:
    task: { kind: approval, role: finance, title: Check }
    on:
      approve: done
      reject: rejected
  done:
    terminal: true
  rejected:
    terminal: true
`;

describe('users API (issue 18 item 5): the last admin stays, business roles listed, admin only', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await publish(t, withRoles);
  });
  after(() => t.close());

  const createUser = async (email: string, roles: string[], businessRoles: string[] = []) => {
    const created = await t.call('POST', '/api/v1/users', {
      email,
      name: email.split('@')[0],
      roles,
      businessRoles,
      password: 'a long enough password',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  };

  test('the last active admin can be neither demoted nor deactivated (409 LAST_ADMIN); with a second admin both work', async () => {
    const first = await createUser('first.admin@example.pl', ['admin']);
    // leave `first` the only active admin user of the tenant
    const listed = await t.call('GET', '/api/v1/users?active=true&limit=200');
    for (const other of listed.body.items.filter((u: any) => u.roles.includes('admin') && u.id !== first.id)) {
      const demoted = await t.call('PATCH', `/api/v1/users/${other.id}`, { roles: ['operator'] });
      assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
    }
    const demote = await t.call('PATCH', `/api/v1/users/${first.id}`, { roles: ['operator'] });
    assert.equal(demote.status, 409);
    assert.equal(demote.body.code, 'LAST_ADMIN');
    assert.equal(demote.body.errors[0].path, '/roles');
    const deactivate = await t.call('DELETE', `/api/v1/users/${first.id}`);
    assert.equal(deactivate.status, 409);
    assert.equal(deactivate.body.code, 'LAST_ADMIN');
    assert.equal((await t.call('GET', `/api/v1/users/${first.id}`)).body.roles.join(), 'admin', 'unchanged');

    const second = await createUser('second.admin@example.pl', ['admin', 'operator']);
    const nowAllowed = await t.call('PATCH', `/api/v1/users/${first.id}`, { roles: ['operator'] });
    assert.equal(nowAllowed.status, 200, JSON.stringify(nowAllowed.body));
    const lastAgain = await t.call('DELETE', `/api/v1/users/${second.id}`);
    assert.equal(lastAgain.body.code, 'LAST_ADMIN');
  });

  test('GET /business-roles lists process roles with labels, held roles with their holders, and mapped roles', async () => {
    await createUser('anna.finance@example.pl', ['approver'], ['finance', 'cfo']);
    const map = await t.call('PUT', '/api/v1/business-roles/map', { entries: [{ role: 'board', actsAs: 'finance' }] });
    assert.equal(map.status, 200, JSON.stringify(map.body));
    const roles = await t.call('GET', '/api/v1/business-roles');
    assert.equal(roles.status, 200, JSON.stringify(roles.body));
    const byCode = Object.fromEntries(roles.body.items.map((r: any) => [r.code, r]));
    assert.deepEqual(byCode.finance.labels, { en: 'Finance', pl: 'Finanse', ru: 'Финансы' });
    assert.equal(byCode.finance.inProcesses, true);
    assert.equal(byCode.finance.users, 1);
    assert.equal(byCode.cfo.inProcesses, false);
    assert.equal(byCode.cfo.users, 1);
    assert.ok(byCode.board, 'a mapped role is listed');
  });

  test('a viewer may not list users or business roles (403 problem+json)', async () => {
    const issued = await t.call('POST', '/api/v1/api-keys', { name: 'viewer', roles: ['viewer'] });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const as = { authorization: `Bearer ${issued.body.secret}` };
    for (const url of ['/api/v1/users', '/api/v1/business-roles']) {
      const refused = await t.call('GET', url, undefined, as);
      assert.equal(refused.status, 403);
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
    const create = await t.call('POST', '/api/v1/users', { email: 'x@example.pl' }, as);
    assert.ok([400, 403].includes(create.status));
  });
});
