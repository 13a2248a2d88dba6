import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PDFParse } from 'pdf-parse';
import { fixedClock } from '../../../shared/clock.js';
import { carrierContract, sampleRequest, sampleReturnRequest } from '../testing/contract.js';
import { ORDO_SHIPMENT_STATUSES } from '../types.js';
import { createManualCarrier, inMemoryManualStore, isManualReturn } from './manual-adapter.js';

/** The contract's own-fleet store, read back by the return cases. */
let contractStore = inMemoryManualStore();

async function pdfText(data: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  const text = (await parser.getText()).text;
  await parser.destroy();
  return text;
}

carrierContract({
  name: 'manual (own fleet)',
  http: false,
  async start() {
    const clock = fixedClock('2026-11-23T08:00:00Z');
    contractStore = inMemoryManualStore();
    const adapter = createManualCarrier({ clock, store: contractStore });
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
  returns: {
    // Our own pickup points, where a driver collects returns.
    dropOffPoints: ['PUNKT-ŁÓDŹ-01', 'ПВЗ-МСК-7'],
    maxParcels: 8,
    seen(_c, created) {
      const record = contractStore.peek?.(created.carrierShipmentId);
      assert.ok(record, 'the fleet holds the return');
      return {
        isReturn: isManualReturn(record.request),
        senderName: record.request.sender.name,
        receiverName: record.request.receiver.name,
        parcels: record.request.parcels.length,
        dropOffPoint: isManualReturn(record.request) ? (record.request.dropOffPoint ?? null) : null,
      };
    },
    // No carrier sits behind the own fleet: our own checks are the only refusal.
    carrierRefuses: null,
  },
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

test('Given an own-fleet return from a Cyrillic customer to a Polish warehouse, When its labels are read back, Then they say return, name both sides intact and the drop-off point', async () => {
  const adapter = createManualCarrier({ clock: fixedClock('2026-11-23T08:00:00Z') });
  const r = sampleReturnRequest('ПВЗ-МСК-7');
  const created = await adapter.createReturnShipment?.({
    ...r,
    sender: { ...r.sender, name: 'Пётр Щукин', street: 'ул. Ленина', city: 'Białystok' },
  });
  assert.ok(created?.ok);
  const label = await adapter.getLabel(created.value, 'pdf');
  assert.ok(label.ok);
  const text = await pdfText(label.value.data);
  for (const s of [
    'ВОЗВРАТ',
    'ZWROT',
    'Пётр Щукин',
    'ул. Ленина',
    'Białystok',
    'Hurtownia Łódź',
    'Paweł Żółkiewski',
    'ПВЗ-МСК-7',
  ])
    assert.ok(text.includes(s), `${s} in return label`);
  assert.ok(text.indexOf('Odbiorca') < text.indexOf('Paweł Żółkiewski'), 'we are the receiver');
  const zpl = await adapter.getLabel(created.value, 'zpl');
  assert.ok(zpl.ok);
  const z = zpl.value.data.toString('utf8');
  for (const s of ['^CI28', 'ВОЗВРАТ', 'Пётр Щукин', 'ПВЗ-МСК-7']) assert.ok(z.includes(s), `${s} in ZPL`);
});

test('Given an outbound own-fleet shipment, When a return reuses its reference or names a blank drop-off point, Then both are refused', async () => {
  const store = inMemoryManualStore();
  const adapter = createManualCarrier({ clock: fixedClock('2026-11-23T08:00:00Z'), store });
  const outbound = sampleRequest();
  assert.ok((await adapter.createShipment(outbound)).ok);
  const clash = await adapter.createReturnShipment?.({ ...sampleReturnRequest(), reference: outbound.reference });
  assert.equal(clash?.ok, false);
  const blank = await adapter.createReturnShipment?.(sampleReturnRequest('  '));
  assert.equal(blank?.ok, false);
  if (blank?.ok !== false) return;
  assert.match(blank.error.message, /dropOffPoint/);
  assert.equal(store.size(), 1);
});
