import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, seedBasics, orderBody, type TestApp } from '../support.js';
import { writeHistory, systemActor } from '../../src/store/history.js';
import { emitEvent } from '../../src/app/events/emit-event.js';
import type { Work } from '../../src/store/tenant-scope.js';

/**
 * An app with one order, and helpers that append history rows and events inside a unit of work
 * and read them back: what the unit-of-work and pipeline tests observe. Call inside a describe().
 */
export function appendsFixture(externalId: string) {
  const fixture = { t: undefined as unknown as TestApp, orderId: '' };
  before(async () => {
    fixture.t = await testApp();
    await seedBasics(fixture.t);
    const created = await fixture.t.call('POST', '/api/v1/orders', orderBody({ externalId }));
    assert.equal(created.status, 201);
    fixture.orderId = created.body.id;
  });
  after(() => fixture.t.close());

  return {
    get t() {
      return fixture.t;
    },
    get orderId() {
      return fixture.orderId;
    },
    history: (action: string) =>
      fixture.t.store
        .selectFrom('order_history')
        .select('id')
        .where('order_id', '=', fixture.orderId)
        .where('action', '=', action)
        .execute(),
    events: (subject: string) =>
      fixture.t.store
        .selectFrom('events')
        .select(['id', 'seq', 'payload'])
        .where('subject', '=', subject)
        .orderBy('seq')
        .execute(),
    note: (tx: Work, action: string) =>
      writeHistory(tx, systemActor, new Date(), [
        { orderId: fixture.orderId, action, changes: { tekst: 'zażółć gęślą jaźń — съешь же ещё' } },
      ]),
    event: (tx: Work, subject: string) =>
      emitEvent(tx, { type: 'task.opened', subject, payload: { taskId: subject, kind: 'review' } }),
  };
}
