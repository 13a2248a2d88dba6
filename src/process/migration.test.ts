import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadDefinitionOrThrow } from './load-definition.js';
import { previewMigration } from './migration.js';
import { baseFacts, PROCESSES_DIR, shipped, testActions } from './test-fixtures.js';
import { startProcess, transition } from './transition.js';

const now = new Date('2026-03-02T08:00:00Z');
const v1 = shipped('wholesale');
const facts = { ...baseFacts, lines: [{ sku: 'ЯЩИК', quantity: 3, minBatch: 10 }] };

function v2(edit: (s: string) => string) {
  return loadDefinitionOrThrow(edit(WHOLESALE), { version: 2, registry: testActions });
}
const WHOLESALE = readFileSync(`${PROCESSES_DIR}wholesale.yaml`, 'utf8');

describe('previewMigration', () => {
  const waiting = startProcess(v1, facts, now).snapshot;

  it('Given the state exists in the new version with the same task, Then the order keeps its state, task and version changes', () => {
    assert.equal(waiting.state, 'below_minimum');
    const next = loadDefinitionOrThrow(WHOLESALE.replace('title: Wholesale', 'title: Wholesale v2'), {
      version: 2,
      registry: testActions,
    });
    const p = previewMigration(v1, next, waiting);
    assert.deepEqual([p.via, p.canMigrate, p.to.state, p.problems], ['same_name', true, 'below_minimum', []]);
    assert.equal(p.snapshot!.definitionVersion, 2);
    assert.deepEqual(p.snapshot!.tasks, waiting.tasks);
    assert.deepEqual(p.effects, []);
    const r = transition(next, p.snapshot!, { name: 'cancel' }, facts, now);
    assert.ok(r.ok && r.value.snapshot.state === 'cancelled');
  });

  it('Given the state was renamed, Then without a mapping the preview is blocked, and with one it maps and warns about the changed task', () => {
    const next = v2((s) =>
      s.replaceAll('below_minimum', 'min_batch_check').replace('role: sales_rep', 'role: key_account'),
    );
    const blocked = previewMigration(v1, next, waiting);
    assert.equal(blocked.canMigrate, false);
    assert.deepEqual(
      blocked.problems.map((p) => p.code),
      ['STATE_MISSING'],
    );
    assert.equal(blocked.snapshot, null);
    const mapped = previewMigration(v1, next, waiting, { below_minimum: 'min_batch_check' });
    assert.equal(mapped.canMigrate, true);
    assert.equal(mapped.via, 'mapping');
    assert.deepEqual(
      mapped.problems.map((p) => [p.code, p.blocking]),
      [['TASK_CHANGED', false]],
    );
    assert.deepEqual(
      mapped.effects.map((e) => e.type),
      ['close_task', 'state_changed'],
    );
    assert.equal(mapped.snapshot!.tasks.length, 0);
    assert.deepEqual(
      previewMigration(v1, next, waiting, { below_minimum: 'nowhere' }).problems.map((p) => p.code),
      ['MAPPING_TARGET_UNKNOWN'],
    );
  });

  it('Given a finished order or a snapshot of another definition, Then migration is refused', () => {
    const done = transition(v1, waiting, { name: 'cancel' }, facts, now);
    assert.ok(done.ok);
    const finished = previewMigration(v1, v1, done.value.snapshot);
    assert.deepEqual(
      finished.problems.filter((p) => p.blocking).map((p) => p.code),
      ['ORDER_FINISHED'],
    );
    assert.equal(finished.canMigrate, false);
    const other = shipped('subscription');
    assert.ok(previewMigration(other, v1, waiting).problems.some((p) => p.code === 'WRONG_DEFINITION'));
  });
});
