import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { address, orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { sql } from 'kysely';
import { newId } from '../../src/shared/ids.js';
import { listOrders, resolveSearch, type ListBounds } from '../../src/app/orders/list-orders.js';

/** Reads every page of a sorted list; returns the numbers in the order the pages gave them. */
async function allPages(t: TestApp, params: string, limit: number) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let first: any = null;
  for (let page = 0; page < 50; page++) {
    const url: string = `/api/v1/orders?${params}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await t.call('GET', url);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (page === 0) first = r.body;
    else assert.equal(r.body.total, null, 'later pages do not count again');
    seen.push(...r.body.items.map((o: any) => o.number));
    cursor = r.body.nextCursor;
    if (!cursor) break;
  }
  return { seen, total: first.total as number };
}

describe('orders list: sort, search with totals, CSV export (issue 18 item 5)', () => {
  let t: TestApp;
  const orders: any[] = [];
  before(async () => {
    t = await testApp();
    await seedBasics(t);
    // 13 orders: totals repeat (ties across page boundaries), placed times spread and repeated.
    const cities = ['Łódź', 'Kraków', 'Москва'];
    for (let i = 0; i < 13; i++) {
      const r = await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({
          externalId: `SORT-${i}`,
          placedAt: new Date(Date.UTC(2026, 10, 1 + (i % 5), 10)).toISOString(),
          lines: [
            {
              sku: i === 7 ? 'SKU-2' : 'SKU-1',
              // a marketplace's own title for the product: found by the line's name, not the catalogue's
              ...(i === 3 ? { name: 'Kubek ceramiczny z logo Ordo, EAN 5901234123457' } : {}),
              quantity: 1 + (i % 3),
              unitPrice: '10.00',
              taxRate: '23',
            },
          ],
          shipping: undefined,
          shippingAddress: {
            ...address,
            city: cities[i % 3],
            phone: i === 4 ? '+48 600-100-204' : '+48 500 000 000',
          },
          ...(i === 5 ? { customer: { name: 'Анна Кузнецова', email: 'anna@example.ru' } } : {}),
        }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      orders.push(r.body);
    }
    await t.store
      .insertInto('shipments', {
        id: newId(),
        order_id: orders[9].id,
        carrier: 'inpost',
        status: 'created',
        tracking_number: '620123456789012345678901',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
  });
  after(() => t.close());

  for (const sort of ['placed', '-placed', 'total', '-total', 'number', '-number', 'state', '-state', '-created']) {
    test(`sort=${sort}: pages of 4 give every order once, in order, with the total`, async () => {
      const { seen, total } = await allPages(t, `sort=${sort}`, 4);
      assert.equal(total, 13);
      assert.equal(seen.length, 13, 'no gaps');
      assert.equal(new Set(seen).size, 13, 'no duplicates');
      const byNumber = new Map(orders.map((o) => [o.number, o]));
      const key = (n: string) => {
        const o = byNumber.get(n);
        const field = sort.replace('-', '');
        if (field === 'placed') return o.placedAt;
        if (field === 'total') return Number(o.totals.grandTotal);
        if (field === 'state') return o.state;
        if (field === 'number') return o.number;
        return o.id;
      };
      for (let i = 1; i < seen.length; i++) {
        const [prev, next] = [key(seen[i - 1]!), key(seen[i]!)];
        if (sort.startsWith('-')) assert.ok(prev >= next, `${prev} then ${next}`);
        else assert.ok(prev <= next, `${prev} then ${next}`);
      }
    });
  }

  test('a cursor from one sort is refused for another with a problem, not a 500', async () => {
    const r = await t.call('GET', '/api/v1/orders?sort=total&limit=2');
    const bad = await t.call('GET', `/api/v1/orders?sort=placed&cursor=${r.body.nextCursor}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    const junk = await t.call('GET', '/api/v1/orders?sort=nope');
    assert.equal(junk.status, 400);
  });

  const search = async (q: string) => {
    const r = await t.call('GET', `/api/v1/orders?q=${encodeURIComponent(q)}&limit=2`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { items: any[]; total: number; nextCursor: string | null };
  };

  test('search finds orders by SKU, product name, tracking number, city, phone, e-mail and amount, with a total', async () => {
    const bySku = await search('sku-2');
    assert.equal(bySku.total, 1);
    assert.equal(bySku.items[0].number, orders[7].number);
    const byProduct = await search('чайник');
    assert.equal(byProduct.total, 1);
    assert.equal(byProduct.items[0].number, orders[7].number);
    const byLineName = await search('LOGO ordo');
    assert.equal(byLineName.total, 1);
    assert.equal(byLineName.items[0].number, orders[3].number);
    // five or more digits in a row are looked up by their digit windows (migration 0039)
    const byEanPart = await search('1234123');
    assert.equal(byEanPart.total, 1);
    assert.equal(byEanPart.items[0].number, orders[3].number);
    const byNumberDigits = await search('000001');
    assert.deepEqual(byNumberDigits.total, 5, 'ORD-0000001 and ORD-0000010…13');
    const bySkuPart = await search('ku-');
    assert.equal(bySkuPart.total, 13, 'a part of a SKU finds the lines of every product whose SKU holds it');
    const byPolishProduct = await search('KUBEK ceramiczny');
    assert.equal(byPolishProduct.total, 12);
    assert.equal(byPolishProduct.items.length, 2, 'the total counts every match, the page holds the limit');
    const byTracking = await search('6201234567890');
    assert.equal(byTracking.total, 1);
    assert.equal(byTracking.items[0].number, orders[9].number);
    const byCity = await search('москва');
    assert.equal(byCity.total, 4);
    const byCityPl = await search('łódź');
    assert.equal(byCityPl.total, 5);
    const byPhone = await search('600 100 204');
    assert.equal(byPhone.total, 1);
    assert.equal(byPhone.items[0].number, orders[4].number);
    const byEmail = await search('anna@example.ru');
    assert.equal(byEmail.total, 1);
    assert.equal(byEmail.items[0].customer.name, 'Анна Кузнецова');
    const amount = orders[0].totals.grandTotal as string;
    const byAmount = await search(amount.replace('.', ','));
    assert.ok(byAmount.total >= 1);
    assert.ok(byAmount.items.every((o) => o.grandTotal === amount));
    const nothing = await search('no-such-thing');
    assert.equal(nothing.total, 0);
    assert.deepEqual(nothing.items, []);
  });

  /** Every page of listOrders with the given bounds: the numbers, and the first page's count. */
  async function walk(bounds: ListBounds | undefined, query: Record<string, string>) {
    const numbers: string[] = [];
    let cursor: string | undefined;
    let first: { total: number | null; totalExact: boolean | null } | null = null;
    for (let page = 0; page < 30; page++) {
      const r = await listOrders(t.store, { limit: 3, ...query, ...(cursor ? { cursor } : {}) } as any, bounds);
      if (!first) first = { total: r.total, totalExact: r.totalExact };
      else assert.deepEqual([r.total, r.totalExact], [null, null], 'later pages do not count');
      numbers.push(...r.items.map((o) => o.number));
      if (!r.nextCursor) break;
      cursor = r.nextCursor;
    }
    return { numbers, ...first! };
  }

  // Bounds this small make 'KUBEK ceramiczny' (12 orders by a line), 'москва' (4 by city) and
  // 'łódź' (5) common; 'sku-2' and the tracking number stay rare. `all` samples every order (the
  // sample's matches are the answer). The others sample fewer, so the tenant counts as large:
  // `sampled` reads the newest 4 with a bound of max(2, ⌈√(18 × 13 / 14)⌉) = 5, and a branch is
  // walked when its share of the sample says so or when probing it finds more than 5; `newest`
  // reads one order with a bound of 2, so that probes overflow.
  const all: ListBounds = { searchProbe: 2, countCap: 5, searchSample: 2000, walkPage: 50 };
  const sampled: ListBounds = { searchProbe: 2, countCap: 5, searchSample: 4, walkPage: 18 };
  const newest: ListBounds = { searchProbe: 2, countCap: 5, searchSample: 1, walkPage: 1 };

  test('a common needle is walked, a rare one collected: the same orders either way, and the count says when it is a lower bound', async () => {
    const state = orders[0].state as string;
    for (const bounds of [all, sampled, newest])
      for (const q of [
        'KUBEK ceramiczny',
        'москва',
        'łódź',
        'sku-2',
        'ku-',
        'logo ordo',
        '1234123',
        '000001',
        '6201234567890',
        'SKU-2',
        'no-such-thing',
      ]) {
        for (const extra of [{}, { sort: 'number' }, { sort: '-total' }, { state }, { state: 'cancelled' }] as Record<
          string,
          string
        >[]) {
          const query = { q, ...extra };
          const label = `${JSON.stringify(query)}, sample ${bounds.searchSample}`;
          const exact = await walk(undefined, query);
          const bounded = await walk(bounds, query);
          assert.deepEqual(bounded.numbers, exact.numbers, `${label}: same orders in the same order`);
          assert.equal(exact.totalExact, true);
          assert.equal(exact.total, exact.numbers.length, `${label}: exact total`);
          if (bounded.totalExact) assert.equal(bounded.total, exact.numbers.length, label);
          else {
            assert.ok(bounded.total! <= exact.numbers.length, `${label}: at least the total match`);
            assert.ok(bounded.total! > 0, label);
          }
        }
      }
    // Which needle was walked, and why: a sample of every order walks a branch with more matches
    // than the probe and still knows the exact count.
    const kubek = await resolveSearch(t.store, 'KUBEK ceramiczny', all);
    assert.equal(kubek.conditions.length, 1, 'the line branch is walked');
    assert.deepEqual([kubek.matched, kubek.exact], [12, true]);
    const kubekList = await walk(all, { q: 'KUBEK ceramiczny' });
    assert.deepEqual([kubekList.total, kubekList.totalExact], [12, true]);
    const rare = await resolveSearch(t.store, 'sku-2', all);
    assert.deepEqual([rare.conditions.length, rare.ids, rare.exact], [0, [orders[7].id], true]);
    // A large tenant (the newest 4 sampled): the line is common in the sample, and so is 'łódź' (2 of
    // the newest 4: 6.5 of 13 expected, above 5); 'москва' (1 of 4) is probed and collected.
    // The tenant's size is the planner's estimate: analyzed, it is the 13 orders the bound assumes.
    await sql`analyze orders`.execute(t.store.conn);
    const kubekSampled = await resolveSearch(t.store, 'KUBEK ceramiczny', sampled);
    assert.equal(kubekSampled.conditions.length, 1);
    assert.equal(kubekSampled.exact, false);
    assert.ok(kubekSampled.matched >= 4 && kubekSampled.matched <= 12, String(kubekSampled.matched));
    const lodz = await resolveSearch(t.store, 'łódź', sampled);
    assert.deepEqual([lodz.conditions.length, lodz.exact], [1, false]);
    const moscow = await resolveSearch(t.store, 'москва', sampled);
    assert.deepEqual([moscow.conditions.length, moscow.ids.length, moscow.exact], [0, 4, true], 'probed: 4 ≤ 5');
    // Not among the newest order, but more than 2 when probed: walked, at least 3 known.
    const overflow = await resolveSearch(t.store, 'москва', newest);
    assert.deepEqual(
      [overflow.conditions.length, overflow.ids.length, overflow.matched, overflow.exact],
      [1, 0, 3, false],
    );
    // An exact SKU answers alone, like a number.
    const sku = await walk(sampled, { q: 'SKU-2' });
    assert.deepEqual(sku.numbers, [orders[7].number]);
    // Without a needle the count stops at the cap.
    const every = await walk(sampled, {});
    assert.equal(every.numbers.length, 13);
    assert.deepEqual([every.total, every.totalExact], [5, false]);
    const few = await walk(sampled, { state: 'cancelled' });
    assert.deepEqual([few.total, few.totalExact], [few.numbers.length, true]);
  });

  test('a known set of ids is paged in creation order, slice by slice, when a filter leaves few of them', async () => {
    // 'KUBEK ceramiczny' collects 12 ids; placed on 1 November are orders 0, 5 and 10 only. With a
    // page of 1 the first slice is 8 ids, so the second page needs a second, larger slice.
    const query = { q: 'KUBEK ceramiczny', placedTo: '2026-11-02T00:00:00Z' };
    const paged = await walk(undefined, { ...query, limit: 1 } as any);
    assert.deepEqual(paged.numbers, [orders[10].number, orders[5].number, orders[0].number]);
    assert.deepEqual([paged.total, paged.totalExact], [3, true]);
    const oldestFirst = await walk(undefined, { ...query, sort: 'created' });
    assert.deepEqual(oldestFirst.numbers, [orders[0].number, orders[5].number, orders[10].number]);
  });

  test('GET /orders says whether its total is exact', async () => {
    const first = await t.call('GET', '/api/v1/orders?limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual([first.body.total, first.body.totalExact], [13, true]);
    const next = await t.call('GET', `/api/v1/orders?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    assert.deepEqual([next.body.total, next.body.totalExact], [null, null]);
    const found = await t.call('GET', `/api/v1/orders?q=${encodeURIComponent('KUBEK ceramiczny')}&limit=2`);
    assert.deepEqual([found.body.total, found.body.totalExact], [12, true]);
  });

  test('CSV export: the filtered list in the chosen sort, UTF-8 with BOM, Polish and Cyrillic intact', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders.csv?sort=number&q=' + encodeURIComponent('москва'),
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.match(String(res.headers['content-disposition']), /attachment; filename="orders-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = res.rawPayload;
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte order mark');
    const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'number,displayNumber,externalId,placedAt,state,channel,customer,email,currency,grandTotal,lineCount',
    );
    const expected = orders
      .filter((_o, i) => i % 3 === 2)
      .map((o) => o.number)
      .sort();
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',')[0]),
      expected,
    );
    const anna = lines.find((l) => l.includes('Анна Кузнецова'));
    assert.ok(anna, 'the Cyrillic name is intact');
    assert.ok(anna!.includes(',RUB,') || anna!.includes(',PLN,'));
    const all = await t.app.inject({
      method: 'GET',
      url: '/api/v1/orders.csv',
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    const rows = all.rawPayload.subarray(3).toString('utf8').trimEnd().split('\r\n');
    assert.equal(rows.length, 14, 'header and every order');
    assert.ok(
      rows.some((l) => l.includes('Grzegorz Brzęczyszczykiewicz')),
      'the Polish name is intact',
    );
  });
});
