import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { creditByAmount, invoiceLine, partOfLine, takeBackLine, vatRateOf, vatSummary } from './invoice-lines.js';

const rate = fc.constantFrom('23', '8', '5', '0', null);
const line = fc
  .record({ quantity: fc.integer({ min: 1, max: 500 }), net: fc.bigInt({ min: 0n, max: 5_000_000n }), rate })
  .map(({ quantity, net, rate }) => {
    const pct = rate === null ? 0n : BigInt(rate);
    const tax = (net * pct + 50n) / 100n;
    return { sku: 'SKU', name: 'Kubek żółty / Чашка', quantity, total: net + tax, tax, taxRate: rate };
  });

describe('invoice lines and the VAT summary (exact to the grosz)', () => {
  it('Σ rows of the summary = the totals = Σ lines, and net + VAT = gross everywhere', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), (sources) => {
        const lines = sources.map((s, i) => invoiceLine(i + 1, s, 'szt.'));
        const { rows, totals } = vatSummary(lines);
        assert.equal(
          totals.gross,
          sources.reduce((a, s) => a + s.total, 0n),
        );
        assert.equal(
          totals.vat,
          sources.reduce((a, s) => a + s.tax, 0n),
        );
        for (const k of ['net', 'vat', 'gross'] as const)
          assert.equal(
            rows.reduce((a, r) => a + r[k], 0n),
            totals[k],
          );
        for (const r of rows) assert.equal(r.net + r.vat, r.gross);
        assert.equal(new Set(rows.map((r) => r.rate)).size, rows.length, 'one row per rate');
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it('a credit by amount spreads exactly the amount over the rates, never more than a rate holds', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 100 }), (sources, pct) => {
        const { rows, totals } = vatSummary(sources.map((s, i) => invoiceLine(i + 1, s, 'szt.')));
        fc.pre(totals.gross > 0n);
        const amount = (totals.gross * BigInt(pct)) / 100n || 1n;
        const credit = creditByAmount(rows, amount, 'Rabat posprzedażowy', 'szt.');
        assert.equal(-credit.reduce((a, l) => a + l.gross, 0n), amount);
        for (const c of credit) {
          const row = rows.find((r) => r.rate === c.vatRate)!;
          assert.ok(-c.gross <= row.gross, 'no rate gives back more than it holds');
          assert.equal(c.net + c.vat, c.gross);
        }
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it('taking back every unit of a line gives exactly the line, negative; parts add up to the whole', () => {
    const l = invoiceLine(1, { sku: 'A', name: 'Łyżka', quantity: 3, total: 1230n, tax: 230n, taxRate: '23' }, 'szt.');
    const all = takeBackLine(1, l, 3);
    assert.deepEqual([all.quantity, all.net, all.vat, all.gross], [-3, -1000n, -230n, -1230n]);
    const one = partOfLine(1, l, 1);
    const two = partOfLine(1, l, 2);
    assert.equal(one.net + two.net, l.net);
    assert.equal(one.vat + two.vat, l.vat);
    assert.equal(vatRateOf('23.00'), '23');
    assert.equal(vatRateOf('5.5'), '5.5');
    assert.equal(vatRateOf(null), 'np');
  });
});
