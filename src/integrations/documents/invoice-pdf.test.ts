import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plCreditNote, plInvoice, plProforma, ruInvoice } from '../einvoice/test-fixtures.js';
import { formatMoney } from './invoice-i18n.js';
import { renderInvoicePdf } from './invoice-pdf.js';
import { readPdf } from './test-fixtures.js';

const includesAll = (text: string, expected: string[]) => {
  for (const e of expected) assert.ok(text.includes(e), `missing ${e}\n${text}`);
};

describe('invoice PDF', () => {
  it('Given a Polish VAT invoice with a KSeF number, when parsed back, then parties, lines, VAT per rate and totals are there', async () => {
    const { pages, text } = await readPdf(
      await renderInvoicePdf(plInvoice(), { ksefNumber: '5265877635-20261201-0100001AF629-5D' }),
    );
    assert.equal(pages.length, 1);
    includesAll(text, [
      'Faktura VAT',
      'Nr FV/2026/12/000123',
      'Numer KSeF: 5265877635-20261201-0100001AF629-5D',
      'Data wystawienia: 2026-12-01',
      'Data sprzedaży: 2026-11-30',
      'Termin płatności: 2026-12-15',
      'Zażółć Gęślą Jaźń Sp. z o.o.',
      'ul. Świętokrzyska 12 lok. 4',
      'Hurtownia Źdźbło Spółka Jawna',
      'NIP: 1234563218',
      'Łyżka stołowa — zestaw 6 szt.',
      'Herbata żółta „Ćma”, 100 g',
      'Zestawienie VAT',
      '200,00 23% 46,00 246,00',
      '59,97 8% 4,80 64,77',
      '39,00 5% 1,95 40,95',
      '500,00 zw. 0,00 500,00',
      'Razem 798,97 52,75 851,72',
      'Do zapłaty: 851,72 PLN',
      'Sposób płatności: przelew',
      'Podstawa zwolnienia z VAT: art. 43 ust. 1 pkt 29 lit. c ustawy o VAT',
      'Strona 1 z 1',
    ]);
  });

  it('Given a credit note, when parsed back, then it names the corrected invoice, its KSeF number, the reason and the refund', async () => {
    const { text } = await readPdf(await renderInvoicePdf(plCreditNote()));
    includesAll(text, [
      'Faktura korygująca',
      'Korygowana faktura FV/2026/12/000123 z dnia 2026-12-01',
      'Numer KSeF faktury korygowanej: 5265877635-20261201-0100001AF629-5D',
      'Przyczyna korekty: Zwrot towaru — reklamacja nr 17/2026 (uszkodzenie w transporcie)',
      'Razem -89,00 -13,45 -102,45',
      'Do zwrotu: 102,45 PLN',
    ]);
  });

  it('Given a Russian invoice, when parsed back, then Cyrillic text, ИНН/КПП and НДС per rate are there', async () => {
    const { text } = await readPdf(await renderInvoicePdf(ruInvoice()));
    includesAll(text, [
      'Счёт-фактура',
      '№ УПД-2026-000321',
      'ООО «Ромашка»',
      'ИНН: 7701234567, КПП: 770101001',
      'АО «Северный ветер»',
      'Щётка для обуви',
      'НДС по ставкам',
      '5 999,99 20% 1 200,00 7 199,99',
      '459,00 10% 45,90 504,90',
      'Всего 6 458,99 1 245,90 7 704,89',
      'Всего к оплате: 7 704,89 RUB',
      'Страница 1 из 1',
    ]);
  });

  it('Given an English proforma partly paid, when parsed back, then it says it is not a VAT invoice and what is still due', async () => {
    const doc = { ...plProforma(), language: 'en' as const, payment: { ...plInvoice().payment, paid: 10000n } };
    const { text } = await readPdf(await renderInvoicePdf(doc));
    includesAll(text, [
      'Proforma invoice',
      'No. PRO/2026/12/000045',
      'VAT ID: 5265877635',
      'Total 798.97 52.75 851.72',
      'Paid: 100.00 PLN',
      'Amount due: 751.72 PLN',
      'This proforma is not a VAT invoice.',
    ]);
  });

  it('Given 80 lines, when rendered, then the table continues over pages and no line is lost', async () => {
    const base = plInvoice();
    const one = base.lines[0]!;
    const lines = Array.from({ length: 80 }, (_, i) => ({
      ...one,
      no: i + 1,
      sku: `SKU-${String(i + 1).padStart(3, '0')}`,
    }));
    const net = one.net * 80n;
    const vat = one.vat * 80n;
    const doc = {
      ...base,
      lines,
      vatSummary: [{ rate: '23', net, vat, gross: net + vat }],
      totals: { net, vat, gross: net + vat },
    };
    const { pages, text } = await readPdf(await renderInvoicePdf(doc));
    assert.ok(pages.length >= 3);
    for (let i = 1; i <= 80; i++) assert.ok(text.includes(`SKU-${String(i).padStart(3, '0')}`));
    assert.ok(pages[1]!.includes('Faktura VAT FV/2026/12/000123 (ciąg dalszy)'));
    assert.ok(text.includes(`Do zapłaty: ${formatMoney(net + vat, 'pl')} PLN`));
  });

  it('formats money with integer arithmetic per language', () => {
    assert.equal(formatMoney(123456789n, 'pl'), '1 234 567,89');
    assert.equal(formatMoney(123456789n, 'en'), '1,234,567.89');
    assert.equal(formatMoney(-5n, 'ru'), '-0,05');
  });
});
