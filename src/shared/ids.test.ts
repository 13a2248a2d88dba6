import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isId, newId } from './ids.js';

test('given many ids made in the same milliseconds, each is a valid UUIDv7, unique, and sorts in the order it was made', () => {
  const ids = Array.from({ length: 20_000 }, () => newId());
  assert.ok(ids.every(isId));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
});

test('given an id, its first 48 bits are the current Unix time in milliseconds', () => {
  const before = Date.now();
  const id = newId();
  const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(ms >= before && ms <= Date.now() + 1, `${ms} not within [${before}, now]`);
});
