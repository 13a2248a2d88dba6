import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSelectionRules, selectProcess } from './select-process.js';

const rules = compileSelectionRules([
  { process: 'internal-requisition', orderType: 'internal' },
  { process: 'subscription', orderType: ['subscription', 'service'] },
  { process: 'quote-to-order', orderType: 'quote' },
  { process: 'marketplace-fbs', channel: ['wildberries', 'ozon', 'allegro'] },
  { process: 'b2b-approvals', segment: 'b2b', when: 'order.total > 5000000' },
  { process: 'wholesale', segment: ['b2b', 'wholesale'] },
  { process: 'b2c-omnichannel' },
]);

describe('selectProcess', () => {
  if (!rules.ok) throw new Error(JSON.stringify(rules.error));
  const pick = (facts: object) => selectProcess(rules.value, facts)?.processKey;

  it('Given rules on order type, channel, segment and CEL, Then the first matching rule names the process', () => {
    assert.equal(pick({ order: { type: 'internal' }, customer: { segment: 'b2b' } }), 'internal-requisition');
    assert.equal(pick({ order: { type: 'service' } }), 'subscription');
    assert.equal(pick({ order: { type: 'quote' }, channel: { code: 'ozon' } }), 'quote-to-order');
    assert.equal(pick({ order: { type: 'sale' }, channel: { code: 'ozon', kind: 'marketplace' } }), 'marketplace-fbs');
    assert.equal(
      pick({ order: { type: 'sale', total: 9_000_000 }, customer: { segment: 'b2b', name: 'ООО «Ромашка»' } }),
      'b2b-approvals',
    );
    assert.equal(pick({ order: { type: 'sale', total: 100 }, customer: { segment: 'b2b' } }), 'wholesale');
    assert.deepEqual(selectProcess(rules.value, { channel: { code: 'web-pl', kind: 'web' } }), {
      processKey: 'b2c-omnichannel',
      rule: 6,
    });
  });

  it('Given no catch-all rule, When nothing matches, Then the result is null', () => {
    const r = compileSelectionRules([{ process: 'quote-to-order', orderType: 'quote' }]);
    assert.ok(r.ok);
    assert.equal(selectProcess(r.value, { order: { type: 'sale' } }), null);
  });

  it('Given a rule with a bad CEL condition or an unknown order type, Then the rules are refused with paths', () => {
    const r = compileSelectionRules([
      { process: 'x', when: 'order.totl > 1' },
      { process: 'y', orderType: 'barter' },
    ]);
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(
        r.error.map((p) => p.path),
        ['/1/orderType'],
      );
    const c = compileSelectionRules([{ process: 'x', when: 'order.totl > 1' }]);
    assert.equal(c.ok, false);
    if (!c.ok) assert.match(c.error[0]!.message, /UNKNOWN_FACT/);
  });
});
