import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/api/app.js';
import { JobRegistry } from '../../src/app/events/timers.js';
import { carriersFromConfig } from '../../src/app/fulfilment/carriers-from-config.js';
import { defaultConfig } from '../../src/config.js';
import { trackingPollJob } from '../../src/app/fulfilment/poll-shipments.js';
import { compose } from '../../src/compose.js';
import { databaseManualStore } from '../../src/app/fulfilment/manual-carrier-store.js';
import { createTenant } from '../../src/app/identity/create-tenant.js';
import type { ManualCarrierAdapter, TrackingEvent } from '../../src/integrations/carriers/index.js';
import { systemClock } from '../../src/shared/clock.js';
import { scope } from '../../src/store/tenant-scope.js';
import '../../src/store/schema-manual-carrier.js';
import { JobsRunner } from '../../src/worker/jobs-runner.js';
import { freshDatabase, onPostgres, type TestApp } from '../support.js';
import { fulfilmentsOf, ok, orderState, paidOrder, pickAndPack, seedShop } from './helpers.js';

/** The API over a database with the carriers the server builds (carriersFromConfig with the database). */
async function appOver(database: TestApp['database'], tenant: { tenantId: string; apiKey: string }) {
  const carriers = carriersFromConfig(defaultConfig().carriers, database);
  const services = compose({ clock: systemClock, carriers });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock: systemClock,
    ready: async () => true,
    carriers,
    processes: services.processes,
  });
  const call: TestApp['call'] = async (method, url, body, headers = {}) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${tenant.apiKey}`, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      /* a label */
    }
    return { status: res.statusCode, body: parsed, headers: res.headers as Record<string, unknown> };
  };
  const t: TestApp = {
    database,
    app,
    ...tenant,
    store: scope(database.db, tenant.tenantId),
    clock: systemClock,
    services,
    call,
    close: () => app.close(),
  };
  return { t, carriers, manual: carriers.get('manual') as ManualCarrierAdapter, raw: app };
}

describe(`own-fleet shipments kept in the database (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let database: TestApp['database'];
  let first: Awaited<ReturnType<typeof appOver>>;
  before(async () => {
    database = await freshDatabase();
    const tenant = await createTenant(database.db, {
      slug: `m-${randomBytes(4).toString('hex')}`,
      name: 'Flota własna',
      admin: {
        email: `admin-${randomBytes(4).toString('hex')}@example.pl`,
        name: 'Zofia Łukasiewicz',
        password: 'correct horse battery staple',
      },
    });
    first = await appOver(database, tenant);
    await seedShop(first.t);
  });
  after(async () => {
    await first.t.close();
    await database.close();
  });

  test('Given an order shipped with the own fleet, When the server restarts (new carrier registry), Then label, tracking and re-booking still find it, and a driver event moves the shipment through the poll job', async () => {
    const t = first.t;
    const o = await paidOrder(t, {
      delivery: { method: 'ship', carrier: 'manual' },
      shippingAddress: {
        name: 'Анна Ёлкина',
        line1: 'ул. Ленина 5',
        city: 'Białystok',
        postalCode: '15-001',
        country: 'PL',
      },
    });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    assert.equal(sh.carrier, 'manual');
    assert.equal(sh.status, 'label_ready');
    assert.match(sh.trackingNumber, /^OWN-[0-9A-F]{12}$/);
    const row = await database.db
      .selectFrom('manual_carrier_shipments')
      .select(['tenant_id', 'reference', 'tracking_number'])
      .where('carrier_shipment_id', '=', sh.carrierShipmentId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { tenant_id: t.tenantId, reference: sh.id, tracking_number: sh.trackingNumber });

    // "Restart": a new registry and API over the same database; the first one's memory is not used.
    const second = await appOver(database, { tenantId: t.tenantId, apiKey: t.apiKey });
    try {
      const label = await second.raw.inject({
        method: 'GET',
        url: `/api/v1/shipments/${sh.id}/label?format=pdf`,
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      assert.equal(label.statusCode, 200, label.body);
      assert.equal(label.headers['content-type'], 'application/pdf');
      assert.equal(label.rawPayload.subarray(0, 4).toString('latin1'), '%PDF');
      const zpl = await second.raw.inject({
        method: 'GET',
        url: `/api/v1/shipments/${sh.id}/label?format=zpl`,
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      assert.equal(zpl.statusCode, 200);
      assert.ok(
        zpl.body.includes('Анна Ёлкина') && zpl.body.includes(sh.trackingNumber),
        "the label is the booked shipment's",
      );

      const ref = {
        carrierShipmentId: sh.carrierShipmentId,
        trackingNumber: sh.trackingNumber,
        reference: sh.id,
        status: sh.status,
      };
      const tracked = await second.manual.track(ref);
      assert.ok(tracked.ok, JSON.stringify(tracked));
      assert.equal(tracked.value.trackingNumber, sh.trackingNumber);
      assert.deepEqual(
        tracked.value.events.map((e) => e.status),
        ['label_ready'],
      );

      // A retried booking with the same reference finds the shipment: no second label.
      const stored = await database.db
        .selectFrom('manual_carrier_shipments')
        .select('request')
        .where('carrier_shipment_id', '=', sh.carrierShipmentId)
        .executeTakeFirstOrThrow();
      const again = await second.manual.createShipment(stored.request as any);
      assert.ok(again.ok);
      assert.deepEqual([again.value.existing, again.value.carrierShipmentId], [true, sh.carrierShipmentId]);

      // Two processes record driver events at once (the second started before the first wrote): both are kept.
      // The driver's times come after the label (booked at the real clock's now): fixed dates here
      // turned into the past on 2026-11-24 and sorted before the label.
      const third = carriersFromConfig(defaultConfig().carriers, database).get('manual') as ManualCarrierAdapter;
      await third.track(ref); // its records are loaded
      const later = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
      const out = await second.manual.recordEvent(ref, 'out_for_delivery', {
        at: later(1),
        note: 'Kierowca: Włodzimierz',
      });
      assert.ok(out.ok, JSON.stringify(out));
      const delivered = await third.recordEvent(ref, 'delivered', { at: later(2), note: 'Odebrała sąsiadka' });
      assert.ok(delivered.ok, JSON.stringify(delivered));
      // A worker started now (PostgreSQL: any process; PGlite: its one process after a restart) sees both.
      const worker = carriersFromConfig(defaultConfig().carriers, database);
      const merged = await worker.get('manual')!.track(ref);
      assert.ok(merged.ok);
      assert.deepEqual(
        merged.value.events.map((e) => e.status),
        ['label_ready', 'out_for_delivery', 'delivered'],
      );

      // Its tracking poll job (inside the job's transaction, as in production) moves the shipment.
      const registry = new JobRegistry([
        trackingPollJob(compose({ clock: systemClock, carriers: worker }).processes, worker, systemClock, {
          everyMs: 60_000,
        }),
      ]);
      await t.store
        .updateTable('jobs')
        .set({ run_at: new Date(Date.now() - 1000) })
        .where('kind', '=', 'carrier.poll')
        .where('status', '=', 'scheduled')
        .execute();
      assert.equal(await new JobsRunner({ db: database.db, registry }).runDue(), 1);
      const moved = await ok(t, 'GET', `/api/v1/shipments/${sh.id}`);
      assert.equal(moved.status, 'delivered');
      assert.equal(await orderState(t, o.id), 'delivered');
      const events = await t.store
        .selectFrom('shipment_events')
        .select('status')
        .where('shipment_id', '=', sh.id)
        .execute();
      assert.ok(
        events.some((e) => e.status === 'out_for_delivery') && events.some((e) => e.status === 'delivered'),
        JSON.stringify(events),
      );
    } finally {
      await second.t.close();
    }
  });

  test("Given events at the same time, When two writers merge their records, Then they keep the order they were recorded in (not the event ids' order)", async () => {
    const t = first.t;
    const o = await paidOrder(t, { delivery: { method: 'ship', carrier: 'manual' } });
    const [fo] = await fulfilmentsOf(t, o.id);
    await pickAndPack(t, fo);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, {});
    const store = databaseManualStore(database.db);
    const booked = (await store.get(sh.carrierShipmentId))!;
    const at = new Date(Date.parse(booked.events[0]!.occurredAt) + 60_000).toISOString();
    const ev = (eventId: string, status: TrackingEvent['status']): TrackingEvent => ({
      ...booked.events[0]!,
      eventId,
      status,
      carrierStatus: status,
      occurredAt: at,
    });
    // Ids against the recording order, so an order by event id would show.
    await store.put({
      ...booked,
      events: [...booked.events, ev('manual:z', 'handed_over'), ev('manual:m', 'in_transit')],
    });
    await store.put({ ...booked, events: [...booked.events, ev('manual:a', 'out_for_delivery')] }); // a writer that read before
    const merged = (await store.get(sh.carrierShipmentId))!;
    assert.deepEqual(
      merged.events.map((e) => e.status),
      ['label_ready', 'handed_over', 'in_transit', 'out_for_delivery'],
    );
    const mirrored = databaseManualStore(database.db, { mirror: true });
    assert.deepEqual(
      (await mirrored.get(sh.carrierShipmentId))!.events.map((e) => e.eventId),
      [booked.events[0]!.eventId, 'manual:z', 'manual:m', 'manual:a'],
    );
  });

  test('Given a carrier id nobody booked, Then the database store says CARRIER_NOT_FOUND, and a reference that is no shipment of Ordo is refused without a row', async () => {
    const manual = carriersFromConfig(defaultConfig().carriers, database).get('manual') as ManualCarrierAdapter;
    const missing = await manual.track({
      carrierShipmentId: '01900000-0000-7000-8000-000000000000',
      trackingNumber: null,
      reference: 'x',
      status: 'created',
    });
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, 'CARRIER_NOT_FOUND');
    const before = await database.db
      .selectFrom('manual_carrier_shipments')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const stray = await manual.createShipment({
      reference: 'ZAM-ŻÓŁW-1',
      parcels: [{ weightGrams: 500, lengthMm: 100, widthMm: 100, heightMm: 100 }],
      sender: {
        name: 'Magazyn',
        street: 'ul. Żelazna',
        buildingNumber: '51',
        postalCode: '00-841',
        city: 'Warszawa',
        countryCode: 'PL',
        phone: '+48221234567',
      },
      receiver: {
        name: 'Борис Щукин',
        street: 'ul. Długa',
        buildingNumber: '1',
        postalCode: '00-001',
        city: 'Warszawa',
        countryCode: 'PL',
        phone: '+48600700800',
        email: 'b@example.pl',
      },
    });
    assert.ok(!stray.ok);
    assert.equal(stray.error.code, 'CARRIER_UNAVAILABLE');
    const afterwards = await database.db
      .selectFrom('manual_carrier_shipments')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(afterwards.n, before.n);
  });
});
