import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { channelContract } from '../testing/contract.js';
import {
  ALLEGRO_FAKE_MEDIA_TYPE,
  allegroSampleForm,
  startAllegroFake,
  type AllegroFake,
} from '../testing/allegro-fake.js';
import type { ChannelConnection, ChannelOrder, ChannelHttpOptions, ReceivedEvent } from '../types.js';
import { allegroOrderEvent } from './allegro-schemas.js';
import { allegroCarrierId, createAllegroConnector } from './allegro-connector.js';
import { readAllegroCheckoutForm } from './allegro-order.js';

const TOKEN = 'allegro-test-token';
const http: ChannelHttpOptions = { timeoutMs: 2_000 };

/** Allegro's spec and its examples have no licence: read from ../shared at test time, never copied. */
function sharedAllegro(file: string): string | null {
  const roots = [
    process.env.ORDO_SHARED_FIXTURES,
    path.resolve(process.cwd(), '../shared/fixtures/external'),
    '/work/shared/fixtures/external',
  ].filter((root): root is string => !!root);
  for (const root of roots) {
    const candidate = path.join(root, 'allegro', file);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function connectionFor(server: { url: string }): ChannelConnection {
  return {
    id: 'conn-allegro',
    code: 'allegro-main',
    kind: 'allegro',
    baseUrl: server.url,
    credentials: { accessToken: TOKEN },
    settings: {},
  };
}

channelContract({
  name: 'Allegro',
  cancelReasonCode: 'OUT_OF_STOCK',
  async start() {
    const server = await startAllegroFake({ token: TOKEN, offers: ['14237718921', '14237718999', '15000000001'] });
    const connector = createAllegroConnector();
    return {
      connector,
      connection: connectionFor(server),
      server,
      async addOrder(externalId) {
        server.addOrder(externalId);
        return {};
      },
      async cancelAtChannel(externalId) {
        server.buyerCancels(externalId);
        return {};
      },
      confirmedShipments: () =>
        server.fulfillment
          .filter((entry) => entry.status === 'SENT')
          .map((entry) => {
            const parcel = [...server.shipments].reverse().find((shipment) => shipment.formId === entry.formId);
            return {
              externalId: entry.formId,
              trackingNumber: parcel?.waybill ?? null,
              carrier: parcel?.carrierId ?? '',
            };
          }),
      // Allegro records no seller reason: the fulfillment status is what it keeps.
      sellerCancellations: () =>
        server.fulfillment
          .filter((entry) => entry.status === 'CANCELLED')
          .map((entry) => ({ externalId: entry.formId, reasonCode: entry.status })),
      stockOf: (offerId) => server.stock.get(offerId),
      knownOffers: server.knownOffers,
      close: () => server.close(),
    };
  },
});

describe('Allegro mapping', () => {
  test('the spec example checkout form maps field by field', (t) => {
    const file = sharedAllegro('checkout_form.example.json');
    if (!file)
      return t.skip('../shared/fixtures/external/allegro/checkout_form.example.json is absent (licence: read only)');
    const read = readAllegroCheckoutForm(JSON.parse(readFileSync(file, 'utf8')));
    assert.ok(read.ok, read.ok ? '' : read.reason);
    const order = read.order;
    assert.equal(order.externalId, '29738e61-7f6a-11e8-ac45-09db60ede9d6');
    assert.equal(order.externalVersion, '2011-12-03T10:15:30.133Z', 'no revision in the 2020 spec: updatedAt');
    assert.equal(order.currency, 'PLN');
    assert.equal(order.pricesIncludeTax, true);
    assert.equal(order.placedAt, '2018-01-01T10:23:43.123Z');
    assert.equal(order.channelStatus, 'READY_FOR_PROCESSING');
    assert.equal(order.notes, 'Please send me an item in red color');
    assert.deepEqual(order.customer, {
      externalId: '23123123',
      name: 'Jan Kowalski',
      email: 'user-email@allegro.pl',
      masked: false,
    });
    assert.equal(order.lines.length, 2);
    const [product, service] = order.lines;
    assert.equal(product!.externalLineId, '62ae358b-8f65-4fc4-9c77-bedf604a2e2b');
    assert.equal(product!.kind, 'product');
    assert.equal(product!.offerId, '3213213');
    assert.equal(product!.sellerSku, 'AH-129834');
    assert.equal(product!.name, 'Name of purchased offer');
    assert.equal(product!.quantity, 1);
    assert.equal(product!.unitPrice, '123.45');
    assert.equal(product!.discount, undefined);
    assert.deepEqual((product!.attributes?.order as Record<string, unknown>).discountTypes, ['COUPON']);
    assert.equal((product!.attributes?.order as Record<string, unknown>).buyerLogin, 'User_Login');
    assert.deepEqual(
      { ...service, attributes: undefined },
      {
        externalLineId: '62ae358b-8f65-4fc4-9c77-bedf604a2e2b:CARRY_IN',
        kind: 'service',
        offerId: 'service:CARRY_IN',
        name: 'Wniesienie',
        quantity: 1,
        unitPrice: '123.45',
        attributes: undefined,
      },
    );
    assert.deepEqual(order.shippingLines, [
      {
        code: '1fa56f79-4b6a-4821-a6f2-ca9c16d5c925',
        title: 'Allegro Paczkomaty InPost',
        carrier: 'inpost',
        amount: '123.45',
      },
    ]);
    assert.deepEqual(order.discounts, []);
    assert.deepEqual(order.payments, [
      {
        method: 'cash_on_delivery',
        amount: '123.45',
        status: 'pending',
        provider: 'P24',
        reference: '0f8f1d13-7e9e-11e8-9b00-c5b0dfb78ea6',
      },
      {
        method: 'cash_on_delivery',
        amount: '123.45',
        status: 'pending',
        provider: 'P24',
        reference: '0f8f1d13-7e9e-11e8-9b00-c5b0dfb78ea6',
      },
    ]);
    assert.deepEqual(order.delivery, {
      method: 'pickup_point',
      pickupPoint: {
        provider: 'inpost',
        id: 'POZ08A',
        name: 'Paczkomat POZ08A',
        address: { line1: 'Grunwaldzka 108', city: 'Poznań', postalCode: '60-166' },
      },
      carrier: 'inpost',
      service: 'Allegro Paczkomaty InPost',
    });
    assert.deepEqual(order.shippingAddress, {
      name: 'Jan Kowalski',
      line1: 'Grunwaldzka 182',
      city: 'Poznań',
      postalCode: '60-166',
      country: 'PL',
    });
    assert.deepEqual(order.billingAddress, {
      name: 'Jan Kowalski',
      company: 'Udix Sp. z o.o.',
      line1: 'Grunwaldzka 182',
      city: 'Poznań',
      postalCode: '60-166',
      country: 'PL',
    });
    assert.deepEqual(order.marketplace, { marketplaceId: 'allegro-pl', deliverBy: '2018-01-01T18:00:00.000Z' });
  });

  test('the local API built from the spec example serves it through the journal like any order', async (t) => {
    const file = sharedAllegro('checkout_form.example.json');
    if (!file)
      return t.skip('../shared/fixtures/external/allegro/checkout_form.example.json is absent (licence: read only)');
    const server = await startAllegroFake({ token: TOKEN, sample: JSON.parse(readFileSync(file, 'utf8')) });
    try {
      server.addOrder('b2000000-0000-4000-8000-000000000001');
      const page = await createAllegroConnector().poll!(connectionFor(server), null, http);
      assert.ok(page.ok, page.ok ? '' : page.error.message);
      assert.deepEqual(page.value.unreadable, []);
      const received = page.value.events[0]!;
      assert.equal(received.event.type, 'order');
      const order = (received.event as { order: ChannelOrder }).order;
      assert.equal(order.externalId, 'b2000000-0000-4000-8000-000000000001');
      assert.equal(order.lines[0]!.offerId, '3213213');
      assert.equal(order.lines[0]!.sellerSku, 'AH-129834');
      assert.equal(order.delivery.pickupPoint?.id, 'POZ08A');
      // acknowledge with the revision the mapping kept on the first line
      const ack = await createAllegroConnector().acknowledge!(
        connectionFor(server),
        { externalId: order.externalId, lines: [], attributes: order.lines[0]!.attributes! },
        http,
      );
      assert.ok(ack.ok, ack.ok ? '' : ack.error.message);
      assert.equal(server.fulfillment.at(-1)?.revision, order.externalVersion);
    } finally {
      await server.close();
    }
  });

  test('every form of the spec list example and the spec event example are read', (t) => {
    const list = sharedAllegro('checkout_forms_list.example.json');
    const events = sharedAllegro('order_events.example.json');
    if (!list || !events) return t.skip('../shared/fixtures/external/allegro examples are absent (licence: read only)');
    const forms = (JSON.parse(readFileSync(list, 'utf8')) as { checkoutForms: unknown[] }).checkoutForms;
    assert.ok(forms.length > 0);
    for (const form of forms) assert.ok(readAllegroCheckoutForm(form).ok);
    const journal = JSON.parse(readFileSync(events, 'utf8')) as { events: unknown[] };
    const event = allegroOrderEvent.parse(journal.events[0]);
    assert.equal(event.type, 'READY_FOR_PROCESSING');
    assert.equal(event.order.checkoutForm?.id, '88ae369b-8f65-4fc4-9c77-bedf604a2e2b');
  });

  test('the hand-written sample (newer fields: revision, dispatch time, One Box, invoice tax id) maps exactly', () => {
    const read = readAllegroCheckoutForm(allegroSampleForm());
    assert.ok(read.ok, read.ok ? '' : read.reason);
    const order = read.order;
    assert.equal(order.externalVersion, '9b1c4e20');
    assert.equal(order.customer?.masked, true, 'allegromail.pl is a relay alias');
    assert.equal(order.customer?.name, 'Małgorzata Wiśniewska');
    assert.equal(order.customer?.phone, '+48 501 234 567');
    assert.equal(order.notes, 'Proszę zapakować na prezent — dziękuję!');
    const [mug, kettle, carryIn] = order.lines;
    assert.equal(mug!.sellerSku, 'KUB-ŻÓŁĆ-350');
    assert.equal(mug!.name, 'Kubek ceramiczny „Żółć” 350 ml');
    assert.equal(mug!.quantity, 2);
    assert.equal(mug!.unitPrice, '49.99', 'originalPrice: before the coupon');
    assert.equal(mug!.discount, '10.00', '(49.99 − 44.99) × 2');
    assert.equal(mug!.attributes?.paidUnitPrice, '44.99');
    const facts = mug!.attributes?.order as Record<string, unknown>;
    assert.equal(facts.buyerTaxId, '7251234567');
    assert.equal(facts.revision, '9b1c4e20');
    assert.equal(facts.buyerLogin, 'Zażółć_Gęślą');
    assert.equal(kettle!.unitPrice, '199.00');
    assert.equal(kettle!.discount, undefined);
    assert.equal(carryIn!.kind, 'service');
    assert.equal(carryIn!.unitPrice, '15.00');
    assert.deepEqual(order.shippingLines, [
      {
        code: 'b20ef9e1-faa2-4f25-9455-f2d1b1c42cf1',
        title: 'Allegro One Box, One Kurier',
        carrier: 'allegro_one',
        amount: '8.99',
      },
    ]);
    assert.deepEqual(order.delivery.pickupPoint, {
      provider: 'allegro_one',
      id: 'ALL-LOD-0042',
      name: 'One Box Łódź Piotrkowska',
      address: { line1: 'Piotrkowska 101', city: 'Łódź', postalCode: '90-425', country: 'PL' },
    });
    assert.deepEqual(order.payments, [
      {
        method: 'marketplace',
        amount: '300.00',
        status: 'paid',
        provider: 'PAYU',
        reference: '7a2f3c1e-3c2e-11ee-9c7a-0242ac120002',
      },
      {
        method: 'marketplace',
        amount: '12.97',
        status: 'paid',
        provider: 'P24',
        reference: 'c4e1d2a0-3c2f-11ee-9c7a-0242ac120002',
      },
    ]);
    assert.equal(order.billingAddress?.company, 'Pracownia Ceramiki „Glina” Sp. z o.o.');
    assert.equal(order.billingAddress?.name, 'Pracownia Ceramiki „Glina” Sp. z o.o.');
    assert.deepEqual(order.marketplace, {
      marketplaceId: 'allegro-pl',
      shipBy: '2026-12-01T14:00:00.000Z',
      deliverBy: '2026-12-03T20:00:00.000Z',
    });
    // lines − line discounts + shipping = summary.totalToPay = payments, to the grosz.
    const grosze = (text: string) => BigInt(text.replace('.', ''));
    const goods = order.lines.reduce(
      (sum, line) => sum + grosze(line.unitPrice) * BigInt(line.quantity) - grosze(line.discount ?? '0.00'),
      0n,
    );
    const total = goods + grosze(order.shippingLines[0]!.amount);
    assert.equal(total, grosze('312.97'));
    assert.equal(
      order.payments.reduce((sum, payment) => sum + grosze(payment.amount), 0n),
      grosze('312.97'),
    );
  });

  test('carriers map to Allegro carrier ids, unknown ones to OTHER with a name of at most 30 characters', () => {
    assert.deepEqual(allegroCarrierId('inpost'), { carrierId: 'INPOST' });
    assert.deepEqual(allegroCarrierId('Poczta Polska'), { carrierId: 'POCZTA_POLSKA' });
    assert.deepEqual(allegroCarrierId('Kurier Łódzki Ekspresowy Sp. z o.o. Oddział 2'), {
      carrierId: 'OTHER',
      carrierName: 'Kurier Łódzki Ekspresowy Sp. z',
    });
  });
});

describe('Allegro against its local API', () => {
  let server: AllegroFake;
  let conn: ChannelConnection;
  const connector = createAllegroConnector();
  before(async () => {
    server = await startAllegroFake({ token: TOKEN, offers: ['14237718921', '14237718999', '15000000001'] });
    conn = connectionFor(server);
  });
  after(() => server.close());

  const orders = (events: ReceivedEvent[]): { key: string; order: ChannelOrder }[] =>
    events.flatMap((received) =>
      received.event.type === 'order' ? [{ key: received.dedupeKey, order: received.event.order }] : [],
    );

  test('the journal is read from the last event id; a modified order gets a new key, a re-read the same one', async () => {
    server.addOrder('a1000000-0000-4000-8000-000000000001');
    const first = await connector.poll!(conn, null, http);
    assert.ok(first.ok);
    const request = server.requests.findLast((req) => req.path === '/order/events')!;
    assert.equal(request.query.get('from'), null);
    assert.equal(request.query.get('limit'), '1000');
    assert.deepEqual(request.query.getAll('type'), [
      'FILLED_IN',
      'READY_FOR_PROCESSING',
      'BUYER_MODIFIED',
      'BUYER_CANCELLED',
      'AUTO_CANCELLED',
    ]);
    assert.equal(request.headers.accept, ALLEGRO_FAKE_MEDIA_TYPE);
    const created = orders(first.value.events).find(
      (o) => o.order.externalId === 'a1000000-0000-4000-8000-000000000001',
    )!;
    assert.match(created.key, /^order:a1000000-0000-4000-8000-000000000001:rev/);
    assert.ok(first.value.cursor);

    const idle = await connector.poll!(conn, first.value.cursor, http);
    assert.ok(idle.ok);
    assert.deepEqual(idle.value.events, []);
    assert.equal(idle.value.cursor, first.value.cursor, 'no events: the cursor stays');

    server.buyerModifies('a1000000-0000-4000-8000-000000000001', (form) => {
      form.delivery.address.street = 'ul. Zmieniona 1';
    });
    const next = await connector.poll!(conn, first.value.cursor, http);
    assert.ok(next.ok);
    assert.equal(
      server.requests.findLast((req) => req.path === '/order/events')!.query.get('from'),
      first.value.cursor,
    );
    const modified = orders(next.value.events);
    assert.equal(modified.length, 1);
    assert.notEqual(modified[0]!.key, created.key);
    assert.equal(modified[0]!.order.shippingAddress?.line1, 'ul. Zmieniona 1');
    // An overlapping poll from the start re-reads the current form: the old READY_FOR_PROCESSING
    // event and the BUYER_MODIFIED event both name the current revision, once.
    const again = await connector.poll!(conn, null, http);
    assert.ok(again.ok);
    const keys = orders(again.value.events)
      .filter((o) => o.order.externalId === 'a1000000-0000-4000-8000-000000000001')
      .map((o) => o.key);
    assert.deepEqual(keys, [modified[0]!.key]);
  });

  test('a full page says more; the next poll continues after its last event', async () => {
    const start = await connector.poll!(conn, null, http);
    assert.ok(start.ok);
    for (let index = 0; index < 1000; index++)
      server.addRawEvent({
        type: 'FILLED_IN',
        occurredAt: '2026-11-30T10:00:00Z',
        order: { checkoutForm: { id: `f-${index}` } },
      });
    server.addOrder('a1000000-0000-4000-8000-000000000002');
    const full = await connector.poll!(conn, start.value.cursor, http);
    assert.ok(full.ok);
    assert.equal(full.value.more, true);
    assert.equal(full.value.events.length, 1000);
    assert.ok(full.value.events.every((received) => received.event.type === 'ignored'));
    const rest = await connector.poll!(conn, full.value.cursor, http);
    assert.ok(rest.ok);
    assert.equal(rest.value.more, false);
    assert.deepEqual(
      orders(rest.value.events).map((o) => o.order.externalId),
      ['a1000000-0000-4000-8000-000000000002'],
    );
  });

  /** Reads the journal to its end: the cursor after everything there is now. */
  async function endOfJournal(): Promise<string | null> {
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await connector.poll!(conn, cursor, http);
      assert.ok(result.ok);
      cursor = result.value.cursor;
      if (!result.value.more) break;
    }
    return cursor;
  }

  test('a form with bad money and a broken event go to unreadable; the good order still comes', async () => {
    const start = { value: { cursor: await endOfJournal() } };
    server.addOrder('a1000000-0000-4000-8000-00000000000b', (form) => {
      form.lineItems[0].price.amount = '44,99';
    });
    server.addRawEvent({ type: 'READY_FOR_PROCESSING', order: {} });
    server.addOrder('a1000000-0000-4000-8000-000000000003');
    const page = await connector.poll!(conn, start.value.cursor, http);
    assert.ok(page.ok);
    assert.equal(page.value.unreadable.length, 2);
    assert.match(page.value.unreadable[0]!.reason, /a1000000-0000-4000-8000-00000000000b.*44,99/);
    assert.match(page.value.unreadable[1]!.reason, /does not match Allegro's format/);
    assert.deepEqual(
      orders(page.value.events).map((o) => o.order.externalId),
      ['a1000000-0000-4000-8000-000000000003'],
    );
  });

  test('acknowledge sets PROCESSING with the stored revision; a stale revision is refused', async () => {
    const form = server.addOrder('a1000000-0000-4000-8000-000000000004');
    const ref = { externalId: form.id as string, lines: [], attributes: { revision: form.revision as string } };
    const done = await connector.acknowledge!(conn, ref, http);
    assert.ok(done.ok, done.ok ? '' : done.error.message);
    const put = server.requests.findLast((req) => req.path.endsWith('/fulfillment'))!;
    assert.equal(put.query.get('checkoutForm.revision'), form.revision);
    assert.deepEqual(JSON.parse(put.body), { status: 'PROCESSING' });
    assert.equal(put.headers['content-type'], ALLEGRO_FAKE_MEDIA_TYPE);
    const stale = await connector.acknowledge!(conn, { ...ref, attributes: { revision: 'rev-old' } }, http);
    assert.ok(!stale.ok);
    assert.equal(stale.error.code, 'CHANNEL_REJECTED');
    assert.equal(stale.error.httpStatus, 409);
    assert.match(stale.error.channelMessages.join(), /CONFLICT/);
  });

  test('shipment: parcel number with Allegro carrier id on product lines only, then SENT; cancel sends no reason', async () => {
    const form = server.addOrder('a1000000-0000-4000-8000-000000000005');
    const read = readAllegroCheckoutForm(form);
    assert.ok(read.ok);
    const lines = read.order.lines.map((line) => ({
      externalLineId: line.externalLineId,
      offerId: line.offerId,
      quantity: line.quantity,
    }));
    assert.equal(lines.length, 3, 'two products and the carry-in service');
    const shipped = await connector.confirmShipment(
      conn,
      {
        externalId: form.id,
        lines,
        carrier: 'Kurier Łódzki',
        trackingNumber: 'KL-0001(2)',
        shippedAt: '2026-12-01T10:00:00Z',
      },
      http,
    );
    assert.ok(shipped.ok, shipped.ok ? '' : shipped.error.message);
    assert.deepEqual(server.shipments.at(-1), {
      formId: form.id,
      carrierId: 'OTHER',
      carrierName: 'Kurier Łódzki',
      waybill: 'KL-0001(2)',
      lineItems: ['1c0c5f4e-7d7b-4c55-8a1e-5b3d7f2a9e01', '1c0c5f4e-7d7b-4c55-8a1e-5b3d7f2a9e02'],
    });
    assert.equal(server.fulfillment.at(-1)?.status, 'SENT');

    const cancelled = await connector.cancel(
      conn,
      { externalId: form.id, reasonCode: 'OUT_OF_STOCK', reasonText: 'brak' },
      http,
    );
    assert.ok(cancelled.ok);
    const put = server.requests.findLast((req) => req.path.endsWith('/fulfillment'))!;
    assert.deepEqual(JSON.parse(put.body), { status: 'CANCELLED' });

    const missing = await connector.cancel(
      conn,
      { externalId: 'a1000000-0000-4000-8000-0000000000ff', reasonCode: 'X' },
      http,
    );
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, 'CHANNEL_REJECTED');
    assert.equal(missing.error.httpStatus, 404);
  });

  test('stock: one FIXED command per quantity, at most 1000 offers, unknown offers refused with Allegro’s reason', async () => {
    assert.equal(connector.stockPush?.batchSize, 1000);
    const before = server.commands.length;
    const pushed = await connector.pushStock!(
      conn,
      [
        { offerId: '14237718921', sellerSku: 'KUB-ŻÓŁĆ-350', quantity: 5 },
        { offerId: '14237718999', sellerSku: 'CZJ-17', quantity: 5 },
        { offerId: '15000000001', sellerSku: 'X', quantity: 0 },
        { offerId: '99999999999', sellerSku: 'GONE', quantity: 5 },
      ],
      http,
    );
    assert.ok(pushed.ok, pushed.ok ? '' : pushed.error.message);
    assert.equal(pushed.value.accepted, 3);
    assert.deepEqual(pushed.value.refused, [{ offerId: '99999999999', reason: 'Oferta 99999999999 nie istnieje' }]);
    const sent = server.commands.slice(before);
    assert.deepEqual(
      sent.map((command) => [command.value, command.offers]),
      [
        [5, ['14237718921', '14237718999', '99999999999']],
        [0, ['15000000001']],
      ],
    );
    assert.equal(server.stock.get('14237718921'), 5);
    assert.equal(server.stock.get('15000000001'), 0);
    const many = Array.from({ length: 1001 }, (_, index) => ({
      offerId: String(index),
      sellerSku: String(index),
      quantity: 1,
    }));
    await assert.rejects(connector.pushStock!(conn, many, http), RangeError);
  });

  test('a missing token is an auth failure without a request', async () => {
    const count = server.requests.length;
    const result = await connector.testConnection({ ...conn, credentials: {} }, http);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'CHANNEL_AUTH_FAILED');
    assert.equal(server.requests.length, count);
  });
});
