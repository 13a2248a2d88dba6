import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FactsInput } from './facts.js';
import { loadDefinitionOrThrow } from './load-definition.js';
import { baseFacts, shipped, testActions } from './test-fixtures.js';
import { allowedEvents, startProcess, transition } from './transition.js';
import type { Effect, ProcessEvent, ProcessSnapshot, TransitionNotAllowed, TransitionOk } from './types.js';

const now = new Date('2026-03-02T08:00:00Z');
const b2b = shipped('b2b-approvals');
const b2bFacts: FactsInput = {
  ...baseFacts,
  order: { ...(baseFacts.order as object), total: 1_500_000, maxDiscountPct: 20, paymentTerms: 'deferred' },
  customer: { id: 'c-7', segment: 'b2b', availableCredit: 1_000_000, allowsPartialShipments: false },
};

function step(
  def = b2b,
  snap: ProcessSnapshot,
  ev: ProcessEvent,
  facts: FactsInput = b2bFacts,
  at = now,
): TransitionOk {
  const r = transition(def, snap, ev, facts, at);
  if (!r.ok) assert.fail(`expected ${ev.name} to be allowed in ${snap.state}: ${JSON.stringify(r.error)}`);
  return r.value;
}
function refused(
  def = b2b,
  snap: ProcessSnapshot,
  ev: ProcessEvent,
  facts: FactsInput = b2bFacts,
): TransitionNotAllowed {
  const r = transition(def, snap, ev, facts, now);
  if (r.ok) assert.fail(`expected ${ev.name} to be refused in ${snap.state}`);
  return r.error;
}
const ofType = <T extends Effect['type']>(effects: Effect[], t: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === t);

