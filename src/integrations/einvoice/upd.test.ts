import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { buildUpd, createUpdValidator, type UpdOptions } from './upd.js';
import { plCreditNote, ruInvoice } from './test-fixtures.js';
import type { XmlValidation } from './xml-schema.js';

// The ФНС 5.02 schema has no stated licence: read in place from shared/, never copied here.
// A clone has shared/ one level up, a worktree under wt/ two.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const XSD = ['../shared', '../../shared']
  .map((p) => resolve(REPO_ROOT, p, 'fixtures/external/upd/ON_NSCHFDOPPR_1_997_01_05_02_01.xsd'))
  .find((p) => existsSync(p));
const SKIP = 'УПД 5.02 schema (../shared/fixtures/external/upd/ON_NSCHFDOPPR_1_997_01_05_02_01.xsd) absent';
let validator: ((xml: Uint8Array | string) => XmlValidation) | undefined;
const validate = (xml: Uint8Array | string) => (validator ??= createUpdValidator(readFileSync(XSD!)))(xml);

const OPTIONS: UpdOptions = {
  senderId: '2BM-7701234567-770101001-201801010000000000001',
  receiverId: '2BM-7812345678-781201001-201901010000000000002',
  signer: { lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', position: 'Генеральный директор' },
  formedAt: { date: '2026-12-01', time: '10:15:00' },
  fileGuid: '5f34036f-27c9-438b-8ccc-0c5059326d04',
};

function upd(doc = ruInvoice()) {
  const r = buildUpd(doc, OPTIONS);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return { ...r.value, text: iconv.decode(r.value.bytes, 'win1251') };
}

const attr = (xml: string, name: string) => [...xml.matchAll(new RegExp(`${name}="([^"]*)"`, 'g'))].map((m) => m[1]);

describe('УПД (ФНС 5.02, СЧФДОП)', () => {
  it('Given a RU invoice at НДС 20 % and 10 %, when built, then it is windows-1251, named by the format and validates', (t) => {
    if (!XSD) return t.skip(SKIP);
    const { fileId, bytes, text } = upd();
    assert.deepEqual(validate(bytes), { ok: true, errors: [] });
    assert.equal(
      fileId,
      'ON_NSCHFDOPPR_2BM-7812345678-781201001-201901010000000000002_2BM-7701234567-770101001-201801010000000000001_20261201_5f34036f-27c9-438b-8ccc-0c5059326d04',
    );
    assert.ok(text.startsWith('<?xml version="1.0" encoding="windows-1251"?>'));
    // Cyrillic as single windows-1251 bytes, not UTF-8 pairs: "Ж" is 0xC6 there.
    assert.ok(bytes.includes(Buffer.from([0xc6])) && !bytes.includes(Buffer.from('Ж', 'utf8')));
    for (const s of [
      'Функция="СЧФДОП"',
      'ИННЮЛ="7701234567" КПП="770101001"',
      'АО «Северный ветер»',
      'Чайник электрический «Жёлтый»',
    ])
      assert.ok(text.includes(s), s);
    assert.ok(text.includes(`ИдФайл="${fileId}"`));
  });

  it('Given lines at two rates, when built, then each line and the total carry НДС exact to the kopeck', () => {
    const { text } = upd();
    const lineVat = [...text.matchAll(/<СведТов[^>]*НалСт="(\d+)%"[^]*?<СумНал>\s*<СумНал>([\d.]+)</g)].map((m) => [
      m[1],
      m[2],
    ]);
    assert.deepEqual(lineVat, [
      ['20', '1000.00'],
      ['10', '45.90'],
      ['20', '200.00'],
    ]);
    assert.deepEqual(attr(text, 'СтТовБезНДСВсего'), ['6458.99']);
    assert.deepEqual(attr(text, 'СтТовУчНалВсего'), ['7704.89']);
    assert.match(text, /<СумНалВсего>\s*<СумНал>1245.90<\/СумНал>/);
  });

  it('Given a foreign buyer whose name has letters windows-1251 lacks, when built, then they survive as character references and it validates', (t) => {
    if (!XSD) return t.skip(SKIP);
    const doc = ruInvoice();
    const buyer = {
      name: 'Łódzka Hurtownia Żółw Sp. z o.o.',
      taxId: '1234563218',
      address: { line1: 'ul. Źródlana 3', city: 'Łódź', postalCode: '90-001', countryCode: 'PL' },
    };
    const { bytes, text } = upd({ ...doc, buyer });
    assert.ok(text.includes('&#321;&#243;dzka Hurtownia &#379;&#243;&#322;w'));
    assert.ok(!text.includes('?dzka'), 'no letter replaced by a question mark');
    assert.ok(validate(bytes).ok);
  });

  it('Given a broken УПД, when validated, then it is refused with the line', (t) => {
    if (!XSD) return t.skip(SKIP);
    const text = upd().text.replace('НалСт="10%"', 'НалСт="12%"');
    const line = text.split('\n').findIndex((l) => l.includes('НалСт="12%"')) + 1;
    const r = validate(iconv.encode(text, 'win1251'));
    assert.equal(r.ok, false);
    assert.ok(
      r.errors.some((e) => e.line === line && e.message.includes('НалСт')),
      JSON.stringify(r.errors),
    );
  });

  it('Given a credit note, a rate the format lacks or a party without ИНН, when built, then each is refused', () => {
    assert.equal(buildUpd(plCreditNote(), OPTIONS).ok, false);
    const doc = ruInvoice();
    const badRate = { ...doc, lines: doc.lines.map((l) => ({ ...l, vatRate: '18' })) };
    const r1 = buildUpd(badRate, OPTIONS);
    assert.ok(!r1.ok && /18/.test(r1.error.message));
    const r2 = buildUpd({ ...doc, buyer: { ...doc.buyer, taxId: undefined } }, OPTIONS);
    assert.ok(!r2.ok && /ИНН/.test(r2.error.message));
  });
});
