// Test data and a PDF reader shared by the documents' tests (not itself a test file).
import { inflateSync } from 'node:zlib';
import { PDFParse } from 'pdf-parse';
import type { PackingSlipData, PickListData, PostalAddress, ShippingLabelData, WaybillData } from './types.js';

export const warsawSender: PostalAddress = {
  name: 'Magazyn Łódź-Południe',
  company: 'Ordo Sp. z o.o.',
  lines: ['ul. Źródlana 7'],
  postalCode: '93-569',
  city: 'Łódź',
  country: 'PL',
  phone: '+48 42 123 45 67',
};

export const polishRecipient: PostalAddress = {
  name: 'Zażółć Gęślą-Jaźń',
  company: 'ŁĄĆĘŃÓŚŹŻ Sp. j.',
  lines: ['ul. Świętokrzyska 12 m. 5'],
  postalCode: '00-916',
  city: 'Warszawa',
  country: 'PL',
  phone: '+48 600 700 800',
};

export const russianRecipient: PostalAddress = {
  name: 'Щукин Юрий Эдуардович',
  company: 'ООО «ЖЁЩЫЭЮЯ»',
  lines: ['ул. Жуковского, д. 9, кв. 14'],
  postalCode: '190000',
  city: 'Санкт-Петербург',
  country: 'RU',
};

export function labelData(over: Partial<ShippingLabelData> = {}): ShippingLabelData {
  return {
    locale: 'pl',
    orderNumber: 'ZAM/2026/000123',
    sender: warsawSender,
    recipient: polishRecipient,
    carrier: { name: 'InPost', service: 'Kurier Standard' },
    trackingNumber: '620123456789012345678901',
    trackingUrl: 'https://inpost.pl/sledzenie-przesylek?number=620123456789012345678901',
    sscc: '106141411234567897',
    weightGrams: 2350,
    package: { index: 1, count: 2 },
    createdAt: '2026-11-23T10:00:00Z',
    ...over,
  };
}

export function packingSlipData(lineCount: number, over: Partial<PackingSlipData> = {}): PackingSlipData {
  const names = ['Łyżka stołowa ŚWIĘTA', 'Чайник электрический «Жёлтый»', 'Źdźbło trawy ozdobne', 'Щётка для обуви'];
  return {
    locale: 'pl',
    orderNumber: 'ZAM/2026/000123',
    orderDate: '2026-11-20',
    customer: { name: 'Zażółć Gęślą-Jaźń', email: 'jazn@example.pl' },
    shipTo: polishRecipient,
    shipFrom: warsawSender,
    lines: Array.from({ length: lineCount }, (_, i) => ({
      sku: `SKU-${String(i + 1).padStart(4, '0')}`,
      name: names[i % names.length]!,
      quantity: (i % 5) + 1,
    })),
    createdAt: '2026-11-23T10:00:00Z',
    ...over,
  };
}

export function waybillData(over: Partial<WaybillData> = {}): WaybillData {
  return {
    locale: 'ru',
    documentNumber: 'ТН-2026-0042',
    issueDate: '2026-11-23',
    orderNumber: 'ZAM/2026/000123',
    consignor: warsawSender,
    consignee: russianRecipient,
    carrier: { name: 'СДЭК', service: 'Склад-склад', vehicle: 'А123ВС 78', driver: 'Жуков Ёжик Щ.' },
    packages: [
      { reference: 'P1', description: 'Запчасти', weightGrams: 2350, lengthMm: 400, widthMm: 300, heightMm: 205 },
      {
        reference: 'P2',
        description: 'Części zamienne',
        weightGrams: 1005,
        lengthMm: 300,
        widthMm: 200,
        heightMm: 100,
      },
    ],
    declaredValue: { amount: '1234.5', currency: 'PLN' },
    remarks: 'Хрупкое! Ostrożnie — szkło.',
    createdAt: '2026-11-23T10:00:00Z',
    ...over,
  };
}

export function pickListData(over: Partial<PickListData> = {}): PickListData {
  return {
    locale: 'ru',
    pickListNumber: 'PL-0007',
    location: { code: 'WAW-1', name: 'Склад Варшава' },
    picker: 'Юлия Щербакова',
    lines: [
      { sku: 'SKU-0003', name: 'Щётка для обуви', quantity: 2, zone: 'B', bin: 'B-10-01' },
      { sku: 'SKU-0001', name: 'Łyżka stołowa', quantity: 5, zone: 'A', bin: 'A-10-02', lot: 'L2026-11' },
      {
        sku: 'SKU-0002',
        name: 'Чайник «Жёлтый»',
        quantity: 1,
        zone: 'A',
        bin: 'A-2-01',
        serialRequired: true,
        orderNumber: 'ZAM/2026/000124',
      },
    ],
    createdAt: '2026-11-23T10:00:00Z',
    ...over,
  };
}

export interface ReadPdf {
  text: string;
  pages: string[];
}

/** Parses a PDF back with pdf-parse (pdf.js): the text a reader would copy, per page. */
export async function readPdf(pdf: Buffer): Promise<ReadPdf> {
  const parser = new PDFParse({ data: pdf });
  try {
    const text = await parser.getText();
    return { text: text.text, pages: text.pages.map((p) => p.text) };
  } finally {
    await parser.destroy();
  }
}

/**
 * Number of rectangle operators ("x y w h re") in the PDF's content streams, inflated.
 * Barcodes are drawn as rectangles, so this counts bars and QR runs.
 */
export function pdfRectangleCount(pdf: Buffer): number {
  let count = 0;
  const raw = pdf.toString('latin1');
  for (const m of raw.matchAll(/\/FlateDecode[^]*?>>\s*stream\r?\n/g)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    let content: string;
    try {
      content = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      continue;
    }
    count += content.match(/(?:^|\s)-?[\d.]+ -?[\d.]+ -?[\d.]+ -?[\d.]+ re(?=\s)/g)?.length ?? 0;
  }
  return count;
}
