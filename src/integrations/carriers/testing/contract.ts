/**
 * The contract every carrier adapter keeps, run against its local fake server (or none, for
 * the manual carrier). One `*.test.ts` per carrier calls `carrierContract(harness)`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { ORDO_SHIPMENT_STATUSES, supportsReturns } from '../types.js';
import type {
  CarrierAdapter,
  CarrierErrorCode,
  CarrierResult,
  CreatedShipment,
  OrdoShipmentStatus,
  ReturnShipmentRequest,
  ShipmentRequest,
  WebhookInput,
} from '../types.js';
import type { FakeCarrierServer, FakeFailure } from './fake-http.js';

export interface StartedCarrier {
  adapter: CarrierAdapter;
  /** Null for carriers without HTTP (manual): failure-mode tests are then not registered. */
  server: FakeCarrierServer | null;
  /** Makes the carrier report these statuses next, oldest first. */
  push(created: CreatedShipment, carrierStatuses: string[]): void | Promise<void>;
  close(): Promise<void>;
}

export interface CarrierHarness {
  name: string;
  /** Registers the HTTP failure-mode tests (4xx, 5xx, timeout, garbage, lost response). */
  http: boolean;
  start(opts: { timeoutMs: number }): Promise<StartedCarrier>;
  /** Every status the carrier publishes. */
  knownStatuses: readonly string[];
  /** A few mappings that must hold (guards against a table shifted by one). */
  expectedMappings: Record<string, OrdoShipmentStatus>;
  /** A status after which the carrier refuses cancellation. */
  handedOverStatus: string;
  /** Pushed after create; the last one means delivered. */
  deliverySequence: string[];
  /**
   * How a create whose response was lost is recovered: the adapter finds it by reference on
   * retry, or (no lookup at the carrier) says the outcome is unknown so a person checks.
   */
  lostCreate: 'found-by-reference' | 'outcome-unknown';
  /** The carrier itself reports the shipment cancelled when a stale ref asks for a label. */
  carrierReportsCancelled: boolean;
  webhook?: (created: CreatedShipment, carrierStatus: string, occurredAt: string) => WebhookInput;
  /** Carrier-specific request tweaks (countries, services). */
  request?: (base: ShipmentRequest) => ShipmentRequest;
  /**
   * Return labels. Absent means the adapter must not offer `createReturnShipment` (the
   * carrier's reason is in docs/carriers.md); present runs the return cases.
   */
  returns?: ReturnHarness;
}

/** What the carrier recorded for a return, read back from the fake (or the own-fleet store). */
export interface ReturnSeen {
  isReturn: boolean;
  senderName: string;
  receiverName: string;
  /** One entry per parcel the carrier holds, as it identifies them. */
  parcels: number;
  dropOffPoint: string | null;
}

export interface ReturnHarness {
  /** Drop-off points the carrier accepts in the fake (lockers, pickup points). */
  dropOffPoints: readonly string[];
  /** Most parcels one return may carry at this carrier. */
  maxParcels: number;
  request?: (base: ReturnShipmentRequest) => ReturnShipmentRequest;
  /** Reads back what the carrier stored for this return. */
  seen(c: StartedCarrier, created: CreatedShipment): ReturnSeen | Promise<ReturnSeen>;
  /** A request our own checks pass but the carrier refuses in its own error format; null when no carrier sits behind. */
  carrierRefuses: ((base: ReturnShipmentRequest) => ReturnShipmentRequest) | null;
}

