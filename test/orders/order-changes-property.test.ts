import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { onPostgres, type TestApp } from '../support.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { priceOrder } from '../../src/domain/order/totals.js';
import { formatMoney } from '../../src/shared/money.js';
import { inventoryApp, must } from '../inventory/helpers.js';
import { placeOrder, stockUp } from './helpers.js';

/** One step: a change made of 1–3 actions chosen from the order as it is, or a shipment of one unit. */
const step = fc.record({
  ship: fc.boolean(),
  actions: fc.array(
    fc.record({
      kind: fc.constantFrom('add', 'remove', 'cancel', 'quantity', 'price', 'replace', 'fee'),
      pick: fc.nat(50),
      quantity: fc.integer({ min: 1, max: 6 }),
      cents: fc.integer({ min: 1, max: 50_000 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

const SKUS = ['SKU-1', 'SKU-2', 'SKU-3'];

describe('order changes, property: totals and reservations always follow the lines', () => {
  let t: TestApp;
  let runs = 0;
  const seen = { confirmed: 0, refused: 0, shipped: 0 };
  before(async () => {
    t = await inventoryApp();
    await stockUp(t, 100_000);
  });
  after(() => t.close());

  test('given any sequence of changes and shipments, then the totals are priceOrder() of the lines and reserved stock is each open line’s unshipped quantity', async (ctx) => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
        const order = await placeOrder(t, { externalId: `PROP-${++runs}` });
        const shipped = new Map<string, number>();
        for (const s of steps) {
          const current = await must(t, 'GET', `/api/v1/orders/${order.id}`);
          const open = current.lines.filter((l: any) => l.quantity > (shipped.get(l.id) ?? 0));
          if (s.ship && open.length) {
            const line = open[s.actions[0]!.pick % open.length];
            await must(t, 'POST', `/api/v1/inventory/orders/${order.id}/ship`, {
              lines: [{ orderLineId: line.id, quantity: 1 }],
            });
            shipped.set(line.id, (shipped.get(line.id) ?? 0) + 1);
            seen.shipped++;
            continue;
          }
          const live = current.lines.filter((l: any) => l.quantity > 0);
          const actions = s.actions.map((a) => {
            const line = live[a.pick % Math.max(1, live.length)];
            const price = formatMoney(BigInt(a.cents), 'PLN');
            switch (a.kind) {
              case 'add':
                return {
                  type: 'add_line',
                  sku: SKUS[a.pick % 3],
                  quantity: a.quantity,
                  unitPrice: price,
                  taxRate: '23',
                };
              case 'remove':
                return { type: 'remove_line', lineId: line?.id };
              case 'cancel':
                return {
                  type: 'cancel_quantity',
                  lineId: line?.id,
                  quantity: Math.min(a.quantity, line?.quantity ?? 1),
                };
              case 'quantity':
                return { type: 'change_quantity', lineId: line?.id, quantity: a.quantity };
              case 'price':
                return { type: 'change_price', lineId: line?.id, unitPrice: price };
              case 'replace':
                return { type: 'replace_item', lineId: line?.id, sku: SKUS[(a.pick + 1) % 3] };
              default:
                return { type: 'set_delivery_fee', amount: formatMoney(BigInt(a.cents % 3000), 'PLN'), taxRate: '23' };
            }
          });
          if (actions.some((a) => 'lineId' in a && !a.lineId)) continue;
          const draft = await t.call('POST', `/api/v1/orders/${order.id}/changes`, { actions });
          // A refused change (a shipped line, a discount above the new price, two actions on a line
          // one of them cancels) must be a problem with a code and the action's path, and change nothing.
          if (draft.status !== 201) {
            assert.ok([409, 422].includes(draft.status), JSON.stringify(draft.body));
            assert.match(draft.body.errors[0].path, /^\/actions\/\d+/);
            seen.refused++;
            continue;
          }
          const done = await t.call('POST', `/api/v1/orders/${order.id}/changes/${draft.body.id}/confirm`);
          assert.equal(done.status, 200, JSON.stringify(done.body));
          seen.confirmed++;
        }

        const final = await must(t, 'GET', `/api/v1/orders/${order.id}`);
        const priced = priceOrder(
          'PLN',
          final.lines.map((l: any) => ({
            quantity: l.quantity,
            unitPrice: l.unitPrice,
            discount: l.discount,
            taxRate: l.taxRate ?? undefined,
          })),
          { amount: final.totals.shippingTotal, taxRate: final.attributes.shippingTaxRate },
          false,
        );
        assert.ok('totals' in priced);
        const money = (v: bigint) => formatMoney(v, 'PLN');
        assert.deepEqual(final.totals, {
          subtotal: money(priced.totals.subtotal),
          discountTotal: money(priced.totals.discountTotal),
          taxTotal: money(priced.totals.taxTotal),
          shippingTotal: money(priced.totals.shippingTotal),
          grandTotal: money(priced.totals.grandTotal),
        });
        const held = await must(t, 'GET', `/api/v1/inventory/orders/${order.id}/reservations`);
        for (const line of final.lines) {
          const reserved = held.reservations
            .filter((r: any) => r.orderLineId === line.id && r.status === 'active' && r.sku === line.sku)
            .reduce((a: number, r: any) => a + r.quantity, 0);
          assert.equal(reserved, line.quantity - (shipped.get(line.id) ?? 0), `line ${line.lineNo} ${line.sku}`);
          const otherSku = held.reservations.filter(
            (r: any) => r.orderLineId === line.id && r.status === 'active' && r.sku !== line.sku,
          );
          assert.deepEqual(otherSku, [], 'a replaced item holds nothing of the old SKU');
        }
        assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
      }),
      { numRuns: onPostgres ? 25 : 12, seed: 15 },
    );
    ctx.diagnostic(`changes confirmed ${seen.confirmed}, refused ${seen.refused}, shipments ${seen.shipped}`);
    assert.ok(seen.confirmed > 0 && seen.refused > 0 && seen.shipped > 0, 'the runs exercised every path');
  });
});
