import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TestApp } from '../support.js';
import { newId } from '../../src/shared/ids.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { inventoryApp, must, oneLine } from './helpers.js';

type Cmd =
  | { op: 'receive' | 'writeOff'; loc: number; n: number }
  | { op: 'set'; loc: number; v: number }
  | { op: 'order'; n: number }
  | { op: 'cancel' | 'ship'; pick: number };

const LOCS = ['WAW-1', 'KRK-S'];
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({
    op: fc.constantFrom('receive' as const, 'writeOff' as const),
    loc: fc.nat(1),
    n: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({ op: fc.constant('set' as const), loc: fc.nat(1), v: fc.nat(12) }),
  fc.record({ op: fc.constant('order' as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constantFrom('cancel' as const, 'ship' as const), pick: fc.nat(20) }),
);

/**
 * Random sequences of receive / write-off / absolute set / order (reserve) / cancel (release) /
 * ship (consume) against the real database: after every step the figures match a model of the
 * totals, and at the end every invariant holds.
 */
describe('stock invariants under random operations', () => {
  let t: TestApp;
  let run = 0;
  before(async () => {
    t = await inventoryApp();
  });
  after(() => t.close());

  test('given any sequence of stock operations, on hand, reserved and available stay explained and never negative', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 10 }), async (cmds) => {
        const sku = `PROP-${++run}`;
        await t.store
          .insertInto('products', {
            id: newId(),
            sku,
            name: 'Właściwość — Свойство',
            dimensions: 'null',
            attributes: '{}',
          })
          .execute();
        const model = { onHand: 0, reserved: 0 };
        const orders: Array<{ id: string; lineId: string; live: number }> = [];
        const figures = async () => {
          const a = await must(t, 'GET', `/api/v1/inventory/availability/${sku}`);
          const at = (code: string) =>
            a.locations.find((l: { location: string }) => l.location === code) ?? {
              onHand: 0,
              reserved: 0,
              available: 0,
            };
          return { a, at };
        };
        for (const c of cmds) {
          const before = await figures();
          switch (c.op) {
            case 'receive':
              await must(t, 'POST', '/api/v1/inventory/stock:adjust', {
                sku,
                location: LOCS[c.loc],
                kind: 'receipt',
                delta: c.n,
              });
              model.onHand += c.n;
              break;
            case 'writeOff': {
              const r = await t.call('POST', '/api/v1/inventory/stock:adjust', {
                sku,
                location: LOCS[c.loc],
                kind: 'write_off',
                delta: -c.n,
              });
              const here = before.at(LOCS[c.loc]!);
              assert.equal(r.status, here.onHand - c.n >= here.reserved ? 200 : 409, JSON.stringify(r.body));
              if (r.status === 200) model.onHand -= c.n;
              break;
            }
            case 'set': {
              const r = await t.call('POST', '/api/v1/inventory/stock:set', {
                sku,
                location: LOCS[c.loc],
                onHand: c.v,
              });
              const here = before.at(LOCS[c.loc]!);
              assert.equal(r.status, c.v >= here.reserved ? 200 : 409, JSON.stringify(r.body));
              if (r.status === 200) model.onHand += c.v - here.onHand;
              break;
            }
            case 'order': {
              const o = await must(t, 'POST', '/api/v1/orders', oneLine(sku, c.n), 201);
              const got = Math.min(c.n, before.a.available);
              assert.equal(o.reservation.lines[0].reserved, got);
              assert.equal(o.reservation.status, got === c.n ? 'reserved' : got === 0 ? 'shortage' : 'partial');
              model.reserved += got;
              orders.push({ id: o.id, lineId: o.lines[0].id, live: got });
              break;
            }
            case 'cancel':
            case 'ship': {
              const o = orders[c.pick % Math.max(1, orders.length)];
              if (!o || o.live === 0) break;
              if (c.op === 'cancel') {
                const r = await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/release`, {});
                assert.equal(r.released, o.live);
              } else {
                await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/ship`, {
                  lines: [{ orderLineId: o.lineId, quantity: o.live }],
                });
                model.onHand -= o.live;
              }
              model.reserved -= o.live;
              o.live = 0;
              break;
            }
          }
          const after = (await figures()).a;
          assert.deepEqual([after.onHand, after.reserved], [model.onHand, model.reserved], JSON.stringify(c));
          assert.equal(after.available, Math.max(0, model.onHand - model.reserved));
        }
        assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
      }),
      { numRuns: 12 },
    );
  });
});
