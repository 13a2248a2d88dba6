import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { onPostgres } from '../support.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { httpClient } from '../inventory/helpers.js';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, lineOf, seedReturns } from './helpers.js';
import '../../src/store/schema-returns.js';

/**
 * Nothing returned twice (issue 15): on PostgreSQL the requests race over separate connections
 * (the original order's row lock serialises them); PGlite has one session, so there they run in
 * turn. Σ returned ≤ Σ shipped per line, whatever the order of requests, receipts and cancels.
 */
describe('returns under concurrency and in any order: never more back than went out', () => {
  let t: FulfilmentTestApp;
  let client: ReturnType<typeof httpClient>;
  before(async () => {
    t = await fulfilmentApp();
    await seedReturns(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    client = httpClient(t);
  });
  after(async () => {
    client.close();
    await t.close();
  });

  /** Units on returns that still hold them, per original line, against what was shipped. */
  const heldAgainstShipped = async () => {
    const { rows } = await sql<{ sku: string; shipped: number; returned: number }>`select l.sku,
        coalesce((select sum(-m.on_hand_delta) from stock_movements m where m.tenant_id = l.tenant_id and m.order_line_id = l.id and m.kind = 'shipment'), 0)::int as shipped,
        coalesce((select sum(rl.quantity) from return_lines rl join orders ro on ro.tenant_id = rl.tenant_id and ro.id = rl.return_id
          where rl.tenant_id = l.tenant_id and rl.order_line_id = l.id and ro.state not in ('rejected', 'cancelled')), 0)::int as returned
      from order_lines l where l.tenant_id = ${t.tenantId}`.execute(t.database.db);
    return rows;
  };

  test('Given 8 customers asking at once for 1–2 of the same 5 spoons, Then no more than 5 are on returns and every other request is RETURN_EXCEEDS_DELIVERED', async () => {
    const orders = onPostgres ? 3 : 1;
    for (let k = 0; k < orders; k++) {
      const o = await deliveredOrder(t);
      const spoon = lineOf(o, 'SKU-3');
      const asks = Array.from({ length: 8 }, (_, i) => 1 + (i % 2));
      const results = await Promise.all(
        asks.map((q) =>
          client.post(`/api/v1/orders/${o.id}/returns`, {
            lines: [{ lineId: spoon, quantity: q }],
            reason: 'defective',
            wish: 'refund',
            dropOff: { kind: 'store', locationCode: 'WAW-1' },
          }),
        ),
      );
      let accepted = 0;
      for (const [i, r] of results.entries()) {
        if (r.status === 201) accepted += asks[i]!;
        else {
          assert.equal(r.status, 422, JSON.stringify(r.body));
          assert.equal(r.body.code, 'RETURN_EXCEEDS_DELIVERED');
        }
      }
      assert.ok(accepted <= 5 && accepted >= 4, `accepted ${accepted} of 5 shipped`);
      const lines = await ok(t, 'GET', `/api/v1/orders/${o.id}/returns`);
      assert.equal(
        lines.items.reduce((a: number, r: any) => a + r.units, 0),
        accepted,
      );
    }
  });

  test('Given 6 receipts of one unit racing on a return of 3, Then 3 are counted and 3 are kept as unexpected, never lost or counted twice', async () => {
    const o = await deliveredOrder(t);
    const r = await ok(
      t,
      'POST',
      `/api/v1/orders/${o.id}/returns`,
      {
        lines: [{ lineId: lineOf(o, 'SKU-3'), quantity: 3 }],
        reason: 'defective',
        wish: 'refund',
        dropOff: { kind: 'store', locationCode: 'WAW-1' },
      },
      201,
    );
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.post(`/api/v1/returns/${r.id}/receipts`, { location: 'WAW-1', lines: [{ sku: 'SKU-3', quantity: 1 }] }),
      ),
    );
    assert.ok(
      results.every((x) => x.status === 200),
      JSON.stringify(results.map((x) => x.body)),
    );
    const view = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
    assert.equal(view.lines[0].received, 3);
    assert.equal(
      view.receipts.filter((x: any) => x.unexpected).reduce((a: number, x: any) => a + x.quantity, 0),
      3,
    );
    assert.equal(
      view.receipts.filter((x: any) => !x.unexpected).reduce((a: number, x: any) => a + x.quantity, 0),
      3,
    );
  });

  test('Property: for any sequence of requests, cancels, receipts and grades, Σ on returns ≤ Σ shipped per line, received ≤ requested, and the ledger invariants hold', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('request' as const),
        sku: fc.constantFrom('SKU-1', 'SKU-2', 'SKU-3'),
        quantity: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('receive' as const), pick: fc.nat(), quantity: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('grade' as const), pick: fc.nat() }),
    );
    let refused = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 7 }), async (steps) => {
        const o = await deliveredOrder(t);
        const made: any[] = [];
        for (const s of steps) {
          if (s.kind === 'request') {
            const r = await t.call('POST', `/api/v1/orders/${o.id}/returns`, {
              lines: [{ lineId: lineOf(o, s.sku), quantity: s.quantity }],
              reason: 'defective',
              wish: 'refund',
              dropOff: { kind: 'store', locationCode: 'WAW-1' },
            });
            if (r.status === 201) {
              accepted++;
              made.push(r.body);
            } else {
              refused++;
              assert.equal(r.body.code, 'RETURN_EXCEEDS_DELIVERED', JSON.stringify(r.body));
            }
          } else if (made.length) {
            const r = made[s.pick % made.length];
            if (s.kind === 'cancel') await t.call('POST', `/api/v1/orders/${r.id}/events`, { name: 'cancel' });
            else if (s.kind === 'receive')
              await t.call('POST', `/api/v1/returns/${r.id}/receipts`, {
                location: 'WAW-1',
                lines: [{ lineId: r.lines[0].id, quantity: s.quantity }],
              });
            else {
              const v = await ok(t, 'GET', `/api/v1/returns/${r.id}`);
              const l = v.lines[0];
              const left = l.received - l.resell - l.refurbish - l.writeOff;
              if (left > 0)
                await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
                  units: [{ lineId: l.id, grade: 'resell', quantity: left }],
                });
            }
          }
        }
        for (const line of await heldAgainstShipped()) assert.ok(line.returned <= line.shipped, JSON.stringify(line));
        const lines = await t.store
          .selectFrom('return_lines')
          .select(['quantity', 'received', 'resell', 'refurbish', 'write_off'])
          .execute();
        for (const l of lines) {
          assert.ok(l.received <= l.quantity);
          assert.ok(l.resell + l.refurbish + l.write_off <= l.received);
        }
        assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
      }),
      { numRuns: onPostgres ? 12 : 6, seed: 1503 },
    );
    assert.ok(accepted > 0 && refused > 0, `the runs include accepted (${accepted}) and refused (${refused}) requests`);
  });
});
