import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoney } from '../../shared/money.js';
import {
  applyChanges,
  approvalsFor,
  paymentDifference,
  stockBySku,
  type ChangeLine,
  type ChangeOrder,
} from './changes.js';

const line = (over: Partial<ChangeLine> & Pick<ChangeLine, 'id' | 'sku'>): ChangeLine => ({
  lineNo: 1,
  productId: `p-${over.sku}`,
  name: over.sku,
  quantity: 2,
  unitPrice: '10.00',
  discount: '0.00',
  taxRate: '23',
  fulfilled: 0,
  ...over,
});
const order = (lines: ChangeLine[]): ChangeOrder => ({
  currency: 'PLN',
  pricesIncludeTax: true,
  shipping: { amount: '15.00', taxRate: '23' },
  deliveryMethod: 'ship',
  pickupLocation: null,
  lines,
});
const products = new Map(
  ['A', 'B', 'C'].map((sku) => [sku, { id: `p-${sku}`, sku, name: `Towar ${sku}`, active: true }]),
);
products.set('OLD', { id: 'p-OLD', sku: 'OLD', name: 'Wycofany', active: false });
const ids = (at: number) => `new-${at}`;
const pln = (v: bigint) => formatMoney(v, 'PLN');

test('given two lines, when one is added and another partly cancelled, then totals, stock and effects follow', () => {
  const base = order([line({ id: 'l1', sku: 'A', quantity: 3 }), line({ id: 'l2', sku: 'B', lineNo: 2 })]);
  const r = applyChanges(
    base,
    [
      { type: 'add_line', sku: 'C', quantity: 1, unitPrice: '5.50', taxRate: '8' },
      { type: 'cancel_quantity', lineId: 'l1', quantity: 2 },
    ],
    products,
    ids,
  );
  assert.ok(!('errors' in r));
  assert.equal(pln(r.before.grandTotal), '65.00');
  assert.equal(pln(r.totals.grandTotal), '50.50'); // 10 + 20 + 5.50 + 15
  assert.deepEqual(r.stock, [
    { lineId: 'l1', sku: 'A', productId: 'p-A', delta: -2 },
    { lineId: 'new-0', sku: 'C', productId: 'p-C', delta: 1 },
  ]);
  assert.equal(r.order.lines.find((l) => l.id === 'new-0')!.lineNo, 3);
  assert.deepEqual(
    r.effects.map((e) => e.action),
    ['add_line', 'cancel_quantity'],
  );
});

test('given a discounted line, when its quantity halves, then the discount halves with it', () => {
  const r = applyChanges(
    order([line({ id: 'l1', sku: 'A', quantity: 4, discount: '3.00' })]),
    [{ type: 'change_quantity', lineId: 'l1', quantity: 2 }],
    products,
    ids,
  );
  assert.ok(!('errors' in r));
  assert.equal(r.order.lines[0]!.discount, '1.50');
});

test('given a line with units shipped, when its price, item or existence changes, then the change is refused with the path', () => {
  const base = order([
    line({ id: 'l1', sku: 'A', quantity: 3, fulfilled: 1 }),
    line({ id: 'l2', sku: 'B', lineNo: 2 }),
  ]);
  const r = applyChanges(
    base,
    [
      { type: 'change_quantity', lineId: 'l2', quantity: 5 },
      { type: 'change_price', lineId: 'l1', unitPrice: '1.00' },
      { type: 'change_quantity', lineId: 'l1', quantity: 0 },
      { type: 'remove_line', lineId: 'l1' },
    ],
    products,
    ids,
  );
  assert.ok('errors' in r);
  assert.equal(r.code, 'ORDER_CHANGE_LINE_SHIPPED');
  assert.deepEqual(
    r.errors.map((e) => [e.path, e.code]),
    [
      ['/actions/1/lineId', 'ORDER_CHANGE_LINE_SHIPPED'],
      ['/actions/3/lineId', 'ORDER_CHANGE_LINE_SHIPPED'],
      ['/actions/2/quantity', 'ORDER_CHANGE_BELOW_FULFILLED'],
    ],
  );
});

test('given a partly shipped line, when its quantity stays at or above what shipped, then it applies', () => {
  const r = applyChanges(
    order([line({ id: 'l1', sku: 'A', quantity: 3, fulfilled: 1 })]),
    [{ type: 'change_quantity', lineId: 'l1', quantity: 1 }],
    products,
    ids,
  );
  assert.ok(!('errors' in r));
  assert.deepEqual(stockBySku(r.stock), [{ sku: 'A', delta: -2 }]);
});

test('given unknown and retired SKUs, unknown lines and bad amounts, then each is named at its action', () => {
  const r = applyChanges(
    order([line({ id: 'l1', sku: 'A' })]),
    [
      { type: 'add_line', sku: 'NOPE', quantity: 1, unitPrice: '1.00' },
      { type: 'add_line', sku: 'OLD', quantity: 1, unitPrice: '1.00' },
      { type: 'change_quantity', lineId: 'zz', quantity: 1 },
      { type: 'change_price', lineId: 'l1', unitPrice: '1.001' },
      { type: 'set_delivery_fee', amount: '-1.00' },
    ],
    products,
    ids,
  );
  assert.ok('errors' in r);
  assert.equal(r.code, 'UNKNOWN_SKU');
  assert.deepEqual(
    r.errors.map((e) => e.path),
    ['/actions/0/sku', '/actions/1/sku', '/actions/2/lineId', '/actions/3/unitPrice', '/actions/4/amount'],
  );
});

test('given an item replaced, then its old SKU is released and the new one reserved', () => {
  const r = applyChanges(
    order([line({ id: 'l1', sku: 'A' })]),
    [{ type: 'replace_item', lineId: 'l1', sku: 'B', unitPrice: '12.00' }],
    products,
    ids,
  );
  assert.ok(!('errors' in r));
  assert.deepEqual(stockBySku(r.stock), [
    { sku: 'A', delta: -2 },
    { sku: 'B', delta: 2 },
  ]);
  assert.equal(pln(r.totals.grandTotal), '39.00');
});

test('given a waived fee and a lower price after payment, then money goes back and finance and an approver must approve', () => {
  const r = applyChanges(
    order([line({ id: 'l1', sku: 'A' })]),
    [
      { type: 'set_delivery_fee', amount: '0' },
      { type: 'change_price', lineId: 'l1', unitPrice: '8.00' },
    ],
    products,
    ids,
  );
  assert.ok(!('errors' in r));
  const pay = paymentDifference(r.before.grandTotal, r.totals.grandTotal, { paid: 3500n, openAuthorization: 0n });
  assert.deepEqual([pln(pay.difference), pln(pay.refund), pln(pay.outstanding)], ['-19.00', '19.00', '0.00']);
  assert.deepEqual(
    approvalsFor(r, pay.refund, 'PLN', null).map((a) => a.role),
    ['approver', 'finance'],
  );
});

test('given more added than paid, then the rest is outstanding and an open authorisation may cover it', () => {
  const pay = paymentDifference(3500n, 5000n, { paid: 3500n, openAuthorization: 2000n });
  assert.deepEqual([pay.refund, pay.outstanding, pay.authorizationCovers], [0n, 1500n, true]);
});
