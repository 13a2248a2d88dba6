import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../shared/errors.js';
import { labelZpl } from './label-zpl.js';
import { labelData, russianRecipient } from './test-fixtures.js';

const fields = (zpl: string) => [...zpl.matchAll(/\^FD(.*?)\^FS/g)].map((m) => m[1]!);

describe('shipping label (ZPL)', () => {
  it('Given a label, when written as ZPL, then it is one format with UTF-8, A6 size and closing ^XZ', () => {
    const zpl = labelZpl(labelData());
    const lines = zpl.trim().split('\n');
    assert.equal(lines[0], '^XA');
    assert.equal(lines[1], '^CI28');
    assert.equal(lines.at(-1), '^XZ');
    assert.equal(zpl.match(/\^XA/g)?.length, 1);
    assert.ok(lines.includes('^PW800') && lines.includes('^LL1200'), '100 × 150 mm at 8 dots/mm');
    // Every ^FO field is closed before the next starts.
    for (const l of lines.filter((x) => x.startsWith('^FO'))) assert.match(l, /\^FS$/);
  });

  it('Given a label, when written as ZPL, then tracking is ^BC Code128, SSCC is ^BC UCC/EAN mode and the URL is ^BQ QR', () => {
    const data = labelData();
    const zpl = labelZpl(data);
    assert.match(zpl, new RegExp(`\\^BCN,120,N,N,N\\^FD${data.trackingNumber}\\^FS`));
    assert.match(zpl, /\^BCN,130,N,N,N,D\^FD\(00\)106141411234567897\^FS/);
    assert.ok(zpl.includes(`^BQN,2,5^FDQA,${data.trackingUrl}^FS`));
    assert.ok(fields(zpl).includes('(00) 106141411234567897'), 'human-readable SSCC line');
  });

  it('Given Polish and Cyrillic data, when written as ZPL, then field data keeps the UTF-8 text exactly', () => {
    const pl = fields(labelZpl(labelData()));
    for (const v of [
      'Zażółć Gęślą-Jaźń',
      'ŁĄĆĘŃÓŚŹŻ Sp. j.',
      'Zamówienie: ZAM/2026/000123',
      'Paczka 1 z 2',
      'ODBIORCA',
      'NUMER PRZESYŁKI',
    ]) {
      assert.ok(pl.includes(v), `missing ${v}`);
    }
    const ru = fields(labelZpl(labelData({ locale: 'ru', recipient: russianRecipient })));
    for (const v of ['Щукин Юрий Эдуардович', 'ООО «ЖЁЩЫЭЮЯ»', 'Заказ: ZAM/2026/000123', 'ПОЛУЧАТЕЛЬ'])
      assert.ok(ru.includes(v), `missing ${v}`);
  });

  it('Given text with ^, ~ and _, when written as ZPL, then they are hex-escaped under ^FH and cannot start commands', () => {
    const zpl = labelZpl(labelData({ recipient: { ...labelData().recipient, company: 'A^XZ~JR_B\\' } }));
    assert.ok(zpl.includes('^FH_^FDA_5EXZ_7EJR_5FB_5C^FS'), zpl);
    assert.equal(zpl.match(/\^XZ/g)?.length, 1);
  });

  it('Given a 300 dpi printer and a resident font, when written as ZPL, then coordinates scale and text uses ^A@', () => {
    const zpl = labelZpl(labelData(), { dpmm: 12, font: 'E:TT0003M_.TTF' });
    assert.ok(zpl.includes('^PW1200') && zpl.includes('^LL1800'));
    assert.ok(zpl.includes('^A@N,75,75,E:TT0003M_.TTF'), 'carrier name at 50 dots × 1.5');
    assert.ok(!zpl.includes('^A0'));
  });

  it('Given invalid data, when written as ZPL, then the same validation errors as the PDF apply', () => {
    assert.throws(
      () => labelZpl(labelData({ sscc: '123' })),
      (e: unknown) => e instanceof AppError && e.code === 'DOCUMENT_INPUT_INVALID' && e.errors[0]?.path === '/sscc',
    );
  });
});
