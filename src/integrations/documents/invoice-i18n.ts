/**
 * Captions of the invoice PDF in Polish, Russian and English, kept beside i18n.ts (same style)
 * so the shipping documents' table stays short. Amounts are formatted from bigint minor units
 * with integer arithmetic, grouped the way each language writes money.
 */
import type { DocumentLocale } from './types.js';

const en = {
  invoice: 'Invoice',
  creditNote: 'Credit note',
  proforma: 'Proforma invoice',
  no: 'No.',
  issueDate: 'Date of issue',
  saleDate: 'Date of sale',
  placeOfIssue: 'Place of issue',
  dueDate: 'Payment due',
  seller: 'Seller',
  buyer: 'Buyer',
  taxId: 'VAT ID',
  kpp: 'KPP',
  ksefNumber: 'KSeF number',
  corrects: 'Corrects invoice {number} of {date}',
  correctsKsef: 'KSeF number of the corrected invoice: {ksef}',
  reason: 'Reason for correction',
  item: 'Item',
  qty: 'Qty',
  unit: 'Unit',
  unitNet: 'Unit net',
  net: 'Net',
  rate: 'VAT %',
  vat: 'VAT',
  gross: 'Gross',
  vatSummary: 'VAT summary',
  total: 'Total',
  toPay: 'Amount due',
  toRefund: 'Amount to refund',
  paid: 'Paid',
  method: 'Payment method',
  bankAccount: 'Bank account',
  order: 'Order',
  exemption: 'VAT exemption basis',
  proformaNote: 'This proforma is not a VAT invoice.',
  page: 'Page {n} of {m}',
  continued: 'continued',
  exempt: 'exempt',
  noVat: 'no VAT',
  methods: { transfer: 'bank transfer', card: 'card', cash: 'cash', cod: 'cash on delivery' } as Record<string, string>,
};

export type InvoiceCaptions = typeof en;

const pl: InvoiceCaptions = {
  invoice: 'Faktura VAT',
  creditNote: 'Faktura korygująca',
  proforma: 'Faktura proforma',
  no: 'Nr',
  issueDate: 'Data wystawienia',
  saleDate: 'Data sprzedaży',
  placeOfIssue: 'Miejsce wystawienia',
  dueDate: 'Termin płatności',
  seller: 'Sprzedawca',
  buyer: 'Nabywca',
  taxId: 'NIP',
  kpp: 'KPP',
  ksefNumber: 'Numer KSeF',
  corrects: 'Korygowana faktura {number} z dnia {date}',
  correctsKsef: 'Numer KSeF faktury korygowanej: {ksef}',
  reason: 'Przyczyna korekty',
  item: 'Nazwa towaru lub usługi',
  qty: 'Ilość',
  unit: 'J.m.',
  unitNet: 'Cena netto',
  net: 'Wartość netto',
  rate: 'VAT %',
  vat: 'Kwota VAT',
  gross: 'Wartość brutto',
  vatSummary: 'Zestawienie VAT',
  total: 'Razem',
  toPay: 'Do zapłaty',
  toRefund: 'Do zwrotu',
  paid: 'Zapłacono',
  method: 'Sposób płatności',
  bankAccount: 'Rachunek bankowy',
  order: 'Zamówienie',
  exemption: 'Podstawa zwolnienia z VAT',
  proformaNote: 'Faktura proforma nie jest fakturą VAT.',
  page: 'Strona {n} z {m}',
  continued: 'ciąg dalszy',
  exempt: 'zw.',
  noVat: 'bez VAT',
  methods: { transfer: 'przelew', card: 'karta', cash: 'gotówka', cod: 'za pobraniem' },
};

const ru: InvoiceCaptions = {
  invoice: 'Счёт-фактура',
  creditNote: 'Корректировочный счёт-фактура',
  proforma: 'Счёт на оплату (проформа)',
  no: '№',
  issueDate: 'Дата составления',
  saleDate: 'Дата отгрузки',
  placeOfIssue: 'Место составления',
  dueDate: 'Срок оплаты',
  seller: 'Продавец',
  buyer: 'Покупатель',
  taxId: 'ИНН',
  kpp: 'КПП',
  ksefNumber: 'Номер KSeF',
  corrects: 'К счёту-фактуре № {number} от {date}',
  correctsKsef: 'Номер KSeF исправляемого документа: {ksef}',
  reason: 'Основание корректировки',
  item: 'Наименование товара',
  qty: 'Кол-во',
  unit: 'Ед.',
  unitNet: 'Цена без НДС',
  net: 'Стоимость без НДС',
  rate: 'Ставка',
  vat: 'Сумма НДС',
  gross: 'Стоимость с НДС',
  vatSummary: 'НДС по ставкам',
  total: 'Всего',
  toPay: 'Всего к оплате',
  toRefund: 'К возврату',
  paid: 'Оплачено',
  method: 'Способ оплаты',
  bankAccount: 'Расчётный счёт',
  order: 'Заказ',
  exemption: 'Основание освобождения от НДС',
  proformaNote: 'Проформа не является счётом-фактурой.',
  page: 'Страница {n} из {m}',
  continued: 'продолжение',
  exempt: 'без НДС',
  noVat: 'без НДС',
  methods: { transfer: 'безналичный расчёт', card: 'банковская карта', cash: 'наличные', cod: 'наложенный платёж' },
};

const byLocale: Record<DocumentLocale, InvoiceCaptions> = { en, pl, ru };

export function invoiceCaptions(locale: DocumentLocale): InvoiceCaptions {
  return byLocale[locale];
}

/**
 * 123456789n minor units → "1 234 567,89" (pl, ru: space-grouped, decimal comma) or
 * "1,234,567.89" (en). Integer arithmetic only.
 */
export function formatMoney(minor: bigint, locale: DocumentLocale, digits = 2): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const scale = 10n ** BigInt(digits);
  const whole = (abs / scale).toString();
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, locale === 'en' ? ',' : ' ');
  const frac = digits ? (locale === 'en' ? '.' : ',') + (abs % scale).toString().padStart(digits, '0') : '';
  return `${negative ? '-' : ''}${grouped}${frac}`;
}

/** A rate as printed: "23%", "zw.", "без НДС". */
export function rateLabel(rate: string, captions: InvoiceCaptions): string {
  if (/^\d+$/.test(rate)) return `${rate}%`;
  if (rate === 'zw') return captions.exempt;
  if (rate === 'none') return captions.noVat;
  return rate;
}
