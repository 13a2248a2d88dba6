import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, setRules, shipped } from '../process/process-support.js';

/** The dashboard's per-state figures carry the states' names from the process definitions (issue 18). */
describe('orders summary: states in words', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: 'web' }]);
  });
  after(() => t.close());

  test('every state a definition labels is named in EN, PL and RU; others are left to the console', async () => {
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'SUM-WORDS-1' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const summary = await t.call('GET', '/api/v1/reports/orders-summary?days=7');
    assert.equal(summary.status, 200, JSON.stringify(summary.body));
    const state = created.body.state as string;
    assert.deepEqual(
      summary.body.byState.map((row: { state: string }) => row.state),
      [state],
    );
    const words = summary.body.stateLabels[state];
    assert.ok(words?.en && words.pl && words.ru, `${state}: ${JSON.stringify(summary.body.stateLabels)}`);
    assert.notEqual(words.pl, state);
    assert.deepEqual(Object.keys(summary.body.stateLabels), [state], 'only the states in the figures');
  });
});
