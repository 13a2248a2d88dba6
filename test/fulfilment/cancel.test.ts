import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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

describe("cancelling fulfilment orders: by the API and by the order's cancellation", () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
    await seedSplitStock(t);
  });
  after(() => t.close());

  const figures = async (sku: string, location: string) => {
    const l = (await ok(t, 'GET', `/api/v1/inventory/availability/${sku}`)).locations.find(
      (x: any) => x.location === location,
    );
    return { onHand: l.onHand as number, reserved: l.reserved as number, available: l.available as number };
  };
  const activeHolds = async (orderId: string) =>
    (await ok(t, 'GET', `/api/v1/inventory/orders/${orderId}/reservations`)).reservations.filter(
      (r: any) => r.status === 'active',
    ) as any[];
  const events = async (orderId: string, type: string) =>
    (
      await t.store
        .selectFrom('events')
        .select('payload')
        .where('subject', '=', orderId)
        .where('type', '=', type as never)
        .orderBy('id')
        .execute()
    ).map((e) => e.payload as any);
  const cancel = (id: string, body: unknown, headers: Record<string, string> = {}) =>
    t.call('POST', `/api/v1/fulfilment-orders/${id}/cancel`, body, headers);
  const deletes = () => t.inpost.requests.filter((r) => r.method === 'DELETE').length;

  test('Given a requested fulfilment order, When cancelled with a reason, Then it is cancelled, its holds are released, the reason is in history and fulfilment.cancelled is in the outbox', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    assert.equal(fo.state, 'requested');
    const before = { s1: await figures('SKU-1', 'WAW-1'), s3: await figures('SKU-3', 'WAW-1') };
    const reason = 'Klient zrezygnował telefonicznie — «отмена»';

    const r = await cancel(fo.id, { reason }, { 'if-match': `"${fo.version}"` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'cancelled');
    assert.equal(r.body.reason, reason);
    assert.equal(r.body.version, fo.version + 1, 'one version bump, as every move');
    assert.equal(r.headers.etag, `"${fo.version + 1}"`);
    // As after a rejection, the process hears that this location will not ship: B2C opens its stock exception.
    assert.deepEqual(r.body.processEvent, { name: 'short_pick', accepted: true });
    assert.equal(await orderState(t, o.id), 'stock_exception');

    // Stock: the 2 + 5 units held at WAW-1 are available again, on hand untouched.
    const s1 = await figures('SKU-1', 'WAW-1');
    const s3 = await figures('SKU-3', 'WAW-1');
    assert.deepEqual(s1, {
      onHand: before.s1.onHand,
      reserved: before.s1.reserved - 2,
      available: before.s1.available + 2,
    });
    assert.deepEqual(s3, {
      onHand: before.s3.onHand,
      reserved: before.s3.reserved - 5,
      available: before.s3.available + 5,
    });
    assert.deepEqual(await activeHolds(o.id), []);

    const row = (await history(t, o.id)).find((h) => h.action === 'fulfilment.cancelled');
    assert.ok(row, 'a history row for the cancellation');
    assert.equal(row.reason.note, reason);
    assert.deepEqual(row.changes.state, { from: 'requested', to: 'cancelled' });
    assert.equal(row.changes.released, 8);

    const [ev, ...more] = await events(o.id, 'fulfilment.cancelled');
    assert.equal(more.length, 0);
    assert.deepEqual(
      {
        orderId: ev.orderId,
        fulfilmentId: ev.fulfilmentId,
        locationId: ev.locationId,
        reason: ev.reason,
        fromState: ev.fromState,
      },
      { orderId: o.id, fulfilmentId: fo.id, locationId: fo.locationId, reason, fromState: 'requested' },
    );
    assert.deepEqual(
      ev.lines.map((l: any) => [l.sku, l.quantity]),
      [
        ['SKU-1', 2],
        ['SKU-2', 1],
        ['SKU-3', 5],
      ],
    );
  });

  test('Given a packed fulfilment order with a shipment booked at InPost and not handed over, When cancelled, Then the booking is voided at InPost, the shipment is cancelled and the picked units go back', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', '/api/v1/shipments', { fulfilmentOrderIds: [fo.id] }, 201);
    assert.equal(sh.status, 'created');
    assert.equal(sh.handedOverAt, null);
    const before = await figures('SKU-2', 'WAW-1');

    const r = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/cancel`, {
      reason: 'Adres nieosiągalny, klient anulował',
    });
    assert.equal(r.state, 'cancelled');
    assert.equal(r.shipmentId, null);
    assert.ok(
      t.inpost.requests.some((x) => x.method === 'DELETE' && x.path === `/v1/shipments/${sh.carrierShipmentId}`),
      'voided at InPost',
    );
    const shipment = await ok(t, 'GET', `/api/v1/shipments/${sh.id}`);
    assert.equal(shipment.status, 'cancelled');
    const label = await t.call('GET', `/api/v1/shipments/${sh.id}/label`);
    assert.equal(label.body.code, 'SHIPMENT_CANCELLED');
    assert.deepEqual(await figures('SKU-2', 'WAW-1'), {
      onHand: before.onHand,
      reserved: before.reserved - 1,
      available: before.available + 1,
    });
    assert.deepEqual(await activeHolds(o.id), []);
    const [shEv] = await events(o.id, 'shipment.cancelled');
    assert.deepEqual([shEv.shipmentId, shEv.carrierBooking], [sh.id, 'voided']);
    const [ev] = await events(o.id, 'fulfilment.cancelled');
    assert.deepEqual([ev.fromState, ev.shipmentId], ['packed', sh.id]);
    const actions = (await history(t, o.id)).map((h) => h.action);
    assert.ok(actions.includes('shipment.cancelled') && actions.includes('fulfilment.cancelled'));
  });

  test("Given a short pick and a new request for the missing units at the same location, When the first fulfilment order is cancelled, Then only the units still held for it are released, not the new request's", async () => {
    const o = await paidOrder(t, { lines: [{ sku: 'SKU-3', quantity: 5, unitPrice: '3.50', taxRate: '8' }] });
    const [fo] = await fulfilmentsOf(t, o.id);
    const picked = await pickAndPack(t, fo, () => 3);
    assert.equal(picked.shortPicked, true);
    // The order desk substitutes: the 2 missing units are reserved again and asked of WAW-1 in a second fulfilment order.
    const task = (await ok(t, 'GET', `/api/v1/tasks?orderId=${o.id}`)).items.find((x: any) => x.state === 'open');
    await ok(t, 'POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'substitute', comment: 'Łyżki z innej półki' });
    const extra = (await fulfilmentsOf(t, o.id)).find((f: any) => f.id !== fo.id);
    assert.deepEqual([extra.location, extra.lines[0].quantity], ['WAW-1', 2]);
    const before = await figures('SKU-3', 'WAW-1');

    const r = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/cancel`, {
      reason: 'Уценённый товар — не отправляем',
    });
    assert.equal(r.state, 'cancelled');
    assert.equal(
      (await figures('SKU-3', 'WAW-1')).reserved,
      before.reserved - 3,
      'the 3 picked units, not the 5 first asked',
    );
    const held = await activeHolds(o.id);
    assert.deepEqual(
      held.map((h) => [h.location, h.quantity]),
      [['WAW-1', 2]],
      'the second request keeps its hold',
    );
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${extra.id}`)).state, 'requested');
  });

  test('Given a shipment that failed at the carrier (nothing booked), When its fulfilment order is cancelled, Then the shipment is cancelled here without a carrier call, and a process state that does not take short_pick records it', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    t.inpost.failNext('reject', 1, (x) => x.method === 'POST');
    const sh = await ok(t, 'POST', '/api/v1/shipments', { fulfilmentOrderIds: [fo.id] }, 201);
    assert.equal(sh.status, 'failed');
    assert.equal(await orderState(t, o.id), 'shipping_exception');
    const calls = deletes();
    const r = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/cancel`, {
      reason: 'Paczka za duża — anulujemy',
    });
    assert.equal(r.state, 'cancelled');
    assert.equal(deletes(), calls, 'nothing was booked, so InPost is not asked');
    assert.equal((await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).status, 'cancelled');
    assert.deepEqual(r.processEvent, { name: 'short_pick', accepted: false });
    assert.equal(await orderState(t, o.id), 'shipping_exception');
    assert.ok(
      (await history(t, o.id)).some(
        (h) => h.action === 'fulfilment.event_not_accepted' && h.changes.event === 'short_pick',
      ),
    );
  });

  test('Given a shipment already handed over to the carrier, When its fulfilment order is cancelled, Then 409 SHIPMENT_ALREADY_HANDED_OVER and nothing changes', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.ok(sh.handedOverAt);
    const shipped = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    const hist = (await history(t, o.id)).length;
    const stock1 = await figures('SKU-1', 'WAW-1');
    const calls = deletes();

    const r = await cancel(fo.id, { reason: 'Za późno' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'SHIPMENT_ALREADY_HANDED_OVER');
    assert.match(r.body.detail, /parcel has left with inpost/);
    assert.equal(r.body.shipmentId, sh.id);

    const now = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.deepEqual([now.state, now.version, now.shipmentId], ['shipped', shipped.version, sh.id]);
    assert.equal((await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).status, sh.status);
    assert.equal(deletes(), calls, 'the carrier is not asked');
    assert.equal((await history(t, o.id)).length, hist);
    assert.deepEqual(await events(o.id, 'fulfilment.cancelled'), []);
    assert.deepEqual(await figures('SKU-1', 'WAW-1'), stock1);
    assert.equal(await orderState(t, o.id), 'in_transit');
  });

  test("Given InPost refuses to void the booking, When the fulfilment order is cancelled, Then the carrier's error comes back and nothing changes here", async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', '/api/v1/shipments', { fulfilmentOrderIds: [fo.id] }, 201);
    const packed = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    const holds = (await activeHolds(o.id)).length;
    t.inpost.failNext('reject', 1, (x) => x.method === 'DELETE');
    const r = await cancel(fo.id, { reason: 'Klient anulował' });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'CARRIER_REJECTED');
    const now = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.deepEqual([now.state, now.shipmentId, now.version], ['packed', sh.id, packed.version]);
    assert.equal((await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).status, 'created');
    assert.equal((await activeHolds(o.id)).length, holds);
    assert.deepEqual(await events(o.id, 'fulfilment.cancelled'), []);
  });

  test('Given a cancelled fulfilment order, When cancelled again (even with its old If-Match), Then 200 with it, and nothing is released or recorded twice', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    const first = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/cancel`, { reason: 'Duplikat zamówienia' });
    const stock1 = await figures('SKU-1', 'WAW-1');
    const hist = (await history(t, o.id)).length;
    const again = await cancel(fo.id, { reason: 'Jeszcze raz' }, { 'if-match': `"${fo.version}"` });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(
      [again.body.state, again.body.version, again.body.reason, again.body.processEvent],
      ['cancelled', first.version, 'Duplikat zamówienia', null],
    );
    assert.deepEqual(await figures('SKU-1', 'WAW-1'), stock1);
    assert.equal((await history(t, o.id)).length, hist);
    assert.equal((await events(o.id, 'fulfilment.cancelled')).length, 1);
  });

  test('Given a bad body, Then 400 naming the field, and a stale If-Match is 412; nothing changes', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    for (const [body, path] of [
      [{}, '/reason'],
      [{ reason: '' }, '/reason'],
      [{ reason: '   ' }, '/reason'],
      [{ reason: 'ż'.repeat(501) }, '/reason'],
      [{ reason: 42 }, '/reason'],
      [{ reason: 'ok', force: true }, ''],
    ] as const) {
      const r = await cancel(fo.id, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.code, 'VALIDATION_FAILED');
      assert.ok(
        r.body.errors.some((e: any) => e.path === path || (path === '' && /force/.test(JSON.stringify(e)))),
        `${JSON.stringify(body)} → ${JSON.stringify(r.body.errors)}`,
      );
    }
    const stale = await cancel(fo.id, { reason: 'Stara wersja' }, { 'if-match': `"${fo.version + 7}"` });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.code, 'VERSION_MISMATCH');
    const now = await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`);
    assert.deepEqual([now.state, now.version], ['requested', fo.version]);
    assert.equal((await activeHolds(o.id)).length, 3);
    assert.equal(await orderState(t, o.id), 'fulfilling');
    const long = await cancel(fo.id, { reason: 'ł'.repeat(500) });
    assert.equal(long.status, 200, '500 characters are allowed');
  });

  test('Given a rejected fulfilment order, When cancelled, Then 409 FULFILMENT_TRANSITION_NOT_ALLOWED', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/reject`, { reason: 'Magazyn zamknięty' });
    const r = await cancel(fo.id, { reason: 'Anuluj' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'FULFILMENT_TRANSITION_NOT_ALLOWED');
    const anonymous = await t.call(
      'POST',
      `/api/v1/fulfilment-orders/${fo.id}/cancel`,
      { reason: 'x' },
      { authorization: '' },
    );
    assert.equal(anonymous.status, 401);
    const missing = await cancel('01900000-0000-7000-8000-000000000000', { reason: 'x' });
    assert.equal(missing.status, 404);
  });

  test('Given an order split over two locations while they pick, When the order is cancelled through its process, Then every fulfilment order is cancelled, the locations are told and all stock is released', async () => {
    const o = await paidOrder(t, { lines: splitLines });
    const fos = await fulfilmentsOf(t, o.id);
    assert.deepEqual(fos.map((f: any) => f.location).sort(), ['KRK-S', 'WAW-1']);
    const waw = fos.find((f: any) => f.location === 'WAW-1');
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${waw.id}/accept`);
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${waw.id}/start-picking`);
    const w = await figures('W-ONLY', 'WAW-1');
    const k = await figures('K-ONLY', 'KRK-S');
    assert.equal(await orderState(t, o.id), 'fulfilling');

    const v = await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'cancel' });
    assert.equal(v.state, 'cancelled');
    const after = await fulfilmentsOf(t, o.id);
    assert.deepEqual(
      after.map((f: any) => f.state),
      ['cancelled', 'cancelled'],
    );
    assert.ok(
      after.every((f: any) => /cancelled \(process b2c-omnichannel v\d+\)/.test(f.reason)),
      JSON.stringify(after.map((f: any) => f.reason)),
    );
    assert.deepEqual(await activeHolds(o.id), []);
    assert.deepEqual(await figures('W-ONLY', 'WAW-1'), {
      onHand: w.onHand,
      reserved: w.reserved - 1,
      available: w.available + 1,
    });
    assert.deepEqual(await figures('K-ONLY', 'KRK-S'), {
      onHand: k.onHand,
      reserved: k.reserved - 2,
      available: k.available + 2,
    });
    const told = await events(o.id, 'fulfilment.cancelled');
    assert.deepEqual(told.map((e) => e.fulfilmentId).sort(), fos.map((f: any) => f.id).sort());
    assert.deepEqual(told.map((e) => e.fromState).sort(), ['picking', 'requested']);

    const h = await history(t, o.id);
    const action = h.find((x) => x.action === 'process.action' && x.changes.action === 'cancel_fulfilment');
    assert.ok(action, 'the action is in the decision trace');
    assert.equal(action.changes.fulfilment.cancelled.length, 2);
    assert.equal(
      action.changes.fulfilment.cancelled.reduce((a: number, c: any) => a + c.released, 0),
      3,
    );
    // cancel_fulfilment runs before release: release finds nothing left, and nothing is released twice.
    const release = h.find((x) => x.action === 'process.action' && x.changes.action === 'release');
    assert.equal(release.changes.released, 0);
  });

  test('Given a packed order with a shipment booked at the carrier, When the order is cancelled through its process, Then the shipment is cancelled here, flagged to be voided at the carrier, and the carrier is not called inside the transaction', async () => {
    const o = await paidOrder(t);
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', '/api/v1/shipments', { fulfilmentOrderIds: [fo.id] }, 201);
    const calls = deletes();
    await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'cancel' });
    assert.equal(await orderState(t, o.id), 'cancelled');
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`)).state, 'cancelled');
    assert.equal((await ok(t, 'GET', `/api/v1/shipments/${sh.id}`)).status, 'cancelled');
    assert.equal(deletes(), calls);
    const [shEv] = await events(o.id, 'shipment.cancelled');
    assert.deepEqual([shEv.carrierBooking, shEv.carrierShipmentId], ['to_void', sh.carrierShipmentId]);
    const order = await t.store
      .selectFrom('orders')
      .select('attributes')
      .where('id', '=', o.id)
      .executeTakeFirstOrThrow();
    const flags = (order.attributes as any).flags as any[];
    assert.ok(
      flags.some((f) => f.code === 'SHIPMENT_TO_VOID' && f.message.includes(sh.carrierShipmentId)),
      JSON.stringify(flags),
    );
    assert.deepEqual(await activeHolds(o.id), []);
  });

  test('Given a fulfilment order that already shipped, When the order is cancelled through its process, Then it is noted as not recalled and the cancellation proceeds', async () => {
    // One location short-picks (the order waits in its stock exception), then ships what it has.
    const o = await paidOrder(t, {
      lines: [{ sku: 'SKU-3', quantity: 4, unitPrice: '3.50', taxRate: '8' }],
      attributes: { allowPartialShipments: true },
    });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo, () => 2);
    assert.equal(await orderState(t, o.id), 'stock_exception');
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.ok(sh.handedOverAt);
    const task = (await ok(t, 'GET', `/api/v1/tasks?orderId=${o.id}`)).items.find((x: any) => x.state === 'open');
    await ok(t, 'POST', `/api/v1/tasks/${task.id}/complete`, { outcome: 'cancel', comment: 'Klient nie chce reszty' });
    assert.equal(await orderState(t, o.id), 'cancelled');
    assert.equal((await ok(t, 'GET', `/api/v1/fulfilment-orders/${fo.id}`)).state, 'shipped');
    const note = (await history(t, o.id)).find((x) => x.action === 'fulfilment.not_recalled');
    assert.ok(note, 'a history note');
    assert.equal(note.changes.fulfilmentId, fo.id);
    assert.match(note.reason.note, /could not be recalled/);
    assert.deepEqual(await events(o.id, 'fulfilment.cancelled'), []);
  });
});
