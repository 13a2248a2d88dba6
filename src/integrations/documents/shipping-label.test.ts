import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/errors.js';
import { code128, qrCode, rectangleCount, ssccBarcode } from './barcodes.js';
import { renderShippingLabel } from './shipping-label.js';
import { sscc } from './sscc.js';
import { labelData, pdfRectangleCount, readPdf, russianRecipient } from './test-fixtures.js';
import type { ShippingLabelData } from './types.js';

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the promise to reject');
}

describe('shipping label (PDF)', () => {
  it('Given a Polish label, when rendered and parsed back, then names, order, tracking and SSCC text are exact', async () => {
    const pdf = await renderShippingLabel(labelData());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const { pages, text } = await readPdf(pdf);
    assert.equal(pages.length, 1);
    for (const expected of [
      'Zażółć Gęślą-Jaźń',
      'ŁĄĆĘŃÓŚŹŻ Sp. j.',
      'ul. Świętokrzyska 12 m. 5',
      'Magazyn Łódź-Południe',
      'Zamówienie: ZAM/2026/000123',
      '620123456789012345678901',
      '(00) 106141411234567897',
      'Paczka 1 z 2',
      'Waga: 2,350 kg',
      'InPost',
      'Kurier Standard',
      'ODBIORCA',
      'NADAWCA',
    ])
      assert.ok(text.includes(expected), `missing ${expected}\n${text}`);
  });

  it('Given a Russian recipient and locale, when rendered, then Cyrillic text and captions come back exactly', async () => {
    const pdf = await renderShippingLabel(
      labelData({ locale: 'ru', recipient: russianRecipient, package: { index: 3, count: 3 }, weightGrams: 12_005 }),
    );
    const { text } = await readPdf(pdf);
    for (const expected of [
      'Щукин Юрий Эдуардович',
      'ООО «ЖЁЩЫЭЮЯ»',
      'ул. Жуковского, д. 9, кв. 14',
      '190000 Санкт-Петербург',
      'ПОЛУЧАТЕЛЬ',
      'ОТПРАВИТЕЛЬ',
      'Место 3 из 3',
      'Вес: 12,005 kg',
      'Заказ: ZAM/2026/000123',
    ])
      assert.ok(text.includes(expected), `missing ${expected}\n${text}`);
  });

  it('Given a label, when rendered, then exactly the bars of Code128, GS1-128 and the QR runs are painted', async () => {
    const data = labelData();
    const expected =
      rectangleCount(code128(data.trackingNumber)) +
      rectangleCount(ssccBarcode(data.sscc)) +
      rectangleCount(qrCode(data.trackingUrl));
    assert.ok(expected > 200);
    assert.equal(pdfRectangleCount(await renderShippingLabel(data)), expected);
  });

  it('Given the baseline option, when rendered without barcodes, then the text is the same and nothing is painted', async () => {
    const pdf = await renderShippingLabel(labelData(), { withoutBarcodes: true });
    assert.equal(pdfRectangleCount(pdf), 0);
    assert.ok((await readPdf(pdf)).text.includes('(00) 106141411234567897'));
  });

  it('Given barcode data, when encoded, then the module counts follow Code128, GS1-128 and QR rules', () => {
    // Code set C packs digit pairs: start + 12 pairs + check = 14 symbols of 11 modules, stop is 13.
    const tracking = code128('620123456789012345678901');
    assert.equal(tracking.modules, 14 * 11 + 13);
    assert.equal(tracking.bars.length, 14 * 3 + 4, 'each symbol has 3 bars, the stop 4');
    // GS1-128: start C, FNC1, AI "00", 9 pairs, check = 13 symbols + stop.
    assert.equal(ssccBarcode('106141411234567897').modules, 13 * 11 + 13);
    assert.notDeepEqual(ssccBarcode('106141411234567897').bars, ssccBarcode(sscc('0614141', 42, 3)).bars);
    const qr = qrCode('https://inpost.pl/sledzenie-przesylek?number=620123456789012345678901');
    assert.equal(qr.columns, qr.rows);
    assert.equal((qr.columns - 21) % 4, 0, 'QR sizes are 21 + 4 × (version − 1)');
    // Finder pattern: the top row starts with 7 dark modules at both corners.
    assert.deepEqual(
      qr.runs.filter((r) => r.y === 0 && (r.x === 0 || r.x === qr.columns - 7)).map((r) => r.width),
      [7, 7],
    );
  });

  it('Given a missing recipient, when rendered, then DOCUMENT_INPUT_INVALID points at /recipient', async () => {
    const { recipient: _, ...rest } = labelData();
    const e = await rejection(renderShippingLabel(rest as ShippingLabelData));
    assert.equal(e.code, 'DOCUMENT_INPUT_INVALID');
    assert.equal(e.status, 422);
    assert.deepEqual(
      e.errors.map((x) => x.path),
      ['/recipient'],
    );
  });

  it('Given an SSCC with a wrong check digit, when rendered, then the error names the expected digit', async () => {
    const e = await rejection(renderShippingLabel(labelData({ sscc: '106141411234567890' })));
    assert.equal(e.code, 'DOCUMENT_INPUT_INVALID');
    assert.deepEqual(e.errors, [
      { path: '/sscc', message: 'the check digit should be 7, not 0', code: 'SSCC_INVALID' },
    ]);
  });

  it('Given control characters, blank and over-long text, when rendered, then each field is reported', async () => {
    const data = labelData({
      recipient: { ...labelData().recipient, name: 'Zażółć\u0007', city: '   ' },
      orderNumber: 'ZAM\u202E321',
      carrier: { name: 'x'.repeat(41), service: 'Kurier' },
    });
    const e = await rejection(renderShippingLabel(data));
    const byPath = Object.fromEntries(e.errors.map((x) => [x.path, x.code]));
    assert.deepEqual(byPath, {
      '/recipient/name': 'CONTROL_CHARACTER',
      '/recipient/city': 'REQUIRED',
      '/orderNumber': 'CONTROL_CHARACTER',
      '/carrier/name': 'TOO_LONG',
    });
    assert.match(e.message, /U\+0007|U\+202E/);
  });

  it('Given a tracking number Code128 cannot carry safely, a bad URL or package 3 of 2, when rendered, then each is refused', async () => {
    const e = await rejection(
      renderShippingLabel(
        labelData({
          trackingNumber: 'ŻÓŁW 1',
          trackingUrl: 'javascript:alert(1)',
          package: { index: 3, count: 2 },
          weightGrams: 0,
        }),
      ),
    );
    assert.deepEqual(e.errors.map((x) => x.path).sort(), [
      '/package',
      '/trackingNumber',
      '/trackingUrl',
      '/weightGrams',
    ]);
  });
});
