import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinition, loadDefinitionOrThrow } from './load-definition.js';
import { describeEvents, eventSource, isManual } from './event-info.js';
import { LABEL_LANGUAGES } from './definition-schema.js';
import { shippedSources, testActions } from './test-fixtures.js';

const source = (events: string) => `key: safety
start: waiting
${events}states:
  waiting:
    labels: { en: Waiting, pl: Czeka, ru: Ждёт }
    after:
      - { in: P1D, event: too_late }
    task: { kind: resolve, role: order_desk, options: [cancel, arrived], labels: { en: Decide } }
    on:
      arrived: done
      paid: done
      cancel: cancelled
      too_late: cancelled
  done: { terminal: true }
  cancelled: { terminal: true, outcome: cancelled }
`;

describe('event sources, destructive events and labels in definitions', () => {
  it('Given an unknown source, When loaded, Then SCHEMA points at its line', () => {
    const text = source('events:\n  paid: { source: bank }\n');
    const r = loadDefinition(text, { registry: testActions });
    assert.equal(r.ok, false);
    const problem = r.ok ? undefined : r.error.find((p) => p.path === '/events/paid/source');
    assert.ok(problem, JSON.stringify(r.ok ? null : r.error));
    assert.equal(problem.code, 'SCHEMA');
    assert.equal(problem.line, 4);
  });

  it('Given an event described that no state accepts, Then UNKNOWN_EVENT at its line', () => {
    const r = loadDefinition(source('events:\n  paid: { source: payment }\n  shiped: { source: carrier }\n'), {
      registry: testActions,
    });
    const problem = r.ok ? undefined : r.error.find((p) => p.code === 'UNKNOWN_EVENT');
    assert.ok(problem);
    assert.equal(problem.path, '/events/shiped');
    assert.equal(problem.line, 5);
  });

  it('Given a label in a language the console does not speak, Then SCHEMA', () => {
    const r = loadDefinition(source('events:\n  paid: { labels: { de: Bezahlt } }\n'), { registry: testActions });
    assert.equal(r.ok, false);
  });

  it('Given declared and derived sources, Then timers are timer, declared ones as said, the rest person; an offered option is manual', () => {
    const def = loadDefinitionOrThrow(
      source('events:\n  paid: { source: payment }\n  arrived: { source: carrier, labels: { en: Arrived } }\n'),
      { registry: testActions },
    );
    assert.equal(eventSource(def, 'paid'), 'payment');
    assert.equal(eventSource(def, 'too_late'), 'timer');
    assert.equal(eventSource(def, 'cancel'), 'person');
    // the task offers `arrived` to people: the author's choice makes it manual here
    assert.equal(isManual(def, 'waiting', 'arrived'), true);
    assert.equal(isManual(def, 'waiting', 'paid'), false);
    const info = Object.fromEntries(
      describeEvents(def, 'waiting', ['arrived', 'paid', 'cancel', 'too_late']).map((e) => [e.name, e]),
    );
    assert.equal(info.cancel!.destructive, true, 'leads to a cancelled end');
    assert.equal(info.arrived!.destructive, false, 'leads to a completed end');
    assert.deepEqual(info.arrived!.labels, { en: 'Arrived' });
  });

  it('Given the shipped definitions, Then every state, event, task and role has words in EN, PL and RU', () => {
    for (const { file, source: text } of shippedSources()) {
      const def = loadDefinitionOrThrow(text, { registry: testActions });
      const missing: string[] = [];
      const check = (what: string, labels: Record<string, string | undefined> | undefined | null) => {
        for (const lang of LABEL_LANGUAGES) if (!labels?.[lang]) missing.push(`${what} ${lang}`);
      };
      const roles = new Set<string>();
      for (const [name, state] of def.states) {
        if (name === def.stuckState && !def.spec.states[name]) continue;
        check(`state ${name}`, state.spec.labels);
        if (state.task) {
          check(`task of ${name}`, state.task.labels);
          if (state.task.role) roles.add(state.task.role);
          if (state.task.escalate) roles.add(state.task.escalate.role);
          for (const step of state.task.chain?.steps ?? []) roles.add(step.role);
        }
        for (const event of state.on.keys()) check(`event ${event}`, def.spec.events?.[event]?.labels);
      }
      for (const role of roles) check(`role ${role}`, def.spec.roles?.[role]?.labels);
      assert.deepEqual(missing, [], file);
    }
  });

  it('Given the shipped definitions, Then carrier, payment and timer events are not manual and cancel is destructive', () => {
    const sources = Object.fromEntries(
      shippedSources().map(({ file, source: text }) => [file, loadDefinitionOrThrow(text, { registry: testActions })]),
    );
    const b2c = sources['b2c-omnichannel.yaml']!;
    assert.equal(eventSource(b2c, 'shipped'), 'carrier');
    assert.equal(eventSource(b2c, 'payment_authorized'), 'payment');
    assert.equal(eventSource(b2c, 'payment_timeout'), 'timer');
    assert.equal(eventSource(b2c, 'reserved'), 'system');
    assert.equal(isManual(b2c, 'fulfilling', 'shipped'), false);
    const fbs = sources['marketplace-fbs.yaml']!;
    const [cancel] = describeEvents(fbs, 'shortage_exception', ['cancel']);
    assert.equal(cancel!.destructive, true);
    assert.equal(cancel!.risks[0]!.code, 'RATING_RISK');
  });
});
