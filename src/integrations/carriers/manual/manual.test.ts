import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PDFParse } from 'pdf-parse';
import { fixedClock } from '../../../shared/clock.js';
import { carrierContract, sampleRequest } from '../testing/contract.js';
import { ORDO_SHIPMENT_STATUSES } from '../types.js';
import { createManualCarrier, inMemoryManualStore } from './manual-adapter.js';

carrierContract({
  name: 'manual (own fleet)',
  http: false,
  async start() {
    const clock = fixedClock('2026-11-23T08:00:00Z');
    const adapter = createManualCarrier({ clock });
    return {
      adapter,
      server: null,
      push: async (s, statuses) => {
        for (const st of statuses) {
          clock.advance(60_000);
          const r = await adapter.recordEvent(s, st as (typeof ORDO_SHIPMENT_STATUSES)[number]);
          if (!r.ok) throw new Error(r.error.message);
        }
      },
      close: async () => {},
    };
  },
  knownStatuses: ORDO_SHIPMENT_STATUSES.filter((s) => s !== 'unknown'),
  expectedMappings: { delivered: 'delivered', handed_over: 'handed_over' },
  handedOverStatus: 'handed_over',
  deliverySequence: ['handed_over', 'in_transit', 'out_for_delivery', 'delivered'],
  lostCreate: 'found-by-reference',
  carrierReportsCancelled: true,
  webhook: (created, status, at) => ({
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      shipmentId: created.carrierShipmentId,
      status,
      occurredAt: at,
      note: 'Kierowca: Włodzimierz',
    }),
  }),
});

test('Given an own-fleet shipment to a Cyrillic address, When the PDF label is read back, Then names and tracking number are intact', async () => {
  const adapter = createManualCarrier({ clock: fixedClock('2026-11-23T08:00:00Z') });
  const r = sampleRequest();
  const created = await adapter.createShipment({
    ...r,
    receiver: { ...r.receiver, city: 'Białystok', street: 'ул. Ленина' },
  });
  assert.ok(created.ok);
  const label = await adapter.getLabel(created.value, 'pdf');
  assert.ok(label.ok);
  const parser = new PDFParse({ data: new Uint8Array(label.value.data) });
  const text = (await parser.getText()).text;
  await parser.destroy();
  for (const s of ['Анна Ёлкина', 'ул. Ленина', 'Białystok', 'Hurtownia Łódź', created.value.trackingNumber ?? ''])
    assert.ok(text.includes(s), `${s} in label`);
  const zpl = await adapter.getLabel(created.value, 'zpl');
  assert.ok(zpl.ok);
  assert.ok(zpl.value.data.toString('utf8').includes('^CI28'));
  assert.ok(zpl.value.data.toString('utf8').includes('Анна Ёлкина'));
});

test('Given a driver reporting the same status twice, When recorded, Then the history holds it once', async () => {
  const store = inMemoryManualStore();
  const adapter = createManualCarrier({ clock: fixedClock('2026-11-23T08:00:00Z'), store });
  const created = await adapter.createShipment(sampleRequest());
  assert.ok(created.ok);
  const a = await adapter.recordEvent(created.value, 'delivered', { at: '2026-11-23T12:00:00Z' });
  const b = await adapter.recordEvent(created.value, 'delivered', { at: '2026-11-23T12:00:00Z' });
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.eventId, b.value.eventId);
  const t = await adapter.track(created.value);
  assert.ok(t.ok);
  assert.deepEqual(
    t.value.events.map((e) => e.status),
    ['label_ready', 'delivered'],
  );
  assert.equal(store.size(), 1);
});
