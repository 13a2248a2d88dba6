import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { fixedClock, orderBody, seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { publish, send, setRules, shipped } from '../process/process-support.js';
import { createUpdValidator, validateKsefFa3 } from '../../src/integrations/einvoice/index.js';
import { readPdf } from '../../src/integrations/documents/test-fixtures.js';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  paidOrder,
  pickAndPack,
  seedShop,
  seedSplitStock,
  splitLines,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';

/**
 * Invoices, proformas and credit notes through the API, on whichever database the suite runs:
 * amounts checked to the grosz against figures worked out by hand, numbers gap-free per seller,
 * series and year, and the statutory documents validated against their schemas.
 */

// The ФНС 5.02 schema has no stated licence: read in place from shared/, never copied here.
// A clone has shared/ one level up, a worktree under wt/ two.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UPD_XSD = ['../shared', '../../shared']
  .map((p) => resolve(REPO_ROOT, p, 'fixtures/external/upd/ON_NSCHFDOPPR_1_997_01_05_02_01.xsd'))
  .find((p) => existsSync(p));

const YEAR = 2026;
const POLISH = 'Zażółć gęślą jaźń — ĄĘŁŃÓŚŹŻ ąęłńóśźż';
// Short enough for the PDF's party column (a longer name is cut with an ellipsis there).
const SELLER = 'Żółć i Gęśl Łódź-Źródła sp. z o.o.';

/**
 * A B2B order at 23 %, 8 %, 5 % and without a rate, shipping at 23 %. Without tax included:
 *   1  SKU-1 3 × 100.00 @23 → net 300.00, VAT 69.00
 *   2  SKU-2 3 × 19.99  @8  → net  59.97, VAT  4.80 (4.7976)
 *   3  SKU-3 3 × 12.35  @5  → net  37.05, VAT  1.85 (1.8525)
 *   4  SKU-4 1 × 20.00  np  → net  20.00, VAT  0.00
 *   5  shipping 15.00   @23 → net  15.00, VAT  3.45
 *   net 432.02 + VAT 79.10 = 511.12
 */
const B2B_LINES = [
  { sku: 'SKU-1', quantity: 3, unitPrice: '100.00', taxRate: '23' },
  { sku: 'SKU-2', quantity: 3, unitPrice: '19.99', taxRate: '8', name: `Czajnik ${POLISH}` },
  { sku: 'SKU-3', quantity: 3, unitPrice: '12.35', taxRate: '5' },
  { sku: 'SKU-4', quantity: 1, unitPrice: '20.00' },
];

const billing = {
  name: 'Zakłady Łódzkie S.A.',
  company: 'Zakłady Łódzkie S.A.',
  line1: 'ul. Źródlana 7',
  city: 'Łódź',
  postalCode: '90-002',
  country: 'PL',
};

type Row = { rate: string; net: string; vat: string; gross: string };
const cents = (s: string) => {
  const neg = s.startsWith('-');
  const [w, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt(w!) * 100n + BigInt(f.padEnd(2, '0'));
  return neg ? -v : v;
};
const sum = (rows: Row[], k: keyof Omit<Row, 'rate'>) => rows.reduce((a, r) => a + cents(r[k]), 0n);
const EXACT = /^-?\d+\.\d{2}$/;

describe('invoices: amounts, numbering, credit notes and documents', () => {
  let t: TestApp;
  const clock = fixedClock(`${YEAR}-03-10T10:00:00Z`);

  const call = async (method: string, url: string, body?: unknown, status = 200) => {
    const r = await t.call(method, url, body);
    assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  let seq = 0;
  const order = async (over: Record<string, unknown> = {}) =>
    call(
      'POST',
      '/api/v1/orders',
      orderBody({
        channel: 'b2b',
        customer: { code: 'B-1' },
        externalId: `INV-${++seq}`,
        lines: B2B_LINES,
        shipping: { amount: '15.00', taxRate: '23' },
        billingAddress: billing,
        ...over,
      }),
      201,
    );
  const issue = (orderId: string, body: Record<string, unknown> = {}) =>
    t.call('POST', `/api/v1/orders/${orderId}/invoices`, { kind: 'invoice', ...body });
  const issued = async (orderId: string, body: Record<string, unknown> = {}) => {
    const r = await issue(orderId, body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const credit = (invoiceId: string, body: Record<string, unknown>) =>
    t.call('POST', `/api/v1/invoices/${invoiceId}/credit-notes`, { reason: 'Reklamacja — zwrot towaru', ...body });
  const raw = async (url: string) => {
    const r = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.apiKey}` } });
    assert.equal(r.statusCode, 200, r.body);
    return r;
  };
  const notesOf = async (invoiceId: string) =>
    t.store.selectFrom('invoices').select('id').where('corrects_id', '=', invoiceId).execute();
  const events = async (orderId: string, type: string) =>
    (
      await t.store
        .selectFrom('events')
        .select('payload')
        .where('subject', '=', orderId)
        .where('type', '=', type as never)
        .orderBy('id')
        .execute()
    ).map((e) => e.payload as any);

  before(async () => {
    t = await testApp({ clock });
    await seedBasics(t);
    await call('POST', '/api/v1/products', { sku: 'SKU-4', name: `Źdźbło ${POLISH}`, weightG: 10 }, 201);
    await call(
      'POST',
      '/api/v1/channels',
      { code: 'b2b', name: 'Portal B2B', kind: 'b2b_portal', currency: 'PLN' },
      201,
    );
    await call(
      'POST',
      '/api/v1/channels',
      { code: 'ru', name: 'Оптовый портал', kind: 'b2b_portal', currency: 'RUB' },
      201,
    );
    const company = await call(
      'POST',
      '/api/v1/companies',
      { code: 'ZL', name: 'Zakłady Łódzkie Żółć S.A.', taxId: '7251801126' },
      201,
    );
    await call('POST', '/api/v1/customers', { code: 'B-1', name: 'Józef Ślązak', companyId: company.id }, 201);
    const ruCompany = await call(
      'POST',
      '/api/v1/companies',
      { code: 'SV', name: 'АО «Северный ветер»', taxId: '7812345678' },
      201,
    );
    await call('POST', '/api/v1/customers', { code: 'R-1', name: 'Анна Кузнецова', companyId: ruCompany.id }, 201);
    await setUpSeller(t, { name: SELLER });
    // Web orders run the B2C process (so one can be cancelled); the B2B channel has none.
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web'] }]);
  });
  after(() => t.close());

  test('Given B2B orders at 23 %, 8 %, 5 % and without a rate, priced net and gross, then the VAT summary per rate sums exactly to totals equal to the order’s', async () => {
    const cases = [
      {
        pricesIncludeTax: false,
        net: '432.02',
        vat: '79.10',
        gross: '511.12',
        summary: [
          { rate: '23', net: '315.00', vat: '72.45', gross: '387.45' },
          { rate: '8', net: '59.97', vat: '4.80', gross: '64.77' },
          { rate: '5', net: '37.05', vat: '1.85', gross: '38.90' },
          { rate: 'np', net: '20.00', vat: '0.00', gross: '20.00' },
        ],
        lines: [
          ['300.00', '69.00', '369.00'],
          ['59.97', '4.80', '64.77'],
          ['37.05', '1.85', '38.90'],
          ['20.00', '0.00', '20.00'],
          ['15.00', '3.45', '18.45'],
        ],
      },
      {
        // The same prices with tax included: the tax is extracted (300.00 × 23/123 = 56.10 …).
        pricesIncludeTax: true,
        net: '366.92',
        vat: '65.10',
        gross: '432.02',
        summary: [
          { rate: '23', net: '256.10', vat: '58.90', gross: '315.00' },
          { rate: '8', net: '55.53', vat: '4.44', gross: '59.97' },
          { rate: '5', net: '35.29', vat: '1.76', gross: '37.05' },
          { rate: 'np', net: '20.00', vat: '0.00', gross: '20.00' },
        ],
        lines: [
          ['243.90', '56.10', '300.00'],
          ['55.53', '4.44', '59.97'],
          ['35.29', '1.76', '37.05'],
          ['20.00', '0.00', '20.00'],
          ['12.20', '2.80', '15.00'],
        ],
      },
    ];
    for (const c of cases) {
      const o = await order({ pricesIncludeTax: c.pricesIncludeTax });
      const inv = await issued(o.id);
      const label = `pricesIncludeTax ${c.pricesIncludeTax}`;
      assert.equal(inv.kind, 'invoice');
      assert.deepEqual([inv.net, inv.vat, inv.gross], [c.net, c.vat, c.gross], label);
      assert.deepEqual(inv.vatSummary, c.summary, label);
      assert.deepEqual(
        inv.lines.map((l: any) => [l.net, l.vat, l.gross]),
        c.lines,
        label,
      );
      assert.deepEqual(
        inv.lines.map((l: any) => l.vatRate),
        ['23', '8', '5', 'np', '23'],
      );
      for (const v of [inv.net, inv.vat, inv.gross, ...inv.vatSummary.flatMap((r: Row) => [r.net, r.vat, r.gross])])
        assert.match(v, EXACT);
      // Σ per rate = totals, net + VAT = gross, and they are the order's.
      assert.equal(sum(inv.vatSummary, 'net'), cents(inv.net));
      assert.equal(sum(inv.vatSummary, 'vat'), cents(inv.vat));
      assert.equal(sum(inv.vatSummary, 'gross'), cents(inv.gross));
      assert.equal(cents(inv.net) + cents(inv.vat), cents(inv.gross));
      const read = await call('GET', `/api/v1/orders/${o.id}`);
      assert.equal(inv.gross, read.totals.grandTotal, label);
      assert.equal(inv.vat, read.totals.taxTotal, label);
      // Polish names survive the round trip through the stored document.
      assert.equal(inv.lines[1].name, `Czajnik ${POLISH}`);
      assert.equal(inv.lines[3].name, `Źdźbło ${POLISH}`);
      assert.equal(inv.buyer.name, 'Zakłady Łódzkie Żółć S.A.');
      assert.equal(inv.buyer.taxId, '7251801126');
      assert.equal((await call('GET', `/api/v1/invoices/${inv.id}`)).lines[1].name, `Czajnik ${POLISH}`);
    }
  });

  test('Given a seller of its own, then numbers run 1, 2, … per series; a retry answers the same invoice, a refused issue consumes no number', async () => {
    await setUpSeller(t, { isDefault: false }, 'num');
    const a = await order();
    const first = await issued(a.id, { seller: 'num' });
    assert.equal(first.number, `FV/${YEAR}/000001`);
    assert.equal(first.seller, 'num');

    // Issuing again for the same order: the same invoice, 200, no number consumed.
    const again = await issue(a.id, { seller: 'num' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.id, first.id);
    assert.equal(again.body.number, first.number);
    assert.equal((await call('GET', `/api/v1/orders/${a.id}/invoices`)).items.length, 1);

    // Refused: a seller that is not set up …
    const b = await order();
    const unknown = await issue(b.id, { seller: 'nope' });
    assert.equal(unknown.status, 422, JSON.stringify(unknown.body));
    assert.equal(unknown.body.code, 'SELLER_NOT_CONFIGURED');
    // … and a cancelled order (the B2C process cancels it when the payment fails).
    const web = await call('POST', '/api/v1/orders', orderBody({ externalId: 'WEB-CANCEL' }), 201);
    assert.equal(web.state, 'awaiting_payment');
    assert.equal((await send(t, web.id, 'payment_failed')).state, 'cancelled');
    const cancelled = await issue(web.id, { seller: 'num' });
    assert.equal(cancelled.status, 409, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.code, 'INVOICE_NOT_ALLOWED');
    assert.equal((await call('GET', `/api/v1/orders/${web.id}/invoices`)).items.length, 0);

    const second = await issued(b.id, { seller: 'num' });
    assert.equal(second.number, `FV/${YEAR}/000002`, 'no number lost to the refused issues');

    // A proforma has its own series, and does not count as invoiced: the invoice still follows.
    const c = await order();
    const pro = await issued(c.id, { kind: 'proforma', seller: 'num' });
    assert.equal(pro.kind, 'proforma');
    assert.equal(pro.number, `PRO/${YEAR}/000001`);
    assert.equal((await issue(c.id, { kind: 'proforma', seller: 'num' })).status, 200);
    const third = await issued(c.id, { seller: 'num' });
    assert.equal(third.number, `FV/${YEAR}/000003`);
    assert.equal(third.gross, pro.gross);

    // A credit note has its own series; one refused as too large consumes no number either.
    const note = await credit(first.id, { lines: [{ no: 1, quantity: 1 }] });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    assert.equal(note.body.number, `KOR/${YEAR}/000001`);
    const tooMuch = await credit(first.id, { amount: '10000.00' });
    assert.equal(tooMuch.status, 422, JSON.stringify(tooMuch.body));
    const note2 = await credit(first.id, { amount: '1.00' });
    assert.equal(note2.status, 201, JSON.stringify(note2.body));
    assert.equal(note2.body.number, `KOR/${YEAR}/000002`);

    const counters = await t.store
      .selectFrom('invoice_counters')
      .select(['series', 'year', 'last_no'])
      .where('seller', '=', 'num')
      .orderBy('series')
      .execute();
    assert.deepEqual(
      counters.map((r) => [r.series, Number(r.year), Number(r.last_no)]),
      [
        ['FV', YEAR, 3],
        ['KOR', YEAR, 2],
        ['PRO', YEAR, 1],
      ],
    );
  });

  test('Given 20 orders invoiced at once on PostgreSQL, then they get exactly the numbers 1 to 20', async (c) => {
    if (t.database.kind !== 'postgres')
      return c.skip('the embedded database runs one transaction at a time: concurrency is checked on PostgreSQL');
    await setUpSeller(t, { isDefault: false, invoiceSeries: 'FVC' }, 'conc');
    const orders = [];
    for (let i = 0; i < 20; i++) orders.push(await order());
    const answers = await Promise.all(orders.map((o) => issue(o.id, { seller: 'conc' })));
    for (const r of answers) assert.equal(r.status, 201, JSON.stringify(r.body));
    const numbers = answers.map((r) => r.body.number as string).sort();
    assert.deepEqual(
      numbers,
      Array.from({ length: 20 }, (_, i) => `FVC/${YEAR}/${String(i + 1).padStart(6, '0')}`),
    );
    // The same order issued twice at once: one invoice, one number.
    const o = await order();
    const twice = await Promise.all([issue(o.id, { seller: 'conc' }), issue(o.id, { seller: 'conc' })]);
    assert.deepEqual(twice.map((r) => r.status).sort(), [200, 201]);
    assert.equal(twice[0]!.body.id, twice[1]!.body.id);
    assert.equal(twice[0]!.body.number, `FVC/${YEAR}/000021`);
  });

  test('Given an invoice, then credit notes by lines and by amount are exact, negative, never more than what is left, and name what they correct', async () => {
    const o = await order();
    const inv = await issued(o.id);
    const before = (await events(o.id, 'invoice.issued')).length;
    assert.equal(before, 1);

    // 1 of the 3 units of line 3 (37.05 net, 1.85 VAT): a third of each, rounded.
    const n1 = await credit(inv.id, { lines: [{ no: 3, quantity: 1 }] });
    assert.equal(n1.status, 201, JSON.stringify(n1.body));
    assert.equal(n1.body.kind, 'credit_note');
    assert.equal(n1.body.correctsId, inv.id);
    assert.deepEqual([n1.body.net, n1.body.vat, n1.body.gross], ['-12.35', '-0.62', '-12.97']);
    assert.deepEqual(n1.body.lines, [
      {
        no: 3,
        sku: 'SKU-3',
        name: inv.lines[2].name,
        quantity: -1,
        unit: 'szt.',
        vatRate: '5',
        net: '-12.35',
        vat: '-0.62',
        gross: '-12.97',
      },
    ]);
    assert.deepEqual(n1.body.vatSummary, [{ rate: '5', net: '-12.35', vat: '-0.62', gross: '-12.97' }]);

    // The other two units one at a time: together the three notes take back exactly the line.
    const n2 = await credit(inv.id, { lines: [{ no: 3, quantity: 1 }] });
    const n3 = await credit(inv.id, { lines: [{ no: 3, quantity: 1 }] });
    assert.equal(n2.status, 201, JSON.stringify(n2.body));
    assert.equal(n3.status, 201, JSON.stringify(n3.body));
    const notes = [n1.body, n2.body, n3.body];
    assert.equal(
      notes.reduce((a, n) => a + cents(n.net), 0n),
      -3705n,
      'net of the line taken back in three',
    );
    assert.equal(
      notes.reduce((a, n) => a + cents(n.vat), 0n),
      -185n,
      'VAT of the line taken back in three: not a grosz more than invoiced',
    );
    const none = await credit(inv.id, { lines: [{ no: 3, quantity: 1 }] });
    assert.equal(none.status, 422, JSON.stringify(none.body));
    assert.equal(none.body.code, 'CREDIT_NOTE_EXCEEDS_INVOICE');

    // Shipping (line 5) is taken back once, not twice.
    const ship = await credit(inv.id, { lines: [{ no: 5, quantity: 1 }] });
    assert.equal(ship.status, 201, JSON.stringify(ship.body));
    assert.deepEqual([ship.body.net, ship.body.vat, ship.body.gross], ['-15.00', '-3.45', '-18.45']);
    const shipAgain = await credit(inv.id, { lines: [{ no: 5, quantity: 1 }] });
    assert.equal(shipAgain.status, 422, `shipping taken back twice: ${JSON.stringify(shipAgain.body)}`);
    assert.equal(shipAgain.body.code, 'CREDIT_NOTE_EXCEEDS_INVOICE');

    // By amount: spread over what is left per rate (5 % has nothing left), Σ parts = the amount.
    const byAmount = await credit(inv.id, { amount: '100.00' });
    assert.equal(byAmount.status, 201, JSON.stringify(byAmount.body));
    const a = byAmount.body;
    assert.equal(a.gross, '-100.00');
    assert.equal(sum(a.vatSummary, 'gross'), -10000n);
    assert.equal(sum(a.vatSummary, 'net'), cents(a.net));
    assert.equal(sum(a.vatSummary, 'vat'), cents(a.vat));
    assert.equal(cents(a.net) + cents(a.vat), -10000n);
    assert.deepEqual(
      a.vatSummary.map((r: Row) => r.rate),
      ['23', '8', 'np'],
      'no part on a rate with nothing left to credit',
    );
    // Left: 23 % 369.00 (VAT 69.00), 8 % 64.77 (VAT 4.80), np 20.00 of 453.77; 100.00 in proportion.
    assert.deepEqual(a.vatSummary, [
      { rate: '23', net: '-66.11', vat: '-15.21', gross: '-81.32' },
      { rate: '8', net: '-13.22', vat: '-1.06', gross: '-14.28' },
      { rate: 'np', net: '-4.40', vat: '0.00', gross: '-4.40' },
    ]);

    // More than is left: 422, nothing stored.
    const stored = (await notesOf(inv.id)).length;
    const left = 51112n - 3890n - 1845n - 10000n; // 353.77
    const over = await credit(inv.id, { amount: '353.78' });
    assert.equal(over.status, 422, JSON.stringify(over.body));
    assert.equal(over.body.code, 'CREDIT_NOTE_EXCEEDS_INVOICE');
    const overLines = await credit(inv.id, { lines: [{ no: 1, quantity: 4 }] });
    assert.equal(overLines.status, 422, JSON.stringify(overLines.body));
    assert.equal(overLines.body.code, 'CREDIT_NOTE_EXCEEDS_INVOICE');
    // The same line named twice in one note: 2 + 2 of its 3 units is too many.
    const twice = await credit(inv.id, {
      lines: [
        { no: 1, quantity: 2 },
        { no: 1, quantity: 2 },
      ],
    });
    assert.equal(twice.status, 422, `4 of 3 units taken back: ${JSON.stringify(twice.body)}`);
    assert.equal(twice.body.code, 'CREDIT_NOTE_EXCEEDS_INVOICE');
    assert.equal((await notesOf(inv.id)).length, stored, 'nothing stored');
    // Exactly what is left is allowed, and then nothing more.
    const rest = await credit(inv.id, { amount: '353.77' });
    assert.equal(rest.status, 201, JSON.stringify(rest.body));
    assert.equal(cents(rest.body.gross), -left);
    const all = [...notes, ship.body, a, rest.body];
    for (const k of ['net', 'vat', 'gross'] as const)
      assert.equal(
        all.reduce((s, n) => s + cents(n[k]), 0n),
        -cents(inv[k]),
        `${k}: the credit notes take back exactly the invoice`,
      );
    // Per rate too: no rate is credited beyond what the invoice had.
    for (const row of inv.vatSummary as Row[]) {
      const credited = all.flatMap((n) => n.vatSummary as Row[]).filter((r) => r.rate === row.rate);
      assert.equal(-sum(credited, 'gross'), cents(row.gross), `rate ${row.rate}`);
      assert.equal(-sum(credited, 'vat'), cents(row.vat), `rate ${row.rate} VAT`);
    }
    const nothing = await credit(inv.id, { amount: '0.01' });
    assert.equal(nothing.status, 422, JSON.stringify(nothing.body));

    // A credit note of a credit note, or of a proforma: 409.
    const ofNote = await credit(n1.body.id, { amount: '1.00' });
    assert.equal(ofNote.status, 409, JSON.stringify(ofNote.body));
    assert.equal(ofNote.body.code, 'INVOICE_NOT_ALLOWED');
    const p = await order();
    const pro = await issued(p.id, { kind: 'proforma' });
    const ofPro = await credit(pro.id, { amount: '1.00' });
    assert.equal(ofPro.status, 409, JSON.stringify(ofPro.body));
    assert.equal(ofPro.body.code, 'INVOICE_NOT_ALLOWED');

    // The outbox: invoice.issued once, credit_note.issued per note, naming the invoice, with links.
    const issuedEvents = await events(o.id, 'invoice.issued');
    assert.equal(issuedEvents.length, 1);
    assert.deepEqual(issuedEvents[0], {
      orderId: o.id,
      invoiceId: inv.id,
      kind: 'invoice',
      number: inv.number,
      currency: 'PLN',
      net: '432.02',
      vat: '79.10',
      gross: '511.12',
      issueDate: `${YEAR}-03-10`,
      dueDate: `${YEAR}-03-10`,
      links: {
        self: `/api/v1/invoices/${inv.id}`,
        pdf: `/api/v1/invoices/${inv.id}/pdf`,
        ksef: `/api/v1/invoices/${inv.id}/ksef.xml`,
      },
    });
    const noteEvents = await events(o.id, 'credit_note.issued');
    assert.deepEqual(
      noteEvents.map((e) => e.invoiceId),
      all.map((n) => n.id),
    );
    assert.deepEqual(noteEvents[0], {
      orderId: o.id,
      invoiceId: n1.body.id,
      number: n1.body.number,
      corrects: { invoiceId: inv.id, number: inv.number },
      currency: 'PLN',
      net: '-12.35',
      vat: '-0.62',
      gross: '-12.97',
      reason: 'Reklamacja — zwrot towaru',
      links: {
        self: `/api/v1/invoices/${n1.body.id}`,
        pdf: `/api/v1/invoices/${n1.body.id}/pdf`,
        ksef: `/api/v1/invoices/${n1.body.id}/ksef.xml`,
      },
    });
    const listed = (await call('GET', `/api/v1/orders/${o.id}/invoices`)).items;
    assert.equal(listed.length, 1 + all.length);
    assert.ok(listed.filter((x: any) => x.kind === 'credit_note').every((x: any) => x.correctsId === inv.id));
  });

  test('Given an invoice and a credit note with shipping, then their KSeF FA(3) XML validates and the PDF shows the number, the seller and the total', async () => {
    const o = await order();
    const inv = await issued(o.id);
    const note = await credit(inv.id, {
      lines: [
        { no: 5, quantity: 1 },
        { no: 2, quantity: 2 },
      ],
    });
    assert.equal(note.status, 201, JSON.stringify(note.body));

    for (const doc of [inv, note.body]) {
      const r = await raw(`/api/v1/invoices/${doc.id}/ksef.xml`);
      assert.match(String(r.headers['content-type']), /^application\/xml/);
      const xml = r.body;
      assert.deepEqual(validateKsefFa3(xml), { ok: true, errors: [] }, doc.number);
      assert.ok(xml.includes(`<P_2>${doc.number}</P_2>`), doc.number);
      assert.ok(xml.includes('Zakłady Łódzkie Żółć S.A.'));
      assert.ok(xml.includes(SELLER));
    }
    const noteXml = (await raw(`/api/v1/invoices/${note.body.id}/ksef.xml`)).body;
    assert.ok(noteXml.includes(inv.number), 'the credit note names the invoice it corrects');
    assert.ok(noteXml.includes('Dostawa'));

    const pdf = await raw(`/api/v1/invoices/${inv.id}/pdf`);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    const text = (await readPdf(pdf.rawPayload)).text.replace(/\s+/g, ' ');
    assert.ok(text.includes(inv.number), text);
    assert.ok(text.includes(SELLER), text);
    assert.ok(/511[,.]12/.test(text), `gross total in: ${text}`);
  });

  const ruSeller = () =>
    call('PUT', '/api/v1/sellers/ru', {
      name: 'ООО «Ромашка»',
      taxId: '7701234567',
      kpp: '770101001',
      address: {
        line1: 'ул. Льва Толстого, д. 16',
        city: 'Москва',
        postalCode: '119021',
        country: 'RU',
        regionCode: '77',
      },
      country: 'RU',
      signer: { lastName: 'Иванова', firstName: 'Мария', middleName: 'Петровна', position: 'Генеральный директор' },
    });
  const ruAddress = {
    name: 'АО «Северный ветер»',
    company: 'АО «Северный ветер»',
    line1: 'Невский пр-т, д. 28',
    city: 'Санкт-Петербург',
    postalCode: '191186',
    // An order address has a free-text region: the two-digit code is the УПД's КодРегион.
    region: '78',
    country: 'RU',
  };
  const ruOrder = (shipping: boolean) =>
    order({
      channel: 'ru',
      customer: { code: 'R-1' },
      currency: 'RUB',
      lines: [
        { sku: 'SKU-2', quantity: 2, unitPrice: '2500.00', taxRate: '20', name: 'Чайник электрический «Жёлтый»' },
        { sku: 'SKU-3', quantity: 3, unitPrice: '333.33', taxRate: '20' },
      ],
      ...(shipping ? { shipping: { amount: '500.00', taxRate: '20' } } : { shipping: undefined }),
      billingAddress: ruAddress,
      shippingAddress: ruAddress,
    });
  const updOf = async (invoiceId: string) => {
    const r = await raw(`/api/v1/invoices/${invoiceId}/upd.xml`);
    assert.match(String(r.headers['content-type']), /windows-1251/);
    const bytes = r.rawPayload;
    const text = iconv.decode(bytes, 'win1251');
    assert.match(text, /^<\?xml version="1\.0" encoding="windows-1251"\?>/);
    assert.ok(text.includes('Чайник электрический'), text.slice(0, 400));
    assert.ok(text.includes('Северный ветер'), text.slice(0, 400));
    assert.ok(!bytes.toString('utf8').includes('Чайник'), 'not UTF-8');
    return bytes;
  };
  const UPD_SKIP = 'УПД 5.02 schema (../shared/fixtures/external/upd/ON_NSCHFDOPPR_1_997_01_05_02_01.xsd) absent';

  test('Given a Russian seller and a RUB order at НДС 20 %, then its УПД is windows-1251 and validates against the ФНС 5.02 schema', async (c) => {
    await ruSeller();
    const o = await ruOrder(false);
    const inv = await issued(o.id, { seller: 'ru' });
    // 5000.00 + 999.99 net; НДС 20 %: 1000.00 + 200.00 (199.998).
    assert.deepEqual([inv.net, inv.vat, inv.gross], ['5999.99', '1200.00', '7199.99']);
    assert.deepEqual(inv.vatSummary, [{ rate: '20', net: '5999.99', vat: '1200.00', gross: '7199.99' }]);
    assert.equal(inv.number, `FV/${YEAR}/000001`, 'the Russian seller numbers on its own');
    assert.equal(inv.lines[0].unit, 'шт');
    assert.equal(inv.buyer.taxId, '7812345678');
    const bytes = await updOf(inv.id);
    if (!UPD_XSD) return c.skip(UPD_SKIP);
    assert.deepEqual(createUpdValidator(readFileSync(UPD_XSD))(bytes), { ok: true, errors: [] });
  });

  test('Given a RUB order with shipping, then its УПД validates too', async (c) => {
    await ruSeller();
    const o = await ruOrder(true);
    const inv = await issued(o.id, { seller: 'ru' });
    // + shipping 500.00 and НДС 100.00.
    assert.deepEqual([inv.net, inv.vat, inv.gross], ['6499.99', '1300.00', '7799.99']);
    const bytes = await updOf(inv.id);
    if (!UPD_XSD) return c.skip(UPD_SKIP);
    assert.deepEqual(createUpdValidator(readFileSync(UPD_XSD))(bytes), { ok: true, errors: [] });
  });
});

describe('invoices per shipment', () => {
  let t: FulfilmentTestApp;
  before(async () => {
    t = await fulfilmentApp();
    await seedShop(t);
    await seedSplitStock(t);
    await setUpSeller(t);
  });
  after(() => t.close());

  test('Given an order split over two locations, when one ships, then its invoice covers only what it carried (and shipping), and the later whole-order invoice the rest', async () => {
    // W-ONLY 1 × 299.00 and K-ONLY 3 × 89.90 at 23 %, shipping 14.99 at 23 %.
    const o = await paidOrder(t, {
      lines: [splitLines[0], { ...splitLines[1], quantity: 3 }],
      attributes: { allowPartialShipments: true },
      delivery: { method: 'ship', carrier: 'manual' },
    });
    const fos = await fulfilmentsOf(t, o.id);
    assert.equal(fos.length, 2);
    const first = fos.find((f: any) => f.location === 'KRK-S');
    await pickAndPack(t, first);
    const sh = await ok(t, 'POST', `/api/v1/fulfilment-orders/${first.id}/ship`, {});
    assert.equal(sh.carrier, 'manual');

    const part = await ok(t, 'POST', `/api/v1/orders/${o.id}/invoices`, { kind: 'invoice', shipmentId: sh.id }, 201);
    assert.equal(part.shipmentId, sh.id);
    // 3 × 89.90 = 269.70 + 62.03 VAT; shipping 14.99 + 3.45.
    assert.deepEqual(
      part.lines.map((l: any) => [l.sku, l.quantity, l.net, l.vat, l.gross]),
      [
        ['K-ONLY', 3, '269.70', '62.03', '331.73'],
        ['', 1, '14.99', '3.45', '18.44'],
      ],
    );
    assert.equal(part.gross, '350.17');
    // The same shipment again: the same invoice.
    const again = await t.call('POST', `/api/v1/orders/${o.id}/invoices`, { kind: 'invoice', shipmentId: sh.id });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, part.id);

    const rest = await ok(t, 'POST', `/api/v1/orders/${o.id}/invoices`, { kind: 'invoice' }, 201);
    assert.equal(rest.shipmentId, null);
    assert.deepEqual(
      rest.lines.map((l: any) => [l.sku, l.quantity, l.net, l.vat, l.gross]),
      [['W-ONLY', 1, '299.00', '68.77', '367.77']],
      'the rest, without the shipping invoiced already',
    );
    assert.equal(
      rest.number,
      part.number.replace(/\d+$/, (n: string) => String(Number(n) + 1).padStart(6, '0')),
    );
    const read = await ok(t, 'GET', `/api/v1/orders/${o.id}`);
    assert.equal(cents(part.gross) + cents(rest.gross), cents(read.totals.grandTotal));
    assert.equal(cents(part.vat) + cents(rest.vat), cents(read.totals.taxTotal));
    const nothingLeft = await t.call('POST', `/api/v1/orders/${o.id}/invoices`, {
      kind: 'invoice',
      shipmentId: fos.find((f: any) => f.location === 'WAW-1').id,
    });
    assert.equal(nothingLeft.status, 404, 'a fulfilment order id is not a shipment');
  });
});
