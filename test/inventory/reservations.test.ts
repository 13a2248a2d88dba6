import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { fixedClock, type TestApp } from '../support.js';
import { checkStockInvariants } from '../../src/app/inventory/check-stock-invariants.js';
import { releaseExpiredReservations } from '../../src/app/inventory/release.js';
import {
  reserveBatchSql,
  reserveBucketSql,
  reservePartialSql,
  reserveWholeSql,
} from '../../src/app/inventory/reserve-sql.js';
import { transaction } from '../../src/store/tenant-scope.js';
import { newId } from '../../src/shared/ids.js';
import { availabilityQuery } from '../../src/app/inventory/availability.js';
import { inventoryApp, must, oneLine, receive } from './helpers.js';

describe('reservations through the order life', () => {
  const clock = fixedClock('2026-11-23T10:00:00Z');
  let t: TestApp;
  before(async () => {
    t = await inventoryApp({ clock });
  });
  after(async () => {
    assert.deepEqual(await checkStockInvariants(t.database.db, { tenantId: t.tenantId }), []);
    await t.close();
  });

  test('the reservation guard and the availability read are the SQL we mean', () => {
    const now = new Date('2026-11-23T10:00:00Z');
    const st = {
      productId: 'p',
      locationId: 'l',
      quantity: 3,
      reservationId: 'r',
      movementId: 'm',
      orderId: 'o',
      orderLineId: 'ol',
      reference: null,
      expiresAt: null,
      now,
      reason: 'order',
      actor: { type: 'api_key' as const, id: 'k' },
    };
    const whole = reserveWholeSql(t.store, st).compile(t.database.db);
    assert.equal(
      whole.sql.replace(/\s+/g, ' '),
      'with upd as ( update stock_levels set reserved = reserved + $1::int, version = version + 1, change_xid = pg_current_xact_id(), updated_at = $2 ' +
        'where tenant_id = $3 and product_id = $4 and location_id = $5 and on_hand - reserved - safety >= $6::int returning product_id, location_id, $7::int as take ), ' +
        'res as ( insert into stock_reservations (tenant_id, id, product_id, location_id, order_id, order_line_id, reference, quantity, original_quantity, status, expires_at, created_at) ' +
        "select $8, $9, product_id, location_id, $10, $11, $12, take, take, 'active', $13, $14 from upd ), " +
        'led as ( insert into stock_movements (tenant_id, id, product_id, location_id, kind, on_hand_delta, reserved_delta, quantity, order_id, order_line_id, reservation_id, reference, reason, actor_type, actor_id, at) ' +
        "select $15, $16, product_id, location_id, 'reservation', 0, take, take, $17, $18, $19, $20, $21, $22, $23, $24 from upd ) select take as taken from upd",
    );
    assert.deepEqual(whole.parameters.slice(0, 7), [3, now, t.tenantId, 'p', 'l', 3, 3]);
    const partial = reservePartialSql(t.store, st).compile(t.database.db);
    assert.ok(
      partial.sql
        .replace(/\s+/g, ' ')
        .startsWith(
          'with t as ( select product_id, location_id, least($1::int, on_hand - reserved - safety) as take from stock_levels ' +
            'where tenant_id = $2 and product_id = $3 and location_id = $4 for update ), upd as ( update stock_levels as sl set reserved = sl.reserved + t.take, ' +
            'version = sl.version + 1, change_xid = pg_current_xact_id(), updated_at = $5 from t where sl.tenant_id = $6 and sl.product_id = t.product_id ' +
            'and sl.location_id = t.location_id and t.take > 0 returning sl.product_id, sl.location_id, t.take ), res as ( insert ',
        ),
    );
    const read = availabilityQuery(t.store, { skus: ['SKU-1', 'SKU-2'] }).compile();
    // A row with buckets adds back what is free in them; a row without reads nothing more (CASE).
    const bucketFree =
      '(case when "stock_levels"."buckets" > 0 then coalesce((select sum(bk.on_hand - bk.reserved) from stock_buckets bk ' +
      'where bk.tenant_id = "stock_levels"."tenant_id" and bk.product_id = "stock_levels"."product_id" and bk.location_id = "stock_levels"."location_id"), 0)::int else 0 end)';
    assert.equal(
      read.sql.replace(/\s+/g, ' '),
      'select "products"."sku", "stock_levels"."product_id", "locations"."code" as "location", "stock_levels"."location_id", "locations"."capabilities", "locations"."priority", ' +
        `"stock_levels"."on_hand", stock_levels.reserved - ${bucketFree} as "reserved", "stock_levels"."safety", "stock_levels"."version", "stock_levels"."updated_at", ` +
        `greatest(stock_levels.on_hand - stock_levels.reserved + ${bucketFree} - stock_levels.safety, 0) as "available" from "stock_levels" ` +
        'inner join "products" on "products"."tenant_id" = "stock_levels"."tenant_id" and "products"."id" = "stock_levels"."product_id" ' +
        'inner join "locations" on "locations"."tenant_id" = "stock_levels"."tenant_id" and "locations"."id" = "stock_levels"."location_id" ' +
        'where "stock_levels"."tenant_id" = $1 and "locations"."active" = $2 and "products"."sku" in ($3, $4) order by "products"."sku", "locations"."priority", "locations"."code"',
    );
    // A bucketed row's reservation: one bucket no other buyer holds, locked and guarded in one statement.
    const bucket = reserveBucketSql(t.store, st, { seed: 7, skipLocked: true }).compile(t.database.db);
    const bucketSql = bucket.sql.replace(/\s+/g, ' ');
    assert.ok(
      bucketSql.includes(
        'limit 1 for no key update of b skip locked ), upd as ( update stock_buckets as sb set reserved = sb.reserved + $',
      ),
    );
    assert.ok(bucketSql.includes('and sb.bucket = pick.bucket and sb.on_hand - sb.reserved >= $'));
    assert.ok(!bucketSql.includes('update stock_levels'), 'the hot row itself is not written');
  });

  test('a batch reservation whose guard does not hold fails in the database: sent ahead, its unit of work commits nothing', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'SKU-GUARD', name: 'Strażnik — Страж' }, 201);
    await receive(t, 'SKU-GUARD', 'WAW-1', 2);
    const row = async () =>
      (
        await sql<{ product_id: string; location_id: string; reserved: number; version: number }>`select product_id,
            location_id, reserved, version from stock_levels where tenant_id = ${t.tenantId}
            and product_id = (select id from products where tenant_id = ${t.tenantId} and sku = 'SKU-GUARD')
            and location_id = (select id from locations where tenant_id = ${t.tenantId} and code = 'WAW-1')`.execute(
          t.database.db,
        )
      ).rows[0]!;
    const stock = await row();
    const take = (quantity: number) => ({
      productId: stock.product_id,
      locationId: stock.location_id,
      orderLineId: newId(),
      quantity,
      reservationId: newId(),
      movementId: newId(),
    });
    const common = {
      orderId: newId(),
      expiresAt: null,
      now: new Date(),
      reason: 'order',
      actor: { type: 'system' as const, id: 'test' },
    };
    // two units free, three asked for: the guard refuses the row, so the statement itself fails
    let later = false;
    await assert.rejects(
      transaction(t.store, async (tx) => {
        void tx.work.sendAhead(reserveBatchSql(tx, [take(3)], common));
        later = true; // the caller went on without the answer
      }),
      /a pre-locked stock row refused its guarded update/,
    );
    assert.equal(later, true);
    assert.deepEqual(await row(), stock, 'the stock row is as it was');
    const held = await t.store
      .selectFrom('stock_reservations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('order_id', '=', common.orderId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(held.n), 0);
  });

  test('given stock in two locations, a line is reserved whole at one location before it is split, and the history says so', async () => {
    await receive(t, 'SKU-1', 'WAW-1', 3);
    await receive(t, 'SKU-1', 'KRK-S', 5);
    const o = await must(t, 'POST', '/api/v1/orders', oneLine('SKU-1', 4), 201);
    assert.equal(o.reservation.status, 'reserved');
    assert.deepEqual(
      o.reservation.lines[0].allocations.map((a: { location: string; quantity: number }) => [a.location, a.quantity]),
      [['KRK-S', 4]],
    );
    const split = await must(t, 'POST', '/api/v1/orders', oneLine('SKU-1', 4), 201);
    assert.equal(split.reservation.status, 'reserved');
    assert.deepEqual(
      split.reservation.lines[0].allocations
        .map((a: { location: string; quantity: number }) => [a.location, a.quantity])
        .sort(),
      [
        ['KRK-S', 1],
        ['WAW-1', 3],
      ],
    );
    const h = await must(t, 'GET', `/api/v1/orders/${o.id}/history`);
    assert.deepEqual(
      h.items.map((i: { action: string }) => i.action).filter((a: string) => a.startsWith('stock.')),
      ['stock.reserved'],
    );

    const more = await must(t, 'POST', '/api/v1/orders', oneLine('SKU-1', 2), 201);
    assert.equal(more.reservation.status, 'shortage');
    assert.equal(more.state, 'accepted', 'a shortage never loses the order');

    // Cancelling the first order releases its units; the waiting order can then be reserved.
    const rel = await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/release`, { reason: 'klient zrezygnował' });
    assert.deepEqual([rel.released, rel.reservations], [4, 1]);
    const again = await must(t, 'POST', `/api/v1/inventory/orders/${more.id}/reserve`, {});
    assert.equal(again.status, 'reserved');
    const twice = await must(t, 'POST', `/api/v1/inventory/orders/${more.id}/reserve`, {});
    assert.equal(twice.lines[0].reserved, 2, 'reserving again takes nothing more');
    const a = await must(t, 'GET', '/api/v1/inventory/availability/SKU-1');
    assert.deepEqual([a.onHand, a.reserved, a.available], [8, 6, 2]);
    const h2 = await must(t, 'GET', `/api/v1/orders/${o.id}/history`);
    assert.ok(
      h2.items.some(
        (i: { action: string; reason: { reason?: string } }) =>
          i.action === 'stock.released' && i.reason.reason === 'klient zrezygnował',
      ),
    );
  });

  test('given a shipment, the reservation is consumed and on hand and reserved fall together; more than reserved is refused', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'SHIP-1', name: 'Odkurzacz' }, 201);
    await receive(t, 'SHIP-1', 'WAW-1', 10);
    const o = await must(t, 'POST', '/api/v1/orders', oneLine('SHIP-1', 3), 201);
    const lineId = o.lines[0].id;
    const tooMany = await t.call('POST', `/api/v1/inventory/orders/${o.id}/ship`, {
      lines: [{ orderLineId: lineId, quantity: 4 }],
    });
    assert.equal(tooMany.status, 409);
    assert.equal(tooMany.body.code, 'NOT_RESERVED');
    await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/ship`, {
      lines: [{ orderLineId: lineId, quantity: 2, location: 'WAW-1' }],
      reference: 'LP-0001',
    });
    let a = await must(t, 'GET', '/api/v1/inventory/availability/SHIP-1');
    assert.deepEqual([a.onHand, a.reserved, a.available], [8, 1, 7]);
    const rerun = await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/reserve`, {});
    assert.deepEqual(
      [rerun.status, rerun.lines[0].reserved],
      ['reserved', 3],
      'shipped units count as held: nothing is reserved twice',
    );
    a = await must(t, 'GET', '/api/v1/inventory/availability/SHIP-1');
    assert.equal(a.reserved, 1);
    await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/ship`, { lines: [{ orderLineId: lineId, quantity: 1 }] });
    a = await must(t, 'GET', '/api/v1/inventory/availability/SHIP-1');
    assert.deepEqual([a.onHand, a.reserved, a.available], [7, 0, 7]);
    const r = await must(t, 'GET', `/api/v1/inventory/orders/${o.id}/reservations`);
    assert.deepEqual(
      r.reservations.map((x: { status: string; quantity: number }) => [x.status, x.quantity]),
      [['consumed', 0]],
    );
    const released = await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/release`, {});
    assert.equal(released.released, 0, 'shipped units are not given back by a later cancel');
  });

  test('given a pickup order, only the pickup location is used; given reserveOnIntake false, nothing is reserved', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'PICK-1', name: 'Pralka' }, 201);
    await receive(t, 'PICK-1', 'WAW-1', 10);
    const pickup = await must(
      t,
      'POST',
      '/api/v1/orders',
      oneLine('PICK-1', 1, { delivery: { method: 'pickup', pickupLocation: 'KRK-S' } }),
      201,
    );
    assert.equal(pickup.reservation.status, 'shortage');
    await must(t, 'PATCH', '/api/v1/channels/web', { settings: { reserveOnIntake: false } });
    const later = await must(t, 'POST', '/api/v1/orders', oneLine('PICK-1', 1), 201);
    assert.equal(later.reservation.status, 'skipped');
    await must(t, 'PATCH', '/api/v1/channels/web', { settings: {} });
    const a = await must(t, 'GET', '/api/v1/inventory/availability/PICK-1');
    assert.equal(a.reserved, 0);
  });

  test('given a channel hold time, unpaid orders lose their reservation when the timer releases it', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'EXP-1', name: 'Тостер' }, 201);
    await receive(t, 'EXP-1', 'WAW-1', 2);
    await must(t, 'PATCH', '/api/v1/channels/web', { settings: { holdMinutes: 30 } });
    const o = await must(t, 'POST', '/api/v1/orders', oneLine('EXP-1', 2), 201);
    assert.equal(o.reservation.expiresAt, '2026-11-23T10:30:00.000Z');
    await must(t, 'PATCH', '/api/v1/channels/web', { settings: {} });
    assert.equal((await releaseExpiredReservations(t.database.db, new Date('2026-11-23T10:29:59Z'))).released, 0);
    assert.equal((await releaseExpiredReservations(t.database.db, new Date('2026-11-23T10:30:00Z'))).released, 2);
    const h = await must(t, 'GET', `/api/v1/orders/${o.id}/history`);
    const rel = h.items.find((i: { action: string }) => i.action === 'stock.released');
    assert.deepEqual([rel.actor.type, rel.reason.reason], ['system', 'hold expired']);
  });

  test('given inbound supply, a short line is promised a date and re-promised when the supply moves', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'ATP-1', name: 'Kosiarka' }, 201);
    await receive(t, 'ATP-1', 'WAW-1', 1);
    const po = await must(
      t,
      'POST',
      '/api/v1/inventory/supply',
      {
        kind: 'purchase_order',
        reference: 'PO-2026-77',
        sku: 'ATP-1',
        location: 'WAW-1',
        quantity: 5,
        expectedOn: '2026-12-01',
      },
      201,
    );
    await must(
      t,
      'POST',
      '/api/v1/inventory/supply',
      {
        kind: 'production',
        reference: 'PLAN-12',
        sku: 'ATP-1',
        location: 'WAW-1',
        quantity: 10,
        expectedOn: '2026-12-15',
      },
      201,
    );
    const a = await must(t, 'POST', '/api/v1/orders', oneLine('ATP-1', 4), 201);
    assert.equal(a.reservation.status, 'partial');
    assert.deepEqual(a.reservation.lines[0].backorder, {
      id: a.reservation.lines[0].backorder.id,
      quantity: 3,
      promisedOn: '2026-12-01',
    });
    const b = await must(t, 'POST', '/api/v1/orders', oneLine('ATP-1', 4), 201);
    assert.equal(
      b.reservation.lines[0].backorder.promisedOn,
      '2026-12-15',
      'the PO is spoken for by the first backorder',
    );
    const atp = await must(t, 'GET', '/api/v1/inventory/atp/ATP-1');
    assert.deepEqual(atp, {
      sku: 'ATP-1',
      availableNow: 0,
      backordered: 7,
      timeline: [
        { date: '2026-12-01', supply: 5, atp: 0 },
        { date: '2026-12-15', supply: 10, atp: 8 },
      ],
    });
    const moved = await must(t, 'PATCH', `/api/v1/inventory/supply/${po.supply.id}`, { expectedOn: '2026-12-20' });
    // Now the plan (10 on 15 Dec) comes first: it covers both backorders (3 + 4), so only A's promise moves.
    assert.equal(moved.promisesChanged, 1);
    const r = await must(t, 'GET', `/api/v1/inventory/orders/${a.id}/reservations`);
    assert.equal(r.backorders[0].promisedOn, '2026-12-15');
    const hist = await must(t, 'GET', `/api/v1/orders/${a.id}/history`);
    const change = hist.items.find((i: { action: string }) => i.action === 'stock.promise_changed');
    assert.deepEqual(change.changes.promisedOn, { from: '2026-12-01', to: '2026-12-15' });
    const cut = await must(t, 'PATCH', `/api/v1/inventory/supply/${po.supply.id}`, { status: 'cancelled' });
    assert.equal(cut.promisesChanged, 0, 'the plan alone still covers both');
    const plan = (await must(t, 'GET', `/api/v1/inventory/orders/${b.id}/reservations`)).backorders[0];
    assert.equal(plan.promisedOn, '2026-12-15');
  });

  test('given lot-tracked stock, shipment takes the first-expiring unexpired lot; serial-tracked stock needs each serial', async () => {
    await must(t, 'POST', '/api/v1/products', { sku: 'LOT-1', name: 'Jogurt naturalny', lotTracked: true }, 201);
    const noLot = await t.call('POST', '/api/v1/inventory/stock:adjust', {
      sku: 'LOT-1',
      location: 'WAW-1',
      kind: 'receipt',
      delta: 5,
    });
    assert.equal(noLot.body.code, 'LOT_REQUIRED');
    await receive(t, 'LOT-1', 'WAW-1', 5, { lot: 'L-LATE', lotExpiresOn: '2027-03-01' });
    await receive(t, 'LOT-1', 'WAW-1', 3, { lot: 'L-SOON', lotExpiresOn: '2026-12-01' });
    await receive(t, 'LOT-1', 'WAW-1', 4, { lot: 'L-GONE', lotExpiresOn: '2026-11-01' });
    const o = await must(t, 'POST', '/api/v1/orders', oneLine('LOT-1', 5), 201);
    const picked = await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/pick`, {
      orderLineId: o.lines[0].id,
      location: 'WAW-1',
      quantity: 5,
    });
    assert.deepEqual(picked.lots, [
      { lot: 'L-SOON', quantity: 3 },
      { lot: 'L-LATE', quantity: 2 },
    ]);
    const shipped = await must(t, 'POST', `/api/v1/inventory/orders/${o.id}/ship`, {
      lines: [{ orderLineId: o.lines[0].id, quantity: 5 }],
    });
    assert.deepEqual(shipped.shipped[0].lots, ['L-SOON', 'L-LATE']);

    await must(t, 'POST', '/api/v1/products', { sku: 'SER-1', name: 'Смартфон', serialTracked: true }, 201);
    const missing = await t.call('POST', '/api/v1/inventory/stock:adjust', {
      sku: 'SER-1',
      location: 'WAW-1',
      kind: 'receipt',
      delta: 2,
      serials: ['SN-1'],
    });
    assert.equal(missing.body.code, 'SERIALS_REQUIRED');
    await receive(t, 'SER-1', 'WAW-1', 2, { serials: ['SN-1', 'SN-2'] });
    const dup = await t.call('POST', '/api/v1/inventory/stock:adjust', {
      sku: 'SER-1',
      location: 'WAW-1',
      kind: 'receipt',
      delta: 1,
      serials: ['SN-2'],
    });
    assert.equal(dup.body.code, 'SERIAL_UNAVAILABLE');
    const so = await must(t, 'POST', '/api/v1/orders', oneLine('SER-1', 1), 201);
    const wrong = await t.call('POST', `/api/v1/inventory/orders/${so.id}/ship`, {
      lines: [{ orderLineId: so.lines[0].id, quantity: 1, serials: ['SN-9'] }],
    });
    assert.equal(wrong.body.code, 'SERIAL_UNAVAILABLE');
    await must(t, 'POST', `/api/v1/inventory/orders/${so.id}/ship`, {
      lines: [{ orderLineId: so.lines[0].id, quantity: 1, serials: ['SN-2'] }],
    });
    const m = await must(t, 'GET', `/api/v1/inventory/movements?orderId=${so.id}`);
    assert.deepEqual(m.items.find((x: { kind: string }) => x.kind === 'shipment').serials, ['SN-2']);
  });

  test('given an order that reserves at intake sent again, or twenty times at once, one order holds the stock and the others are DUPLICATE_ORDER holding nothing', async () => {
    // The order's insert goes ahead of the reservation's first read (create-order.ts): whether it
    // took is known before anything that refers to the order is written.
    await receive(t, 'SKU-2', 'WAW-1', 100);
    await receive(t, 'SKU-3', 'KRK-S', 100);
    const body = (externalId: string) => ({
      ...oneLine('SKU-2', 1, { externalId }),
      lines: [
        { sku: 'SKU-2', quantity: 1, unitPrice: '10.00', taxRate: '23' },
        { sku: 'SKU-3', quantity: 2, unitPrice: '5.00', taxRate: '23' },
      ],
    });
    const reserved = async () =>
      Number(
        (
          await t.store
            .selectFrom('stock_levels')
            .innerJoin('products', 'products.id', 'stock_levels.product_id')
            .select((eb) => eb.fn.sum<string>('stock_levels.reserved').as('n'))
            .where('products.sku', 'in', ['SKU-2', 'SKU-3'])
            .executeTakeFirstOrThrow()
        ).n,
      );
    const start = await reserved();
    const first = await must(t, 'POST', '/api/v1/orders', body('DUP-RES'), 201);
    assert.equal(first.reservation.status, 'reserved');
    const again = await t.call('POST', '/api/v1/orders', body('DUP-RES'));
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'DUPLICATE_ORDER');
    assert.equal(again.body.existingId, first.id);
    assert.equal(await reserved(), start + 3);

    const racing = await Promise.all(
      Array.from({ length: 20 }, () => t.call('POST', '/api/v1/orders', body('DUP-RES-RACE'))),
    );
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, ...Array(19).fill(409)]);
    const winner = racing.find((r) => r.status === 201)!.body.id;
    assert.ok(racing.filter((r) => r.status === 409).every((r) => r.body.existingId === winner));
    assert.equal(await reserved(), start + 6);
    const holders = await t.store
      .selectFrom('stock_reservations')
      .select('order_id')
      .distinct()
      .where('order_id', 'in', [first.id, winner])
      .execute();
    assert.equal(holders.length, 2);
  });
});
