import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lineDiff } from '../../src/app/process/line-diff.js';

describe('line diff of definition texts', () => {
  test('given one changed line among many, the diff shows it with two lines of context and a hunk header', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const b = a.replace('line 10', 'линия 10 — zmieniona');
    assert.equal(
      lineDiff(a, b),
      ['@@ -8,5 +8,5 @@', ' line 8', ' line 9', '-line 10', '+линия 10 — zmieniona', ' line 11', ' line 12'].join('\n'),
    );
  });

  test('given identical texts the diff is empty, and from nothing every line is added', () => {
    assert.equal(lineDiff('a\nb', 'a\nb'), '');
    assert.equal(lineDiff('', 'key: x\nstart: y'), '@@ -1,0 +1,2 @@\n+key: x\n+start: y');
  });

  test('given changes far apart, they become separate hunks', () => {
    const a = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l2\n', 'L2\n').replace('l25', 'L25');
    const d = lineDiff(a, b);
    assert.equal(d.split('\n').filter((l) => l.startsWith('@@')).length, 2);
    assert.ok(d.includes('-l2\n+L2') && d.includes('-l25\n+L25'));
  });
});