describe('transition: B2B approvals', () => {
  it('Given a discount above 15 % and a total above credit, When the order starts, Then a sequential chain opens the sales lead task and the trace says why', () => {
    const r = startProcess(b2b, b2bFacts, now);
    assert.equal(r.snapshot.state, 'awaiting_approval');
    assert.deepEqual(
      r.snapshot.tasks.map((t) => [t.role, t.step, t.dueAt, t.escalateTo]),
      [['sales_lead', 0, '2026-03-03T08:00:00.000Z', 'head_of_sales']],
    );
    assert.deepEqual(r.snapshot.attributes, { approvalReasons: ['discount', 'credit'] });
    const always = r.trace.find((t) => t.kind === 'always')!;
    assert.equal(always.condition, 'size(decisions.approval_route) > 0');
    assert.deepEqual(always.inputs, { 'decisions.approval_route': ['discount', 'credit'] });
    // the company's own approval (docs/b2b-companies.md) is not asked for: no member placed it
    assert.deepEqual(always.rejected, ['size(validation.errors) > 0', 'order.companyApproval.required']);
    assert.deepEqual(always.definition, { key: 'b2b-approvals', version: 1 });
    const decision = r.trace.find((t) => t.kind === 'decision')!;
    assert.deepEqual(decision.inputs, {
      'order.maxDiscountPct': 20,
      'order.total': '1500000',
      'customer.availableCredit': '1000000',
      'credit.onHold': false,
      'credit.overdueInvoices': '0',
      'customer.requiresBuyerApproval': false,
    });
    assert.deepEqual(
      ofType(r.effects, 'action').map((e) => e.action),
      ['validate'],
    );
    assert.equal(ofType(r.effects, 'schedule_timer')[0]!.event, 'escalate');
  });

  it('When the sales lead approves, Then the finance step opens; when finance approves, Then the order moves on to reserving', () => {
    const s0 = startProcess(b2b, b2bFacts, now).snapshot;
    const r1 = step(b2b, s0, { name: 'approve', taskId: s0.tasks[0]!.id, actor: { id: 'u-Łukasz' } });
    assert.equal(r1.snapshot.state, 'awaiting_approval');
    assert.deepEqual(
      r1.snapshot.tasks.map((t) => t.role),
      ['finance'],
    );
    assert.deepEqual(ofType(r1.effects, 'close_task'), [
      { type: 'close_task', taskId: s0.tasks[0]!.id, outcome: 'completed', event: 'approve', by: 'u-Łukasz' },
    ]);
    assert.equal(r1.snapshot.approval!.votes.length, 1);
    const r2 = step(b2b, r1.snapshot, { name: 'approve', taskId: r1.snapshot.tasks[0]!.id });
    assert.equal(r2.snapshot.state, 'reserving');
    assert.deepEqual(
      ofType(r2.effects, 'action').map((e) => [e.action, e.args]),
      [['reserve', { allowPartial: false }]],
    );
    assert.equal(r2.snapshot.tasks.length, 0);
    assert.equal(r2.snapshot.approval, null);
  });

  it('When the first approver rejects, Then the order is rejected and finished', () => {
    const s0 = startProcess(b2b, b2bFacts, now).snapshot;
    const r = step(b2b, s0, { name: 'reject', taskId: s0.tasks[0]!.id });
    assert.equal(r.snapshot.state, 'rejected');
    assert.equal(r.snapshot.status, 'done');
    assert.deepEqual(
      ofType(r.effects, 'action').map((e) => e.args.template),
      ['order_rejected'],
    );
    assert.deepEqual(refused(b2b, r.snapshot, { name: 'approve' }), {
      code: 'TRANSITION_NOT_ALLOWED',
      state: 'rejected',
      event: 'approve',
      allowed: [],
      reason: 'FINISHED',
    });
  });

  it('Given the input snapshot, When an event is applied, Then the input is not mutated (the engine is pure)', () => {
    const s0 = startProcess(b2b, b2bFacts, now).snapshot;
    const before = structuredClone(s0);
    step(b2b, s0, { name: 'approve', taskId: s0.tasks[0]!.id });
    assert.deepEqual(s0, before);
  });

  it('Given an event the state does not accept, Then the result lists the allowed events', () => {
    const s0 = startProcess(b2b, b2bFacts, now).snapshot;
    assert.deepEqual(refused(b2b, s0, { name: 'shipped' }), {
      code: 'TRANSITION_NOT_ALLOWED',
      state: 'awaiting_approval',
      event: 'shipped',
      allowed: ['approve', 'reject', 'cancel'],
      reason: 'NOT_IN_STATE',
    });
    assert.equal(refused(b2b, s0, { name: 'approve', taskId: 'no-such-task' }).reason, 'UNKNOWN_TASK');
  });

  it('Given a stock shortage and a customer who refuses partial shipments, When split is chosen, Then the guard refuses it and allowed events leave split out', () => {
    const plain = { ...b2bFacts, order: { ...(b2bFacts.order as object), maxDiscountPct: 0, total: 100 } };
    let s = startProcess(b2b, plain, now).snapshot;
    assert.equal(s.state, 'reserving');
    s = step(b2b, s, { name: 'shortage' }, plain).snapshot;
    assert.equal(s.state, 'stock_exception');
    assert.equal(s.status, 'waiting_exception');
    const e = refused(b2b, s, { name: 'split' }, plain);
    assert.equal(e.reason, 'GUARD_FAILED');
    assert.deepEqual(e.allowed, ['backorder', 'cancel']);
    assert.deepEqual(allowedEvents(b2b, s), ['backorder', 'split', 'cancel']);
    const ok = step(
      b2b,
      s,
      { name: 'split', taskId: s.tasks[0]!.id },
      { ...plain, customer: { allowsPartialShipments: true } },
    );
    assert.equal(ok.snapshot.state, 'routing');
    assert.deepEqual(ofType(ok.effects, 'close_exception'), [
      { type: 'close_exception', kind: 'stock_shortage', state: 'stock_exception', resolution: 'split' },
    ]);
  });

  it('Given a backorder, Then a P14D timer is scheduled, and leaving the state cancels it', () => {
    const plain = { ...b2bFacts, order: { ...(b2bFacts.order as object), maxDiscountPct: 0, total: 100 } };
    let s = startProcess(b2b, plain, now).snapshot;
    s = step(b2b, s, { name: 'shortage' }, plain).snapshot;
    const r = step(b2b, s, { name: 'backorder' }, plain);
    const timer = ofType(r.effects, 'schedule_timer')[0]!;
    assert.deepEqual([timer.event, timer.at], ['supply_timeout', '2026-03-16T08:00:00.000Z']);
    const back = step(b2b, r.snapshot, { name: 'supply_arrived' }, plain);
    assert.deepEqual(
      ofType(back.effects, 'cancel_timer').map((c) => c.timerId),
      [timer.timerId],
    );
    assert.equal(back.snapshot.timers.length, 0);
  });

  it('Given an approval task past due, When the escalate timer fires, Then the task is reassigned to the escalation role', () => {
    const s0 = startProcess(b2b, b2bFacts, now).snapshot;
    const id = s0.tasks[0]!.id;
    const r = step(b2b, s0, { name: 'escalate', taskId: id }, b2bFacts, new Date('2026-03-03T08:00:00Z'));
    assert.equal(r.snapshot.state, 'awaiting_approval');
    assert.deepEqual(ofType(r.effects, 'escalate_task'), [
      { type: 'escalate_task', taskId: id, role: 'head_of_sales' },
    ]);
    assert.equal(r.snapshot.tasks[0]!.role, 'head_of_sales');
    assert.equal(r.snapshot.timers.length, 0, 'the fired escalation timer is spent');
  });
});

