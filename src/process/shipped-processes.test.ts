import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { candidateEvents, exploreDefinition } from './explore.js';
import { prepareFacts } from './facts.js';
import { loadDefinition } from './load-definition.js';
import { factVariants, shippedSources, testActions } from './test-fixtures.js';
import { startProcess, transition } from './transition.js';
import type { CompiledDefinition, ProcessEvent } from './types.js';

const sources = shippedSources();

describe('shipped example processes', () => {
  it('Given the processes folder, Then it ships the eight PRODUCT.md scenarios and the returns process', () => {
    assert.deepEqual(
      sources.map((s) => s.file),
      [
        'b2b-approvals.yaml',
        'b2c-omnichannel.yaml',
        'internal-requisition.yaml',
        'make-to-order.yaml',
        'marketplace-fbs.yaml',
        'quote-to-order.yaml',
        'returns.yaml',
        'subscription.yaml',
        'wholesale.yaml',
      ],
    );
  });

  for (const { file, source } of sources) {
    describe(file, () => {
      const loaded = loadDefinition(source, { registry: testActions });
      it('Given the definition, When it is loaded, Then it validates without problems', () => {
        assert.equal(loaded.ok, true, loaded.ok ? '' : JSON.stringify(loaded.error, null, 2));
      });
      if (!loaded.ok) return;
      const def = loaded.value;

      it('When every event choice is walked for every fact variant, Then every state is visited and every path can reach a terminal state', () => {
        const x = exploreDefinition(def, factVariants, 4000);
        assert.equal(x.truncated, false, 'the bounded search must cover the whole space');
        assert.deepEqual([...x.visitedStates].sort(), [...def.states.keys()].sort(), 'every state is visited');
        assert.deepEqual(x.cannotFinish, [], 'no configuration traps an order');
        const terminals = [...def.states.values()]
          .filter((s) => s.terminal)
          .map((s) => s.name)
          .sort();
        assert.deepEqual([...x.terminalStates].sort(), terminals, 'every terminal state is reached');
      });

      it("Property: random event sequences never throw and never leave the definition's states", () => {
        const names = [...new Set([...def.states.values()].flatMap((s) => [...s.on.keys()]))].concat([
          'approve',
          'reject',
          'escalate',
          'nonsense',
        ]);
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: factVariants.length - 1 }),
            fc.array(
              fc.record({
                pick: fc.nat(),
                name: fc.constantFrom(...names),
                useTask: fc.boolean(),
                valid: fc.boolean(),
              }),
              { maxLength: 40 },
            ),
            (variant, steps) => {
              const facts = prepareFacts(factVariants[variant]!);
              let now = new Date('2026-03-02T08:00:00Z');
              let snap = startProcess(def, facts, now).snapshot;
              for (const s of steps) {
                now = new Date(now.getTime() + 3_600_000);
                const options = candidateEvents(def, snap);
                const ev: ProcessEvent =
                  s.valid && options.length > 0
                    ? options[s.pick % options.length]!
                    : { name: s.name, ...(s.useTask && snap.tasks[0] ? { taskId: snap.tasks[0].id } : {}) };
                const r = transition(def, snap, ev, facts, now);
                if (r.ok) snap = r.value.snapshot;
                else assert.equal(r.error.code, 'TRANSITION_NOT_ALLOWED');
                assert.ok(def.states.has(snap.state), `state ${snap.state} is defined`);
                assert.equal(snap.status === 'done', def.states.get(snap.state)!.terminal);
              }
            },
          ),
          { numRuns: 150 },
        );
      });
    });
  }
});

export type { CompiledDefinition };