let seq = 0;
export function sampleRequest(): ShipmentRequest {
  seq += 1;
  return {
    reference: `ORD-2026-${String(seq).padStart(5, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    sender: {
      name: 'Paweł Żółkiewski',
      company: 'Hurtownia Łódź Sp. z o.o.',
      street: 'ul. Piotrkowska',
      buildingNumber: '12',
      postalCode: '90-001',
      city: 'Łódź',
      countryCode: 'PL',
      phone: '+48500600700',
      email: 'magazyn@example.pl',
    },
    receiver: {
      name: 'Анна Ёлкина',
      street: 'ul. Świętokrzyska',
      buildingNumber: '31',
      flat: '4',
      postalCode: '00-116',
      city: 'Warszawa',
      countryCode: 'PL',
      phone: '+48600700800',
      email: 'anna@example.pl',
    },
    parcels: [{ weightGrams: 1250, lengthMm: 300, widthMm: 200, heightMm: 100, reference: 'PKG-1' }],
    comment: 'Zażółć gęślą jaźń — хрупкое',
  };
}

/** A customer in Warsaw sends two parcels back to the Łódź warehouse. */
export function sampleReturnRequest(dropOffPoint?: string): ReturnShipmentRequest {
  const outbound = sampleRequest();
  return {
    reference: `RET-${outbound.reference}`,
    sender: outbound.receiver,
    receiver: outbound.sender,
    parcels: [
      { weightGrams: 1250, lengthMm: 300, widthMm: 200, heightMm: 100, reference: 'RPKG-1' },
      { weightGrams: 800, lengthMm: 250, widthMm: 150, heightMm: 80, reference: 'RPKG-2' },
    ],
    ...(dropOffPoint ? { dropOffPoint } : {}),
    comment: 'Zwrot — возврат: rozmiar nie pasuje',
  };
}

function unwrap<T>(r: CarrierResult<T>, what: string): T {
  if (!r.ok) assert.fail(`${what} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

function expectError<T>(r: CarrierResult<T>, code: CarrierErrorCode) {
  assert.equal(r.ok, false, `expected ${code}, got success`);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.error.code, code, r.error.message);
  return r.error;
}

export function carrierContract(h: CarrierHarness): void {
  describe(`carrier contract: ${h.name}`, () => {
    let c: StartedCarrier;
    // Generous: a cold first request on a busy machine must not read as a timeout; only "hang" waits it out.
    const TIMEOUT_MS = 2_000;
    const req = () => (h.request ? h.request(sampleRequest()) : sampleRequest());
    before(async () => {
      c = await h.start({ timeoutMs: TIMEOUT_MS });
    });
    after(async () => {
      await c.close();
    });

    test('Given a shipment with Polish and Cyrillic text, When created, Then the carrier received it intact and a ref comes back', async () => {
      const r = req();
      const created = unwrap(await c.adapter.createShipment(r), 'create');
      assert.ok(created.carrierShipmentId);
      assert.equal(created.reference, r.reference);
      assert.equal(created.existing, false);
      assert.ok(ORDO_SHIPMENT_STATUSES.includes(created.status));
      if (c.server) {
        const posted = c.server.requests.filter((x) => x.method === 'POST' && x.body.includes(r.reference));
        assert.equal(posted.length, 1, 'exactly one create reached the carrier');
        const body = posted[0]?.body ?? '';
        for (const s of [r.receiver.name, r.receiver.street, r.receiver.city, r.sender.name, r.sender.city]) {
          assert.ok(body.includes(s), `"${s}" arrived intact`);
        }
      }
    });

    test('Given a created shipment, When labels are fetched in every offered format, Then each is the right document', async () => {
      const created = unwrap(await c.adapter.createShipment(req()), 'create');
      for (const format of c.adapter.labelFormats) {
        const label = unwrap(await c.adapter.getLabel(created, format), `label ${format}`);
        assert.equal(label.format, format);
        if (format === 'pdf') assert.equal(label.data.subarray(0, 5).toString('latin1'), '%PDF-');
        else assert.match(label.data.toString('utf8'), /^\^XA[\s\S]*\^XZ\s*$/);
      }
      for (const format of (['pdf', 'zpl'] as const).filter((f) => !c.adapter.labelFormats.includes(f))) {
        expectError(await c.adapter.getLabel(created, format), 'CARRIER_UNSUPPORTED');
      }
    });

    test('Given a shipment moving to delivery, When tracked, Then the latest status is delivered and events are ordered with unique ids', async () => {
      const created = unwrap(await c.adapter.createShipment(req()), 'create');
      unwrap(await c.adapter.getLabel(created, 'pdf'), 'label');
      await c.push(created, h.deliverySequence);
      const ref = { ...created, trackingNumber: created.trackingNumber };
      const info = unwrap(await c.adapter.track(ref), 'track');
      assert.equal(info.status, 'delivered');
      assert.equal(info.known, true);
      assert.equal(info.carrierStatus, h.deliverySequence[h.deliverySequence.length - 1]);
      const times = info.events.map((e) => e.occurredAt);
      assert.deepEqual(times, [...times].sort());
      assert.equal(new Set(info.events.map((e) => e.eventId)).size, info.events.length);
      assert.equal(info.events[info.events.length - 1]?.status, 'delivered');
      const again = unwrap(await c.adapter.track(ref), 'track again');
      assert.deepEqual(
        again.events.map((e) => e.eventId),
        info.events.map((e) => e.eventId),
        'event ids are stable across polls',
      );
    });

    test('Given a cancelled shipment, When a label is requested, Then it is refused', async () => {
      const created = unwrap(await c.adapter.createShipment(req()), 'create');
      unwrap(await c.adapter.cancel(created), 'cancel');
      const before = c.server?.requests.length ?? 0;
      const e = expectError(await c.adapter.getLabel({ ...created, status: 'cancelled' }, 'pdf'), 'SHIPMENT_CANCELLED');
      assert.equal(e.retryable, false);
      assert.equal(c.server?.requests.length ?? 0, before, 'refused without calling the carrier');
      const stale = await c.adapter.getLabel(created, 'pdf');
      assert.equal(stale.ok, false, 'a stale ref gets no label either');
      if (h.carrierReportsCancelled && !stale.ok) assert.equal(stale.error.code, 'SHIPMENT_CANCELLED');
    });

    test('Given a shipment already handed over, When cancelled, Then the carrier refusal comes back with its messages', async () => {
      const created = unwrap(await c.adapter.createShipment(req()), 'create');
      await c.push(created, [h.handedOverStatus]);
      const e = expectError(await c.adapter.cancel(created), 'CARRIER_REJECTED');
      assert.equal(e.retryable, false);
      assert.ok(e.carrierMessages.length > 0, 'carrier messages kept');
    });

    test('Given every published carrier status, When mapped, Then each is known, and an unheard-of one is flagged', () => {
      assert.ok(h.knownStatuses.length > 0);
      for (const s of h.knownStatuses) {
        const m = c.adapter.mapStatus(s);
        assert.equal(m.known, true, `${s} is mapped`);
        assert.ok(ORDO_SHIPMENT_STATUSES.includes(m.status));
      }
      for (const [s, expected] of Object.entries(h.expectedMappings))
        assert.equal(c.adapter.mapStatus(s).status, expected, s);
      assert.deepEqual(c.adapter.mapStatus('TELEPORTED_TO_MARS_2099'), { status: 'unknown', known: false });
    });

    if (h.webhook) {
      const build = h.webhook;
      test('Given a status webhook delivered twice, When parsed, Then both carry the same event id and the status is mapped', async () => {
        const created = unwrap(await c.adapter.createShipment(req()), 'create');
        const parse = c.adapter.parseWebhook?.bind(c.adapter);
        assert.ok(parse, 'adapter parses webhooks');
        const delivered = h.deliverySequence[h.deliverySequence.length - 1] ?? '';
        const first = unwrap(parse(build(created, delivered, '2026-11-23T10:15:00Z')), 'parse');
        const second = unwrap(parse(build(created, delivered, '2026-11-23T10:15:00Z')), 'parse again');
        assert.equal(first.length, 1);
        assert.equal(first[0]?.status, 'delivered');
        assert.equal(
          first[0]?.carrierShipmentId ?? first[0]?.trackingNumber ?? null,
          created.carrierShipmentId ?? null,
        );
        assert.equal(first[0]?.occurredAt, '2026-11-23T10:15:00.000Z');
        assert.equal(second[0]?.eventId, first[0]?.eventId, 'duplicate is detectable');
        const other = unwrap(parse(build(created, h.handedOverStatus, '2026-11-23T09:00:00Z')), 'parse other');
        assert.notEqual(other[0]?.eventId, first[0]?.eventId);
        const odd = unwrap(parse(build(created, 'TELEPORTED_TO_MARS_2099', '2026-11-23T11:00:00Z')), 'parse unknown');
        assert.deepEqual([odd[0]?.status, odd[0]?.known], ['unknown', false]);
        expectError(parse({ body: '{"half":', headers: {} }), 'CARRIER_BAD_RESPONSE');
      });
    }

    if (h.http) registerFailureTests(h, () => c, req, TIMEOUT_MS);
    registerReturnTests(h, () => c);
  });
}

function registerReturnTests(h: CarrierHarness, get: () => StartedCarrier): void {
  const r = h.returns;
  if (!r) {
    test('Given a carrier without return labels, When asked, Then the adapter does not offer them', () => {
      assert.equal(supportsReturns(get().adapter), false);
    });
    return;
  }
  const point = r.dropOffPoints[0];
  const returnReq = (dropOffPoint?: string) => {
    const base = sampleReturnRequest(dropOffPoint);
    return r.request ? r.request(base) : base;
  };
  const create = (c: StartedCarrier, req: ReturnShipmentRequest) => {
    assert.ok(supportsReturns(c.adapter), 'adapter offers return labels');
    return c.adapter.createReturnShipment(req);
  };

  test('Given a return with a drop-off point, When created, Then the carrier holds a return from the customer to us with every parcel and the point', async () => {
    const c = get();
    const req = returnReq(point);
    const created = unwrap(await create(c, req), 'create return');
    assert.equal(created.reference, req.reference);
    assert.equal(created.existing, false);
    assert.ok(created.carrierShipmentId);
    const seen = await r.seen(c, created);
    assert.deepEqual(seen, {
      isReturn: true,
      senderName: req.sender.name,
      receiverName: req.receiver.name,
      parcels: req.parcels.length,
      dropOffPoint: point ?? null,
    });
  });

  test('Given a return created once, When created again with the same reference, Then the same shipment comes back and the carrier holds one', async () => {
    const c = get();
    const req = returnReq(point);
    const first = unwrap(await create(c, req), 'create return');
    const count = c.server?.shipmentCount();
    const again = unwrap(await create(c, req), 'retry return');
    assert.equal(again.existing, true);
    assert.equal(again.carrierShipmentId, first.carrierShipmentId);
    assert.equal(again.trackingNumber ?? first.trackingNumber, first.trackingNumber ?? again.trackingNumber);
    assert.equal(c.server?.shipmentCount(), count, 'no second return was bought');
  });

  test('Given a return, When its label is fetched and it is tracked to delivery, Then the label is the right document and delivered means it reached us', async () => {
    const c = get();
    const created = unwrap(await create(c, returnReq(point)), 'create return');
    for (const format of c.adapter.labelFormats) {
      const label = unwrap(await c.adapter.getLabel(created, format), `return label ${format}`);
      if (format === 'pdf') assert.equal(label.data.subarray(0, 5).toString('latin1'), '%PDF-');
      else assert.match(label.data.toString('utf8'), /^\^XA[\s\S]*\^XZ\s*$/);
    }
    await c.push(created, h.deliverySequence);
    const info = unwrap(await c.adapter.track(created), 'track return');
    assert.equal(info.status, 'delivered');
    assert.equal(info.known, true);
  });

  if (h.http && h.lostCreate === 'found-by-reference') {
    test('Given the answer to a return create is lost, When retried, Then the first return is found and no second is bought', async (t) => {
      const c = get();
      if (!c.server) return t.skip('no HTTP carrier to fail');
      const req = returnReq(point);
      const count = c.server.shipmentCount();
      c.server.failNext('drop-after-processing', 1, (x) => x.method === 'POST' && x.body.includes(req.reference));
      const first = await create(c, req);
      assert.equal(first.ok, false);
      if (!first.ok) assert.equal(first.error.retryable, true);
      const retry = unwrap(await create(c, req), 'retry return');
      assert.equal(retry.existing, true);
      assert.equal(c.server.shipmentCount(), count + 1, 'one return at the carrier');
    });
  }

  test('Given a return without parcels, When created, Then it is refused before the carrier is called', async () => {
    const c = get();
    const before = c.server?.requests.length ?? 0;
    const e = expectError(await create(c, { ...returnReq(point), parcels: [] }), 'CARRIER_REJECTED');
    assert.equal(e.retryable, false);
    assert.equal(c.server?.requests.length ?? 0, before);
  });

  if (r.carrierRefuses) {
    const refuse = r.carrierRefuses;
    test('Given a return the carrier refuses, When created, Then CARRIER_REJECTED comes back with the carrier messages', async () => {
      const c = get();
      const e = expectError(await create(c, refuse(returnReq(point))), 'CARRIER_REJECTED');
      assert.equal(e.retryable, false);
      assert.ok(e.carrierMessages.length > 0, 'carrier messages kept');
    });
  }

  test('Property: a return never silently drops a parcel or the drop-off point', async () => {
    const c = get();
    const parcel = fc.record({
      weightGrams: fc.integer({ min: 100, max: 20_000 }),
      lengthMm: fc.integer({ min: 10, max: 600 }),
      widthMm: fc.integer({ min: 10, max: 400 }),
      heightMm: fc.integer({ min: 10, max: 400 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(parcel, { minLength: 1, maxLength: r.maxParcels }),
        fc.option(fc.constantFrom(...r.dropOffPoints), { nil: undefined }),
        async (parcels, dropOffPoint) => {
          const req = {
            ...returnReq(dropOffPoint),
            parcels: parcels.map((p, i) => ({ ...p, reference: `P${i + 1}` })),
          };
          const created = unwrap(await create(c, req), 'create return');
          const seen = await r.seen(c, created);
          assert.equal(seen.parcels, req.parcels.length, 'every parcel reached the carrier');
          assert.equal(seen.dropOffPoint, dropOffPoint ?? null, 'the drop-off point reached the carrier');
          assert.equal(seen.isReturn, true);
        },
      ),
      { numRuns: 12 },
    );
  });
}

function registerFailureTests(
  h: CarrierHarness,
  get: () => StartedCarrier,
  req: () => ShipmentRequest,
  timeoutMs: number,
): void {
  const modes: [FakeFailure, CarrierErrorCode, boolean][] = [
    ['reject', 'CARRIER_REJECTED', false],
    ['server-error', 'CARRIER_UNAVAILABLE', true],
    ['hang', 'CARRIER_TIMEOUT', true],
    ['malformed', 'CARRIER_BAD_RESPONSE', true],
    ['bad-shape', 'CARRIER_BAD_RESPONSE', true],
  ];
  const isCreate = (r: { method: string }) => r.method === 'POST';
  for (const [mode, code, retryable] of modes) {
    test(`Given the carrier answers "${mode}" to a create, When creating, Then a ${code} failure comes back`, async (t) => {
      const c = get();
      if (!c.server) return t.skip('no HTTP carrier to fail');
      c.server.failNext(mode, 1, isCreate);
      const r = await c.adapter.createShipment(req());
      c.server.clearFailures();
      const e = expectError(r, code);
      if (mode === 'reject') {
        assert.equal(e.retryable, false);
        assert.ok(e.carrierMessages.length > 0, 'the carrier messages are kept');
      } else if (h.lostCreate === 'outcome-unknown') {
        // Without a lookup by reference a blind retry could buy a second label.
        assert.equal(e.outcomeUnknown, true);
        assert.equal(e.retryable, false);
      } else {
        assert.equal(e.retryable, retryable);
      }
      if (mode === 'hang') assert.match(e.message, new RegExp(`${timeoutMs} ms`));
    });
    test(`Given the carrier answers "${mode}" to tracking, When tracking, Then a ${code} failure comes back`, async (t) => {
      const c = get();
      if (!c.server) return t.skip('no HTTP carrier to fail');
      const created = unwrap(await c.adapter.createShipment(req()), 'create');
      c.server.failNext(mode);
      const r = await c.adapter.track(created);
      c.server.clearFailures();
      const e = expectError(r, code);
      assert.equal(e.retryable, retryable);
    });
  }

  test('Given credentials the carrier refuses, When creating, Then CARRIER_AUTH_FAILED comes back', async (t) => {
    const c = get();
    if (!c.server) return t.skip('no HTTP carrier to fail');
    c.server.failNext('unauthorized', 3);
    const r = await c.adapter.createShipment(req());
    c.server.clearFailures();
    const e = expectError(r, 'CARRIER_AUTH_FAILED');
    assert.equal(e.retryable, false);
  });

  test('Given the create response is lost after the carrier made the shipment, When retried, Then no second shipment is made', async (t) => {
    const c = get();
    if (!c.server) return t.skip('no HTTP carrier to fail');
    const r = req();
    const count = c.server.shipmentCount();
    c.server.failNext('drop-after-processing', 1, (x) => x.method === 'POST' && x.body.includes(r.reference));
    const first = await c.adapter.createShipment(r);
    assert.equal(first.ok, false);
    assert.equal(c.server.shipmentCount(), count + 1, 'the carrier did create it');
    if (first.ok) return;
    if (h.lostCreate === 'outcome-unknown') {
      assert.equal(first.error.outcomeUnknown, true);
      assert.equal(first.error.retryable, false);
      return;
    }
    assert.equal(first.error.retryable, true);
    const retry = unwrap(await c.adapter.createShipment(r), 'retry');
    assert.equal(retry.existing, true);
    assert.equal(c.server.shipmentCount(), count + 1, 'still one shipment');
    const third = unwrap(await c.adapter.createShipment(r), 'third');
    assert.equal(third.carrierShipmentId, retry.carrierShipmentId);
  });
}
