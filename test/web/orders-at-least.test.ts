import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';
import { seedBasics, type TestApp } from '../support.js';
import { generateOrders } from '../../src/app/demo/generate-orders.js';
import type { Db } from '../../src/store/db.js';

/**
 * A search too common to count (issue 19 item 5, list-orders.ts): with more orders than the search
 * samples, a needle every order matches is walked, and narrowed by a state its count comes from the
 * page: "At least N", N one more than the page shows. Read as an operator reads it, in English,
 * Polish and Russian; screenshots in test-artifacts/screenshots/orders-at-least-*.png.
 */
describe('the orders list says "at least" when a search is too common to count', { skip: browserSkip }, () => {
  let rig: ConsoleRig;

  before(async () => {
    rig = await startConsole();
    await seedBasics({ call: rig.call } as TestApp);
    // more than the 2,000 newest orders a search samples, an hour apart (most of them delivered);
    // every generated number starts G0000
    await generateOrders(rig.store.conn as Db, rig.tenantId, { orders: 2_100, skus: 20, seed: 19, spacing: 3_600 });
  });
  after(() => rig?.close());

  test('a needle every order matches, narrowed to delivered orders, counts at least one more than the page', async () => {
    const page = rig.page;
    const delivered = await rig.store
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', '=', 'delivered')
      .executeTakeFirstOrThrow();
    // the console asks for pages of 100
    const api = await rig.call('GET', '/api/v1/orders?q=G0000&state=delivered&limit=100');
    assert.equal(api.status, 200);
    assert.equal(
      api.body.totalExact,
      false,
      JSON.stringify({ total: api.body.total, n: api.body.items.length, delivered }),
    );
    assert.equal(api.body.total, api.body.items.length + 1, 'one more than the page');
    assert.ok(Number(delivered.n) > api.body.total, `${delivered.n} delivered orders, more than the list claims`);
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/orders?q=G0000&state=delivered`);
    const total = page.getByTestId('orders-total');
    const atLeast = api.body.total as number;
    await total.getByText(`At least ${atLeast} matching orders`).waitFor();
    await rig.shot('orders-at-least-en', page);

    await switchLanguage(page, /User menu/, 'Polski');
    const pl = { one: 'pasujące zamówienie', few: 'pasujące zamówienia' }[
      new Intl.PluralRules('pl').select(atLeast) as string
    ];
    await total.getByText(`Co najmniej ${atLeast} ${pl ?? 'pasujących zamówień'}`).waitFor();
    await rig.shot('orders-at-least-pl', page);
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    const ru = ['few', 'many'].includes(new Intl.PluralRules('ru').select(atLeast)) ? 'заказов' : 'заказа';
    await total.getByText(`Найдено не менее ${atLeast} ${ru}`).waitFor();
    await rig.shot('orders-at-least-ru', page);
    await switchLanguage(page, /Меню пользователя/, 'English');

    // a needle few orders match is counted exactly
    const one = await rig.store.selectFrom('orders').select('number').orderBy('number').executeTakeFirstOrThrow();
    await page.goto(`${rig.base}/orders?q=${one.number}`);
    await total.getByText('1 matching order').waitFor();
  });
});
