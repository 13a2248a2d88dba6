import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/errors.js';
import { readPdf, waybillData } from './test-fixtures.js';
import { renderWaybill } from './waybill.js';

describe('waybill', () => {
  it('Given a Russian waybill, when parsed back, then captions, parties and package figures are exact', async () => {
    const { pages, text } = await readPdf(await renderWaybill(waybillData()));
    assert.equal(pages.length, 1);
    for (const expected of [
      'Транспортная накладная',
      '№ ТН-2026-0042',
      'Дата составления: 2026-11-23',
      'Заказ: ZAM/2026/000123',
      'ГРУЗООТПРАВИТЕЛЬ',
      'ГРУЗОПОЛУЧАТЕЛЬ',
      'ПЕРЕВОЗЧИК',
      'Magazyn Łódź-Południe',
      'Щукин Юрий Эдуардович',
      'ООО «ЖЁЩЫЭЮЯ»',
      'СДЭК',
      'Водитель: Жуков Ёжик Щ.',
      '1 P1 Запчасти 40 × 30 × 20,5 2,350',
      '2 P2 Części zamienne 30 × 20 × 10 1,005',
      'Итого: 2',
      'Объём (м³): 0,031',
      '3,355',
      'Объявленная ценность: 1234,50 PLN',
      'Хрупкое! Ostrożnie — szkło.',
      'Грузоотправитель\n(подпись, печать)',
      'Перевозчик\n(подпись)',
      'Грузополучатель\n(подпись, печать)',
    ])
      assert.ok(text.includes(expected), `missing ${expected}\n${text}`);
  });

  it('Given the Polish and English locales, when rendered, then captions and number format follow the locale', async () => {
    const pl = (await readPdf(await renderWaybill(waybillData({ locale: 'pl' })))).text;
    for (const v of [
      'List przewozowy',
      'Nadawca\n(podpis, pieczęć)',
      'Przewoźnik\n(podpis)',
      'Odbiorca\n(podpis, pieczęć)',
      'Razem: 2',
      'Wartość deklarowana: 1234,50 PLN',
    ]) {
      assert.ok(pl.includes(v), `missing ${v}`);
    }
    const en = (
      await readPdf(
        await renderWaybill(waybillData({ locale: 'en', declaredValue: { amount: '99', currency: 'JPY' } })),
      )
    ).text;
    for (const v of [
      'Waybill',
      'Consignor',
      'Consignee',
      'Total: 2',
      '3.355',
      'Volume (m³): 0.031',
      'Declared value: 99 JPY',
    ]) {
      assert.ok(en.includes(v), `missing ${v}`);
    }
  });

  it('Given 80 packages, when rendered, then the table spans pages, totals are exact and signatures close the last page', async () => {
    const packages = Array.from({ length: 80 }, (_, i) => ({
      reference: `P${i + 1}`,
      weightGrams: 1001,
      lengthMm: 100,
      widthMm: 100,
      heightMm: 100,
    }));
    const { pages } = await readPdf(await renderWaybill(waybillData({ packages })));
    assert.ok(pages.length >= 2);
    const last = pages.at(-1)!;
    assert.ok(last.includes('Итого: 80') && last.includes('80,080') && last.includes('Объём (м³): 0,080'), last);
    assert.ok(last.includes('Грузополучатель\n(подпись, печать)'));
    assert.ok(pages[1]!.includes('(продолжение)'));
    assert.ok(pages.at(-1)!.includes(`Страница ${pages.length} из ${pages.length}`));
  });

  it('Given a declared value with too many decimals or an unknown currency, when rendered, then it is refused', async () => {
    for (const declaredValue of [
      { amount: '10.001', currency: 'PLN' },
      { amount: '10', currency: 'XXQ' },
      { amount: '1e3', currency: 'PLN' },
    ]) {
      await assert.rejects(
        renderWaybill(waybillData({ declaredValue })),
        (e: unknown) =>
          e instanceof AppError && e.code === 'DOCUMENT_INPUT_INVALID' && e.errors[0]?.path === '/declaredValue',
      );
    }
  });

  it('Given a package with fractional millimetres or a missing consignee, when rendered, then the fields are reported', async () => {
    const data = waybillData();
    data.packages[0]!.widthMm = 10.5;
    const { consignee: _, ...rest } = data;
    await assert.rejects(renderWaybill(rest as typeof data), (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.deepEqual(e.errors.map((x) => x.path).sort(), ['/consignee', '/packages/0/widthMm']);
      return true;
    });
  });
});
