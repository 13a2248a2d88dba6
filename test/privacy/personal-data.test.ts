import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { fulfilmentApp, ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, lineOf, seedReturns } from '../returns/helpers.js';
import { orderBody, setUpSeller } from '../support.js';
import { newId } from '../../src/shared/ids.js';
import { erasePersonalData } from '../../src/app/privacy/erase-personal-data.js';
import { DEFAULT_PRIVACY_POLICY } from '../../src/app/privacy/retention.js';

/**
 * Data-subject requests (issue 20, docs/privacy.md): export everything held about a person, then
 * erase it — and prove it is gone by searching every text and JSON column of every tenant table
 * for the person's strings, so a table forgotten by the erasure fails this test.
 */
const PERSON = {
  name: 'Ludmiła Ковалёва-Żmigrodzka',
  email: 'Ludmila.Kovaleva@example.ru',
  phone: '+48 601 234 567',
};
const ADDRESS = {
  name: PERSON.name,
  line1: 'ul. Sadowa 15/7',
  line2: 'Klatka Щ',
  city: 'Gdańsk',
  postalCode: '80-001',
  country: 'PL',
  phone: PERSON.phone,
};
const GUEST = { name: 'Фёдор Пржевальский', email: 'fedor.p@example.ru', line1: 'пр. Невский 28' };

