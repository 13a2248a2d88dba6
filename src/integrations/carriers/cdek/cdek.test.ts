import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { carrierContract, sampleRequest, sampleReturnRequest, type StartedCarrier } from '../testing/contract.js';
import { startCdekFake } from '../testing/cdek-fake.js';
import type { ReturnShipmentRequest, ShipmentRequest } from '../types.js';
import { createCdekAdapter } from './cdek-adapter.js';
import { CDEK_STATUSES } from './cdek-statuses.js';

const creds = { clientId: 'EMscd6r9JnFiQ3bLoyjJY6eM78JrJceI', clientSecret: 'PjLZkKBHEiLK3YsjtNrt3TGNG0ahs3kG' };
const fixturePath = (name: string) => new URL(`../fixtures/cdek/${name}`, import.meta.url);

/** Every status code in CDEK's Appendix 15; one row names two codes joined by "или". */
function appendix15Codes(): string[] {
  const rows = parse(readFileSync(fixturePath('cdek_order_statuses_appendix15.csv')), { from_line: 2 }) as string[][];
  return rows
    .flatMap((r) => (r[0] ?? '').split(/\s+или\s+/))
    .map((c) => c.trim())
    .filter(Boolean);
}

const russian = (r: ShipmentRequest): ShipmentRequest => ({
  ...r,
  receiver: {
    ...r.receiver,
    name: 'Анна Ёлкина',
    street: 'ул. Льва Толстого',
    buildingNumber: '16',
    postalCode: '119021',
    city: 'Москва',
    countryCode: 'RU',
  },
  service: '139',
});

/** A customer in Moscow returns to our warehouse in Novosibirsk. */
const russianReturn = (r: ReturnShipmentRequest): ReturnShipmentRequest => ({
  ...r,
  sender: {
    ...r.sender,
    name: 'Анна Ёлкина',
    street: 'ул. Льва Толстого',
    buildingNumber: '16',
    postalCode: '119021',
    city: 'Москва',
    countryCode: 'RU',
  },
  receiver: {
    ...r.receiver,
    name: 'Склад Ordo — Пётр Щукин',
    company: 'ООО «Ордо»',
    street: 'ул. Станционная',
    buildingNumber: '30а',
    flat: undefined,
    postalCode: '630108',
    city: 'Новосибирск',
    countryCode: 'RU',
  },
});

/** The order body CDEK received for this reference. */
function postedOrder(c: StartedCarrier, reference: string): Record<string, any> {
  const sent = c.server?.requests.filter(
    (x) => x.method === 'POST' && x.path === '/v2/orders' && x.body.includes(`"number":"${reference}"`),
  );
  assert.ok(sent?.length, `an order for ${reference} reached CDEK`);
  return JSON.parse(sent[sent.length - 1]?.body ?? '{}') as Record<string, any>;
}

