import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePostgresUrl, parsePostgresUrl } from '../../src/shared/postgres-url.js';
import { isPrimaryLost, DatabaseUnavailableError } from '../../src/store/failover.js';

test('given the URL pg_autoctl prints, then each host is split out with its port and the session attribute', () => {
  const parsed = parsePostgresUrl(
    'postgres://ordo:pa%40ss@10.0.0.1:5432,db-2.internal:6432/ordo?target_session_attrs=read-write&sslmode=require',
  );
  assert.deepEqual(parsed.hosts, [
    { host: '10.0.0.1', port: 5432 },
    { host: 'db-2.internal', port: 6432 },
  ]);
  assert.equal(parsed.targetSessionAttrs, 'read-write');
  assert.equal(parsed.forHost(parsed.hosts[1]!), 'postgres://ordo:pa%40ss@db-2.internal:6432/ordo?sslmode=require');
});

test('given hosts without ports, IPv6 and no user, then defaults apply and each single-host URL is valid', () => {
  const parsed = parsePostgresUrl('postgresql://h1,[::1]:5433/шоп');
  assert.deepEqual(parsed.hosts, [
    { host: 'h1', port: 5432 },
    { host: '::1', port: 5433 },
  ]);
  assert.equal(parsed.targetSessionAttrs, undefined);
  assert.equal(parsed.forHost(parsed.hosts[1]!), 'postgresql://[::1]:5433/шоп');
});

test('given a bad URL, then the error says what is wrong', () => {
  assert.throws(() => parsePostgresUrl('mysql://h1,h2/db'), /not a postgres/);
  assert.throws(() => parsePostgresUrl('postgres://h1:99999,h2/db'), /port of "h1:99999"/);
  assert.throws(() => parsePostgresUrl('postgres://h1,h2/db?target_session_attrs=whatever'), /target_session_attrs/);
});

test('given a URL with a password, then its description for logs has hosts and database only', () => {
  assert.equal(describePostgresUrl('postgres://ordo:secret@h1:5432,h2:5433/ordo'), 'PostgreSQL h1:5432,h2:5433/ordo');
});

test('given errors of a lost server, then they are retryable; business errors are not', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  for (const error of [
    new DatabaseUnavailableError('no primary'),
    new Error('Connection terminated unexpectedly'),
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('cannot execute INSERT in a read-only transaction', '25006'),
    withCode('the database system is starting up', '57P03'),
    withCode('connection failure', '08006'),
  ])
    assert.ok(isPrimaryLost(error), error.message);
  for (const error of [
    withCode('duplicate key', '23505'),
    withCode('could not serialize', '40001'),
    new Error('boom'),
    'not an error',
  ])
    assert.ok(!isPrimaryLost(error), String(error));
});