/** Every (table, column) of the tenant whose text or JSON holds one of the needles (any case). */
async function traces(t: FulfilmentTestApp, needles: string[]) {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    where c.table_schema = current_schema()
      and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
      and exists (select 1 from information_schema.columns k
                  where k.table_schema = c.table_schema and k.table_name = c.table_name and k.column_name = 'tenant_id')
    order by 1, 2`.execute(t.database.db);
  const byTable = new Map<string, string[]>();
  for (const { table_name: table, column_name: column } of columns.rows)
    byTable.set(table, [...(byTable.get(table) ?? []), column]);
  const lowered = needles.map((n) => n.toLowerCase());
  const found = new Set<string>();
  for (const [table, cols] of byTable) {
    const rows = await sql<Record<string, string | null>>`select ${sql.join(
      cols.map((column) => sql`${sql.ref(column)}::text as ${sql.ref(column)}`),
    )} from ${sql.table(table)} where tenant_id = ${t.tenantId}`.execute(t.database.db);
    for (const row of rows.rows)
      for (const column of cols) {
        const value = row[column]?.toLowerCase();
        if (!value) continue;
        lowered.forEach((needle, index) => {
          if (value.includes(needle)) found.add(`${table}.${column} ∋ ${needles[index]}`);
        });
      }
  }
  return [...found];
}

const erase = { reason: 'request 2026/117 by e-mail', legalBasis: 'gdpr_art17' as const };

describe('privacy: export and erase one data subject', () => {
  let t: FulfilmentTestApp;
  let customerId: string;
  let delivered: { id: string; number: string; lines: Array<{ id: string; sku: string }> };
  let open: { id: string };
  let guestOrder: { id: string };
  let otherOrder: { id: string };
  before(async () => {
    t = await fulfilmentApp();
    await seedReturns(t);
    await setUpSeller(t);
    const c = await ok(
      t,
      'POST',
      '/api/v1/customers',
      {
        code: 'C-LK',
        name: PERSON.name,
        email: PERSON.email,
        phone: PERSON.phone,
        locale: 'pl',
        addresses: [ADDRESS],
      },
      201,
    );
    customerId = c.id;
    delivered = await deliveredOrder(t, {
      customer: { code: 'C-LK' },
      shippingAddress: ADDRESS,
      notes: `Dzwonić przed dostawą: ${PERSON.phone}`,
    });
    // an invoice (kept for tax law) and a return with a note naming the person
    await ok(t, 'POST', `/api/v1/orders/${delivered.id}/invoices`, { kind: 'invoice' }, 201);
    const ret = await ok(
      t,
      'POST',
      `/api/v1/orders/${delivered.id}/returns`,
      {
        lines: [{ lineId: lineOf(delivered, 'SKU-1'), quantity: 1 }],
        reason: 'not_as_described',
        wish: 'refund',
        note: `Odbiór od ${PERSON.name}, ${ADDRESS.line1}`,
        dropOff: { kind: 'store', locationCode: 'KRK-S' },
      },
      201,
    );
    await ok(t, 'POST', `/api/v1/orders/${ret.id}/events`, { name: 'cancel' });
    // a guest order with the same e-mail (no customer record), cancelled
    guestOrder = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'G-1',
        customer: { name: PERSON.name, email: PERSON.email.toLowerCase() },
        shippingAddress: ADDRESS,
      }),
      201,
    );
    await ok(t, 'POST', `/api/v1/orders/${guestOrder.id}/events`, { name: 'payment_failed' });
    // still open: not delivered
    open = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'O-1', customer: { code: 'C-LK' }, shippingAddress: ADDRESS }),
      201,
    );
    // someone else
    otherOrder = await deliveredOrder(t);
    // a raw record holding the e-mail that is linked to no order (a job's payload)
    await t.store
      .insertInto('jobs', {
        id: newId(),
        kind: 'privacy.test',
        key: null,
        payload: JSON.stringify({ to: PERSON.email, note: 'nie powiązane z zamówieniem' }),
        run_at: new Date(),
      })
      .execute();
  });
  after(() => t.close());

  test('Given the person has an order not yet delivered, When erasure is asked, Then 409 PRIVACY_OPEN_ORDERS names it and nothing changes', async () => {
    const r = await t.call('POST', `/api/v1/customers/${customerId}:erase`, erase);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.code, 'PRIVACY_OPEN_ORDERS');
    assert.deepEqual(
      r.body.orders.map((o: any) => o.id),
      [open.id],
    );
    const c = await ok(t, 'GET', `/api/v1/customers/${customerId}`);
    assert.equal(c.name, PERSON.name);
    const bad = await t.call('POST', `/api/v1/customers/${customerId}:erase`, { reason: 'x', legalBasis: 'because' });
    assert.equal(bad.status, 400);
    const none = await t.call('POST', `/api/v1/customers/${newId()}:erase`, erase);
    assert.equal(none.status, 404);
  });

  test('Given orders, a return, notifications and an invoice, When the personal data is exported, Then every place holding it is in the JSON', async () => {
    const r = await t.call('GET', `/api/v1/customers/${customerId}/personal-data`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.format, 'ordo.personal-data/1');
    const data = r.body.data;
    for (const table of [
      'customers',
      'orders',
      'order_lines',
      'order_history',
      'notifications',
      'returns',
      'payments',
      'invoices',
      'shipments',
      'jobs',
    ])
      assert.ok(data[table]?.length > 0, `export has no ${table}: ${Object.keys(data).join(', ')}`);
    const orderIds = data.orders.map((o: any) => o.id);
    for (const id of [delivered.id, guestOrder.id, open.id]) assert.ok(orderIds.includes(id), `order ${id} missing`);
    assert.ok(!orderIds.includes(otherOrder.id), "another customer's order is not in the export");
    assert.ok(data.returns.some((x: any) => x.note.includes(PERSON.name)));
    assert.ok(data.notifications.every((n: any) => orderIds.includes(n.order_id)));
    // by e-mail (guest lookup), in any case
    const byMail = await ok(t, 'POST', '/api/v1/privacy:export', { email: PERSON.email.toUpperCase() });
    assert.deepEqual(byMail.subject.customerIds, [customerId]);
    assert.equal(byMail.data.orders.length, data.orders.length);
    const nobody = await t.call('POST', '/api/v1/privacy:export', { email: 'nikt@example.pl' });
    assert.equal(nobody.status, 404);
  });

  test('When the open order is cancelled and the person erased, Then no name, e-mail, phone or address is left in any table, amounts and history stay, the invoice keeps its buyer, and customer.erased is in the outbox', async () => {
    await ok(t, 'POST', `/api/v1/orders/${open.id}/events`, { name: 'payment_failed' });
    const needles = [PERSON.name, PERSON.email, PERSON.phone, '601234567', ADDRESS.line1, ADDRESS.line2];
    assert.ok((await traces(t, needles)).length > 5, 'the person is on file before erasure');

    const before = await t.store.selectFrom('orders').select(['id', 'grand_total', 'state']).orderBy('id').execute();
    const historyBefore = await t.store.selectFrom('order_history').select('id').execute();
    const otherBefore = await ok(t, 'GET', `/api/v1/orders/${otherOrder.id}`);

    const r = await t.call('POST', `/api/v1/customers/${customerId}:erase`, erase);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.alreadyErased, false);
    assert.ok(r.body.orders >= 4, JSON.stringify(r.body));
    assert.equal(r.body.retained.length, 1, 'the invoice is kept');
    assert.equal(r.body.retained[0].table, 'invoices');

    const left = (await traces(t, needles)).filter((hit) => !hit.startsWith('invoices.document'));
    // the invoice keeps name and address, not the e-mail or phone
    assert.deepEqual(
      (await traces(t, needles)).filter((hit) => hit.startsWith('invoices.document')).sort(),
      [ADDRESS.line1, ADDRESS.line2, PERSON.name].map((v) => `invoices.document ∋ ${v}`).sort(),
    );
    assert.deepEqual(left, [], 'personal data left after erasure');

    // the invoice keeps what tax law requires on it, not the e-mail
    const invoice = await t.store
      .selectFrom('invoices')
      .select('document')
      .where('order_id', '=', delivered.id)
      .executeTakeFirstOrThrow();
    const buyer = (invoice.document as any).document.buyer;
    assert.equal(buyer.name, PERSON.name);
    assert.equal(buyer.address.line1, ADDRESS.line1);
    assert.equal(buyer.email, undefined);

    const after = await t.store.selectFrom('orders').select(['id', 'grand_total', 'state']).orderBy('id').execute();
    assert.deepEqual(after, before, 'amounts, states and the number of orders unchanged');
    // every entry kept, plus one per order saying it was erased (and by which erasure)
    const historyAfter = await t.store.selectFrom('order_history').select(['id', 'action', 'reason']).execute();
    assert.equal(historyAfter.length, historyBefore.length + r.body.orders);
    const marks = historyAfter.filter((h) => h.action === 'personal_data.erased');
    assert.equal(marks.length, r.body.orders);
    assert.equal((marks[0]!.reason as any).erasureId, r.body.erasureId);
    const erasedOrder = await ok(t, 'GET', `/api/v1/orders/${delivered.id}`);
    assert.equal(erasedOrder.lines.length, 3);
    assert.equal(erasedOrder.shippingAddress.country, 'PL');
    const customer = await ok(t, 'GET', `/api/v1/customers/${customerId}`);
    assert.equal(customer.name, '[erased]');
    assert.equal(customer.email, null);

    // someone else is untouched
    assert.deepEqual(await ok(t, 'GET', `/api/v1/orders/${otherOrder.id}`), otherBefore);
    const grzegorz = await t.store
      .selectFrom('customers')
      .select(['name', 'email'])
      .where('code', '=', 'C-1')
      .executeTakeFirstOrThrow();
    assert.deepEqual(grzegorz, { name: 'Grzegorz Brzęczyszczykiewicz', email: 'grzegorz@example.pl' });

    const events = await t.store
      .selectFrom('events')
      .select(['type', 'subject', 'payload'])
      .where('type', '=', 'customer.erased')
      .execute();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.subject, customerId);
    assert.ok((events[0]!.payload as any).orderIds.includes(delivered.id));
    assert.equal((events[0]!.payload as any).legalBasis, 'gdpr_art17');

    const records = await ok(t, 'GET', `/api/v1/privacy/erasures?customerId=${customerId}`);
    assert.equal(records.items.length, 1);
    assert.equal(records.items[0].reason, erase.reason);
    assert.equal(records.items[0].actor.type, 'api_key');

    // a repeat changes nothing, records nothing, announces nothing
    const again = await ok(t, 'POST', `/api/v1/customers/${customerId}:erase`, erase);
    assert.equal(again.alreadyErased, true);
    assert.equal(again.erasureId, r.body.erasureId);
    const byMail = await ok(t, 'POST', '/api/v1/privacy:erase', { ...erase, email: PERSON.email });
    assert.equal(byMail.alreadyErased, true);
    assert.equal((await ok(t, 'GET', '/api/v1/privacy/erasures')).items.length, 1);
    assert.equal(
      (await t.store.selectFrom('events').select('id').where('type', '=', 'customer.erased').execute()).length,
      1,
    );
  });

  test('Given the invoice retention has run out, When the erasure is asked again, Then the invoice buyer is masked too and a second erasure is recorded', async () => {
    const later = new Date('2040-01-02T00:00:00Z');
    const outcome = await erasePersonalData(
      t.store,
      { type: 'system', id: null, name: 'test' },
      later,
      { customerId },
      erase,
      DEFAULT_PRIVACY_POLICY,
    );
    assert.equal(outcome.alreadyErased, false);
    assert.deepEqual(outcome.erased, { invoices: 1 });
    assert.deepEqual(outcome.retained, []);
    assert.deepEqual(await traces(t, [PERSON.name, PERSON.email, ADDRESS.line1, ADDRESS.line2]), []);
    const invoice = await t.store
      .selectFrom('invoices')
      .select(['document', 'gross', 'number'])
      .where('order_id', '=', delivered.id)
      .executeTakeFirstOrThrow();
    const document = (invoice.document as any).document;
    assert.equal(document.buyer.name, '[erased]');
    assert.equal(document.buyer.address.countryCode, 'PL');
    assert.ok(document.seller.name.length > 0, 'the seller stays');
    assert.equal((await ok(t, 'GET', '/api/v1/privacy/erasures')).items.length, 2);
  });

  test('Given an open order, When erasure is forced, Then it is done, the order keeps running without the address, and the erasure says it was forced', async () => {
    const c = await ok(
      t,
      'POST',
      '/api/v1/customers',
      { code: 'C-FORCE', name: 'Щукин Ярослав', email: 'jarek@example.ru' },
      201,
    );
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'F-1',
        customer: { code: 'C-FORCE' },
        shippingAddress: { ...ADDRESS, name: 'Щукин Ярослав', line1: 'ul. Wąska 3' },
      }),
      201,
    );
    const refused = await t.call('POST', `/api/v1/customers/${c.id}:erase`, erase);
    assert.equal(refused.status, 409);
    const forced = await ok(t, 'POST', `/api/v1/customers/${c.id}:erase`, { ...erase, force: true });
    assert.equal(forced.alreadyErased, false);
    const order = await ok(t, 'GET', `/api/v1/orders/${o.id}`);
    assert.equal(order.state, o.state, 'the order keeps its state');
    assert.deepEqual(await traces(t, ['Щукин Ярослав', 'jarek@example.ru', 'ul. Wąska 3']), []);
    const records = await ok(t, 'GET', `/api/v1/privacy/erasures?customerId=${c.id}`);
    assert.equal(records.items[0].forced, true);
  });

  test('Given a guest order without a customer record, When erased by e-mail, Then its name, e-mail and address are gone and the event names no customer', async () => {
    const o = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'G-2',
        customer: { name: GUEST.name, email: GUEST.email },
        shippingAddress: { ...ADDRESS, name: GUEST.name, line1: GUEST.line1, phone: undefined },
      }),
      201,
    );
    await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_failed' });
    const exported = await ok(t, 'POST', '/api/v1/privacy:export', { email: GUEST.email });
    assert.deepEqual(exported.subject.customerIds, []);
    assert.deepEqual(exported.subject.orderIds, [o.id]);
    const r = await ok(t, 'POST', '/api/v1/privacy:erase', { ...erase, email: GUEST.email });
    assert.equal(r.customerId, null);
    assert.deepEqual(await traces(t, [GUEST.name, GUEST.email, GUEST.line1]), []);
    const again = await ok(t, 'POST', '/api/v1/privacy:erase', { ...erase, email: GUEST.email });
    assert.equal(again.alreadyErased, true);
    const viewer = await t.call('POST', '/api/v1/privacy:erase', { ...erase });
    assert.equal(viewer.status, 400);
  });
});