const chain = (policy: string, extra = '') =>
  loadDefinitionOrThrow(
    `
key: chain-test
start: approving
states:
  approving:
    task:
      kind: approval
      chain: { mode: parallel, policy: ${policy}, ${extra} steps: [{ role: a }, { role: b }, { role: c, when: "order.total > 1000" }] }
    on: { approve: approved, reject: rejected }
  approved: { terminal: true }
  rejected: { terminal: true }
`,
    { registry: testActions },
  );
const big = { order: { total: 5000 } };

describe('transition: parallel approval chains', () => {
  const vote = (def: ReturnType<typeof chain>, votes: ('approve' | 'reject')[], facts: FactsInput = big) => {
    let s = startProcess(def, facts, now).snapshot;
    const ids = s.tasks.map((t) => t.id);
    const states: string[] = [];
    votes.forEach((v, i) => {
      s = step(def, s, { name: v, taskId: ids[i]! }, facts).snapshot;
      states.push(s.state);
    });
    return { states, opened: ids.length };
  };
  it('all-of: every step must approve; one rejection rejects', () => {
    assert.deepEqual(vote(chain('all-of'), ['approve', 'approve', 'approve']), {
      states: ['approving', 'approving', 'approved'],
      opened: 3,
    });
    assert.deepEqual(vote(chain('all-of'), ['approve', 'reject']).states, ['approving', 'rejected']);
  });
  it('any-of: the first approval approves; only when all reject is it rejected', () => {
    assert.deepEqual(vote(chain('any-of'), ['reject', 'approve']).states, ['approving', 'approved']);
    assert.deepEqual(vote(chain('any-of'), ['reject', 'reject', 'reject']).states, [
      'approving',
      'approving',
      'rejected',
    ]);
  });
  it('n-of: two of three approve; rejected once two approvals are impossible', () => {
    assert.deepEqual(vote(chain('n-of', 'n: 2,'), ['approve', 'reject', 'approve']).states, [
      'approving',
      'approving',
      'approved',
    ]);
    assert.deepEqual(vote(chain('n-of', 'n: 2,'), ['reject', 'reject']).states, ['approving', 'rejected']);
  });
  it('Given a step whose rule does not apply, Then it is left out of the chain', () => {
    assert.equal(vote(chain('all-of'), ['approve', 'approve'], { order: { total: 10 } }).states.at(-1), 'approved');
  });
  it('Given no step applies, Then the chain approves without opening a task', () => {
    const def = loadDefinitionOrThrow(
      `
key: no-steps
start: approving
states:
  approving:
    task: { kind: approval, chain: { mode: sequential, steps: [{ role: cfo, when: "order.total > 1000000" }] } }
    on: { approve: approved, reject: rejected }
  approved: { terminal: true }
  rejected: { terminal: true }
`,
      { registry: testActions },
    );
    const r = startProcess(def, { order: { total: 10 } }, now);
    assert.equal(r.snapshot.state, 'approved');
    assert.equal(ofType(r.effects, 'open_task').length, 0);
    assert.ok(r.trace.some((t) => t.note === 'no approval step applies; approved without a task'));
  });
});

