import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/errors.js';
import { renderPackingSlip } from './packing-slip.js';
import { packingSlipData, readPdf } from './test-fixtures.js';

describe('packing slip', () => {
  it('Given a short Polish slip, when parsed back, then header, customer and every line come out exactly on one page', async () => {
    const { pages, text } = await readPdf(
      await renderPackingSlip(packingSlipData(4, { shipmentReference: 'FO-ŁÓDŹ-7' })),
    );
    assert.equal(pages.length, 1);
    for (const expected of [
      'List pakunkowy',
      'Zamówienie: ZAM/2026/000123',
      'Data zamówienia: 2026-11-20',
      'Przesyłka: FO-ŁÓDŹ-7',
      'Zażółć Gęślą-Jaźń',
      'ŁĄĆĘŃÓŚŹŻ Sp. j.',
      'ADRES DOSTAWY',
      '1 SKU-0001 Łyżka stołowa ŚWIĘTA 1',
      '2 SKU-0002 Чайник электрический «Жёлтый» 2',
      '4 SKU-0004 Щётка для обуви 4',
      'Pozycje: 4',
      'Łączna ilość: 10',
      'Strona 1 z 1',
    ])
      assert.ok(text.includes(expected), `missing ${expected}\n${text}`);
  });

  it('Given 120 lines, when rendered, then the table continues over 4 pages with its header repeated and no line lost', async () => {
    const { pages, text } = await readPdf(await renderPackingSlip(packingSlipData(120)));
    assert.equal(pages.length, 4);
    for (let i = 1; i <= 120; i++) {
      const sku = `SKU-${String(i).padStart(4, '0')}`;
      assert.equal(text.split(sku).length - 1, 1, `${sku} printed once`);
    }
    assert.ok(pages[0]!.includes('SKU-0001') && pages[3]!.includes('SKU-0120'));
    for (let p = 1; p < 4; p++) {
      assert.ok(
        pages[p]!.includes('List pakunkowy — Zamówienie ZAM/2026/000123 (ciąg dalszy)'),
        `continued header on page ${p + 1}`,
      );
      assert.ok(pages[p]!.includes('# SKU Produkt Ilość'));
    }
    pages.forEach((page, i) => assert.ok(page.includes(`Strona ${i + 1} z 4`)));
    assert.ok(pages[3]!.includes('Łączna ilość: 360'));
  });

  it('Given English and Russian locales, when rendered, then captions change and data stays as given', async () => {
    const en = (await readPdf(await renderPackingSlip(packingSlipData(2, { locale: 'en' })))).text;
    assert.ok(en.includes('Packing slip') && en.includes('Order: ZAM/2026/000123') && en.includes('Page 1 of 1'));
    const ru = (
      await readPdf(await renderPackingSlip(packingSlipData(2, { locale: 'ru', note: 'Позвонить за час — Жанна' })))
    ).text;
    assert.ok(ru.includes('Упаковочный лист') && ru.includes('Артикул') && ru.includes('Страница 1 из 1'));
    assert.ok(ru.includes('Позвонить за час — Жанна'));
  });

  it('Given no lines, a zero quantity or a bad date, when rendered, then DOCUMENT_INPUT_INVALID lists each field', async () => {
    await assert.rejects(
      renderPackingSlip(packingSlipData(0)),
      (e: unknown) => e instanceof AppError && e.code === 'DOCUMENT_INPUT_INVALID' && e.errors[0]?.path === '/lines',
    );
    const bad = packingSlipData(2, { orderDate: '2026-13-01' });
    bad.lines[1]!.quantity = 0;
    bad.lines[0]!.name = 'Łyżka\nstołowa';
    await assert.rejects(renderPackingSlip(bad), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.deepEqual(e.errors.map((x) => x.path).sort(), ['/lines/0/name', '/lines/1/quantity', '/orderDate']);
      return true;
    });
  });
});
