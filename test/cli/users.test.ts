import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { usersCommand } from '../../src/cli/users.js';

describe('ordo users list|add|set-roles|deactivate (issue 18 item 5)', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  const run = async (positionals: string[], values: Record<string, string> = {}) => {
    const lines: string[] = [];
    const code = await usersCommand(t.database.db, t.tenantId, positionals, values, (line) => lines.push(line));
    return { code, lines };
  };

  test('add with a password, add by invitation, list, set roles, deactivate: the API sees each change', async () => {
    const added = await run(['add'], {
      email: 'ewa.kowalska@example.pl',
      name: 'Ewa Kowalska',
      roles: 'operator',
      'business-roles': 'warehouse_lead',
      password: 'hasło magazynierki 2026',
    });
    assert.equal(added.code, 0, added.lines.join('\n'));
    const invited = await run(['add'], { email: 'oleg@example.ru', name: 'Олег Петров', roles: 'approver' });
    assert.equal(invited.code, 0);
    assert.match(invited.lines.join('\n'), /invitation token/);

    const listed = await run(['list']);
    assert.equal(listed.code, 0);
    const ewaLine = listed.lines.find((line) => line.startsWith('ewa.kowalska@example.pl'));
    assert.ok(ewaLine);
    assert.match(ewaLine, /operator/);
    assert.match(ewaLine, /warehouse_lead/);
    assert.match(ewaLine, /active/);

    const set = await run(['set-roles', 'EWA.KOWALSKA@example.pl'], {
      roles: 'approver,viewer',
      'business-roles': 'finance',
    });
    assert.equal(set.code, 0, set.lines.join('\n'));
    const users = await t.call('GET', '/api/v1/users?limit=200');
    const ewa = users.body.items.find((user: any) => user.email === 'ewa.kowalska@example.pl');
    assert.deepEqual(ewa.roles, ['approver', 'viewer']);
    assert.deepEqual(ewa.businessRoles, ['finance']);

    const gone = await run(['deactivate', 'ewa.kowalska@example.pl']);
    assert.equal(gone.code, 0);
    assert.equal((await t.call('GET', `/api/v1/users/${ewa.id}`)).body.active, false);
  });

  test('bad input is refused with a usage or a code, and nothing changes', async () => {
    assert.equal((await run(['add'], { email: 'x@example.pl', name: 'X', roles: 'overlord' })).code, 2);
    assert.equal((await run(['add'], { email: 'not-an-email', name: 'X', roles: 'viewer' })).code, 2);
    assert.equal(
      (await run(['add'], { email: 'short@example.pl', name: 'X', roles: 'viewer', password: 'short' })).code,
      2,
    );
    assert.equal((await run(['deactivate', 'nobody@example.pl'])).code, 1);
    assert.equal((await run(['frobnicate'])).code, 2);
    const again = await run(['add'], { email: 'oleg@example.ru', name: 'Oleg', roles: 'viewer' });
    assert.equal(again.code, 1, 'EMAIL_TAKEN');
    const users = await t.call('GET', '/api/v1/users?limit=200');
    assert.ok(!users.body.items.some((user: any) => ['x@example.pl', 'short@example.pl'].includes(user.email)));
  });
});
