import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, fixedClock, type TestApp } from '../support.js';
import { fireDueTimers, processTimerJob } from '../../src/app/process/fire-due-timers.js';
import { JobRegistry } from '../../src/app/events/timers.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { publish, setRules, shipped, stock } from './process-support.js';

const HOUR = 3_600_000;

describe('process timers', () => {
  let t: TestApp;
  const clock = fixedClock('2026-03-02T08:00:00Z');
  before(async () => {
    t = await testApp({ clock });
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 500],
      ['SKU-2', 'WAW-1', 500],
      ['SKU-3', 'WAW-1', 500],
    ]);
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: 'web' }]);
  });
  after(() => t.close());

  test('given due payment timeouts, when three callers fire timers at once, then each timer fires exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await t.call('POST', '/api/v1/orders', orderBody({ externalId: `TMO-${i}` }));
      assert.equal(r.body.state, 'awaiting_payment', JSON.stringify(r.body));
      ids.push(r.body.id);
    }
    const at = new Date(clock.now().getTime() + HOUR);
    const registry = new JobRegistry([processTimerJob(t.services.operations)]);
    const runner = new JobsRunner({ db: t.database.db, clock: fixedClock(at.toISOString()), registry, batchSize: 5 });
    const [a, b, c] = await Promise.all([
      fireDueTimers(t.services.operations, t.database.db, at, { limit: 5 }),
      fireDueTimers(t.services.operations, t.database.db, at, { limit: 5 }),
      runner.runDue(),
    ]);
    // Whatever is left (busy or beyond the batches) goes on the next round.
    const rest = await fireDueTimers(t.services.operations, t.database.db, at);
    const again = await fireDueTimers(t.services.operations, t.database.db, at);
    assert.equal(a.fired + b.fired + c + rest.fired, 12);
    assert.equal(again.fired, 0);
    for (const id of ids) {
      const h = await t.call('GET', `/api/v1/orders/${id}/history`);
      assert.equal(h.body.items.filter((i: any) => i.action === 'process.timer').length, 1, id);
      const o = await t.call('GET', `/api/v1/orders/${id}`);
      assert.equal(o.body.state, 'cancelled');
    }
  });

  test('given a fraud review nobody picks up, when its due time passes, then the escalation timer hands the task to the escalation role', async () => {
    await t.call('POST', '/api/v1/customers', {
      code: 'RISK-1',
      name: 'Анна Подозрительная',
      attributes: { riskScore: 0.93 },
    });
    const o = (
      await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'RISKY-1', customer: { code: 'RISK-1' } }))
    ).body;
    assert.equal(o.state, 'fraud_review');
    assert.equal(o.openTasks[0].role, 'risk_analyst');
    const early = await fireDueTimers(t.services.operations, t.database.db, new Date(clock.now().getTime() + HOUR));
    assert.equal(early.fired, 0);
    const overdue = await t.call('GET', '/api/v1/tasks?overdue=true&role=risk_analyst');
    assert.equal(overdue.body.items.length, 0);
    clock.advance(3 * HOUR);
    const late = await t.call('GET', '/api/v1/tasks?overdue=true&role=risk_analyst');
    assert.equal(late.body.items.length, 1);
    assert.equal(late.body.items[0].overdue, true);
    await fireDueTimers(t.services.operations, t.database.db, clock.now());
    const after = (await t.call('GET', `/api/v1/orders/${o.id}`)).body;
    assert.equal(after.state, 'fraud_review');
    assert.equal(after.openTasks[0].role, 'risk_lead');
    const h = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    assert.ok(h.body.items.some((i: any) => i.action === 'task.escalated'));
  });
});
