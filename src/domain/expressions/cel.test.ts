import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileStrategy } from '../sourcing/strategy.js';
import { CEL_LIMITS, createCelEnvironment, expressionLengthProblem, MAX_EXPRESSION_LENGTH, readPaths } from './cel.js';

const strategy = (when: string) => ({
  key: 'k',
  version: 1,
  steps: [{ id: 'a', when, fallback: 'backorder' }],
});
const routingErrors = (when: string): string[] => {
  const r = compileStrategy(strategy(when));
  return r.ok ? [] : r.error.map((e) => `${e.path} ${e.message}`);
};

describe('the one CEL environment', () => {
  it('Given declared variables, Then they type-check and undeclared ones are refused', () => {
    const env = createCelEnvironment({ channel: 'string', order: { total: 'int', tags: 'list<string>' } });
    assert.equal(env.check('order.total > 10 && channel == "web"').type, 'bool');
    assert.equal(env.check('"vip" in order.tags').valid, true);
    assert.equal(env.check('warehouse.name == "x"').valid, false);
    assert.equal(env.parse('order.total > 10')({ order: { total: 11n, tags: [] } }), true);
  });

  it('Given mixed list literals, Then they type as list<dyn> in every user', () => {
    const env = createCelEnvironment({ channel: 'string' });
    assert.equal(env.check('channel in ["a", 1]').valid, true);
  });

  it('Given an expression past a structural limit, Then parsing refuses it, and routing reports it on the step', () => {
    const env = createCelEnvironment({ order: 'map', channel: 'string' });
    const args = Array.from({ length: CEL_LIMITS.maxCallArguments + 1 }, (_, i) => `${i}`).join(', ');
    const deep = `${'('.repeat(CEL_LIMITS.maxDepth + 1)}1${')'.repeat(CEL_LIMITS.maxDepth + 1)} == 1`;
    const many = Array.from({ length: 130 }, () => '1').join(' + ') + ' > 0'; // > 256 nodes
    assert.ok(many.length <= MAX_EXPRESSION_LENGTH);
    for (const text of [`max(${args}) > 0`, deep, many]) {
      assert.throws(
        () => env.parse(text),
        (e: { code?: string }) => e.code === 'limit_exceeded',
        text,
      );
      assert.match(routingErrors(text)[0] ?? '', /^\/steps\/0\/when .*Exceeded max/, text);
    }
  });

  it('Given an expression longer than the limit, Then both users refuse it before parsing', () => {
    const long = Array.from({ length: 60 }, (_, i) => `channel == "c${i}"`).join(' || ');
    assert.ok(long.length > MAX_EXPRESSION_LENGTH);
    assert.match(expressionLengthProblem(long)!, /limit is 1000/);
    assert.equal(expressionLengthProblem('true'), null);
    assert.match(routingErrors(long)[0] ?? '', /^\/steps\/0\/when /);
  });

  it('readPaths lists the dotted paths under the given roots only', () => {
    const env = createCelEnvironment({ order: { total: 'int' }, channel: 'string' });
    const ast = env.parse('order.total > 1 && channel == "x" && [1].exists(l, l > 0)').ast;
    assert.deepEqual(readPaths(ast, new Set(['order', 'channel'])).sort(), ['channel', 'order.total']);
  });
});
