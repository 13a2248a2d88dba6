import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JobRegistry } from '../../src/app/events/timers.js';
import { trackingPollJob, scheduleTrackingPoll } from '../../src/app/fulfilment/poll-shipments.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { orderBody } from '../support.js';
import '../../src/store/schema-inventory.js';
import {
  fulfilmentApp,
  fulfilmentsOf,
  history,
  ok,
  orderState,
  paidOrder,
  pickAndPack,
  seedShop,
  seedSplitStock,
  splitLines,
  type FulfilmentTestApp,
} from './helpers.js';

describe('fulfilment flows: short picks, rejection, pickup, consolidation, polling, accuracy', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
    await seedSplitStock(t);
  });
  after(() => t.close());

  const available = async (sku: string, location: string) =>
    (await ok(t, 'GET', `/api/v1/inventory/availability/${sku}`)).locations.find((l: any) => l.location === location)
      .available;

  test('Given a pick with fewer units than asked, Then the shortfall is released, the process hears short_pick (stock exception), and after the resolution only the missing units are requested again', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    const availBefore = await available('SKU-3', 'WAW-1');
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/accept`);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/start-picking`);
    const picked = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
      lines: fo.lines.map((l: any) => ({ lineId: l.id, picked: l.sku === 'SKU-3' ? 3 : l.quantity })),
    });
    assert.equal(picked.state, 'picked');
    assert.equal(picked.shortPicked, true);
    assert.deepEqual(picked.processEvent, { name: 'short_pick', accepted: true });
    assert.equal(await orderState(t, o.id), 'stock_exception');
    assert.equal(await available('SKU-3', 'WAW-1'), availBefore + 2, 'the 2 missing units were given back');
    const ev = await t.store
      .selectFrom('events')
      .select('payload')
      .where('subject', '=', o.id)
      .where('type', '=', 'fulfilment.short_picked')
      .executeTakeFirstOrThrow();
    assert.deepEqual((ev.payload as any).lines, [{ sku: 'SKU-3', quantity: 5, picked: 3 }]);

    // The order desk substitutes: reserve again → route → fulfilment asks for the 2 missing units only.
    const task = (await ok(t, 'GET', `/api/v1/tasks?orderId=${o.id}`)).items.find((x: any) => x.state === 'open');
    assert.ok(task, 'an exception task is open');
    await ok(t, 'POST', `/api/v1/tasks/${task.id}/complete`, {
      outcome: 'substitute',
      comment: 'Brakujące łyżki z innej półki',
    });
    assert.equal(await orderState(t, o.id), 'fulfilling');
    const all = await fulfilmentsOf(t, o.id);
    assert.equal(all.length, 2);
    const extra = all.find((f: any) => f.id !== fo.id);
    assert.deepEqual(
      extra.lines.map((l: any) => [l.sku, l.quantity]),
      [['SKU-3', 2]],
    );
  });

  test('Given a location that rejects its work, Then its reservations are released and the process hears short_pick', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    const before = await available('SKU-1', 'WAW-1');
    const r = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/reject`, {
      reason: 'Inwentaryzacja — magazyn zamknięty',
    });
    assert.equal(r.state, 'rejected');
    assert.equal(r.reason, 'Inwentaryzacja — magazyn zamknięty');
    assert.deepEqual(r.processEvent, { name: 'short_pick', accepted: true });
    assert.equal(await available('SKU-1', 'WAW-1'), before + 2);
    assert.equal(await orderState(t, o.id), 'stock_exception');
    const bad = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/reject`, { reason: '' });
    assert.equal(bad.status, 400);
  });

  test('Given a rejection with reroute, Then the order is routed around the location and a new fulfilment order is created there, the process keeps waiting', async () => {
    const o = await paidOrder(t, { externalId: 'REROUTE-1' });
    const [fo] = await fulfilmentsOf(t, o.id);
    const r = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/reject`, {
      reason: 'Awaria wózka widłowego',
      reroute: true,
    });
    assert.equal(r.state, 'rejected');
    assert.equal(r.processEvent, null);
    assert.equal(r.rerouted.length, 1);
    assert.notEqual(r.rerouted[0].location, fo.location);
    assert.equal(await orderState(t, o.id), 'fulfilling');
    const fresh = (await fulfilmentsOf(t, o.id)).find((f: any) => f.id === r.rerouted[0].fulfilmentId);
    assert.deepEqual(
      fresh.lines.map((l: any) => [l.sku, l.quantity]),
      [
        ['SKU-1', 2],
        ['SKU-2', 1],
        ['SKU-3', 5],
      ],
    );
    const res = await ok(t, 'GET', `/api/v1/inventory/orders/${o.id}/reservations`);
    assert.ok(
      res.reservations.filter((x: any) => x.status === 'active').every((x: any) => x.location === fresh.location),
    );
  });

  test('Given a serial-tracked SKU, When picked, Then serials must be in stock at the location, are captured on the line and leave with the shipment', async () => {
    await ok(
      t,
      'POST',
      '/api/v1/products',
      { sku: 'SER-1', name: 'Smartfon Żuraw', weightG: 200, serialTracked: true },
      201,
    );
    await ok(t, 'POST', '/api/v1/inventory/stock:adjust', {
      sku: 'SER-1',
      location: 'WAW-1',
      kind: 'receipt',
      delta: 3,
      serials: ['SN-Ą1', 'SN-Ж2', 'SN-3'],
    });
    const o = await paidOrder(t, { lines: [{ sku: 'SER-1', quantity: 2, unitPrice: '999.00', taxRate: '23' }] });
    const [fo] = await fulfilmentsOf(t, o.id);
    assert.equal(fo.location, 'WAW-1');
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/accept`);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/start-picking`);
    const none = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
      lines: [{ lineId: fo.lines[0].id, picked: 2 }],
    });
    assert.equal(none.status, 422);
    assert.equal(none.body.code, 'SERIALS_REQUIRED');
    assert.equal(none.body.errors[0].path, '/lines/0/serials');
    const wrong = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
      lines: [{ lineId: fo.lines[0].id, picked: 2, serials: ['SN-Ą1', 'SN-NOPE'] }],
    });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.body.code, 'SERIAL_UNAVAILABLE');
    const p = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
      lines: [{ lineId: fo.lines[0].id, picked: 2, serials: ['SN-Ж2', 'SN-Ą1'] }],
    });
    assert.deepEqual(p.lines[0].serials, ['SN-Ą1', 'SN-Ж2']);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/pack`, {
      packages: [{ weightG: 450, lengthMm: 200, widthMm: 120, heightMm: 60 }],
    });
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const serials = await t.store
      .selectFrom('stock_serials')
      .select(['serial', 'status'])
      .where('serial', 'in', ['SN-Ą1', 'SN-Ж2', 'SN-3'])
      .orderBy('serial')
      .execute();
    assert.deepEqual(
      serials.map((x) => [x.serial, x.status]),
      [
        ['SN-3', 'in_stock'],
        ['SN-Ą1', 'shipped'],
        ['SN-Ж2', 'shipped'],
      ],
    );
  });

  test('Given a click-and-collect order, When packed, put on the shelf and collected, Then the order goes ready_for_pickup → delivered and stock is consumed', async () => {
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'PICKUP-1',
        delivery: { method: 'pickup', pickupLocation: 'KRK-S' },
        shippingAddress: undefined,
      }),
      201,
    );
    await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_authorized' });
    assert.equal(await orderState(t, o.id), 'preparing_pickup');
    const [fo] = await fulfilmentsOf(t, o.id);
    assert.equal(fo.kind, 'pickup');
    const packed = await pickAndPack(t, fo);
    const ship = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(ship.status, 409, 'a pickup order is not shipped');
    const ready = await ok(t, 'POST', `/api/v1/fulfilment-orders/${packed.id}/ready-for-pickup`);
    assert.deepEqual(ready.processEvent, { name: 'ready_for_pickup', accepted: true });
    assert.equal(await orderState(t, o.id), 'awaiting_collection');
    const onHand = (await ok(t, 'GET', '/api/v1/inventory/availability/SKU-2')).locations.find(
      (l: any) => l.location === fo.location,
    ).onHand;
    const done = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/collected`);
    assert.equal(done.state, 'collected');
    assert.equal(await orderState(t, o.id), 'delivered');
    assert.equal(
      (await ok(t, 'GET', '/api/v1/inventory/availability/SKU-2')).locations.find(
        (l: any) => l.location === fo.location,
      ).onHand,
      onHand - 1,
    );
  });

  test('Given a click-and-collect order never collected, When its process cancels it, Then the fulfilment order is cancelled and the units go back to available stock', async () => {
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'PICKUP-NOT-COLLECTED',
        delivery: { method: 'pickup', pickupLocation: 'KRK-S' },
        shippingAddress: undefined,
      }),
      201,
    );
    await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_authorized' });
    const [fo] = await fulfilmentsOf(t, o.id);
    const packed = await pickAndPack(t, fo);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${packed.id}/ready-for-pickup`);
    const before = (await ok(t, 'GET', '/api/v1/inventory/availability/SKU-2')).locations.find(
      (l: any) => l.location === fo.location,
    );
    await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'not_collected' });
    assert.equal(await orderState(t, o.id), 'cancelled');
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`)).state, 'cancelled');
    const after = (await ok(t, 'GET', '/api/v1/inventory/availability/SKU-2')).locations.find(
      (l: any) => l.location === fo.location,
    );
    assert.equal(after.onHand, before.onHand, 'nothing was consumed');
    assert.equal(after.available, before.available + 1, 'the held unit is free again');
  });

  test('Given an order split over two locations that must ship complete, Then shipping one early is refused, and both consolidated into one shipment ship the order', async () => {
    const o = await paidOrder(t, { lines: splitLines });
    const fos = await fulfilmentsOf(t, o.id);
    assert.deepEqual(fos.map((f: any) => f.location).sort(), ['KRK-S', 'WAW-1']);
    const [a, b] = fos;
    await pickAndPack(t, a);
    const early = await t.call('POST', `/api/v1/fulfilment-orders/${a.id}/ship`, {});
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'PARTIAL_SHIPMENT_NOT_ALLOWED');
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${a.id}`)).shipmentId, null, 'nothing booked');
    await pickAndPack(t, b);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${a.id}/ship`, { consolidateWith: [b.id] });
    assert.deepEqual(sh.fulfilmentOrderIds.sort(), [a.id, b.id].sort());
    assert.equal(sh.packages.length, 2);
    const posted = JSON.parse(t.inpost.requests.filter((r) => r.method === 'POST' && r.body.includes(sh.id))[0]!.body);
    assert.equal(posted.parcels.length, 2, 'one carrier shipment with both packages');
    assert.deepEqual(sh.processEvent, { name: 'shipped', accepted: true });
    for (const f of [a, b]) assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${f.id}`)).state, 'shipped');
    assert.equal(await orderState(t, o.id), 'in_transit');
  });

  test('Given an order that allows partial shipments, Then the first location ships alone and the order is in transit', async () => {
    const o = await paidOrder(t, { lines: splitLines, attributes: { allowPartialShipments: true } });
    const [a, b] = await fulfilmentsOf(t, o.id);
    assert.equal(a.allowPartialShipment, true);
    await pickAndPack(t, a);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${a.id}/ship`, {});
    assert.deepEqual(sh.processEvent, { name: 'shipped', accepted: true });
    assert.equal(await orderState(t, o.id), 'in_transit');
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${b.id}`)).state, 'requested');
    const mixed = await t.call('POST', '/api/v1/shipments', { fulfilmentOrderIds: [a.id, (await paidOrder(t)).id] });
    assert.equal(mixed.status, 404, 'an order id is not a fulfilment order');
  });

  test("Given shipments on their way, When the durable polling job runs, Then the carrier's statuses move them and the order is delivered", async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    t.inpost.pushStatuses(sh.carrierShipmentId, [
      'dispatched_by_sender',
      'adopted_at_sorting_center',
      'out_for_delivery',
      'delivered',
    ]);
    const registry = new JobRegistry([trackingPollJob(t.processes, t.carriers, t.clock, { everyMs: 60_000 })]);
    const chain = await t.store
      .selectFrom('jobs')
      .select(['id', 'run_at'])
      .where('kind', '=', 'carrier.poll')
      .where('status', '=', 'scheduled')
      .execute();
    assert.equal(chain.length, 1, "the tenant's first shipment started its poll chain");
    assert.equal(await scheduleTrackingPoll(t.store, new Date()), false, 'one chain per tenant');
    await t.store
      .updateTable('jobs')
      .set({ run_at: new Date(Date.now() - 1000) })
      .where('id', '=', chain[0]!.id)
      .execute();
    const runner = new JobsRunner({ db: t.database.db, registry });
    assert.equal(await runner.runDue(), 1);
    const polled = await ok(t, 'GET', `/api/v1/shipments/${sh.id}`);
    assert.equal(polled.status, 'delivered');
    assert.equal(await orderState(t, o.id), 'delivered');
    const next = await t.store
      .selectFrom('jobs')
      .select(['status', 'run_at'])
      .where('kind', '=', 'carrier.poll')
      .where('status', '=', 'scheduled')
      .execute();
    assert.equal(next.length, 1, 'the next poll is scheduled');
    // Polling again finds nothing new: the same events are not applied twice.
    const statusRows = (await history(t, o.id)).filter((h) => h.action === 'shipment.status').length;
    const { pollShipments } = await import('../../src/app/fulfilment/poll-shipments.js');
    await pollShipments(t.processes, t.store, t.carriers, t.clock);
    assert.equal((await history(t, o.id)).filter((h) => h.action === 'shipment.status').length, statusRows);
  });

  test('Given picks and a wrong item returned, Then picking accuracy per location counts ordered, picked, short and wrong', async () => {
    const read = async () =>
      (await ok(t, 'GET', '/api/v1/fulfilment/accuracy?location=KRK-S')).items[0] ?? {
        lines: 0,
        ordered: 0,
        picked: 0,
        shortUnits: 0,
        wrongItems: 0,
        accurateLines: 0,
      };
    const before = await read();
    const o = await paidOrder(t, { lines: [{ sku: 'K-ONLY', quantity: 4, unitPrice: '89.90', taxRate: '23' }] });
    const [fo] = await fulfilmentsOf(t, o.id);
    const p = await pickAndPack(t, fo, () => 3);
    assert.equal(p.shortPicked, true);
    const wrong = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/lines/${fo.lines[0].id}/wrong-item`, {
      quantity: 1,
      note: 'Zły kolor',
    });
    assert.equal(wrong.wrongItem, 1);
    const tooMany = await t.call('POST', `/api/v1/fulfilment-orders/${fo.id}/lines/${fo.lines[0].id}/wrong-item`, {
      quantity: 3,
    });
    assert.equal(tooMany.status, 400);
    const now = await read();
    assert.equal(now.lines - before.lines, 1);
    assert.equal(now.ordered - before.ordered, 4);
    assert.equal(now.picked - before.picked, 3);
    assert.equal(now.shortUnits - before.shortUnits, 1);
    assert.equal(now.wrongItems - before.wrongItems, 1);
    assert.equal(now.accurateLines - before.accurateLines, 0);
    assert.ok(now.unitAccuracy < 1);
  });
});
