import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exploreDefinition } from './explore.js';
import { loadDefinitionOrThrow } from './load-definition.js';
import { testActions } from './test-fixtures.js';

describe('exploreDefinition', () => {
  const def = loadDefinitionOrThrow(
    `
key: guarded-trap
start: waiting
states:
  waiting:
    on:
      go: { to: done, when: "order.total > 10" }
  done: { terminal: true }
`,
    { registry: testActions },
  );
  it('Given a guard that can never pass for some facts, Then the configuration is reported as unable to finish', () => {
    const x = exploreDefinition(def, [{ order: { total: 0 } }]);
    assert.deepEqual(
      x.cannotFinish.map((c) => c.state),
      ['waiting'],
    );
    assert.deepEqual([...x.terminalStates], []);
  });
  it('Given facts that let the guard pass, Then every configuration can finish', () => {
    const x = exploreDefinition(def, [{ order: { total: 100 } }, { order: { total: 0 } }]);
    assert.deepEqual(
      x.cannotFinish.map((c) => c.state),
      ['waiting'],
      'the trap under the second variant is still found',
    );
    assert.deepEqual([...x.terminalStates], ['done']);
  });
});
