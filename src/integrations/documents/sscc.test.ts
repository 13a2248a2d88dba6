import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../shared/errors.js';
import { assertSscc, gs1CheckDigit, isValidSscc, sscc, ssccProblem } from './sscc.js';

describe('SSCC', () => {
  it('Given GS1 examples, when the check digit is computed, then it matches the published SSCC', () => {
    // GS1 General Specifications' example SSCC and the GTIN-13 of a well-known product.
    assert.equal(gs1CheckDigit('10614141123456789'), 7);
    assert.equal(isValidSscc('106141411234567897'), true);
    assert.equal(gs1CheckDigit('400638133393'), 1); // GTIN 4006381333931
    assert.equal(gs1CheckDigit('00000000000000000'), 0);
  });

  it('Given a company prefix, serial and extension, when built, then the SSCC is padded and checked', () => {
    assert.equal(sscc('0614141', '123456789', 1), '106141411234567897');
    assert.equal(sscc('0614141', 42, '3'), `30614141000000042${gs1CheckDigit('30614141000000042')}`);
    assert.equal(isValidSscc(sscc('0614141', 42, '3')), true);
    assert.equal(sscc('590123412345', 7n, 0).length, 18);
    assert.ok(sscc('590123412345', 7n, 0).startsWith('05901234123450007'));
  });

  it('Given bad parts, when an SSCC is built, then SSCC_INVALID says which part', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof AppError);
        return { code: e.code, path: e.errors[0]?.path, message: e.message };
      }
      assert.fail('expected an error');
    };
    assert.deepEqual(code(() => sscc('0614141', '1', 10)).path, '/extensionDigit');
    assert.deepEqual(code(() => sscc('06A4141', '1', 1)).path, '/companyPrefix');
    assert.deepEqual(code(() => sscc('0614141', '1234567890', 1)).path, '/serialRef');
    assert.deepEqual(code(() => sscc('0614141', -5, 1)).path, '/serialRef');
    assert.equal(code(() => sscc('0614141', '1', 'x')).code, 'SSCC_INVALID');
    assert.match(code(() => sscc('0614141', '1234567890', 1)).message, /room for 9/);
  });

  it('Given a wrong check digit or length, when asserted, then SSCC_INVALID names the expected digit', () => {
    assert.equal(ssccProblem('106141411234567898'), 'the check digit should be 7, not 8');
    assert.match(ssccProblem('10614141123456789') ?? '', /18 digits/);
    assert.throws(
      () => assertSscc('106141411234567890'),
      (e: unknown) => e instanceof AppError && e.code === 'SSCC_INVALID' && /should be 7/.test(e.message),
    );
    assert.equal(assertSscc('106141411234567897'), '106141411234567897');
  });

  it('Given any 17 digits, when the check digit is appended, then it validates and any single-digit change does not', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 17, maxLength: 17 }),
        fc.nat(17),
        fc.integer({ min: 1, max: 9 }),
        (body, position, delta) => {
          const full = body + gs1CheckDigit(body);
          assert.equal(isValidSscc(full), true);
          const changed =
            full.slice(0, position) + String((Number(full[position]) + delta) % 10) + full.slice(position + 1);
          assert.equal(isValidSscc(changed), false);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
