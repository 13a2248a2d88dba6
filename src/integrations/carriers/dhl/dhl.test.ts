import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { carrierContract } from '../testing/contract.js';
import { startDhlFake } from '../testing/dhl-fake.js';
import { createDhlParcelDeAdapter, dhlMessages } from './dhl-adapter.js';
import { dhlOrdersResponse, dhlTrackingResponse } from './dhl-schemas.js';
import { DHL_STATUSES } from './dhl-statuses.js';

const creds = { apiKey: 'dhl-key', username: 'user-valid', password: 'SandboxPasswort2023!' };

carrierContract({
  name: 'DHL Parcel DE',
  http: true,
  async start({ timeoutMs }) {
    const server = await startDhlFake(creds);
    const adapter = createDhlParcelDeAdapter({
      ...creds,
      baseUrl: `${server.url}/parcel/de/shipping/v2`,
      trackingBaseUrl: `${server.url}/track`,
      billingNumber: '33333333330102',
      timeoutMs,
    });
    return {
      adapter,
      server,
      push: (s, statuses) => server.pushStatuses(s.carrierShipmentId, statuses),
      close: () => server.close(),
    };
  },
  knownStatuses: DHL_STATUSES,
  expectedMappings: {
    'pre-transit': 'label_ready',
    transit: 'in_transit',
    delivered: 'delivered',
    failure: 'failed_delivery',
  },
  handedOverStatus: 'transit',
  deliverySequence: ['transit', 'transit', 'delivered'],
  lostCreate: 'outcome-unknown',
  carrierReportsCancelled: false,
  request: (r) => ({ ...r, sender: { ...r.sender, countryCode: 'DE', city: 'Köln', street: 'Hohe Straße' } }),
});

// The DHL samples are LGPL: read in place, never copied into this repository.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DHL_DIR = resolve(REPO_ROOT, '../shared/fixtures/external/carriers/dhl');
const dhlSample = (name: string): unknown => JSON.parse(readFileSync(resolve(DHL_DIR, name), 'utf8'));

test('Given the published Parcel DE error sample, When its messages are read, Then the validation message is kept', (t) => {
  if (!existsSync(DHL_DIR)) return t.skip('DHL samples (../shared/fixtures/external/carriers/dhl) absent');
  const msgs = dhlMessages(dhlSample('parcel_de__error_response.json'));
  assert.ok(msgs.includes('Validation failed.'));
  assert.ok(msgs.includes('shipper.addressStreet: Street name is required'));
});

test('Given the published Parcel DE shipping and cancel responses, When validated, Then our schema accepts them', (t) => {
  if (!existsSync(DHL_DIR)) return t.skip('DHL samples (../shared/fixtures/external/carriers/dhl) absent');
  const created = dhlOrdersResponse.parse(dhlSample('parcel_de__shipping_response.json'));
  assert.equal(created.items[0]?.shipmentNo, '340434310428091700');
  const cancelled = dhlOrdersResponse.parse(dhlSample('parcel_de__cancel_response.json'));
  assert.equal(cancelled.items[0]?.sstatus.statusCode, 200);
});

test('Given the published tracking sample, When validated and mapped, Then its status code is a known DHL code', (t) => {
  if (!existsSync(DHL_DIR)) return t.skip('DHL samples (../shared/fixtures/external/carriers/dhl) absent');
  const sample = dhlSample('parcel_de__tracking_response.json') as { trackingResponse: unknown };
  const parsed = dhlTrackingResponse.parse(sample.trackingResponse);
  const code = parsed.shipments[0]?.status.statusCode ?? '';
  assert.equal(createDhlParcelDeAdapter({ ...creds, billingNumber: 'x' }).mapStatus(code).known, true);
});

test('Given a create, When it reaches DHL, Then the body has the published request structure', async (t) => {
  if (!existsSync(DHL_DIR)) return t.skip('DHL samples (../shared/fixtures/external/carriers/dhl) absent');
  const published = dhlSample('parcel_de__shipping_request.json') as {
    shipments: Record<string, Record<string, unknown>>[];
  };
  const server = await startDhlFake(creds);
  t.after(() => server.close());
  const adapter = createDhlParcelDeAdapter({
    ...creds,
    baseUrl: `${server.url}/parcel/de/shipping/v2`,
    billingNumber: '33333333330102',
  });
  const r = await adapter.createShipment({
    reference: 'ORD-DHL-1',
    sender: {
      name: 'Jürgen Groß',
      company: 'Lager Köln GmbH',
      street: 'Hohe Straße',
      buildingNumber: '5',
      postalCode: '50667',
      city: 'Köln',
      countryCode: 'DE',
    },
    receiver: {
      name: 'Łucja Wróbel',
      street: 'ul. Długa',
      buildingNumber: '7',
      postalCode: '80-827',
      city: 'Gdańsk',
      countryCode: 'PL',
    },
    parcels: [{ weightGrams: 500, lengthMm: 200, widthMm: 150, heightMm: 100 }],
  });
  assert.equal(r.ok, true);
  const sent = JSON.parse(server.requests.find((x) => x.method === 'POST')?.body ?? '{}') as typeof published;
  const pub = published.shipments[0] ?? {};
  const ours = sent.shipments[0] ?? {};
  for (const key of ['product', 'billingNumber', 'refNo', 'shipper', 'consignee', 'details'])
    assert.ok(key in pub && key in ours, key);
  for (const key of Object.keys(ours.shipper ?? {}))
    assert.ok(key in (pub.shipper ?? {}), `shipper.${key} is a published field`);
  for (const key of Object.keys(ours.consignee ?? {}))
    assert.ok(key in (pub.consignee ?? {}), `consignee.${key} is a published field`);
  assert.deepEqual(Object.keys(ours.details ?? {}).sort(), Object.keys(pub.details ?? {}).sort());
  assert.equal((ours.consignee as { country?: string }).country, 'POL');
});

test('Given a shipment with two parcels, When created at DHL, Then it is refused before any call as unsupported', async () => {
  const adapter = createDhlParcelDeAdapter({ ...creds, baseUrl: 'http://127.0.0.1:9', billingNumber: 'x' });
  const p = { weightGrams: 500, lengthMm: 200, widthMm: 150, heightMm: 100 };
  const a = {
    name: 'Jan Kowalski',
    street: 'Długa',
    buildingNumber: '1',
    postalCode: '00-001',
    city: 'Warszawa',
    countryCode: 'PL',
  };
  const r = await adapter.createShipment({ reference: 'R', sender: a, receiver: a, parcels: [p, p] });
  assert.equal(r.ok ? 'ok' : r.error.code, 'CARRIER_UNSUPPORTED');
});
