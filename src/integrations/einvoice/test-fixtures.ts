/**
 * Invoice documents for the e-invoice and PDF tests: a Polish B2B invoice at 23 %, 8 %, 5 % and
 * an exempt line, a credit note that corrects it, and a Russian invoice with НДС 20 % and 10 %.
 * Amounts are chosen so the per-rate sums have odd grosze/kopecks (59.97, 4.80, 1199.99 …).
 */
import type { InvoiceDocument, InvoiceDocumentLine, VatSummaryRow } from '../../domain/money/invoice-document.js';

function line(
  no: number,
  sku: string,
  name: string,
  quantity: number,
  unit: string,
  unitNet: bigint,
  vatRate: string,
  vat: bigint,
  gtin?: string,
): InvoiceDocumentLine {
  const net = unitNet * BigInt(quantity);
  return { no, sku, name, quantity, unit, unitNet, net, vatRate, vat, gross: net + vat, ...(gtin ? { gtin } : {}) };
}

/** One summary row per rate, in first-seen order, and the totals: Σ rows = totals. */
function summarise(lines: InvoiceDocumentLine[]): Pick<InvoiceDocument, 'vatSummary' | 'totals'> {
  const rows = new Map<string, VatSummaryRow>();
  for (const l of lines) {
    const r = rows.get(l.vatRate) ?? { rate: l.vatRate, net: 0n, vat: 0n, gross: 0n };
    rows.set(l.vatRate, { rate: r.rate, net: r.net + l.net, vat: r.vat + l.vat, gross: r.gross + l.gross });
  }
  const vatSummary = [...rows.values()];
  const totals = vatSummary.reduce((t, r) => ({ net: t.net + r.net, vat: t.vat + r.vat, gross: t.gross + r.gross }), {
    net: 0n,
    vat: 0n,
    gross: 0n,
  });
  return { vatSummary, totals };
}

const plSeller = {
  name: 'Zażółć Gęślą Jaźń Sp. z o.o.',
  taxId: '5265877635',
  address: { line1: 'ul. Świętokrzyska 12 lok. 4', city: 'Łódź', postalCode: '90-001', countryCode: 'PL' },
  email: 'faktury@zazolc.example.pl',
};
const plBuyer = {
  name: 'Hurtownia Źdźbło Spółka Jawna',
  taxId: '1234563218',
  address: { line1: 'ul. Żeromskiego 7', city: 'Kraków', postalCode: '31-019', countryCode: 'PL' },
  email: 'ksiegowosc@zdzblo.example.pl',
};

export function plInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  const lines = [
    line(1, 'LYZ-06', 'Łyżka stołowa — zestaw 6 szt.', 3, 'szt.', 5000n, '23', 3450n, '05901234123457'),
    line(2, 'HER-ZOL', 'Herbata żółta „Ćma”, 100 g', 3, 'szt.', 1999n, '8', 480n),
    line(3, 'KS-ZGJ', 'Książka: Pan Tadeusz (wyd. ilustrowane)', 1, 'szt.', 3900n, '5', 195n),
    line(4, 'SZK-01', 'Szkolenie z obsługi ekspresu — usługa edukacyjna', 1, 'usł.', 50000n, 'zw', 0n),
    line(5, 'KAB-USBC', 'Kabel USB-C, długość 1 m', 4, 'szt.', 1250n, '23', 1150n),
  ];
  return {
    kind: 'invoice',
    number: 'FV/2026/12/000123',
    issueDate: '2026-12-01',
    saleDate: '2026-11-30',
    placeOfIssue: 'Łódź',
    currency: 'PLN',
    language: 'pl',
    seller: plSeller,
    buyer: plBuyer,
    lines,
    ...summarise(lines),
    pricesIncludeTax: false,
    payment: {
      dueDate: '2026-12-15',
      method: 'transfer',
      bankAccount: 'PL61 1090 1014 0000 0712 1981 2874',
    },
    orderNumber: 'ZAM/2026/000123',
    vatExemptionBasis: 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT',
    ...overrides,
  };
}

/** Takes back one spoon set and the book from plInvoice(), which has a KSeF number. */
export function plCreditNote(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  const lines = [
    line(1, 'LYZ-06', 'Łyżka stołowa — zestaw 6 szt.', -1, 'szt.', 5000n, '23', -1150n),
    line(2, 'KS-ZGJ', 'Książka: Pan Tadeusz (wyd. ilustrowane)', -1, 'szt.', 3900n, '5', -195n),
  ];
  return {
    ...plInvoice(),
    kind: 'credit_note',
    number: 'FK/2026/12/000007',
    issueDate: '2026-12-10',
    saleDate: undefined,
    lines,
    ...summarise(lines),
    vatExemptionBasis: undefined,
    payment: { dueDate: '2026-12-24', method: 'transfer' },
    corrects: {
      number: 'FV/2026/12/000123',
      issueDate: '2026-12-01',
      ksefNumber: '5265877635-20261201-0100001AF629-5D',
      reason: 'Zwrot towaru — reklamacja nr 17/2026 (uszkodzenie w transporcie)',
    },
    ...overrides,
  };
}

export function plProforma(): InvoiceDocument {
  return { ...plInvoice(), kind: 'proforma', number: 'PRO/2026/12/000045' };
}

export function ruInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  const lines = [
    line(1, 'CH-ZH', 'Чайник электрический «Жёлтый»', 2, 'шт', 250000n, '20', 100000n, '04601234567893'),
    line(2, 'AG-YA', 'Детское питание «Агуша», яблоко', 10, 'шт', 4590n, '10', 4590n),
    line(3, 'SH-OB', 'Щётка для обуви', 3, 'шт', 33333n, '20', 20000n),
  ];
  return {
    kind: 'invoice',
    number: 'УПД-2026-000321',
    issueDate: '2026-12-01',
    currency: 'RUB',
    language: 'ru',
    seller: {
      name: 'ООО «Ромашка»',
      taxId: '7701234567',
      kpp: '770101001',
      address: {
        line1: 'ул. Льва Толстого, д. 16',
        city: 'Москва',
        postalCode: '119021',
        countryCode: 'RU',
        regionCode: '77',
      },
      email: 'buh@romashka.example.ru',
    },
    buyer: {
      name: 'АО «Северный ветер»',
      taxId: '7812345678',
      kpp: '781201001',
      address: {
        line1: 'Невский пр-т, д. 28, пом. 3Н',
        city: 'Санкт-Петербург',
        postalCode: '191186',
        countryCode: 'RU',
        regionCode: '78',
      },
    },
    lines,
    ...summarise(lines),
    pricesIncludeTax: false,
    payment: { dueDate: '2026-12-11', method: 'transfer', bankAccount: '40702810900000012345' },
    orderNumber: 'ЗАК-2026-000321',
    ...overrides,
  };
}
