import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publishShippedProcesses } from '../../src/app/process/publish-shipped.js';
import { systemActor } from '../../src/store/history.js';

describe('publishing the shipped processes for a tenant', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  test('given a new tenant, every shipped process is published once and orders are routed to a process by type and channel', async () => {
    const first = await publishShippedProcesses(t.services.operations.actions, t.store, systemActor, new Date());
    assert.equal(first.length, 9, 'the eight scenarios and the returns process');
    assert.deepEqual(
      await publishShippedProcesses(t.services.operations.actions, t.store, systemActor, new Date()),
      [],
      'publishing again changes nothing',
    );
    const list = await t.call('GET', '/api/v1/processes');
    assert.equal(list.body.items.length, 9);
    assert.ok(list.body.items.every((p: any) => p.currentVersion === 1 && p.draftVersion === null));

    const mp = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'WB-1', channel: 'wildberries', currency: 'RUB' }),
    );
    assert.equal(mp.body.process.key, 'marketplace-fbs');
    const quote = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'Q-1', orderType: 'quote' }));
    assert.equal(quote.body.process.key, 'quote-to-order');
    const web = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'W-1' }));
    assert.equal(web.body.process.key, 'b2c-omnichannel');
    const h = await t.call('GET', `/api/v1/orders/${web.body.id}/history`);
    assert.equal(h.body.items[0].action, 'order.accepted');
  });
});
