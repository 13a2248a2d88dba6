import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decimalToMinor, minorFromString, minorToDecimal, minorToSafeNumber } from './money.js';

test('Given minor units, When written as decimals, Then the digits are exact for 0, 2 and 3 decimal currencies', () => {
  assert.equal(minorToDecimal(12_345n, 'RUB'), '123.45');
  assert.equal(minorToDecimal(5n, 'RUB'), '0.05');
  assert.equal(minorToDecimal(5n, 'JPY'), '5');
  assert.equal(minorToDecimal(1_005n, 'KWD'), '1.005');
  assert.equal(minorToDecimal(9_007_199_254_740_993n, 'RUB'), '90071992547409.93', 'beyond a double’s precision');
});

test('Given decimal amounts, When read as minor units, Then they are exact or refused, never rounded', () => {
  assert.equal(decimalToMinor('10.00', 'RUB'), 1_000n);
  assert.equal(decimalToMinor('0.1', 'RUB'), 10n);
  assert.equal(decimalToMinor(250.0, 'RUB'), 25_000n);
  assert.equal(decimalToMinor('90071992547409.93', 'RUB'), 9_007_199_254_740_993n);
  assert.equal(decimalToMinor('10.005', 'RUB'), null);
  assert.equal(decimalToMinor('1,00', 'RUB'), null);
  assert.equal(decimalToMinor('1.50', 'JPY'), null);
  assert.equal(minorFromString('200'), 200n);
  assert.equal(minorFromString('2.00'), null);
  assert.equal(minorToSafeNumber(2n ** 53n), null);
});
