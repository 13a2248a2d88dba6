import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { priceOrder } from './totals.js';
import { formatMoney } from '../../shared/money.js';

test('given net prices with 23% VAT, tax is added per line and rounded half up', () => {
  const r = priceOrder(
    'PLN',
    [
      { quantity: 3, unitPrice: '19.99', taxRate: '23' },
      { quantity: 1, unitPrice: '0.05', taxRate: '23' },
    ],
    { amount: '15.00', taxRate: '23' },
    false,
  );
  assert.ok('totals' in r);
  // 59.97 × 0.23 = 13.7931 → 13.79; 0.05 × 0.23 = 0.0115 → 0.01; 15 × 0.23 = 3.45
  assert.deepEqual(
    r.lines.map((l) => formatMoney(l.tax, 'PLN')),
    ['13.79', '0.01'],
  );
  assert.equal(formatMoney(r.totals.taxTotal, 'PLN'), '17.25');
  assert.equal(formatMoney(r.totals.grandTotal, 'PLN'), '92.27'); // 59.97 + 0.05 + 15.00 + 17.25
});

test('given tax-inclusive prices, the tax is extracted and the total is what the customer sees', () => {
  const r = priceOrder('PLN', [{ quantity: 1, unitPrice: '123.00', taxRate: '23' }], undefined, true);
  assert.ok('totals' in r);
  assert.equal(formatMoney(r.totals.taxTotal, 'PLN'), '23.00');
  assert.equal(formatMoney(r.totals.grandTotal, 'PLN'), '123.00');
});

test('given a currency without minor units, amounts with decimals are refused at their field', () => {
  const r = priceOrder('JPY', [{ quantity: 1, unitPrice: '100.5' }], undefined, false);
  assert.ok('errors' in r);
  assert.deepEqual(
    r.errors.map((e) => e.path),
    ['/lines/0/unitPrice'],
  );
});

test('given a discount above the line value and a bad rate, every field at fault is reported', () => {
  const r = priceOrder(
    'EUR',
    [
      { quantity: 2, unitPrice: '5.00', discount: '10.01' },
      { quantity: 1, unitPrice: '-1.00', taxRate: 'abc' },
    ],
    { amount: '1.001' },
    false,
  );
  assert.ok('errors' in r);
  assert.deepEqual(r.errors.map((e) => e.path).sort(), [
    '/lines/0/discount',
    '/lines/1/taxRate',
    '/lines/1/unitPrice',
    '/shipping/amount',
  ]);
});

test('property: grand total = subtotal − discounts + tax + shipping, exactly, for any valid order', () => {
  const line = fc.record({
    quantity: fc.integer({ min: 1, max: 10_000 }),
    unit: fc.bigInt({ min: 0n, max: 10_000_000n }),
    discountPct: fc.integer({ min: 0, max: 100 }),
    rate: fc.constantFrom(undefined, '0', '5', '8', '10', '20', '23'),
  });
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), fc.boolean(), (ls, incl) => {
      const input = ls.map((l) => {
        const gross = l.unit * BigInt(l.quantity);
        return {
          quantity: l.quantity,
          unitPrice: formatMoney(l.unit, 'PLN'),
          discount: formatMoney((gross * BigInt(l.discountPct)) / 100n, 'PLN'),
          taxRate: l.rate,
        };
      });
      const r = priceOrder('PLN', input, { amount: '9.99', taxRate: '23' }, incl);
      assert.ok('totals' in r);
      const t = r.totals;
      const expected = incl
        ? t.subtotal - t.discountTotal + t.shippingTotal
        : t.subtotal - t.discountTotal + t.taxTotal + t.shippingTotal;
      assert.equal(t.grandTotal, expected);
      for (const l of r.lines) assert.ok(l.tax >= 0n && l.net >= 0n);
    }),
  );
});
