import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { looksComplete, unsafeFileName } from './exchange-files.js';
import { gramsOf, isoCurrency } from './import-catalog.js';

test('file names: relative paths pass, anything leaving the exchange folder is refused', () => {
  for (const ok of ['import.xml', 'offers0_1.xml', 'import_files/ab/abcd.jpg', 'заказы.xml'])
    assert.equal(unsafeFileName(ok), null, ok);
  for (const bad of [
    '',
    '../import.xml',
    'a/../../b',
    '/etc/passwd',
    'C:x.xml',
    'a\\b.xml',
    'a//b.xml',
    './a.xml',
    'a\u0000.xml',
  ])
    assert.notEqual(unsafeFileName(bad), null, JSON.stringify(bad));
});

test('the last chunk is recognised in UTF-8 and windows-1251', () => {
  const xml = '<?xml version="1.0"?>\n<КоммерческаяИнформация ВерсияСхемы="2.05"></КоммерческаяИнформация>\n';
  assert.ok(looksComplete(Buffer.from(xml, 'utf8')));
  assert.ok(looksComplete(iconv.encode(xml, 'windows-1251')));
  assert.ok(!looksComplete(Buffer.from(xml.slice(0, 60), 'utf8')));
});

test('kilograms to grams half up, exactly; 1C currency names to ISO 4217', () => {
  assert.equal(gramsOf('16.0005'), 16001);
  assert.equal(gramsOf('0.35'), 350);
  assert.equal(gramsOf('2'), 2000);
  assert.equal(gramsOf('0.0004'), 0);
  assert.deepEqual(['руб', 'руб.', 'RUR', '643', 'USD', 'грн', 'XYZ', 'рублей?'].map(isoCurrency), [
    'RUB',
    'RUB',
    'RUB',
    'RUB',
    'USD',
    'UAH',
    'XYZ',
    null,
  ]);
});
