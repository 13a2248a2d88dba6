import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { orderBody } from '../support.js';
import { browserSkip, type ConsoleRig, signIn, startWebAndMarketplaceConsole } from './browser.js';

/**
 * The codes of these orders' states, and the console catalogue's own fallbacks for them ("Stock
 * exception"), which the processes' words replace.
 */
const CODES = /\b(stock_exception|shortage_exception|awaiting_payment)\b|Stock exception|Shortage exception/i;

const WORDS = {
  en: { short: 'Out of stock', unpaid: 'Awaiting payment' },
  pl: { short: 'Brak towaru', unpaid: 'Czeka na płatność' },
  ru: { short: 'Нет товара', unpaid: 'Ждёт оплаты' },
} as const;

/** The two processes' names (their definitions' `labels`), with the version in words. */
const PROCESS_NAMES = {
  pl: ['Marketplace FBS (wysyłka ze sprzedawcy), wersja 1', 'Sprzedaż detaliczna B2C (omnichannel), wersja 1'],
  ru: ['Маркетплейс FBS (со склада продавца), версия 1', 'Розничные продажи B2C (омниканал), версия 1'],
} as const;

/** A process named by its code and version, as the exceptions queue used to show it. */
const PROCESS_CODES = /b2c-omnichannel|marketplace-fbs|\bv1\b/;

/** The process line of every row of the exceptions queue, sorted. */
async function exceptionProcesses(page: Page) {
  await page.getByTestId('exception-process').nth(1).waitFor();
  return (await page.getByTestId('exception-process').allInnerTexts()).sort();
}

/** The texts of the state badges in the orders table, row by row. */
const badges = (page: Page) => page.locator('.orders-table [data-state]').allInnerTexts();

/**
 * Issue 18 ("words everywhere"): the orders list's rows, its state filter, its search results and
 * drill-down chips, the customer page and the exceptions queue name states (and the queue and the
 * order page name processes) by the processes' labels in English, Polish and Russian (`GET /processes/words` through one helper,
 * web/src/components/state-words.ts), never the code. Screenshots state-words-*.png.
 */
