import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/errors.js';
import { renderPickList, sortPickLines } from './pick-list.js';
import { code128, rectangleCount } from './barcodes.js';
import { pdfRectangleCount, pickListData, readPdf } from './test-fixtures.js';

describe('pick list', () => {
  it('Given lines in any order, when sorted, then the walk goes by zone, then bin with numbers compared as numbers', () => {
    const sorted = sortPickLines(pickListData().lines).map((l) => l.bin);
    assert.deepEqual(sorted, ['A-2-01', 'A-10-02', 'B-10-01']);
  });

  it('Given a Russian pick list, when parsed back, then rows appear in walk order with names, lots and serial notes', async () => {
    const { pages, text } = await readPdf(await renderPickList(pickListData()));
    assert.equal(pages.length, 1);
    for (const expected of [
      'Лист подбора PL-0007',
      'Склад: WAW-1 — Склад Варшава',
      'Сборщик: Юлия Щербакова',
      'Чайник «Жёлтый»',
      'Łyżka stołowa',
      'Щётка для обуви',
      'Партия: L2026-11',
      'Сканировать серийные номера',
      'Строк: 3 · Общее количество: 8',
      'Страница 1 из 1',
    ])
      assert.ok(text.includes(expected), `missing ${expected}\n${text}`);
    const order = ['SKU-0002', 'SKU-0001', 'SKU-0003'].map((s) => text.indexOf(s));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
  });

  it('Given a pick list, when rendered, then each row paints its checkbox and its SKU as Code128', async () => {
    const data = pickListData();
    const bars = data.lines.reduce((n, l) => n + rectangleCount(code128(l.sku)), 0);
    const headerBackground = 1;
    assert.equal(pdfRectangleCount(await renderPickList(data)), headerBackground + data.lines.length + bars);
  });

  it('Given 60 lines, when rendered, then rows continue on further pages and each SKU is listed once', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({
      sku: `SKU-${String(i).padStart(3, '0')}`,
      name: 'Щётка',
      quantity: 1,
      zone: i % 2 ? 'B' : 'A',
      bin: `${i}`,
    }));
    const { pages, text } = await readPdf(await renderPickList(pickListData({ locale: 'pl', lines })));
    assert.ok(pages.length >= 4);
    assert.ok(pages[1]!.includes('(ciąg dalszy)'));
    for (const l of lines) assert.equal(text.split(l.sku).length - 1, 1);
    // All of zone A is walked before zone B.
    assert.ok(text.lastIndexOf('SKU-058') < text.indexOf('SKU-001'));
  });

  it('Given a SKU Code128 cannot encode, when rendered, then DOCUMENT_INPUT_INVALID names the line', async () => {
    const data = pickListData();
    data.lines[1]!.sku = 'ЩЁТКА-1';
    await assert.rejects(
      renderPickList(data),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === 'DOCUMENT_INPUT_INVALID' &&
        e.errors.length === 1 &&
        e.errors[0]!.path === '/lines/1/sku',
    );
  });
});
