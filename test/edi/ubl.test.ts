import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import * as slimdom from 'slimdom';
import { seedBasics, testApp, type TestApp } from '../support.js';
import { EXTERNAL, FIXTURES_SKIP, fixture, ok, post } from './helpers.js';
import { loadSchematron, runSchematron, type Schematron } from '../../src/integrations/edi/schematron.js';
import { despatchAdviceXml, orderResponseXml } from '../../src/integrations/edi/ubl.js';
import { generateEdiOutbound } from '../../src/app/edi/outbound.js';
import { emitEvent } from '../../src/app/events/emit-event.js';
import { transaction } from '../../src/store/tenant-scope.js';

const rules = (t: string): Schematron =>
  loadSchematron(
    fixture(`ubl-peppol/sch/PEPPOL-M-${t}.sch`).toString('utf8'),
    fixture(`ubl-peppol/sch/PEPPOLBIS-${t}.sch`).toString('utf8'),
  );

describe(
  "Peppol schematron: the runner against the rules' own unit test sets",
  { skip: EXTERNAL ? false : FIXTURES_SKIP },
  () => {
    for (const [t, dir] of [
      ['T01', 'unit-order'],
      ['T76', 'unit-order-response'],
      ['T16', 'unit-despatch-advice'],
    ] as const)
      test(`${t}: every passing and failing snippet of ${dir} gets the expected rule outcome`, () => {
        const schema = rules(t);
        let checked = 0;
        const wrong: string[] = [];
        for (const file of readdirSync(resolve(EXTERNAL!, 'ubl-peppol', dir))) {
          const doc = slimdom.parseXmlDocument(fixture(`ubl-peppol/${dir}/${file}`).toString('utf8'));
          for (const unit of doc.getElementsByTagName('test')) {
            const expect = unit.children.find((c) => c.localName === 'assert')!.children;
            const body = unit.children.find((c) => c.localName !== 'assert')!;
            const failures = runSchematron(schema, slimdom.serializeToWellFormedString(body));
            for (const e of expect) {
              const id = e.textContent!.trim();
              // code-list rules need the code lists of the generated part files, which are not published with them
              if (schema.unrunnable.has(id)) continue;
              const count = failures.filter((f) => f.id === id).length;
              const want = e.localName === 'success' ? 0 : Number(e.getAttribute('number') ?? '1');
              checked++;
              if (count !== want) wrong.push(`${file} ${id}: ${count} failures, expected ${want}`);
            }
          }
        }
        assert.deepEqual(wrong, []);
        assert.ok(checked >= 25, `${checked} expectations checked`);
      });
  },
);

