import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, send, setRules, shipped, stock } from './process-support.js';

const broken = `key: broken
start: received
states:
  received:
    always:
      - { to: nowhere, when: "order.total >" }
      - { to: done }
  done:
    terminal: true
    on: { reopen: received }
`;

/** v2 of B2C: prepaid orders no longer wait for the payment authorisation before reserving. */
const b2cV2 = () => {
  const v1 = shipped('b2c-omnichannel');
  const line = `      - { to: awaiting_payment, when: 'order.paymentTerms == "prepaid"' }\n`;
  assert.ok(v1.includes(line));
  return v1.replace(line, '');
};

describe('process definitions: versions, validation, history, simulation and migration through the API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 100],
      ['SKU-2', 'WAW-1', 100],
      ['SKU-3', 'WAW-1', 100],
    ]);
    await setRules(t, [{ process: 'b2c-omnichannel', channel: 'web' }]);
  });
  after(() => t.close());

  test('given a definition with several problems, saving it is 422 with every problem and its line, and nothing is stored', async () => {
    const r = await t.call('POST', '/api/v1/processes', { source: broken });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'PROCESS_DEFINITION_INVALID');
    assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
    const codes = r.body.problems.map((p: any) => p.code);
    assert.ok(codes.includes('CEL_SYNTAX'), JSON.stringify(r.body.problems));
    assert.ok(codes.includes('TERMINAL_HAS_EXITS'), JSON.stringify(r.body.problems));
    const cel = r.body.problems.find((p: any) => p.code === 'CEL_SYNTAX');
    assert.equal(cel.line, 6);
    assert.ok(cel.column > 30, 'the column points inside the expression');
    assert.ok(r.body.problems.every((p: any) => p.line > 0 && p.path.startsWith('/')));
    assert.equal(r.body.errors.length, r.body.problems.length);
    assert.equal((await t.call('GET', '/api/v1/processes/broken')).status, 404);
    const list = await t.call('GET', '/api/v1/processes');
    assert.ok(!list.body.items.some((p: any) => p.key === 'broken'));

    const v = await t.call('POST', '/api/v1/processes:validate', { source: broken });
    assert.equal(v.status, 200);
    assert.equal(v.body.valid, false);
    assert.equal(v.body.problems.length, r.body.problems.length);
    const good = await t.call('POST', '/api/v1/processes:validate', { source: shipped('wholesale') });
    assert.equal(good.body.valid, true);
  });

  test('given v1 published and an order running on it, when v2 is published, then the old order stays on v1 and a new order runs v2; migration moves it explicitly', async () => {
    assert.equal(await publish(t, shipped('b2c-omnichannel')), 1);
    const a = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'V1-ORDER' }))).body;
    assert.deepEqual([a.process.version, a.state], [1, 'awaiting_payment']);

    const draft = await t.call('PUT', '/api/v1/processes/b2c-omnichannel/draft', { source: b2cV2() });
    assert.equal(draft.status, 200, JSON.stringify(draft.body));
    assert.deepEqual([draft.body.version, draft.body.status], [2, 'draft']);
    const stillV1 = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'STILL-V1' }))).body;
    assert.equal(stillV1.process.version, 1, 'a draft never runs orders');
    const pub = await t.call('POST', '/api/v1/processes/b2c-omnichannel/versions/2/publish');
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
    const again = await t.call('POST', '/api/v1/processes/b2c-omnichannel/versions/2/publish');
    assert.equal(again.status, 409);

    const b = (await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'V2-ORDER' }))).body;
    assert.deepEqual([b.process.version, b.state], [2, 'fulfilling']);
    const aNow = (await t.call('GET', `/api/v1/orders/${a.id}`)).body;
    assert.deepEqual([aNow.process.version, aNow.state], [1, 'awaiting_payment']);

    // Publishing v2 retires v1 (superseded): nothing new starts on it, the orders on it keep loading it.
    const versions = await t.call('GET', '/api/v1/processes/b2c-omnichannel');
    assert.deepEqual(
      versions.body.items.map((v: any) => [v.version, v.status]),
      [
        [1, 'retired'],
        [2, 'published'],
      ],
    );
    assert.ok(versions.body.items[0].retiredAt);
    const listed = (await t.call('GET', '/api/v1/processes')).body.items.find((p: any) => p.key === 'b2c-omnichannel');
    assert.deepEqual([listed.currentVersion, listed.draftVersion, listed.runningOrders], [2, null, 3]);
    const hist = await t.call('GET', '/api/v1/processes/b2c-omnichannel/history');
    assert.deepEqual(
      hist.body.items.map((h: any) => [h.action, h.version]),
      [
        ['draft_created', 1],
        ['published', 1],
        ['draft_created', 2],
        ['published', 2],
        ['retired', 1],
      ],
    );
    assert.deepEqual(hist.body.items[3].details, { previousPublished: 1 });
    assert.deepEqual(hist.body.items[4].details, {
      from: 'published',
      reason: 'superseded by v2',
      supersededBy: 2,
      runningOrders: 2,
    });
    const change = hist.body.items[2];
    assert.equal(change.actor.type, 'api_key');
    assert.match(change.diff, /^-      - \{ to: awaiting_payment, when: 'order.paymentTerms == "prepaid"' \}$/m);
    assert.ok(!/^\+/m.test(change.diff), 'v2 only removes a line');

    const preview = await t.call('POST', '/api/v1/processes/b2c-omnichannel/migrations/preview', {
      toVersion: 2,
      orderIds: [a.id],
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(
      preview.body.items.map((i: any) => [i.orderId, i.to.state, i.canMigrate]),
      [[a.id, 'awaiting_payment', true]],
    );
    assert.equal((await t.call('GET', `/api/v1/orders/${a.id}`)).body.process.version, 1, 'a preview changes nothing');
    const applied = await t.call('POST', '/api/v1/processes/b2c-omnichannel/migrations/apply', {
      toVersion: 2,
      orderIds: [a.id],
    });
    assert.equal(applied.body.migrated, 1, JSON.stringify(applied.body));
    const moved = await send(t, a.id, 'payment_authorized');
    assert.deepEqual([moved.process.version, moved.state], [2, 'fulfilling']);
    const h = await t.call('GET', `/api/v1/orders/${a.id}/history`);
    const m = h.body.items.find((i: any) => i.action === 'process.migrated');
    assert.deepEqual([m.changes.from.version, m.changes.to.version], [1, 2]);

    const retired = await t.call('POST', '/api/v1/processes/b2c-omnichannel/versions/1/retire');
    assert.equal(retired.status, 409, 'v1 was retired when v2 was published');
    const stillOnV1 = await send(t, stillV1.id, 'payment_failed');
    assert.deepEqual(
      [stillOnV1.process.version, stillOnV1.state],
      [1, 'cancelled'],
      'STILL-V1 finishes on the retired v1',
    );
  });

  test('given a draft, simulating it against the last stored orders reports both paths and the difference, and writes nothing', async () => {
    const v3 = shipped('b2c-omnichannel').replace('customer.riskScore > 0.8', 'order.total > 10000');
    const d = await t.call('POST', '/api/v1/processes', { source: v3 });
    assert.equal(d.status, 201, JSON.stringify(d.body));
    const before = await t.call('GET', '/api/v1/orders?limit=500');
    const historyBefore = (await t.call('GET', `/api/v1/orders/${before.body.items[0].id}/history`)).body.items.length;

    const r = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', {
      last: 3,
      oracle: { actions: { authorize_payment: 'payment_authorized' } },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.current, r.body.draft], ['v2', 'v3 (draft)']);
    assert.equal(r.body.orders.length, 3);
    for (const o of r.body.orders) {
      // 257.49 PLN = 25749 minor units > 10000: every order goes to fraud review under the draft.
      assert.equal(o.current.path[1], 'reserving');
      assert.equal(o.draft.path[1], 'fraud_review');
      assert.equal(o.draft.status, 'waiting');
      assert.ok(o.differences.length > 0);
      assert.match(o.number, /^ORD-/);
    }
    assert.equal((r.body.summary as any).orders, 3);
    assert.equal((r.body.summary as any).differing, 3);

    const inline = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', {
      source: shipped('b2c-omnichannel'),
      cases: [{ id: 'risky', facts: { customer: { riskScore: 0.95 }, order: { paymentTerms: 'cod' } } }],
    });
    assert.equal(inline.status, 200, JSON.stringify(inline.body));
    assert.equal(inline.body.orders[0].draft.endState, 'fraud_review');

    const after = await t.call('GET', '/api/v1/orders?limit=500');
    assert.equal(after.body.items.length, before.body.items.length);
    assert.equal(
      (await t.call('GET', `/api/v1/orders/${before.body.items[0].id}/history`)).body.items.length,
      historyBefore,
    );
    assert.equal((await t.call('GET', '/api/v1/processes/b2c-omnichannel')).body.items.length, 3);
  });

  test('given orders on a channel the process does not get, the simulation takes only the orders the process would select, unless told all or filtered', async () => {
    const wb = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'SIM-WB-1', channel: 'wildberries', currency: 'RUB' }),
    );
    assert.equal(wb.status, 201, JSON.stringify(wb.body));
    const all = (await t.call('GET', '/api/v1/orders?limit=500')).body.items;
    const webIds = new Set(all.filter((o: any) => o.channel === 'web').map((o: any) => o.id));
    const oracle = { actions: { authorize_payment: 'payment_authorized' } };

    const chosen = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', { oracle });
    assert.equal(chosen.status, 200, JSON.stringify(chosen.body));
    assert.deepEqual(chosen.body.sample, {
      considered: all.length,
      selected: webIds.size,
      simulated: webIds.size,
      select: 'process',
    });
    assert.ok(
      chosen.body.orders.every((o: any) => webIds.has(o.id)),
      'only the orders the rules give b2c-omnichannel are simulated',
    );
    assert.ok(!chosen.body.orders.some((o: any) => o.id === wb.body.id));

    const every = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', {
      oracle,
      select: 'all',
      last: 1000,
    });
    assert.equal(every.status, 200, JSON.stringify(every.body));
    assert.deepEqual([every.body.sample.considered, every.body.sample.selected], [all.length, all.length]);
    assert.ok(every.body.orders.some((o: any) => o.id === wb.body.id));

    const onWb = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', {
      oracle,
      filter: { channel: ['wildberries'] },
    });
    assert.equal(onWb.status, 200, JSON.stringify(onWb.body));
    assert.deepEqual([onWb.body.sample.considered, onWb.body.sample.selected, onWb.body.orders.length], [1, 0, 0]);

    const future = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', {
      filter: { placedFrom: '2999-01-01T00:00:00Z' },
    });
    assert.equal(future.body.sample.considered, 0);

    const bad = await t.call('POST', '/api/v1/processes/b2c-omnichannel/simulate', {
      select: 'some',
      filter: { channel: [] },
    });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    const paths = bad.body.errors.map((e: any) => e.path);
    assert.ok(paths.includes('/select') && paths.includes('/filter/channel'), JSON.stringify(bad.body.errors));
  });

  test('given a definition whose automatic transitions loop, an order lands in the stuck exception state, not a 500', async () => {
    await publish(
      t,
      `key: runaway
start: ping
states:
  ping:
    always: [{ to: pong, when: "order.total > 0" }, { to: done }]
  pong:
    always: [{ to: ping }]
  done: { terminal: true }
`,
    );
    await setRules(t, [
      { process: 'runaway', channel: 'wildberries' },
      { process: 'b2c-omnichannel', channel: 'web' },
    ]);
    const r = await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'LOOP-1', channel: 'wildberries', currency: 'RUB' }),
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.state, 'stuck');
    assert.deepEqual(r.body.process.exception, { kind: 'runaway_process', resolutions: [] });
    assert.deepEqual(r.body.allowedEvents, []);
    const q = await t.call('GET', '/api/v1/exceptions?kind=runaway_process');
    assert.equal(q.body.groups[0].orders[0].orderId, r.body.id);
    const h = await t.call('GET', `/api/v1/orders/${r.body.id}/history`);
    const started = h.body.items.find((i: any) => i.action === 'process.started');
    assert.ok(started.reason.trace.some((e: any) => e.kind === 'step_limit'));
    const ev = await t.call('POST', `/api/v1/orders/${r.body.id}/events`, { name: 'pong' });
    assert.equal(ev.status, 409);
  });
});
