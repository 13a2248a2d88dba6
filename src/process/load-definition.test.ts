import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_EXPRESSION_LENGTH } from './facts.js';
import { loadDefinition } from './load-definition.js';
import type { DefinitionProblem } from './types.js';
import { testActions } from './test-fixtures.js';

function problems(source: string | object): DefinitionProblem[] {
  const r = loadDefinition(source, { registry: testActions });
  assert.equal(r.ok, false, 'the definition must be refused');
  return r.ok ? [] : r.error;
}

const find = (ps: DefinitionProblem[], code: string, path?: string) =>
  ps.find((p) => p.code === code && (path === undefined || p.path === path));

const minimal = (states: string, extra = '') => `key: test-process
start: received
${extra}states:
${states}`;

describe('loadDefinition: bad input', () => {
  it('Given a definition with many mistakes, When loaded, Then every problem is listed with its line and column', () => {
    const src = [
      'key: broken', // 1
      'start: received', // 2
      'states:', // 3
      '  received:', // 4
      '    enter:', // 5
      '      - action: teleport', // 6
      '      - action: reserve', // 7
      '        args: { allowPartial: "yes" }', // 8
      '    always:', // 9
      '      - { to: nowhere, when: "order.total > 10" }', // 10
      '      - { to: done, when: "order.totl > 10" }', // 11
      '      - { to: done, when: "order.total >" }', // 12
      '      - { to: done, when: "order.currency + 1 > 2" }', // 13
      '      - { to: done }', // 14
      '  orphan:', // 15
      '    on: { go: done }', // 16
      '  limbo:', // 17
      '    description: waits forever', // 18
      '  done:', // 19
      '    terminal: true', // 20
    ].join('\n');
    const ps = problems(src);
    const at = (code: string) => {
      const p = find(ps, code);
      assert.ok(p, `expected ${code} in ${JSON.stringify(ps, null, 1)}`);
      return p;
    };
    assert.deepEqual(
      [at('ACTION_NOT_IMPLEMENTED').line, at('ACTION_NOT_IMPLEMENTED').path],
      [6, '/states/received/enter/0/action'],
    );
    assert.equal(at('BAD_ACTION_ARGS').line, 8);
    assert.equal(at('BAD_ACTION_ARGS').path, '/states/received/enter/1/args/allowPartial');
    assert.deepEqual([at('UNKNOWN_STATE').line, at('UNKNOWN_STATE').path], [10, '/states/received/always/0/to']);
    // The column points at the unknown field inside the quoted CEL text.
    const unknownFact = at('UNKNOWN_FACT');
    assert.equal(unknownFact.line, 11);
    assert.equal(unknownFact.column, '      - { to: done, when: "order.totl > 10" }'.indexOf('totl') + 1);
    assert.equal(at('CEL_SYNTAX').line, 12);
    assert.equal(at('CEL_TYPE').line, 13);
    assert.deepEqual([find(ps, 'UNREACHABLE_STATE', '/states/orphan')?.line], [15]);
    assert.deepEqual([find(ps, 'DEAD_END_STATE', '/states/limbo')?.line], [17]);
    assert.ok(find(ps, 'UNREACHABLE_STATE', '/states/limbo'));
    assert.ok(ps.length >= 9);
  });

  it('Given no terminal state, Then NO_TERMINAL_STATE is reported', () => {
    const ps = problems(minimal('  received:\n    on: { go: waiting }\n  waiting:\n    on: { back: received }\n'));
    assert.deepEqual(
      ps.map((p) => [p.code, p.path, p.line]),
      [['NO_TERMINAL_STATE', '/states', 3]],
    );
  });

  it('Given a loop of states with no way to a terminal state, Then NO_PATH_TO_TERMINAL names each trapped state', () => {
    const ps = problems(
      minimal(
        [
          '  received:',
          '    on: { go: waiting, finish: done }',
          '  waiting:',
          '    on: { poke: waiting_more }',
          '  waiting_more:',
          '    on: { poke: waiting }',
          '  done: { terminal: true }',
        ].join('\n') + '\n',
      ),
    );
    assert.deepEqual(
      ps.filter((p) => p.code === 'NO_PATH_TO_TERMINAL').map((p) => [p.path, p.line]),
      [
        ['/states/waiting', 6],
        ['/states/waiting_more', 8],
      ],
    );
  });

  it('Given schema errors (unknown property, bad duration, missing start), Then each is a SCHEMA problem at its line', () => {
    const ps = problems(
      [
        'key: Bad Key',
        'states:',
        '  received:',
        '    colour: blue',
        '    task: { kind: approval, due: 24h }',
        '    on: { approve: done, reject: done }',
        '  done: { terminal: true }',
      ].join('\n'),
    );
    assert.equal(find(ps, 'SCHEMA', '/key')?.line, 1);
    assert.ok(find(ps, 'SCHEMA', '/start'), 'missing start');
    assert.equal(find(ps, 'SCHEMA', '/states/received/colour')?.line, 4);
    assert.equal(find(ps, 'SCHEMA', '/states/received/task/due')?.line, 5);
  });

  it('Given durations that are malformed or too large for a date, Then each is refused where it stands', () => {
    const ps = problems(
      minimal(
        [
          '  received:',
          '    enter:',
          '      - action: schedule_timer',
          '        args: { name: t, event: ping, in: 1d }',
          '      - action: schedule_timer',
          '        args: { name: u, event: ping, in: P999999999Y }',
          '    task: { kind: review, due: P999999999Y }',
          '    after: [{ in: P1.5D, event: ping }]',
          '    on: { ping: done }',
          '  done: { terminal: true }',
        ].join('\n'),
      ),
    );
    assert.equal(find(ps, 'SCHEMA', '/states/received/after/0/in')?.line, 11);
    const again = problems(
      minimal(
        [
          '  received:',
          '    enter:',
          '      - action: schedule_timer',
          '        args: { name: t, event: ping, in: 1d }',
          '      - action: schedule_timer',
          '        args: { name: u, event: ping, in: P999999999Y }',
          '    task: { kind: review, due: P999999999Y }',
          '    after: [{ in: PT1H, event: ping }]',
          '    on: { ping: done }',
          '  done: { terminal: true }',
        ].join('\n'),
      ),
    );
    assert.equal(
      find(again, 'BAD_ACTION_ARGS', '/states/received/enter/0/args/in')?.message,
      'an ISO 8601 duration such as PT24H',
    );
    assert.equal(find(again, 'BAD_ACTION_ARGS', '/states/received/enter/1/args/in')?.line, 9);
    assert.equal(
      find(again, 'SCHEMA', '/states/received/task/due')?.message,
      'an ISO 8601 duration such as PT24H or P2D',
    );
  });

  it('Given broken YAML, Then a YAML_SYNTAX problem gives the line', () => {
    const ps = problems('key: x\nstart: a\nstates:\n  a: { on: [ }\n');
    assert.equal(ps[0]!.code, 'YAML_SYNTAX');
    assert.equal(ps[0]!.line, 4);
  });

  it('Given task options, timers and resolutions without transitions, Then each is reported', () => {
    const ps = problems(
      minimal(
        [
          '  received:',
          '    exception: { kind: stock_shortage, resolutions: [split, cancel, backorder] }',
          '    task: { kind: resolve, role: order_desk, options: [split, wait] }',
          '    after: [{ in: PT1H, event: ping }]',
          '    on: { split: done, cancel: done }',
          '  done: { terminal: true, on: { reopen: received } }',
        ].join('\n') + '\n',
      ),
    );
    assert.equal(find(ps, 'UNHANDLED_TASK_OPTION')?.path, '/states/received/task/options/1');
    assert.equal(find(ps, 'UNHANDLED_TIMER_EVENT')?.path, '/states/received/after/0/event');
    assert.equal(find(ps, 'UNHANDLED_RESOLUTION')?.path, '/states/received/exception/resolutions/2');
    assert.ok(find(ps, 'TERMINAL_HAS_EXITS', '/states/done/terminal'));
  });

  it('Given an approval state without approve/reject and a bad n-of chain, Then both are reported', () => {
    const ps = problems(
      minimal(
        [
          '  received:',
          '    task:',
          '      kind: approval',
          '      chain: { mode: parallel, policy: n-of, n: 3, steps: [{ role: a }, { role: b }] }',
          '    on: { approve: done }',
          '  done: { terminal: true }',
        ].join('\n') + '\n',
      ),
    );
    assert.ok(find(ps, 'APPROVAL_EVENTS_MISSING'));
    assert.equal(find(ps, 'BAD_APPROVAL_CHAIN')?.line, 7);
  });

  it('Given a decision table referenced but not declared, and a default not last, Then both are reported', () => {
    const ps = problems(
      minimal(
        [
          '  received:',
          '    enter: [{ action: decide, args: { table: missing, as: x } }]',
          '    always:',
          '      - { to: done }',
          '      - { to: done, when: "decisions.nope == \'a\'" }',
          '  done: { terminal: true }',
        ].join('\n') + '\n',
      ),
    );
    assert.equal(find(ps, 'UNKNOWN_DECISION', '/states/received/enter/0/args/table')?.line, 5);
    assert.equal(find(ps, 'UNKNOWN_DECISION', '/states/received/always/1/when')?.line, 8);
    assert.equal(find(ps, 'UNREACHABLE_TRANSITION')?.path, '/states/received/always/0');
  });

  it('Given a CEL expression nested too deep, Then it is refused at parse time with CEL_LIMIT', () => {
    const deep = '('.repeat(40) + 'order.total > 1' + ')'.repeat(40);
    const ps = problems(
      minimal(
        `  received:\n    always:\n      - { to: done, when: "${deep}" }\n      - { to: done }\n  done: { terminal: true }\n`,
      ),
    );
    const p = find(ps, 'CEL_LIMIT');
    assert.ok(p);
    assert.match(p.message, /maxDepth/);
    assert.equal(p.line, 6);
  });

  it('Given a CEL expression longer than the limit, Then it is refused with CEL_LIMIT', () => {
    const long = Array.from({ length: 120 }, () => 'order.total > 1').join(' || ');
    assert.ok(long.length > MAX_EXPRESSION_LENGTH);
    const ps = problems(
      minimal(
        `  received:\n    always:\n      - { to: done, when: "${long}" }\n      - { to: done }\n  done: { terminal: true }\n`,
      ),
    );
    assert.match(find(ps, 'CEL_LIMIT')!.message, /limit is 1000/);
  });

  it('Given a condition that is not boolean, Then it is a CEL_TYPE problem', () => {
    const ps = problems(
      minimal(
        '  received:\n    always:\n      - { to: done, when: "order.total + 1" }\n      - { to: done }\n  done: { terminal: true }\n',
      ),
    );
    assert.match(find(ps, 'CEL_TYPE')!.message, /must be bool/);
  });

  it('Given a JSON object instead of YAML text, Then problems carry paths and line 0', () => {
    const ps = problems({ key: 'x', start: 'a', states: { a: { on: { go: 'b' } } } });
    assert.deepEqual(find(ps, 'UNKNOWN_STATE'), {
      path: '/states/a/on/go',
      line: 0,
      column: 0,
      code: 'UNKNOWN_STATE',
      message: 'transition to unknown state "b"',
    });
  });

  it('Given a valid JSON text, When loaded, Then it compiles (JSON is accepted as well as YAML)', () => {
    const r = loadDefinition(
      JSON.stringify({ key: 'json-process', start: 'a', states: { a: { on: { go: 'b' } }, b: { terminal: true } } }),
      { registry: testActions },
    );
    assert.equal(r.ok, true);
    if (r.ok) assert.deepEqual([...r.value.states.keys()], ['a', 'b']);
  });

  it('Given a version published before the external-action rules, When loaded to run its orders, Then it still loads; as a draft it is refused', () => {
    // The shape the shipped B2B process had: the ERP asked, then moving on at once.
    const old = `key: legacy
start: invoicing
states:
  invoicing:
    enter:
      - action: sync_erp
    always:
      - { to: done }
  done:
    terminal: true
`;
    const draft = loadDefinition(old, { registry: testActions });
    assert.equal(draft.ok, false);
    if (!draft.ok) assert.ok(draft.error.some((p) => p.code === 'EXTERNAL_ACTION_NOT_AWAITED'));
    const stored = loadDefinition(old, { registry: testActions, stored: true, version: 1 });
    assert.equal(stored.ok, true);
  });
});
