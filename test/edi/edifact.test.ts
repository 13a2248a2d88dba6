import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { EXTERNAL, FIXTURES_SKIP, edifabricPartner, fixture, ok, post } from './helpers.js';
import { decodeEdifact, parseInterchange, tokenize, value } from '../../src/integrations/edi/edifact.js';
import { writeInterchange } from '../../src/integrations/edi/edifact-write.js';
import { generateEdiOutbound } from '../../src/app/edi/outbound.js';
import { emitEvent } from '../../src/app/events/emit-event.js';
import { transaction } from '../../src/store/tenant-scope.js';

const parse = (text: string) => parseInterchange(text);

describe('EDIFACT syntax: every fixture', { skip: EXTERNAL ? false : FIXTURES_SKIP }, () => {
  test('every fixture in ../shared/fixtures/external/edifact tokenizes; the invalid and error ones name their segment', () => {
    const dir = resolve(EXTERNAL!, 'edifact');
    const files = readdirSync(dir).filter((f) => f.endsWith('.edi'));
    assert.equal(files.length, 10);
    for (const file of files) {
      const i = parse(decodeEdifact(fixture(`edifact/${file}`)));
      assert.ok(i.messages.length >= 1, file);
      if (/Invalid|error/.test(file)) assert.ok(i.problems.length > 0, `${file} must have problems`);
    }
    // EdiFabric's invalid ORDERS: FTX 3055 "AA" is not a code list agency
    const invalid = parse(decodeEdifact(fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrderInvalid.edi')));
    assert.deepEqual(
      invalid.problems.map((p) => [p.code, p.segment, p.position, p.element, p.component]),
      [['12', 'FTX', 5, 3, 3]],
    );
    // php-edifact's order with errors: "?*" releases a non-service character, and an IMD with 7 components
    const error = parse(decodeEdifact(fixture('edifact/php-edifact__example_order_error.edi')));
    assert.ok(
      error.problems.some((p) => p.code === '21' && p.segment === 'IMD' && p.position === 83 && p.element === 3),
    );
    assert.ok(error.problems.some((p) => p.code === '16' && p.segment === 'IMD' && p.position === 359));
    // its good twin has none, and its 146 lines are all there
    const good = parse(decodeEdifact(fixture('edifact/php-edifact__example_order_ok.edi')));
    assert.deepEqual(good.problems, []);
    assert.equal(good.messages[0]!.segments.filter((s) => s.tag === 'LIN').length, 146);
    assert.equal(good.messages[0]!.segments.length, 599);
    // EdiFabric's DESADV says two messages in UNZ and holds one
    const desadv = parse(decodeEdifact(fixture('edifact/edifabric_EANCOM_DESADV_D96A_DespatchAdvice.edi')));
    assert.deepEqual(
      desadv.problems.map((p) => [p.code, p.segment]),
      [['29', 'UNZ']],
    );
  });

  test("UNA with the release character: ?? ?' ?+ ?: come out as the characters", () => {
    const r = tokenize(decodeEdifact(fixture('edifact/php-edifact__example_release_character.edi')));
    const ift = r.segments.filter((s) => s.tag === 'IFT').map((s) => s.elements.slice(1));
    assert.deepEqual(ift[2], [['NO MORE FLIGHTS 2?']]);
    assert.deepEqual(ift[3], [["NO MORE ' FLIGHTS 3"]]);
    assert.deepEqual(ift[5], [["NO MORE ?' FLIGHTS 3"]]);
    assert.deepEqual(ift[8], [['FIELD 1?+FIELD 2']]);
    assert.deepEqual(ift[9], [['FIELD 1.1', 'FIELD 1.2']]);
    assert.deepEqual(ift[11], [['FIELD 1.1?:FIELD 1.2']]);
  });

  test('custom separators from UNA, several messages, UTF-8 text and the writer round-trip', () => {
    const multi = parse(decodeEdifact(fixture('edifact/php-edifact__exampleMulti.edi')));
    assert.deepEqual(
      multi.messages.map((m) => [m.ref, m.type, m.segments.length]),
      [
        ['1', 'PAORES', 13],
        ['2', 'PAORES', 13],
      ],
    );
    const utf8 = parse(decodeEdifact(fixture('edifact/php-edifact__example_utf8.edi')));
    const imd = utf8.messages[0]!.segments.find((s) => s.tag === 'IMD')!;
    assert.equal(value(imd, 3, 4), 'MUNCIË THE MIDDLE');
    const custom =
      'UNA|*,#~!UNB*UNOY|4*SENDER*ME*260101|1200*77!UNH*1*ORDERS|D|96A|UN!FTX*ZZZ***Zażółć gęślą jaźń #! Съешь же ещё этих #*мягких!UNT*3*1!UNZ*1*77!';
    const c = parse(custom);
    assert.deepEqual(c.problems, []);
    assert.equal(value(c.messages[0]!.segments[1], 4), 'Zażółć gęślą jaźń ! Съешь же ещё этих *мягких');
    const written = writeInterchange({
      syntax: { id: 'UNOY', version: '4' },
      sender: { id: 'ME' },
      recipient: { id: 'YOU', qualifier: '14' },
      at: new Date('2026-12-03T10:00:00Z'),
      controlRef: '9',
      messages: [
        { ref: '1', type: ['ORDRSP', 'D', '96A', 'UN'], body: [['FTX', 'ZZZ', '', '', ["Ünïcödé + Łódź: 5?'"]]] },
      ],
    });
    const back = parse(written);
    assert.deepEqual(back.problems, []);
    assert.equal(value(back.messages[0]!.segments[1], 4), "Ünïcödé + Łódź: 5?'");
  });

  test('a character outside UNOA is refused with the element named', () => {
    const r = parse("UNB+UNOA:1+A+B+260101:1200+1'UNH+1+ORDERS:D:96A:UN'FTX+ZZZ+++lower case'UNT+3+1'UNZ+1+1'");
    assert.deepEqual(
      r.problems.map((p) => [p.code, p.segment, p.position, p.element]),
      [['21', 'FTX', 2, 4]],
    );
  });
});

describe('EDIFACT ORDERS in, CONTRL, ORDRSP / DESADV / INVOIC out', { skip: EXTERNAL ? false : FIXTURES_SKIP }, () => {
  let t: TestApp;
  let partner: any;
  let orderId: string;

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await setUpSeller(t);
    await ok(
      t,
      'POST',
      '/api/v1/products',
      { sku: 'GTIN-ONLY', name: 'Puszka 0,33 l', attributes: { gtin: '3312345501102' } },
      201,
    );
    partner = await ok(t, 'POST', '/api/v1/edi/partners', edifabricPartner(), 201);
  });
  after(() => t?.close());

  const orders = async () => (await ok(t, 'GET', '/api/v1/orders?channel=edi-acme')).items as any[];

  test('the EdiFabric ORDERS makes one order through the intake, logged, with a CONTRL accepting it', async () => {
    const r = await post(t, fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrder.edi'));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'accepted');
    assert.equal(r.body.messages[0].outcome, 'created');
    orderId = r.body.messages[0].orderId;
    const order = await ok(t, 'GET', `/api/v1/orders/${orderId}`);
    assert.equal(order.externalId, '128576');
    assert.equal(order.currency, 'GBP');
    assert.equal(order.lines[0].sku, 'SKU-2', 'the partner article ABC1234 mapped');
    assert.equal(order.lines[0].quantity, 48);
    assert.equal(order.lines[0].unitPrice, '14.58');
    assert.equal(order.shippingAddress.city, 'Bruxelles');
    assert.equal(order.attributes.edi.buyerGln, '5412345000013');
    // the CONTRL: UCI acknowledged (7), UCM for message 000000101 acknowledged
    const contrl = parse(r.body.acknowledgement.content);
    assert.deepEqual(contrl.problems, []);
    const seg = (tag: string) => contrl.messages[0]!.segments.find((s) => s.tag === tag)!;
    assert.equal(value(contrl.messages[0]!.segments[0], 2, 1), 'CONTRL');
    assert.deepEqual([value(seg('UCI'), 1), value(seg('UCI'), 2), value(seg('UCI'), 4)], ['131', 'SENDER1', '7']);
    assert.deepEqual([value(seg('UCM'), 1), value(seg('UCM'), 2), value(seg('UCM'), 3)], ['000000101', 'ORDERS', '7']);
    assert.equal(contrl.sender.id, 'RECEIVER1');
    assert.equal(contrl.controlRef, '1', 'our first control reference for this partner');
    // the channel ingestion log has the message with its order
    const log = await ok(t, 'GET', `/api/v1/channel-connections/${partner.id}/ingestions`);
    assert.equal(log.items.length, 1);
    assert.deepEqual(
      [log.items[0].status, log.items[0].orderId, log.items[0].externalId],
      ['created', orderId, '128576'],
    );
  });

  test('the same interchange again is acknowledged as a duplicate and creates nothing', async () => {
    const r = await post(t, fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrder.edi'));
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'duplicate');
    const contrl = parse(r.body.acknowledgement.content);
    const uci = contrl.messages[0]!.segments.find((s) => s.tag === 'UCI')!;
    assert.deepEqual([value(uci, 4), value(uci, 5)], ['4', '26']);
    assert.equal(contrl.controlRef, '2');
    assert.equal((await orders()).length, 1);
  });

  test('the same order in a new interchange is a DUPLICATE_ORDER outcome, not a second order', async () => {
    const text = decodeEdifact(fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrder.edi')).replaceAll('+131', '+132');
    const r = await post(t, text);
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'EDI_REJECTED');
    assert.equal(r.body.messages[0].outcome, 'duplicate_order');
    assert.equal(r.body.messages[0].orderId, orderId);
    assert.equal((await orders()).length, 1);
  });

  test('the EdiFabric invalid ORDERS is rejected naming FTX element 3.3, with a CONTRL saying so; nothing created', async () => {
    const text = decodeEdifact(fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrderInvalid.edi'))
      .replace('INVALID1', 'SENDER1')
      .replaceAll('+131', '+133');
    const r = await post(t, text);
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'EDI_REJECTED');
    assert.ok(
      r.body.errors.some((e: any) => e.path === '/000000102/FTX/5/3/3' && e.message.includes('3055')),
      JSON.stringify(r.body.errors),
    );
    const contrl = parse(r.body.acknowledgement);
    const s = contrl.messages[0]!.segments;
    assert.deepEqual(
      s.filter((x) => x.tag === 'UCM').map((x) => [value(x, 1), value(x, 3)]),
      [['000000102', '4']],
    );
    assert.deepEqual(
      s.filter((x) => x.tag === 'UCS').map((x) => value(x, 1)),
      ['5'],
    );
    assert.deepEqual(
      s.filter((x) => x.tag === 'UCD').map((x) => [value(x, 1), value(x, 2, 1), value(x, 2, 2)]),
      [['12', '3', '3']],
    );
    assert.equal((await orders()).length, 1);
    // and as sent (sender INVALID1): an unknown partner, the FTX problem listed too
    const unknown = await post(t, fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrderInvalid.edi'));
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.code, 'EDI_UNKNOWN_PARTNER');
    assert.match(unknown.body.detail, /INVALID1/);
    const uci = parse(unknown.body.acknowledgement).messages[0]!.segments.find((x) => x.tag === 'UCI')!;
    assert.deepEqual([value(uci, 4), value(uci, 5)], ['4', '23']);
    const logged = await ok(t, 'GET', '/api/v1/edi/messages?direction=in&type=INTERCHANGE');
    assert.ok(
      logged.items.some((m: any) => m.sender === 'INVALID1:14' && m.status === 'rejected' && m.partnerId === null),
    );
  });

  test('a buyer GLN the partner has not set up is refused at its NAD, in the CONTRL too; nothing created', async () => {
    const text = decodeEdifact(fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrder.edi'))
      .replace('NAD+BY+5412345000013', 'NAD+BY+5412345999999')
      .replaceAll('+131', '+134');
    const r = await post(t, text);
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'EDI_REJECTED');
    assert.deepEqual(
      r.body.errors.map((e: any) => e.path),
      ['/000000101/NAD/8/2/1'],
    );
    assert.match(r.body.errors[0].message, /buyer GLN 5412345999999 is not set up for partner ACME Retail/);
    const s = parse(r.body.acknowledgement).messages[0]!.segments;
    assert.deepEqual(
      s.filter((x) => x.tag === 'UCS').map((x) => value(x, 1)),
      ['8'],
    );
    assert.equal((await orders()).length, 1);
  });

  test('php-edifact ORDERS with errors: each IMD at fault named with its position; the good twin fails on unknown articles, queued for replay', async () => {
    await ok(
      t,
      'POST',
      '/api/v1/edi/partners',
      {
        channel: 'edi-kuehne',
        syntax: 'edifact',
        settings: {
          name: 'Kälte GmbH',
          ourGln: '4399901760448',
          buyers: [{ gln: '4250159300001', customer: 'C-1' }],
          interchange: { partnerId: '4250159300001', partnerQualifier: '14', ourId: 'unbekannt' },
          currency: 'EUR',
        },
      },
      201,
    );
    const bad = await post(t, fixture('edifact/php-edifact__example_order_error.edi'));
    assert.equal(bad.status, 422);
    const paths = bad.body.errors.map((e: any) => e.path);
    assert.ok(paths.includes('/2019265563/IMD/83/3/4'), paths.join(' '));
    assert.ok(paths.includes('/2019265563/IMD/359/3/7'), paths.join(' '));
    // the same sender and control reference as the error file: a new reference, or it is a duplicate
    const good = await post(
      t,
      decodeEdifact(fixture('edifact/php-edifact__example_order_ok.edi')).replaceAll('+896', '+897'),
    );
    assert.equal(good.status, 422);
    assert.equal(good.body.messages[0].outcome, 'failed');
    assert.match(good.body.errors[0].message, /line 1: no Ordo SKU for buyer article 6001001, supplier article 1001/);
    assert.equal((await ok(t, 'GET', '/api/v1/orders?channel=edi-kuehne')).items.length, 0);
  });

  test('a failed order waits in the channel error queue and is replayed once its article is mapped', async () => {
    const p2 = await ok(
      t,
      'POST',
      '/api/v1/edi/partners',
      edifabricPartner({
        interchange: { partnerId: 'SENDER2', ourId: 'RECEIVER1' },
      }) && {
        ...edifabricPartner({ interchange: { partnerId: 'SENDER2', ourId: 'RECEIVER1' } }),
        channel: 'edi-beta',
        articles: [],
      },
      201,
    );
    const text = decodeEdifact(fixture('edifact/edifabric_ORDERS_D96A_PurchaseOrder.edi'))
      .replace('SENDER1', 'SENDER2')
      .replace('3312345501102', 'x')
      .replace('4000862141404', '5900000000017');
    const r = await post(t, text);
    assert.equal(r.status, 422);
    assert.equal(r.body.errors[0].path, '/000000101/LIN/19/3/1');
    // the partner is a channel connection the channels console lists (no credentials)
    const connections = await ok(t, 'GET', '/api/v1/channel-connections');
    const listed = connections.items.find((c: any) => c.id === p2.id);
    assert.deepEqual([listed.kind, listed.channel, listed.credentialNames], ['edifact', 'edi-beta', []]);
    const queue = await ok(t, 'GET', `/api/v1/channel-connections/${p2.id}/ingestions?status=failed`);
    assert.equal(queue.items.length, 1);
    await ok(t, 'PUT', `/api/v1/channel-connections/${p2.id}/offers`, {
      offers: [{ offerId: 'ABC1234', sku: 'SKU-3' }],
    });
    const replay = await ok(t, 'POST', `/api/v1/channel-connections/${p2.id}/ingestions/${queue.items[0].id}/replay`);
    assert.equal(replay.outcome, 'created', JSON.stringify(replay));
    const order = await ok(t, 'GET', `/api/v1/orders/${replay.orderId}`);
    assert.deepEqual([order.channel, order.lines[0].sku], ['edi-beta', 'SKU-3']);
  });

  test('the order goes back as ORDRSP, its shipment as DESADV, its invoice as INVOIC: control numbers grow, each re-parses like the EANCOM samples', async () => {
    const first = await generateEdiOutbound(t.store, t.clock, partner.id);
    assert.deepEqual(
      first.made.map((m) => m.type),
      ['ORDRSP'],
    );
    // a shipment leaves (the event the fulfilment capability writes) and an invoice is issued
    await transaction(t.store, (tx) =>
      emitEvent(tx, {
        type: 'shipment.shipped',
        subject: orderId,
        payload: {
          orderId,
          shipmentId: '0193a0c0-0000-7000-8000-000000000001',
          carrier: 'dhl',
          trackingNumber: 'JJD000390007',
        },
      } as never),
    );
    const invoice = await t.call('POST', `/api/v1/orders/${orderId}/invoices`, { kind: 'invoice' });
    assert.equal(invoice.status, 201, JSON.stringify(invoice.body));
    const second = await generateEdiOutbound(t.store, t.clock, partner.id);
    assert.deepEqual(
      second.made.map((m) => m.type),
      ['DESADV', 'INVOIC'],
    );
    const refs = [...first.made, ...second.made].map((m) => Number(m.controlRef));
    assert.ok(refs[0]! > 2 && refs[1] === refs[0]! + 1 && refs[2] === refs[1]! + 1, refs.join(','));
    // nothing is made twice
    assert.deepEqual((await generateEdiOutbound(t.store, t.clock, partner.id)).made, []);

    const out = await ok(t, 'GET', '/api/v1/edi/messages?direction=out');
    const byType = (type: string) => out.items.find((m: any) => m.type === type);
    const content = async (type: string) => {
      const r = await t.app.inject({
        method: 'GET',
        url: `/api/v1/edi/messages/${byType(type).id}/content`,
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      assert.match(String(r.headers['content-type']), /application\/EDIFACT/);
      return r.body;
    };
    const sample = (file: string) => parse(decodeEdifact(fixture(`edifact/${file}`))).messages[0]!;
    for (const [type, file] of [
      ['ORDRSP', 'edifabric_EANCOM_ORDRSP_D96A_PurchaseOrderResponse.edi'],
      ['DESADV', 'edifabric_EANCOM_DESADV_D96A_DespatchAdvice.edi'],
    ] as const) {
      const text = await content(type);
      const i = parse(text);
      assert.deepEqual(i.problems, [], `${type} re-parses cleanly`);
      assert.equal(i.recipient.id, 'SENDER1');
      const ours = i.messages[0]!;
      const theirs = sample(file);
      assert.deepEqual(
        [ours.type, ours.version, ours.release, ours.agency],
        [theirs.type, theirs.version, theirs.release, theirs.agency],
      );
      assert.equal(value(ours.segments[1], 1), value(theirs.segments[1], 1), 'BGM document code');
      // every segment we write is one the EANCOM sample uses (or one of the message's optional
      // groups the sample leaves out: CUX currency, TDT transport, UNS, PIA our article number)
      const known = new Set([...theirs.segments.map((s) => s.tag), 'CUX', 'TDT', 'UNS', 'PIA']);
      assert.deepEqual(
        ours.segments.map((s) => s.tag).filter((tag) => !known.has(tag)),
        [],
      );
    }
    const ordrsp = parse(await content('ORDRSP')).messages[0]!;
    assert.equal(
      value(
        ordrsp.segments.find((s) => s.tag === 'RFF'),
        1,
        2,
      ),
      '128576',
    );
    assert.equal(
      value(
        ordrsp.segments.find((s) => s.tag === 'PRI'),
        1,
        2,
      ),
      '14.58',
    );
    const desadv = parse(await content('DESADV')).messages[0]!;
    assert.equal(
      value(
        desadv.segments.find((s) => s.tag === 'TDT'),
        2,
      ),
      'JJD000390007',
    );
    assert.equal(
      value(
        desadv.segments.find((s) => s.tag === 'QTY'),
        1,
        2,
      ),
      '48',
    );
    const invoic = parse(await content('INVOIC')).messages[0]!;
    assert.equal(value(invoic.segments[1], 1), '380');
    assert.equal(
      value(
        invoic.segments.find((s) => s.tag === 'MOA' && value(s, 1, 1) === '79'),
        1,
        2,
      ),
      '699.84',
    );
    assert.equal(invoice.body.number, value(invoic.segments[1], 2));
  });
});
