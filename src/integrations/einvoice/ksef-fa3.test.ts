import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatMinor } from './common.js';
import { buildKsefFa3, validateKsefFa3 } from './ksef-fa3.js';
import { plCreditNote, plInvoice, plProforma } from './test-fixtures.js';

const AT = { generatedAt: '2026-12-01T10:00:00Z' };

function fa3(doc = plInvoice()): string {
  const r = buildKsefFa3(doc, AT);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

// The GOBL reference outputs are Apache-2.0 and stay in shared/ (read in place). A worktree under
// wt/ has shared/ two levels up, a clone one level up.
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const KSEF_DIR = [
  resolve(REPO_ROOT, '../shared/fixtures/external/ksef'),
  resolve(REPO_ROOT, '../../shared/fixtures/external/ksef'),
].find((d) => existsSync(d));

describe('KSeF FA(3)', () => {
  it('Given a PL B2B invoice at 23/8/5 % and zw, when built, then it validates and each rate sum is exact to the grosz', () => {
    const xml = fa3();
    assert.deepEqual(validateKsefFa3(xml), { ok: true, errors: [] });
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
    assert.ok(xml.includes('<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">'));
    assert.equal(tag(xml, 'P_13_1'), '200.00');
    assert.equal(tag(xml, 'P_14_1'), '46.00');
    assert.equal(tag(xml, 'P_13_2'), '59.97');
    assert.equal(tag(xml, 'P_14_2'), '4.80');
    assert.equal(tag(xml, 'P_13_3'), '39.00');
    assert.equal(tag(xml, 'P_14_3'), '1.95');
    assert.equal(tag(xml, 'P_13_7'), '500.00');
    assert.equal(tag(xml, 'P_15'), '851.72');
    assert.equal(tag(xml, 'RodzajFaktury'), 'VAT');
    assert.equal(tag(xml, 'P_19A'), 'art. 43 ust. 1 pkt 29 lit. c ustawy o VAT');
    assert.equal(xml.split('<FaWiersz>').length - 1, 5);
    for (const s of ['Zażółć Gęślą Jaźń Sp. z o.o.', 'Łódź', 'Herbata żółta „Ćma”, 100 g', '<P_12>zw</P_12>'])
      assert.ok(xml.includes(s), s);
  });

  it('Given a credit note, when built, then it is a KOR naming the corrected invoice, its KSeF number and the reason, and validates', () => {
    const xml = fa3(plCreditNote());
    assert.deepEqual(validateKsefFa3(xml), { ok: true, errors: [] });
    assert.equal(tag(xml, 'RodzajFaktury'), 'KOR');
    assert.equal(tag(xml, 'PrzyczynaKorekty'), 'Zwrot towaru — reklamacja nr 17/2026 (uszkodzenie w transporcie)');
    assert.equal(tag(xml, 'NrFaKorygowanej'), 'FV/2026/12/000123');
    assert.equal(tag(xml, 'DataWystFaKorygowanej'), '2026-12-01');
    assert.equal(tag(xml, 'NrKSeFFaKorygowanej'), '5265877635-20261201-0100001AF629-5D');
    assert.equal(tag(xml, 'P_15'), '-102.45');
    assert.equal(tag(xml, 'P_14_1'), '-11.50');
  });

  it('Given a credit note for an invoice issued outside KSeF, when built, then it says so (NrKSeFN) and validates', () => {
    const doc = plCreditNote();
    const xml = fa3({ ...doc, corrects: { ...doc.corrects!, ksefNumber: undefined } });
    assert.equal(tag(xml, 'NrKSeFN'), '1');
    assert.ok(validateKsefFa3(xml).ok);
  });

  it('Given a proforma, when built, then it is refused: a proforma is not sent to KSeF', () => {
    const r = buildKsefFa3(plProforma(), AT);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'EINVOICE_UNSUPPORTED');
    assert.match(r.error.message, /proforma/);
  });

  it('Given documents FA(3) cannot carry, when built, then each is refused with the reason', () => {
    const doc = plInvoice();
    const cases: [ReturnType<typeof plInvoice>, RegExp][] = [
      [{ ...doc, vatExemptionBasis: undefined }, /P_19A/],
      [{ ...doc, seller: { ...doc.seller, taxId: '0000000000' } }, /NIP/],
      [{ ...doc, totals: { ...doc.totals, gross: doc.totals.gross + 1n } }, /gross/],
      [{ ...doc, currency: 'EUR' }, /exchange rate/],
      [{ ...doc, vatSummary: [...doc.vatSummary, { rate: '17', net: 0n, vat: 0n, gross: 0n }] }, /17/],
    ];
    for (const [bad, reason] of cases) {
      const r = buildKsefFa3(bad, AT);
      assert.ok(!r.ok);
      assert.match(r.error.message, reason);
    }
  });

  it('Given a broken FA(3), when validated, then it is refused with the line of the fault', () => {
    const xml = fa3().replace('<P_15>851.72</P_15>', '<P_15>851,72</P_15>');
    const line = xml.split('\n').findIndex((l) => l.includes('851,72')) + 1;
    const r = validateKsefFa3(xml);
    assert.equal(r.ok, false);
    assert.ok(
      r.errors.some((e) => e.line === line && /P_15/.test(e.message)),
      JSON.stringify(r.errors),
    );
    const missing = validateKsefFa3(fa3().replace(/<P_2>[^<]*<\/P_2>/, ''));
    assert.ok(!missing.ok && missing.errors.some((e) => /P_2|P_6|P_13/.test(e.message)));
    const notXml = validateKsefFa3('<Faktura><P_1></Faktura>');
    assert.ok(!notXml.ok && notXml.errors[0]!.line === 1);
  });

  it('Given the GOBL reference FA(3) outputs, when validated, then all pass (the validator accepts real files)', (t) => {
    if (!KSEF_DIR) return t.skip('KSeF samples (../shared/fixtures/external/ksef) absent');
    const files = readdirSync(KSEF_DIR).filter((f) => /^gobl-fa3-.*\.xml$/.test(f));
    assert.ok(files.length >= 3);
    for (const f of files)
      assert.deepEqual(validateKsefFa3(readFileSync(resolve(KSEF_DIR, f))), { ok: true, errors: [] }, f);
    // and an FA(2) file is not an FA(3) one
    assert.equal(validateKsefFa3(readFileSync(resolve(KSEF_DIR, 'gobl-fa2-invoice-pl-pl.xml'))).ok, false);
  });

  it('formats minor units exactly, without floats', () => {
    assert.equal(formatMinor(0n), '0.00');
    assert.equal(formatMinor(-5n), '-0.05');
    assert.equal(formatMinor(123456789012345678n), '1234567890123456.78');
    assert.equal(formatMinor(7n, 0), '7');
    assert.equal(formatMinor(-1234n, 3), '-1.234');
  });
});
