import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  availableOf,
  channelAvailable,
  channelRules,
  chooseLotsFefo,
  outcomeOf,
  promiseAll,
  promiseDate,
  reservationOrder,
} from './stock.js';

describe('inventory rules', () => {
  test('given safety above the free stock, available is 0, never negative', () => {
    assert.equal(availableOf({ onHand: 10, reserved: 4, safety: 2 }), 4);
    assert.equal(availableOf({ onHand: 10, reserved: 9, safety: 3 }), 0);
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.nat(1000),
        fc.nat(1000),
        (a, b, c) => availableOf({ onHand: a, reserved: b, safety: c }) >= 0,
      ),
    );
  });

  test('given channel rules, the percentage is taken first (rounded down), then the buffer, then the cap', () => {
    const rules = channelRules({ bufferPct: 10, bufferQty: 5, cap: 80 });
    assert.equal(channelAvailable(100, rules), 80);
    assert.equal(channelAvailable(50, rules), 40); // floor(45) − 5
    assert.equal(channelAvailable(5, rules), 0);
    assert.equal(channelAvailable(10, channelRules({ bufferPct: 33.3 })), 6);
    assert.equal(channelRules({ reserveOnIntake: false }).reserveOnIntake, false);
    assert.deepEqual(channelRules({ bufferPct: 'x', cap: -1, locations: ['A', 3] }), {
      locations: ['A'],
      bufferQty: 0,
      bufferPct: 0,
      cap: null,
      reserveOnIntake: true,
      holdMinutes: null,
    });
  });

  test("given feeding locations, they come first in the channel's order, then the rest by priority; pickup uses only the pickup location", () => {
    const locs = [
      { id: '1', code: 'A', priority: 2, capabilities: ['ships'] },
      { id: '2', code: 'B', priority: 1, capabilities: ['ships'] },
      { id: '3', code: 'C', priority: 3, capabilities: ['ships', 'pickup'] },
      { id: '4', code: 'D', priority: 0, capabilities: ['pickup'] },
    ];
    assert.deepEqual(
      reservationOrder(locs, { pickupLocationId: null, feeding: [] }).map((l) => l.code),
      ['B', 'A', 'C'],
    );
    assert.deepEqual(
      reservationOrder(locs, { pickupLocationId: null, feeding: ['C', 'A'] }).map((l) => l.code),
      ['C', 'A', 'B'],
    );
    assert.deepEqual(
      reservationOrder(locs, { pickupLocationId: '4', feeding: ['C'] }).map((l) => l.code),
      ['D'],
    );
  });

  test('given equal priorities, the nearest location comes first, a placed one before an unplaced one, then code; priority still wins over distance', () => {
    const locs = [
      { id: '1', code: 'A', priority: 1, capabilities: ['ships'], km: 300 },
      { id: '2', code: 'B', priority: 1, capabilities: ['ships'], km: 120 },
      { id: '3', code: 'C', priority: 1, capabilities: ['ships'], km: null },
      { id: '4', code: 'D', priority: 2, capabilities: ['ships'], km: 5 },
      { id: '5', code: 'E', priority: 1, capabilities: ['ships'] },
    ];
    assert.deepEqual(
      reservationOrder(locs, { pickupLocationId: null, feeding: [] }).map((l) => l.code),
      ['B', 'A', 'C', 'E', 'D'],
    );
    // the channel's feeding order still comes first
    assert.deepEqual(
      reservationOrder(locs, { pickupLocationId: null, feeding: ['A'] }).map((l) => l.code),
      ['A', 'B', 'C', 'E', 'D'],
    );
  });

  test('given lines, the outcome is reserved, partial or shortage', () => {
    assert.equal(
      outcomeOf([
        { quantity: 2, reserved: 2 },
        { quantity: 1, reserved: 1 },
      ]),
      'reserved',
    );
    assert.equal(
      outcomeOf([
        { quantity: 2, reserved: 1 },
        { quantity: 1, reserved: 0 },
      ]),
      'partial',
    );
    assert.equal(outcomeOf([{ quantity: 2, reserved: 0 }]), 'shortage');
  });

  test('given supply dates, backorders are promised first come, first served', () => {
    const supply = [
      { expectedOn: '2026-12-15', quantity: 10 },
      { expectedOn: '2026-12-01', quantity: 5 },
    ];
    assert.equal(promiseDate(supply, 0, 5), '2026-12-01');
    assert.equal(promiseDate(supply, 3, 5), '2026-12-15');
    assert.equal(promiseDate(supply, 10, 6), null);
    assert.deepEqual(
      [
        ...promiseAll(supply, [
          { id: 'a', quantity: 4 },
          { id: 'b', quantity: 4 },
          { id: 'c', quantity: 9 },
        ]),
      ],
      [
        ['a', '2026-12-01'],
        ['b', '2026-12-15'],
        ['c', null],
      ],
    );
  });

  test('given lots, the first to expire goes first, expired lots never, undated lots last', () => {
    const lots = [
      { lot: 'NODATE', expiresOn: null, onHand: 10 },
      { lot: 'LATE', expiresOn: '2027-03-01', onHand: 5 },
      { lot: 'SOON', expiresOn: '2026-12-01', onHand: 3 },
      { lot: 'GONE', expiresOn: '2026-11-01', onHand: 50 },
    ];
    assert.deepEqual(chooseLotsFefo(lots, 10, '2026-11-23'), {
      picks: [
        { lot: 'SOON', quantity: 3 },
        { lot: 'LATE', quantity: 5 },
        { lot: 'NODATE', quantity: 2 },
      ],
      short: 0,
    });
    assert.equal(chooseLotsFefo(lots, 30, '2026-11-23').short, 12);
  });
});
