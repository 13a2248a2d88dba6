import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  choosePrice,
  deviationBasisPoints,
  listRank,
  minimumOrderErrors,
  onOrderBasis,
  type PriceCandidate,
  type PricingParty,
} from './price-rules.js';

const entry = (over: Partial<PriceCandidate>): PriceCandidate => ({
  list: 'BASE',
  listVersion: 1,
  scope: 'base',
  scopeRef: null,
  priority: 0,
  pricesIncludeTax: false,
  sku: 'SKU-1',
  minQuantity: 1,
  unitPrice: 1000n,
  floorPrice: null,
  taxRate: null,
  ...over,
});
const party: PricingParty = {
  channel: 'portal',
  companyCode: 'ACME',
  contractList: 'KONTRAKT',
  segments: ['wholesale'],
};

describe('price rules', () => {
  test('the contract beats the company, the group, the channel and base lists; a list that does not apply is never chosen', () => {
    const lists = [
      entry({ list: 'BASE', unitPrice: 5000n }),
      entry({ list: 'WEB', scope: 'channel', scopeRef: 'web', unitPrice: 1n }),
      entry({ list: 'PORTAL', scope: 'channel', scopeRef: 'portal', unitPrice: 4000n }),
      entry({ list: 'HURT', scope: 'customer_group', scopeRef: 'wholesale', unitPrice: 3000n }),
      entry({ list: 'ACME-CO', scope: 'company', scopeRef: 'ACME', unitPrice: 2000n }),
      entry({ list: 'KONTRAKT', scope: 'company', scopeRef: 'OTHER', unitPrice: 1000n }),
    ];
    const order = ['KONTRAKT', 'ACME-CO', 'HURT', 'PORTAL', 'BASE'];
    for (const [index, name] of order.entries()) {
      const remaining = lists.filter((l) => order.slice(index).includes(l.list) || l.list === 'WEB');
      assert.equal(choosePrice(remaining, party, 'SKU-1', 1)?.entry.list, name);
    }
    assert.equal(listRank(lists[1]!, party), null);
  });

  test('property: within the chosen list the price is the highest break the quantity reaches, and a list none of whose breaks it reaches is passed over', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 6 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 600 }),
        (contractBreaks, baseBreaks, quantity) => {
          const candidates = [
            ...contractBreaks.map((min) =>
              entry({
                list: 'KONTRAKT',
                scope: 'company',
                scopeRef: 'ACME',
                minQuantity: min,
                unitPrice: BigInt(10_000 - min),
              }),
            ),
            ...baseBreaks.map((min) => entry({ list: 'BASE', minQuantity: min, unitPrice: BigInt(20_000 - min) })),
          ];
          const chosen = choosePrice(candidates, party, 'SKU-1', quantity);
          const reached = (breaks: number[]) => breaks.filter((b) => b <= quantity);
          const contract = reached(contractBreaks);
          const base = reached(baseBreaks);
          if (contract.length) {
            assert.equal(chosen?.entry.list, 'KONTRAKT');
            assert.equal(chosen?.entry.minQuantity, Math.max(...contract));
          } else if (base.length) {
            assert.equal(chosen?.entry.list, 'BASE');
            assert.equal(chosen?.entry.minQuantity, Math.max(...base));
          } else assert.equal(chosen, null);
        },
      ),
    );
  });

  test('property: gross → net → gross lands within a unit of rounding; net equals the gross when there is no tax', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.constantFrom('0', '5', '8', '10', '18', '20', '23', '8.5'),
        (gross, rate) => {
          const net = onOrderBasis(gross, true, false, rate)!;
          const back = onOrderBasis(net, false, true, rate)!;
          const diff = back > gross ? back - gross : gross - back;
          assert.ok(diff <= 1n, `${gross} → ${net} → ${back} at ${rate}`);
          assert.ok(net <= gross);
          if (rate === '0') assert.equal(net, gross);
        },
      ),
    );
    assert.equal(onOrderBasis(2460n, true, false, '23'), 2000n);
    assert.equal(onOrderBasis(2460n, true, false, null), null);
  });

  test('deviation is exact in basis points and signed', () => {
    assert.equal(deviationBasisPoints(1550n, 1500n), 333n);
    assert.equal(deviationBasisPoints(1450n, 1500n), -333n);
    assert.equal(deviationBasisPoints(1500n, 1500n), 0n);
  });

  test('minimum order rules name each rule broken', () => {
    const errors = minimumOrderErrors({
      lines: [
        { sku: 'A', quantity: 5, minQuantity: 12, multiple: 6 },
        { sku: 'B', quantity: 12, minQuantity: 12, multiple: 6 },
      ],
      amount: 1230n,
      currency: 'PLN',
      minimum: { amount: 100_000n, source: "the company's minimum order" },
    });
    assert.deepEqual(
      errors.map((e) => [e.path, e.code]),
      [
        ['/lines/0/quantity', 'BELOW_MIN_QUANTITY'],
        ['/lines/0/quantity', 'NOT_A_MULTIPLE'],
        ['/lines', 'BELOW_MIN_ORDER_AMOUNT'],
      ],
    );
  });
});