describe(
  'UBL / Peppol ordering: Order in, Order Response and Despatch Advice out',
  { skip: EXTERNAL ? false : FIXTURES_SKIP },
  () => {
    let t: TestApp;
    let partner: any;
    let orderId: string;
    const example = () => fixture('ubl-peppol/examples/Order_Example.xml').toString('utf8');

    before(async () => {
      t = await testApp();
      await seedBasics(t);
      await ok(
        t,
        'POST',
        '/api/v1/products',
        { sku: 'NEEDLE-4', name: 'Igła 4 mm', attributes: { gtin: '7560000012345' } },
        201,
      );
      await ok(t, 'POST', '/api/v1/products', { sku: 'SItemNo011', name: 'Nål 6 mm' }, 201);
      partner = await ok(
        t,
        'POST',
        '/api/v1/edi/partners',
        {
          channel: 'peppol-helse',
          syntax: 'ubl',
          settings: {
            name: 'Helseforetak',
            ourGln: '7300010000001',
            buyers: [{ gln: '7300010000001', customer: 'C-1' }],
            peppol: { partnerEndpoint: '0192:987654325', ourEndpoint: '0192:123456785' },
          },
        },
        201,
      );
    });
    after(() => t?.close());

    test('the Peppol Order example makes an order: GTIN and seller article to SKUs, the delivery location as address', async () => {
      const r = await post(t, example(), 'application/xml');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'accepted');
      orderId = r.body.messages[0].orderId;
      const order = await ok(t, 'GET', `/api/v1/orders/${orderId}`);
      assert.equal(order.externalId, '34');
      assert.equal(order.currency, 'NOK');
      assert.deepEqual(
        order.lines.map((l: any) => [l.sku, l.quantity, l.unitPrice, l.taxRate]),
        [
          ['NEEDLE-4', 120, '50.00', '25'],
          ['SItemNo011', 15, '15.00', '25'],
        ],
      );
      assert.equal(order.shippingAddress.city, 'Lørenskog');
      const again = await post(t, example(), 'application/xml');
      assert.equal(again.body.status, 'duplicate');
      assert.equal((await ok(t, 'GET', '/api/v1/orders?channel=peppol-helse')).items.length, 1);
    });

    test('an unknown sender and an unknown buyer GLN are refused clearly; nothing is created', async () => {
      const stranger = example()
        .replaceAll('987654325', '111111111')
        .replaceAll('7300010000001', '7300010000999')
        .replace('<cbc:ID>34</cbc:ID>', '<cbc:ID>35</cbc:ID>');
      const r = await post(t, stranger, 'application/xml');
      assert.equal(r.status, 422);
      assert.equal(r.body.code, 'EDI_UNKNOWN_PARTNER');
      const otherBuyer = example()
        .replace('<cbc:ID schemeID="0088">7300010000001</cbc:ID>', '<cbc:ID schemeID="0088">5790000000005</cbc:ID>')
        .replace('<cbc:ID>34</cbc:ID>', '<cbc:ID>36</cbc:ID>');
      const g = await post(t, otherBuyer, 'application/xml');
      assert.equal(g.status, 422);
      assert.equal(g.body.code, 'EDI_REJECTED');
      assert.deepEqual(
        g.body.errors.map((e: any) => e.path),
        ['/Order/BuyerCustomerParty/Party/EndpointID'],
      );
      assert.match(g.body.errors[0].message, /buyer GLN 5790000000005 is not set up/);
      assert.equal((await ok(t, 'GET', '/api/v1/orders?channel=peppol-helse')).items.length, 1);
      const notAnOrder = await post(
        t,
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
        'application/xml',
      );
      assert.equal(notAnOrder.status, 415);
    });

    test('the Order Response and the Despatch Advice Ordo makes pass the Peppol rules (T76, T16)', async () => {
      const made = await generateEdiOutbound(t.store, t.clock, partner.id);
      assert.deepEqual(
        made.made.map((m) => m.type),
        ['OrderResponse'],
      );
      await transaction(t.store, (tx) =>
        emitEvent(tx, {
          type: 'shipment.shipped',
          subject: orderId,
          payload: {
            orderId,
            shipmentId: '0193a0c0-0000-7000-8000-000000000002',
            carrier: 'postnord',
            trackingNumber: 'PN123456789NO',
          },
        } as never),
      );
      const shipped = await generateEdiOutbound(t.store, t.clock, partner.id);
      assert.deepEqual(
        shipped.made.map((m) => m.type),
        ['DespatchAdvice'],
      );
      assert.ok(Number(shipped.made[0]!.controlRef) > Number(made.made[0]!.controlRef));
      const content = async (id: string) =>
        (
          await t.app.inject({
            method: 'GET',
            url: `/api/v1/edi/messages/${id}/content`,
            headers: { authorization: `Bearer ${t.apiKey}` },
          })
        ).body;
      const response = await content(made.made[0]!.id);
      assert.match(response, /<cbc:OrderResponseCode>AP<\/cbc:OrderResponseCode>/);
      assert.deepEqual(runSchematron(rules('T76'), response), []);
      const despatch = await content(shipped.made[0]!.id);
      assert.match(despatch, /PN123456789NO/);
      assert.deepEqual(runSchematron(rules('T16'), despatch), []);
    });

    test('a response with changed lines (backorder) is CA with its lines and still passes T76; a broken one does not', () => {
      const doc = {
        number: 'ORD-1-R',
        issuedAt: '2026-12-03T10:00:00.000Z',
        orderNumber: '34',
        status: 'changed' as const,
        currency: 'NOK',
        buyerGln: '7300010000001',
        supplierGln: '7300010000002',
        lines: [
          {
            lineNo: '1',
            sku: 'NEEDLE-4',
            name: 'Igła',
            orderedQuantity: 120,
            confirmedQuantity: 100,
            backorderedQuantity: 20,
            unitPrice: '50.00',
            status: 'changed' as const,
          },
          {
            lineNo: '2',
            sku: 'SItemNo011',
            orderedQuantity: 15,
            confirmedQuantity: 15,
            backorderedQuantity: 0,
            unitPrice: '15.00',
            status: 'accepted' as const,
          },
        ],
      };
      const xml = orderResponseXml(doc, { buyer: '0192:987654325', seller: '0192:123456785' });
      assert.match(xml, /<cbc:OrderResponseCode>CA</);
      assert.deepEqual(runSchematron(rules('T76'), xml), []);
      const duplicated = orderResponseXml({ ...doc, lines: [doc.lines[0]!, { ...doc.lines[1]!, lineNo: '1' }] }, {});
      assert.deepEqual([...new Set(runSchematron(rules('T76'), duplicated).map((f) => f.id))], ['PEPPOL-T76-R003']);
      const despatch = despatchAdviceXml(
        {
          number: 'D-1',
          issuedAt: '2026-12-03T10:00:00.000Z',
          shippedAt: '2026-12-03T09:00:00.000Z',
          orderNumber: '34',
          packages: [{ sscc: '376104250000000018', lines: [0] }],
          lines: [{ lineNo: '1', sku: 'NEEDLE-4', name: 'Igła', gtin: '7560000012345', quantity: 100 }],
        },
        {},
      );
      assert.match(despatch, /376104250000000018/);
      assert.deepEqual(runSchematron(rules('T16'), despatch), []);
    });
  },
);

