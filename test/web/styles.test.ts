import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postcss from 'postcss';

/**
 * The console's style sheets parse as CSS. The bundler forgives an unclosed block, and the
 * browser then silently drops every rule after it (a missing `}` once swallowed the styles of
 * the override panel, the risks box and the business timeline).
 */
describe('console style sheets', () => {
  const root = join(import.meta.dirname, '../../web/src');
  const sheets = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.css'));

  test('given every style sheet of the console, each parses with every block closed', () => {
    assert.ok(sheets.length > 0, 'the console has style sheets');
    for (const sheet of sheets) {
      const path = join(root, sheet);
      assert.doesNotThrow(() => postcss.parse(readFileSync(path, 'utf8'), { from: path }), `${sheet} parses`);
    }
  });

  test('given an unclosed block, the parser refuses it (the check above can fail)', () => {
    assert.throws(() => postcss.parse('.a { color: red;\n.b { color: blue; }', { from: 'x.css' }), /Unclosed block/);
  });
});
