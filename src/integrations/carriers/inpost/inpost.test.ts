import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { carrierContract, sampleRequest, sampleReturnRequest, type StartedCarrier } from '../testing/contract.js';
import { startInpostFake } from '../testing/inpost-fake.js';
import { createInpostAdapter, inpostMessages } from './inpost-adapter.js';
import { INPOST_STATUSES } from './inpost-statuses.js';
import { inpostShipment, inpostShipmentList, inpostTracking } from './inpost-schemas.js';

/** The create body ShipX received for this shipment. */
function posted(c: StartedCarrier, reference: string): Record<string, any> {
  const sent = c.server?.requests.filter((x) => x.method === 'POST' && x.body.includes(`"reference":"${reference}"`));
  assert.ok(sent?.length, `a create for ${reference} reached ShipX`);
  return JSON.parse(sent[sent.length - 1]?.body ?? '{}') as Record<string, any>;
}

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/inpost-shipx/${name}`, import.meta.url), 'utf8'));

carrierContract({
  name: 'InPost ShipX',
  http: true,
  async start({ timeoutMs }) {
    const server = await startInpostFake({ token: 'shipx-token', organizationId: '1111' });
    const adapter = createInpostAdapter({
      baseUrl: server.url,
      token: 'shipx-token',
      organizationId: '1111',
      timeoutMs,
    });
    return {
      adapter,
      server,
      push: (s, statuses) => server.pushStatuses(s.carrierShipmentId, statuses),
      close: () => server.close(),
    };
  },
  knownStatuses: INPOST_STATUSES,
  expectedMappings: {
    confirmed: 'label_ready',
    out_for_delivery: 'out_for_delivery',
    ready_to_pickup: 'ready_for_pickup',
    delivered: 'delivered',
    returned_to_sender: 'returned',
    canceled: 'cancelled',
    avizo: 'failed_delivery',
  },
  handedOverStatus: 'dispatched_by_sender',
  deliverySequence: ['dispatched_by_sender', 'adopted_at_sorting_center', 'out_for_delivery', 'delivered'],
  lostCreate: 'found-by-reference',
  carrierReportsCancelled: true,
  webhook: (created, status, at) => ({
    headers: { 'content-type': 'application/json' },
    // ShipX webhook format: local time with a zone offset.
    body: JSON.stringify({
      event_ts: new Date(at)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' +0000'),
      event: 'shipment_status_changed',
      organization_id: 1111,
      payload: { shipment_id: Number(created.carrierShipmentId), status, tracking_number: created.trackingNumber },
    }),
  }),
  returns: {
    // A Paczkomat and a Parcel Point (POP): the two sending methods that name a point.
    dropOffPoints: ['KRA01M', 'POP-WAW364'],
    maxParcels: 5,
    seen(c, created) {
      const body = posted(c, created.reference);
      return {
        isReturn: body.is_return === true,
        senderName: body.sender?.name,
        receiverName: body.receiver?.name,
        parcels: body.parcels?.length ?? 0,
        dropOffPoint: body.custom_attributes?.dropoff_point ?? null,
      };
    },
    // ShipX's table has no locker drop-off for inpost_courier_standard.
    carrierRefuses: (base) => ({ ...base, dropOffPoint: 'KRA01M', service: 'inpost_courier_standard' }),
  },
});

test('Given the published ShipX validation error, When its messages are read, Then every nested field problem is listed', () => {
  const msgs = inpostMessages(fixture('InpostCourierCreateShipmentFailure.json'));
  assert.equal(msgs[0], 'validation_failed: There are some validation errors Check details object for more info.');
  assert.ok(msgs.some((m) => m.includes('insurance') && m.endsWith('too_small')));
  assert.ok(msgs.some((m) => m.includes('SHIPMENT1.parcels.0.dimensions.width') && m.endsWith('too_small')));
});

test('Given the published tracking sample, When its statuses are mapped, Then both are known', () => {
  const sample = fixture('InpostCourierGetStatusSuccess.json') as { tracking_details: { status: string }[] };
  const adapter = createInpostAdapter({ token: 't', organizationId: '1' });
  for (const d of sample.tracking_details) assert.equal(adapter.mapStatus(d.status).known, true, d.status);
  assert.equal(adapter.mapStatus('dispatched_by_sender').status, 'handed_over');
});

test('Given a webhook about something other than a status, When parsed, Then no events come back', () => {
  const adapter = createInpostAdapter({ token: 't', organizationId: '1' });
  const r = adapter.parseWebhook?.({
    headers: {},
    body: JSON.stringify({
      event_ts: '2026-11-23 10:00:00 +0100',
      event: 'shipment_confirmed',
      payload: { shipment_id: 1, status: 'confirmed' },
    }),
  });
  assert.deepEqual(r, { ok: true, value: [] });
});

test('Given a shipment InPost has not confirmed yet, When a label is asked for, Then a retryable failure says so', async (t) => {
  const server = await startInpostFake({ token: 'shipx-token', organizationId: '1111' });
  t.after(() => server.close());
  const adapter = createInpostAdapter({ baseUrl: server.url, token: 'shipx-token', organizationId: '1111' });
  const created = await adapter.createShipment(sampleRequest());
  assert.ok(created.ok);
  assert.equal(created.value.status, 'created');
  // A fetch-interposer stands in for InPost's slow offer step: the shipment read still says "created".
  const slow = createInpostAdapter({
    baseUrl: server.url,
    token: 'shipx-token',
    organizationId: '1111',
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      if (!String(url).endsWith(`/v1/shipments/${created.value.carrierShipmentId}`)) return res;
      const body = (await res.json()) as Record<string, unknown>;
      return new Response(JSON.stringify({ ...body, status: 'offers_prepared', tracking_number: null }), {
        status: 200,
      });
    },
  });
  const label = await slow.getLabel(created.value, 'pdf');
  assert.equal(label.ok, false);
  if (label.ok) return;
  assert.equal(label.error.code, 'CARRIER_UNAVAILABLE');
  assert.equal(label.error.retryable, true);
  assert.match(label.error.message, /not confirmed/);
});

test('Given cash on delivery and a locker, When sent to ShipX, Then amount, point and weight in kg are in the body', async (t) => {
  const server = await startInpostFake({ token: 'shipx-token', organizationId: '1111' });
  t.after(() => server.close());
  const adapter = createInpostAdapter({ baseUrl: server.url, token: 'shipx-token', organizationId: '1111' });
  const r = await adapter.createShipment({
    ...sampleRequest(),
    service: 'inpost_locker_standard',
    targetPoint: 'KRA01M',
    cod: { amount: '129.99', currency: 'PLN' },
  });
  assert.ok(r.ok);
  const sent = JSON.parse(server.requests.find((x) => x.method === 'POST')?.body ?? '{}') as Record<string, any>;
  assert.deepEqual(sent.cod, { amount: 129.99, currency: 'PLN' });
  assert.deepEqual(sent.custom_attributes, { target_point: 'KRA01M' });
  assert.deepEqual(sent.parcels[0].weight, { amount: 1.25, unit: 'kg' });
  assert.equal(sent.receiver.first_name, 'Анна');
  assert.equal(sent.receiver.last_name, 'Ёлкина');
  assert.equal(sent.receiver.address.building_number, '31/4');
});

test('Given the published create and list responses, When validated, Then our schemas accept them and read id, status and reference', () => {
  const created = inpostShipment.parse(fixture('InpostCourierCreateShipmentSuccess.json'));
  assert.deepEqual(
    [created.id, created.status, created.tracking_number, created.reference],
    ['1234567890', 'created', null, 'Test'],
  );
  const list = inpostShipmentList.parse(fixture('InpostCourierGetStatusByShipmentIdSuccess.json'));
  assert.deepEqual([list.items[0]?.status, list.items[0]?.reference], ['confirmed', 'Zawartość przesyłki']);
  const tracking = inpostTracking.parse(fixture('InpostCourierGetStatusSuccess.json'));
  assert.equal(tracking.tracking_details.length, 2);
});

test('Given returns dropped at a locker, at a Parcel Point and collected by courier, When sent to ShipX, Then is_return, sending method and service follow the published table', async (t) => {
  const server = await startInpostFake({ token: 'shipx-token', organizationId: '1111' });
  t.after(() => server.close());
  const adapter = createInpostAdapter({ baseUrl: server.url, token: 'shipx-token', organizationId: '1111' });
  const cases = [
    ['KRA01M', 'parcel_locker', 'inpost_courier_c2c'],
    ['POP-WAW364', 'pop', 'inpost_courier_standard'],
    [undefined, 'dispatch_order', 'inpost_courier_standard'],
  ] as const;
  for (const [point, method, service] of cases) {
    const req = sampleReturnRequest(point);
    const r = await adapter.createReturnShipment?.(req);
    assert.ok(r?.ok, JSON.stringify(r));
    const sent = JSON.parse(
      server.requests.filter((x) => x.method === 'POST' && x.body.includes(req.reference)).pop()?.body ?? '{}',
    ) as Record<string, any>;
    assert.equal(sent.is_return, true);
    assert.equal(sent.service, service);
    assert.equal(sent.custom_attributes.sending_method, method);
    assert.equal(sent.custom_attributes.dropoff_point, point);
    assert.equal(sent.sender.first_name, 'Анна', 'the customer sends');
    assert.equal(sent.receiver.company_name, 'Hurtownia Łódź Sp. z o.o.', 'we receive');
    assert.equal(sent.cod, undefined, 'a return collects nothing');
  }
});

test('Given an outbound shipment under a reference, When a return is booked with that reference, Then it is refused instead of passed off as the return', async (t) => {
  const server = await startInpostFake({ token: 'shipx-token', organizationId: '1111' });
  t.after(() => server.close());
  const adapter = createInpostAdapter({ baseUrl: server.url, token: 'shipx-token', organizationId: '1111' });
  const outbound = sampleRequest();
  assert.ok((await adapter.createShipment(outbound)).ok);
  const r = await adapter.createReturnShipment?.({ ...sampleReturnRequest(), reference: outbound.reference });
  assert.equal(r?.ok, false);
  if (r?.ok !== false) return;
  assert.equal(r.error.code, 'CARRIER_REJECTED');
  assert.match(r.error.message, /not a return/);
  assert.equal(server.shipmentCount(), 1);
});