describe('states in words on every list', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let customerId = '';
  const orders: Record<string, { id: string; number: string; state: string }> = {};

  before(async () => {
    ({ rig } = await startWebAndMarketplaceConsole());
    const create = async (key: string, body: Record<string, unknown>, state: string) => {
      const created = await rig.call('POST', '/api/v1/orders', orderBody(body));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.state, state);
      orders[key] = created.body;
    };
    // the b2c process's stock exception and the marketplace's shortage exception: both "Out of stock"
    await create(
      'short',
      {
        externalId: 'WEB-WORDS-1',
        paymentTerms: { kind: 'deferred', dueDays: 14 },
        lines: [{ sku: 'SKU-2', quantity: 500, unitPrice: '149.00', taxRate: '23' }],
      },
      'stock_exception',
    );
    await create(
      'marketplace',
      {
        externalId: 'WB-WORDS-1',
        channel: 'wildberries',
        currency: 'RUB',
        lines: [{ sku: 'SKU-1', quantity: 500, unitPrice: '100.00', taxRate: '20' }],
      },
      'shortage_exception',
    );
    await create('unpaid', { externalId: 'WEB-WORDS-2' }, 'awaiting_payment');
    const read = await rig.call('GET', `/api/v1/orders/${orders.unpaid!.id}`);
    customerId = read.body.customer.id;
    assert.ok(customerId, JSON.stringify(read.body.customer));
    await rig.addUser('viewer@example.pl', ['viewer'], 'pl');
    await rig.addUser('operator@example.pl', ['operator'], 'ru');
  });
  after(async () => {
    await rig?.close();
  });

  test('EN: the orders list, its state filter and search results say the states in the process’s words', async () => {
    const page = rig.page;
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/orders`);
    await page.locator('.orders-table [data-state]').nth(2).waitFor();
    await page.locator('.orders-table [data-state]', { hasText: WORDS.en.short }).first().waitFor();
    const texts = await badges(page);
    assert.deepEqual(texts.sort(), [WORDS.en.unpaid, WORDS.en.short, WORDS.en.short].sort());
    const filter = page.getByRole('combobox', { name: 'State' });
    // its states arrive with their own request: wait for them before reading the options
    await filter.locator('option', { hasText: WORDS.en.short }).first().waitFor({ state: 'attached' });
    const options = await filter.locator('option').allInnerTexts();
    assert.ok(options.includes(WORDS.en.short), options.join(' | '));
    assert.doesNotMatch(options.join('\n'), CODES);
    assert.doesNotMatch(await page.locator('main').innerText(), CODES);
    await rig.shot('state-words-orders-en', page);

    // search results are the same list: the number found, its state in words
    await page.getByRole('searchbox').fill(orders.marketplace!.number);
    await page.waitForURL(/q=/);
    await page.getByText(orders.marketplace!.number).waitFor();
    await page.waitForFunction(`document.querySelectorAll('.orders-table [data-state]').length === 1`);
    assert.deepEqual(await badges(page), [WORDS.en.short]);
    await rig.shot('state-words-search-en', page);
  });

  test('PL (viewer): the list filtered by state, the stage chip and the customer page in Polish', async () => {
    const page = await rig.newPage('pl-PL');
    await signIn(page, rig.base, 'viewer@example.pl');
    await page.goto(`${rig.base}/orders?state=awaiting_payment`);
    await page.waitForFunction(`document.querySelectorAll('.orders-table [data-state]').length === 1`);
    assert.deepEqual(await badges(page), [WORDS.pl.unpaid]);
    const selected = await page.locator('select[name="state"] option:checked').innerText();
    assert.equal(selected, WORDS.pl.unpaid);
    assert.doesNotMatch(await page.locator('main').innerText(), CODES);
    await rig.shot('state-words-orders-pl', page);

    // a KPI drill-down's stage names the stage in words
    await page.goto(`${rig.base}/orders?stage=stock_exception`);
    const chips = page.getByTestId('drill-down');
    // the built-in word shows until the process's words have loaded, then the process's word
    await chips.getByText(new RegExp(WORDS.pl.short)).waitFor();
    assert.doesNotMatch(await chips.innerText(), CODES);

    await page.goto(`${rig.base}/customers/${customerId}`);
    await page.locator('main [data-state]').first().waitFor();
    const customerBadges = await page.locator('main [data-state]').allInnerTexts();
    assert.ok(customerBadges.includes(WORDS.pl.unpaid), customerBadges.join(' | '));
    assert.ok(customerBadges.includes(WORDS.pl.short), customerBadges.join(' | '));
    assert.doesNotMatch(await page.locator('main').innerText(), CODES);
    await rig.shot('state-words-customer-pl', page);

    // the exceptions queue names each order's process in Polish, not `b2c-omnichannel v1`
    await page.goto(`${rig.base}/exceptions`);
    assert.deepEqual(await exceptionProcesses(page), [...PROCESS_NAMES.pl]);
    assert.doesNotMatch(await page.locator('main').innerText(), PROCESS_CODES);
    await rig.shot('state-words-exceptions-pl', page);
    // and so does the order's page
    await page.goto(`${rig.base}/orders/${orders.short!.id}`);
    await page.getByTestId('order-process').getByText(PROCESS_NAMES.pl[1]).waitFor();
    assert.doesNotMatch(await page.getByTestId('order-process').innerText(), PROCESS_CODES);
    await page.close();
  });

  test('RU (operator): the orders list, the customer page and the exceptions queue in Russian', async () => {
    const page = await rig.newPage('ru-RU');
    await signIn(page, rig.base, 'operator@example.pl');
    await page.goto(`${rig.base}/orders`);
    await page.locator('.orders-table [data-state]').nth(2).waitFor();
    await page.locator('.orders-table [data-state]', { hasText: WORDS.ru.short }).first().waitFor();
    assert.deepEqual((await badges(page)).sort(), [WORDS.ru.unpaid, WORDS.ru.short, WORDS.ru.short].sort());
    assert.doesNotMatch(await page.locator('main').innerText(), CODES);
    await rig.shot('state-words-orders-ru', page);

    await page.goto(`${rig.base}/customers/${customerId}`);
    await page.locator('main [data-state]').first().waitFor();
    assert.ok((await page.locator('main [data-state]').allInnerTexts()).includes(WORDS.ru.unpaid));
    assert.doesNotMatch(await page.locator('main').innerText(), CODES);
    await rig.shot('state-words-customer-ru', page);

    await page.goto(`${rig.base}/exceptions`);
    await page.locator('main [data-state]').first().waitFor();
    const exceptionText = await page.locator('main').innerText();
    assert.match(exceptionText, new RegExp(WORDS.ru.short));
    assert.doesNotMatch(exceptionText, CODES);
    assert.deepEqual(await exceptionProcesses(page), [...PROCESS_NAMES.ru]);
    assert.doesNotMatch(await page.locator('main').innerText(), PROCESS_CODES);
    await rig.shot('state-words-exceptions-ru', page);

    // the processes page names them in Russian too (their titles are English)
    await page.goto(`${rig.base}/processes`);
    await page.getByTestId('process-name').getByText('Розничные продажи B2C (омниканал)').waitFor();
    assert.deepEqual((await page.getByTestId('process-name').allInnerTexts()).sort(), [
      'Маркетплейс FBS (со склада продавца)',
      'Розничные продажи B2C (омниканал)',
    ]);
    await rig.shot('state-words-processes-ru', page);
    await page.close();
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('the processes page and the designer name each process in the user’s language, the key only as small text', async () => {
    const cases = [
      {
        lang: 'en',
        email: rig.email,
        locale: 'en-GB',
        key: 'Key',
        names: ['B2C omnichannel retail', 'Marketplace FBS'],
      },
      {
        lang: 'pl',
        email: 'viewer@example.pl',
        locale: 'pl-PL',
        key: 'Klucz',
        names: ['Marketplace FBS (wysyłka ze sprzedawcy)', 'Sprzedaż detaliczna B2C (omnichannel)'],
      },
      {
        lang: 'ru',
        email: 'operator@example.pl',
        locale: 'ru-RU',
        key: 'Ключ',
        names: ['Маркетплейс FBS (со склада продавца)', 'Розничные продажи B2C (омниканал)'],
      },
    ];
    for (const c of cases) {
      const page = await rig.newPage(c.locale);
      await signIn(page, rig.base, c.email);
      await page.goto(`${rig.base}/processes`);
      // the link itself is the name in words (not `marketplace-fbs`)
      await page.getByRole('link', { name: c.names[0], exact: true }).waitFor();
      assert.deepEqual((await page.getByTestId('process-name').allInnerTexts()).sort(), c.names, c.lang);
      assert.deepEqual((await page.getByTestId('process-key').allInnerTexts()).sort(), [
        'b2c-omnichannel',
        'marketplace-fbs',
      ]);
      await rig.shot(`processes-names-${c.lang}`, page);

      const marketplace = c.names.find((n) => /FBS/.test(n))!;
      await page.getByRole('link', { name: marketplace, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: marketplace, exact: true }).waitFor();
      assert.equal(await page.getByTestId('designer-key').innerText(), `${c.key}: marketplace-fbs`);
      await page.locator('.react-flow__node').first().waitFor();
      await rig.shot(`processes-designer-name-${c.lang}`, page);
      await page.close();
    }
    assert.deepEqual(rig.consoleErrors, []);
  });
});