describe('transition: step limit, timers, decisions', () => {
  const loop = (settings = '') =>
    loadDefinitionOrThrow(
      `
key: runaway
start: ping
${settings}
states:
  ping:
    always: [{ to: pong, when: "order.total > 0" }, { to: done }]
  pong:
    always: [{ to: ping }]
  done: { terminal: true }
`,
      { registry: testActions },
    );
  it('Given a loop of automatic transitions, When the order starts, Then the step limit parks it in "stuck" with a trace entry instead of throwing', () => {
    const r = startProcess(loop(), { order: { total: 1 } }, now);
    assert.equal(r.snapshot.state, 'stuck');
    assert.equal(r.snapshot.status, 'waiting_exception');
    const limit = r.trace.find((t) => t.kind === 'step_limit')!;
    assert.match(limit.note!, /more than 50 automatic transitions/);
    assert.deepEqual(ofType(r.effects, 'open_exception'), [
      { type: 'open_exception', kind: 'runaway_process', state: 'stuck', resolutions: [] },
    ]);
    assert.equal(ofType(r.effects, 'state_changed').length, 52);
    assert.deepEqual(allowedEvents(loop(), r.snapshot), []);
  });
  it('Given maxSteps and a declared stuck state, Then the loop stops there and its exception resolutions are offered', () => {
    const def = loadDefinitionOrThrow(
      `
key: runaway-2
start: ping
settings: { maxSteps: 5, stuckState: parked }
states:
  ping:
    always: [{ to: ping2, when: "order.total > 0" }, { to: done }]
  ping2:
    always: [{ to: ping }]
  parked:
    exception: { kind: runaway, resolutions: [abandon] }
    task: { kind: resolve, role: process_owner, options: [abandon] }
    on: { abandon: done }
  done: { terminal: true }
`,
      { registry: testActions },
    );
    const r = startProcess(def, { order: { total: 1 } }, now);
    assert.equal(r.snapshot.state, 'parked');
    assert.deepEqual(
      r.snapshot.tasks.map((t) => t.role),
      ['process_owner'],
    );
    assert.equal(step(def, r.snapshot, { name: 'abandon' }).snapshot.state, 'done');
  });
  it('Given the same loop whose condition is false, Then the default transition finishes normally', () => {
    assert.equal(startProcess(loop(), { order: { total: 0 } }, now).snapshot.state, 'done');
  });

  it('Given a marketplace order, Then deadline timers are scheduled from order.shipBy, and deadline_near flags without leaving the state', () => {
    const fbs = shipped('marketplace-fbs');
    let r = startProcess(fbs, baseFacts, now);
    r = step(fbs, r.snapshot, { name: 'payment_captured' }, baseFacts);
    r = step(fbs, r.snapshot, { name: 'reserved' }, baseFacts);
    assert.equal(r.snapshot.state, 'packing');
    assert.deepEqual(
      ofType(r.effects, 'schedule_timer').map((t) => [t.event, t.at]),
      [
        ['deadline_near', '2026-03-03T13:00:00.000Z'],
        ['deadline_missed', '2026-03-03T15:00:00.000Z'],
      ],
    );
    const near = step(fbs, r.snapshot, { name: 'deadline_near' }, baseFacts, new Date('2026-03-03T13:00:00Z'));
    assert.equal(near.snapshot.state, 'packing');
    assert.deepEqual(
      ofType(near.effects, 'action').map((e) => e.action),
      ['flag', 'notify'],
    );
    assert.deepEqual(
      near.snapshot.timers.map((t) => t.event),
      ['deadline_missed'],
    );
  });

  it('Given a first-hit decision table with a default and a set_attribute expression, Then results land in attributes and conditions see them', () => {
    const def = loadDefinitionOrThrow(
      `
key: decisions
start: start
decisions:
  priority:
    hitPolicy: first
    default: normal
    rules:
      - { when: 'customer.segment == "vip"', output: high }
      - { when: "order.total > 100000", output: high }
states:
  start:
    enter:
      - { action: decide, args: { table: priority, as: priority } }
      - { action: set_attribute, args: { name: lines, expr: "size(lines)" } }
      - { action: notify, when: 'attributes.priority == "high"', args: { template: vip_order } }
    always:
      - { to: express, when: 'decisions.priority == "high" && attributes.lines >= 1' }
      - { to: standard }
  express: { terminal: true }
  standard: { terminal: true }
`,
      { registry: testActions },
    );
    const vip = startProcess(def, { ...baseFacts, customer: { segment: 'vip' } }, now);
    assert.deepEqual(vip.snapshot.attributes, { priority: 'high', lines: 1 });
    assert.equal(vip.snapshot.state, 'express');
    assert.deepEqual(
      ofType(vip.effects, 'action').map((e) => e.args.template),
      ['vip_order'],
    );
    const normal = startProcess(def, { ...baseFacts, order: { total: 99_900 }, customer: { segment: 'retail' } }, now);
    assert.deepEqual([normal.snapshot.attributes.priority, normal.snapshot.state], ['normal', 'standard']);
    assert.ok(normal.trace.some((t) => t.kind === 'action_skipped' && t.note === 'notify'));
  });
});

describe('transition: robustness', () => {
  it('Given a marketplace order without a ship-by date, Then no deadline timer is scheduled and the trace says why', () => {
    const fbs = shipped('marketplace-fbs');
    const facts = { ...baseFacts, order: { ...(baseFacts.order as object), shipBy: undefined } };
    const paid = step(fbs, startProcess(fbs, facts, now).snapshot, { name: 'payment_captured' }, facts);
    const r = step(fbs, paid.snapshot, { name: 'reserved' }, facts);
    assert.equal(r.snapshot.state, 'packing');
    assert.equal(ofType(r.effects, 'schedule_timer').length, 0);
    assert.equal(r.trace.filter((t) => t.kind === 'error' && /deadline is not set/.test(t.note!)).length, 2);
  });

  it('Given a line with a fractional quantity (weighed goods), Then facts are prepared and conditions still run', () => {
    const ws = shipped('wholesale');
    const r = startProcess(ws, { ...baseFacts, lines: [{ sku: 'СЫР-ВЕС', quantity: 2.5, minBatch: 1 }] }, now);
    assert.equal(r.snapshot.state, 'credit_check');
  });

  it('Given a snapshot of another definition version, Then the engine refuses loudly (a wiring bug, not an outcome)', () => {
    const s = startProcess(b2b, b2bFacts, now).snapshot;
    assert.throws(
      () => transition(b2b, { ...s, definitionVersion: 2 }, { name: 'cancel' }, b2bFacts, now),
      /runs b2b-approvals v2/,
    );
  });
});
