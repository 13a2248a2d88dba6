import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { usersCommand } from '../../src/cli/users.js';

const PASSWORD = 'hasło z długą strefą czasową';

/** A 400 problem+json whose errors name `timeZone` (never a 500, never a silent save). */
function refusedNamingTimeZone(
  response: { status: number; body: any; headers: Record<string, unknown> },
  what: string,
) {
  assert.equal(response.status, 400, `${what}: ${JSON.stringify(response.body)}`);
  assert.match(String(response.headers['content-type']), /application\/problem\+json/, what);
  assert.equal(response.body.code, 'VALIDATION_FAILED', what);
  assert.ok(
    response.body.errors.some((e: { path: string }) => e.path === '/timeZone'),
    `${what}: ${JSON.stringify(response.body.errors)}`,
  );
}

/**
 * Issue 18 ("in the user's language and time zone"): a user's own time zone (migration 0037), an
 * IANA name or null for the browser's, set by an admin (users API, CLI) or by the user themselves
 * (PATCH /me) and returned with the current user (GET /me).
 */
describe('a user’s own time zone', () => {
  let t: TestApp;
  let userId = '';
  let cookie = '';
  const asUser = () => ({ authorization: '', cookie });
  before(async () => {
    t = await testApp();
    const created = await t.call('POST', '/api/v1/users', {
      email: 'strefa@example.pl',
      name: 'Stefania Strefa',
      roles: ['operator'],
      password: PASSWORD,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.timeZone, null, 'no zone given: the browser’s');
    userId = created.body.id;
    const login = await t.call('POST', '/api/v1/auth/login', { email: 'strefa@example.pl', password: PASSWORD });
    assert.equal(login.status, 200);
    cookie = String(login.headers['set-cookie']).split(';')[0]!;
  });
  after(() => t.close());

  test('given a signed-in user, PATCH /me sets their zone, GET /me returns it, null goes back to the browser’s', async () => {
    assert.equal((await t.call('GET', '/api/v1/me', undefined, asUser())).body.timeZone, null);
    const set = await t.call('PATCH', '/api/v1/me', { timeZone: 'Asia/Vladivostok' }, asUser());
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.timeZone, 'Asia/Vladivostok');
    assert.equal((await t.call('GET', '/api/v1/me', undefined, asUser())).body.timeZone, 'Asia/Vladivostok');
    // the admin sees it on the user
    assert.equal((await t.call('GET', `/api/v1/users/${userId}`)).body.timeZone, 'Asia/Vladivostok');

    const cleared = await t.call('PATCH', '/api/v1/me', { timeZone: null }, asUser());
    assert.equal(cleared.status, 200);
    assert.equal((await t.call('GET', '/api/v1/me', undefined, asUser())).body.timeZone, null);
  });

  test('given a zone that is not an IANA name, PATCH /me and the users API answer 400 naming timeZone and keep the old zone', async () => {
    assert.equal((await t.call('PATCH', '/api/v1/me', { timeZone: 'Europe/Warsaw' }, asUser())).status, 200);
    for (const zone of [
      'Mars/Olympus',
      '+01:00',
      "Europe/Warsaw'; drop table users; --",
      '',
      'Europe/Warsaw\u0000',
      'Europe/\ud800Warsaw',
      'Europe/'.padEnd(5_000, 'x'),
    ]) {
      refusedNamingTimeZone(await t.call('PATCH', '/api/v1/me', { timeZone: zone }, asUser()), `me ${zone}`);
      refusedNamingTimeZone(await t.call('PATCH', `/api/v1/users/${userId}`, { timeZone: zone }), `users ${zone}`);
    }
    refusedNamingTimeZone(
      await t.call('POST', '/api/v1/users', {
        email: 'mars@example.pl',
        name: 'Marsjanin',
        roles: ['viewer'],
        timeZone: 'Mars/Olympus',
        password: PASSWORD,
      }),
      'create',
    );
    assert.equal((await t.call('GET', '/api/v1/me', undefined, asUser())).body.timeZone, 'Europe/Warsaw');
    const users = await t.call('GET', '/api/v1/users?limit=200');
    assert.ok(!users.body.items.some((u: { email: string }) => u.email === 'mars@example.pl'));
  });

  test('a user changes only their own zone: roles in PATCH /me are refused, and an API key has no profile', async () => {
    const escalate = await t.call('PATCH', '/api/v1/me', { roles: ['admin'] }, asUser());
    assert.equal(escalate.status, 400, JSON.stringify(escalate.body));
    assert.deepEqual((await t.call('GET', '/api/v1/me', undefined, asUser())).body.roles, ['operator']);
    const byKey = await t.call('PATCH', '/api/v1/me', { timeZone: 'Europe/Warsaw' });
    assert.equal(byKey.status, 403, JSON.stringify(byKey.body));
  });

  test('an admin sets a zone on create and with PATCH /users/{id}; the name is kept in its canonical spelling', async () => {
    const created = await t.call('POST', '/api/v1/users', {
      email: 'wladywostok@example.ru',
      name: 'Влад Восток',
      roles: ['viewer'],
      timeZone: 'Asia/Vladivostok',
      password: PASSWORD,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.timeZone, 'Asia/Vladivostok');
    const changed = await t.call('PATCH', `/api/v1/users/${created.body.id}`, { timeZone: 'europe/warsaw' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.timeZone, 'Europe/Warsaw');
    const cleared = await t.call('PATCH', `/api/v1/users/${created.body.id}`, { timeZone: null });
    assert.equal(cleared.body.timeZone, null);
  });

  test('ordo users set-time-zone sets and clears a zone, refuses an unknown one; add takes --time-zone', async () => {
    const run = async (positionals: string[], values: Record<string, string> = {}) => {
      const lines: string[] = [];
      const code = await usersCommand(t.database.db, t.tenantId, positionals, values, (line) => lines.push(line));
      return { code, lines };
    };
    const set = await run(['set-time-zone', 'strefa@example.pl', 'Asia/Vladivostok']);
    assert.equal(set.code, 0, set.lines.join('\n'));
    assert.equal((await t.call('GET', `/api/v1/users/${userId}`)).body.timeZone, 'Asia/Vladivostok');
    assert.equal((await run(['set-time-zone', 'strefa@example.pl', 'Mars/Olympus'])).code, 1);
    assert.equal((await t.call('GET', `/api/v1/users/${userId}`)).body.timeZone, 'Asia/Vladivostok');
    assert.equal((await run(['set-time-zone', 'strefa@example.pl', 'browser'])).code, 0);
    assert.equal((await t.call('GET', `/api/v1/users/${userId}`)).body.timeZone, null);
    assert.equal((await run(['set-time-zone', 'strefa@example.pl'])).code, 2);

    const added = await run(['add'], {
      email: 'cli-zone@example.pl',
      name: 'Z CLI',
      roles: 'viewer',
      'time-zone': 'Europe/Warsaw',
      password: PASSWORD,
    });
    assert.equal(added.code, 0, added.lines.join('\n'));
    const listed = await run(['list']);
    assert.match(
      listed.lines.find((l) => l.startsWith('cli-zone@example.pl'))!,
      /Europe\/Warsaw/,
    );
  });
});