carrierContract({
  name: 'CDEK v2',
  http: true,
  async start({ timeoutMs }) {
    const server = await startCdekFake(creds);
    const adapter = createCdekAdapter({ ...creds, baseUrl: server.url, timeoutMs, labelPollIntervalMs: 5 });
    return {
      adapter,
      server,
      push: (s, statuses) => server.pushStatuses(s.carrierShipmentId, statuses),
      close: () => server.close(),
    };
  },
  knownStatuses: appendix15Codes(),
  expectedMappings: {
    ACCEPTED: 'created',
    RECEIVED_AT_SHIPMENT_WAREHOUSE: 'handed_over',
    TAKEN_BY_COURIER: 'out_for_delivery',
    ACCEPTED_AT_PICK_UP_POINT: 'ready_for_pickup',
    DELIVERED: 'delivered',
    RETURNED_TO_RECIPIENT_CITY_WAREHOUSE: 'failed_delivery',
    RETURNED_TO_SENDER_CITY_WAREHOUSE: 'in_transit',
    NOT_DELIVERED: 'returning',
  },
  handedOverStatus: 'RECEIVED_AT_SHIPMENT_WAREHOUSE',
  deliverySequence: [
    'RECEIVED_AT_SHIPMENT_WAREHOUSE',
    'SENT_TO_RECIPIENT_CITY',
    'ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE',
    'TAKEN_BY_COURIER',
    'DELIVERED',
  ],
  lostCreate: 'found-by-reference',
  carrierReportsCancelled: true,
  request: russian,
  returns: {
    dropOffPoints: ['MSK123', 'NSK45'],
    maxParcels: 5,
    request: russianReturn,
    seen(c, created) {
      const body = postedOrder(c, created.reference);
      return {
        isReturn: body.is_client_return === true,
        senderName: body.sender?.name,
        receiverName: body.recipient?.name,
        parcels: body.packages?.length ?? 0,
        dropOffPoint: body.shipment_point ?? null,
      };
    },
    // A door-to-door tariff with a ПВЗ drop-off: CDEK wants a "от склада" tariff for shipment_point.
    carrierRefuses: (base) => ({ ...base, dropOffPoint: 'MSK123', service: '139' }),
  },
  webhook: (created, code, at) => {
    // The published ORDER_STATUS example with our order's values.
    const sample = JSON.parse(readFileSync(fixturePath('00_ORDER_STATUS.json'), 'utf8')) as {
      uuid: string;
      date_time: string;
      attributes: Record<string, unknown>;
    };
    const t = new Date(at).toISOString().replace(/\.\d{3}Z$/, '+0000');
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...sample,
        uuid: created.carrierShipmentId,
        date_time: t,
        attributes: {
          ...sample.attributes,
          cdek_number: created.trackingNumber,
          number: created.reference,
          code,
          status_date_time: t,
          city_name: 'Новосибирск',
        },
      }),
    };
  },
});

test('Given Appendix 15, When the map is compared, Then it holds exactly the published codes', () => {
  assert.deepEqual([...CDEK_STATUSES].sort(), [...new Set(appendix15Codes())].sort());
});

test('Given the published ORDER_STATUS and PRINT_FORM examples, When parsed, Then the status becomes one event and the print form none', () => {
  const adapter = createCdekAdapter({ ...creds });
  const status = adapter.parseWebhook?.({ headers: {}, body: readFileSync(fixturePath('00_ORDER_STATUS.json')) });
  assert.ok(status?.ok);
  assert.equal(status.value.length, 1);
  assert.deepEqual(
    { ...status.value[0] },
    {
      eventId: 'cdek:72753031-1820-4f99-9240-aab139f05ca5:RECEIVED_AT_SHIPMENT_WAREHOUSE:2023-11-28T07:44:45.000Z',
      reference: '17011574744791',
      carrierShipmentId: '72753031-1820-4f99-9240-aab139f05ca5',
      trackingNumber: '1100285492',
      carrierStatus: 'RECEIVED_AT_SHIPMENT_WAREHOUSE',
      status: 'handed_over',
      known: true,
      occurredAt: '2023-11-28T07:44:45.000Z',
      location: 'Новосибирск',
    },
  );
  assert.deepEqual(adapter.parseWebhook?.({ headers: {}, body: readFileSync(fixturePath('01_PRINT_FORM.json')) }), {
    ok: true,
    value: [],
  });
});

test('Given a webhook and a poll about the same status, When both are read, Then they share one event id', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url });
  const created = await adapter.createShipment(russian(sampleRequest()));
  assert.ok(created.ok);
  server.pushStatuses(created.value.carrierShipmentId, ['DELIVERED']);
  const tracked = await adapter.track(created.value);
  assert.ok(tracked.ok);
  const last = tracked.value.events[tracked.value.events.length - 1];
  assert.ok(last);
  const hook = adapter.parseWebhook?.({
    headers: {},
    body: JSON.stringify({
      type: 'ORDER_STATUS',
      date_time: last.occurredAt,
      uuid: created.value.carrierShipmentId,
      attributes: {
        code: 'DELIVERED',
        status_date_time: last.occurredAt.replace(/\.000Z$/, '+0000'),
        cdek_number: created.value.trackingNumber,
      },
    }),
  });
  assert.ok(hook?.ok);
  assert.equal(hook.value[0]?.eventId, last.eventId);
});

test('Given a revoked token, When the next call gets 401, Then the adapter fetches a new token once and succeeds', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url });
  const created = await adapter.createShipment(russian(sampleRequest()));
  assert.ok(created.ok);
  assert.equal(server.tokenRequests(), 1, 'one token serves several calls');
  server.revokeTokens();
  const tracked = await adapter.track(created.value);
  assert.ok(tracked.ok, 'recovered after refresh');
  assert.equal(server.tokenRequests(), 2);
});