describe('UBL / Peppol ordering: the Peppol use-case orders', { skip: EXTERNAL ? false : FIXTURES_SKIP }, () => {
  let t: TestApp;

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    for (const [sku, gtin] of [
      ['PEN-33', '05704066204093'],
      ['PEN-34', '08722700575887'],
      ['PEN-35', '08722700577584'],
      ['PEN-36', '09876543211234'],
    ])
      await ok(t, 'POST', '/api/v1/products', { sku, name: `Długopis ${sku}`, attributes: { gtin } }, 201);
    await ok(
      t,
      'POST',
      '/api/v1/edi/partners',
      {
        channel: 'peppol-uc',
        syntax: 'ubl',
        settings: {
          name: 'Peppol use cases',
          ourGln: '5790000000012',
          ourPartyIds: ['987654325'],
          buyers: [
            {
              gln: '7300010000001',
              customer: 'C-1',
              address: { name: 'Buyer', line1: 'Storgatan 1', city: 'Stockholm', country: 'SE' },
            },
          ],
          peppol: { partnerEndpoint: '0088:7300010000001', ourEndpoint: '0192:987654325' },
        },
      },
      201,
    );
  });
  after(() => t?.close());

  for (const [uc, lines] of [
    ['UC1', 3],
    ['UC4', 1],
  ] as const)
    test(`Order_use_cases_${uc}_Order makes an order with ${lines} line(s) (matched by endpoint or buyer GLN)`, async () => {
      const r = await post(t, fixture(`ubl-peppol/examples/Order_use_cases_${uc}_Order.xml`), 'application/xml');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const order = await ok(t, 'GET', `/api/v1/orders/${r.body.messages[0].orderId}`);
      assert.equal(order.lines.length, lines);
      assert.equal(order.currency, 'EUR');
    });

  test('Order_use_cases_UC6_Order carries the same order ID (1) from the same sender as UC1: a duplicate, nothing created', async () => {
    const r = await post(t, fixture('ubl-peppol/examples/Order_use_cases_UC6_Order.xml'), 'application/xml');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'duplicate');
    assert.equal((await ok(t, 'GET', '/api/v1/orders?channel=peppol-uc')).items.length, 2);
  });
});