test('Given a token near its expiry, When a call is made, Then a fresh token is fetched before it', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  let now = Date.parse('2026-11-23T10:00:00Z');
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url, now: () => now });
  const created = await adapter.createShipment(russian(sampleRequest()));
  assert.ok(created.ok);
  now += 3_600_000 - 30_000; // inside the 60 s refresh margin
  assert.ok((await adapter.track(created.value)).ok);
  assert.equal(server.tokenRequests(), 2);
});

test('Given wrong client credentials, When creating, Then CARRIER_AUTH_FAILED carries the OAuth error', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, clientSecret: 'wrong', baseUrl: server.url });
  const r = await adapter.createShipment(russian(sampleRequest()));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, 'CARRIER_AUTH_FAILED');
  assert.deepEqual(r.error.carrierMessages, ['invalid_client: Bad client credentials']);
  assert.equal(server.shipmentCount(), 0);
});

test('Given cash on delivery, When the order is sent to CDEK, Then the amount is carried exactly and sizes are in cm', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url });
  const r = await adapter.createShipment({ ...russian(sampleRequest()), cod: { amount: '1299.90', currency: 'RUB' } });
  assert.ok(r.ok);
  const sent = server.requests.find((x) => x.method === 'POST' && x.path === '/v2/orders')?.body ?? '';
  assert.match(sent, /"payment":\{"value":1299\.9\}/);
  const body = JSON.parse(sent) as { packages: { length: number; width: number; height: number; weight: number }[] };
  assert.deepEqual(
    body.packages[0] && [
      body.packages[0].length,
      body.packages[0].width,
      body.packages[0].height,
      body.packages[0].weight,
    ],
    [30, 20, 10, 1250],
  );
});

test('Given several calls at once with no token yet, When they run, Then one token request serves them all', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url });
  const results = await Promise.all([1, 2, 3, 4, 5].map(() => adapter.createShipment(russian(sampleRequest()))));
  assert.ok(results.every((r) => r.ok));
  assert.equal(server.tokenRequests(), 1);
  assert.equal(server.shipmentCount(), 5);
});

test('Given returns from a ПВЗ and from the door, When sent to CDEK, Then the order is a client return with the matching tariff and start', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url, labelPollIntervalMs: 5 });
  for (const [point, tariff] of [
    ['MSK123', 137],
    [undefined, 139],
  ] as const) {
    const req = russianReturn(sampleReturnRequest(point));
    const r = await adapter.createReturnShipment?.(req);
    assert.ok(r?.ok, JSON.stringify(r));
    const sent = JSON.parse(
      server.requests.filter((x) => x.method === 'POST' && x.body.includes(`"number":"${req.reference}"`)).pop()
        ?.body ?? '{}',
    ) as Record<string, any>;
    assert.deepEqual([sent.type, sent.is_client_return, sent.tariff_code], [1, true, tariff]);
    assert.equal(sent.shipment_point, point);
    assert.equal(sent.from_location === undefined, point !== undefined, 'from_location only without a ПВЗ');
    assert.equal(sent.to_location.city, 'Новосибирск');
    assert.equal(sent.recipient.company, 'ООО «Ордо»');
    assert.ok(
      sent.packages.every((p: any) => p.items.every((i: any) => i.payment.value === 0)),
      'nothing collected',
    );
  }
});

test('Given an outbound CDEK order under a number, When a return is booked with that number, Then it is refused', async (t) => {
  const server = await startCdekFake(creds);
  t.after(() => server.close());
  const adapter = createCdekAdapter({ ...creds, baseUrl: server.url, labelPollIntervalMs: 5 });
  const outbound = russian(sampleRequest());
  assert.ok((await adapter.createShipment(outbound)).ok);
  const r = await adapter.createReturnShipment?.({
    ...russianReturn(sampleReturnRequest()),
    reference: outbound.reference,
  });
  assert.equal(r?.ok, false);
  if (r?.ok !== false) return;
  assert.equal(r.error.code, 'CARRIER_REJECTED');
  assert.equal(server.shipmentCount(), 1);
});
