import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, shippedFrom } from '../returns/helpers.js';
import { orderBody } from '../support.js';
import { b2bOrderOfOne, browserSkip, type ConsoleRig, startB2bConsole, switchLanguage } from './browser.js';

/** Process codes an operator must never read on these pages. */
const CODES =
  /\b(awaiting_approval|awaiting_payment|stock_exception|in_transit|b2b_portal|NO_OPEN_TASK|TRANSITION_NOT_ALLOWED)\b/;

/**
 * Issue 18 walked in chromium as an operator would: the dashboard names states in the user's
 * language, shows the cycle time of delivered orders and late, oversold, returned, cancelled and
 * stuck figures, each a link to exactly its orders; the "needs attention" badge leads to those
 * orders; the bulk bar approves, cancels (with a reason) and prints in one request and tells each
 * order's outcome — in English, Polish and Russian; a viewer gets no bulk actions.
 * Screenshots in test-artifacts/screenshots/ops-*.png.
 */
describe('dashboard, needs attention and the bulk bar', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let t: FulfilmentTestApp;
  const orders: Record<string, { id: string; number: string }> = {};

  before(async () => {
    ({ rig, t } = await startB2bConsole());
    orders.delivered1 = await deliveredOrder(t);
    orders.delivered2 = await deliveredOrder(t);
    for (const key of ['approve1', 'approve2', 'cancel1'])
      orders[key] = await ok(t, 'POST', '/api/v1/orders', b2bOrderOfOne(`PO-OPS-${key}`), 201);
    // more than the stock: the order waits in the stock exception (it needs attention)
    orders.short = await ok(
      t,
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'OPS-SHORT',
        paymentTerms: { kind: 'deferred', dueDays: 14 },
        lines: [{ sku: 'SKU-2', quantity: 500, unitPrice: '149.00', taxRate: '23' }],
      }),
      201,
    );
    const short = await ok(t, 'GET', `/api/v1/orders/${orders.short!.id}`);
    assert.equal(short.state, 'stock_exception', JSON.stringify(short.process));
    await rig.addUser('podglad@example.pl', ['viewer'], 'pl');
  });
  after(async () => {
    await rig?.close();
  });

  test('EN: the dashboard names states, shows the cycle time of delivered orders, and every figure opens its orders', async () => {
    const page = rig.page;
    await rig.login(page, rig.email);
    const total = (await ok(t, 'GET', '/api/v1/reports/orders-summary?days=30')).total as number;
    await page.getByTestId('kpi-orders').getByText(String(total)).waitFor();
    // the cycle-time cards carry figures of the two delivered orders, not the empty text
    await page.getByTestId('kpi-cycle').waitFor();
    await page.getByTestId('kpi-cycle-average').waitFor();
    await page.getByText('over 2 delivered orders').first().waitFor();
    for (const id of ['late', 'oversold', 'returned', 'cancelled', 'stuck'])
      await page.getByTestId(`kpi-${id}`).waitFor();
    const pie = page.getByRole('img', { name: /Delivered: 2/ });
    await pie.waitFor();
    const pieText = (await pie.getAttribute('aria-label')) ?? '';
    assert.match(pieText, /Awaiting approval: 3/);
    assert.match(pieText, /Out of stock: 1/);
    assert.doesNotMatch(pieText, CODES, 'states in words, not codes');
    await page.getByRole('img', { name: /Portal B2B: 3/ }).waitFor(); // channels by name, not code
    await page.getByTestId('kpi-oversold').getByText('1').waitFor();
    await rig.shot('ops-dashboard-en', page);
    await pie.scrollIntoViewIfNeeded();
    await rig.shot('ops-dashboard-states-en', page);

    // the cycle time drills down to exactly the delivered orders
    await page.getByTestId('kpi-cycle').getByRole('link').click();
    await page.getByTestId('drill-down').getByText('Figure: Finished').waitFor();
    await page.getByTestId('orders-total').getByText('2 matching orders').waitFor();
    await page.getByText(orders.delivered1!.number).waitFor();
    await rig.shot('ops-drill-cycle-en', page);
    await page.goBack();
    await page.getByTestId('kpi-orders').getByRole('link').click();
    await page
      .getByTestId('drill-down')
      .getByText(/Placed from: /)
      .waitFor();
    await page.getByTestId('orders-total').getByText(`${total} matching orders`).waitFor();
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('EN: the dashboard filtered to one channel, then one location, counts only their orders and its drill-down keeps the filter', async () => {
    const page = rig.page;
    await page.goto(`${rig.base}/`);
    const all = (await ok(t, 'GET', '/api/v1/reports/orders-summary?days=30')).total as number;
    const portal = (await ok(t, 'GET', '/api/v1/reports/orders-summary?days=30&channel=b2b')).total as number;
    assert.ok(portal > 0 && portal < all, `the portal's ${portal} of ${all} orders`);
    await page.getByTestId('kpi-orders').getByText(String(all)).waitFor();
    await page.getByRole('combobox', { name: 'Channel', exact: true }).selectOption({ label: 'Portal B2B' });
    await page.getByTestId('kpi-orders').getByText(String(portal)).waitFor();
    assert.match(page.url(), /[?&]channel=b2b\b/, 'the filter is in the address');
    await page.getByRole('img', { name: /^Portal B2B: \d+$/ }).waitFor(); // the per-channel chart: that channel alone
    await rig.shot('ops-dashboard-channel-en', page);
    await page.getByTestId('kpi-orders').getByRole('link').click();
    await page.getByTestId('orders-total').getByText(`${portal} matching orders`).waitFor();
    assert.match(page.url(), /[?&]channel=b2b\b/);

    // the delivered orders' location: a reload of a shared address shows the same figures
    const location = await shippedFrom(t, orders.delivered1!.id);
    const atLocation = (await ok(t, 'GET', `/api/v1/reports/orders-summary?days=30&location=${location}`))
      .total as number;
    await page.goto(`${rig.base}/?location=${encodeURIComponent(location)}`);
    await page.getByTestId('kpi-orders').getByText(String(atLocation)).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Shipped from', exact: true }).inputValue(), location);
    await page.getByRole('combobox', { name: 'Channel', exact: true }).selectOption({ label: 'Every channel' });
    assert.deepEqual(rig.consoleErrors, []);
  });

  test("EN: the operations panel counts the filtered channel's tasks and exceptions, and its links keep the filter", async () => {
    const page = rig.page;
    await page.goto(`${rig.base}/?channel=b2b`);
    // the portal's orders wait for approval: tasks, but no exception
    await page.getByText('No order is waiting in an exception.').waitFor();
    const overdue = page.getByTestId('kpi-overdue').getByRole('link');
    assert.equal(await overdue.getAttribute('href'), '/inbox?channel=b2b&overdue=true');
    await page.getByRole('link', { name: 'of 3 open tasks' }).click();
    await page.locator('.task-list').getByText(orders.approve1!.number).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Channel', exact: true }).inputValue(), 'b2b');
    assert.equal(
      await page.locator('.task-list').getByText(orders.short!.number).count(),
      0,
      "the web order's stock task is not the portal's",
    );
    await rig.shot('ops-inbox-channel-en', page);
    // "overdue only" is in the address too: none of the portal's approvals is due yet
    await page.getByRole('checkbox', { name: 'Overdue only' }).check();
    await page.getByText('No open tasks for your roles in the chosen channel and location.').waitFor();
    assert.match(page.url(), /\/inbox\?channel=b2b&overdue=true$/);

    await page.goto(`${rig.base}/?channel=web`);
    await page.getByRole('link', { name: 'Open the exceptions' }).click();
    await page.getByRole('link', { name: orders.short!.number }).waitFor();
    assert.match(page.url(), /\/exceptions\?channel=web$/);
    await rig.shot('ops-exceptions-channel-en', page);
    await page.getByRole('combobox', { name: 'Channel', exact: true }).selectOption({ label: 'Portal B2B' });
    await page.getByText('No orders of the chosen channel and location are waiting in exception states.').waitFor();
    assert.match(page.url(), /\/exceptions\?channel=b2b$/);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('EN: the needs-attention badge counts the orders its link lists', async () => {
    const page = rig.page;
    const counts = await ok(t, 'GET', '/api/v1/console/counts');
    assert.ok(counts.attention >= 1, JSON.stringify(counts));
    const badge = page.getByTestId('nav-count-attention');
    await badge.getByText(String(counts.attention)).waitFor();
    await page.getByTestId('nav-attention').click();
    await page.getByTestId('drill-down').getByText('Figure: needs attention').waitFor();
    await page
      .getByTestId('orders-total')
      .getByText(counts.attention === 1 ? '1 matching order' : `${counts.attention} matching orders`)
      .waitFor();
    await page.getByText(orders.short!.number).waitFor();
    await rig.shot('ops-attention-en', page);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('EN: bulk approve in one request; an order with no task says so, the others move on', async () => {
    const page = rig.page;
    await page.goto(`${rig.base}/orders`);
    for (const key of ['approve1', 'approve2', 'delivered1'])
      await page.getByRole('checkbox', { name: `Select ${orders[key]!.number}` }).check();
    const bar = page.getByRole('region', { name: '3 selected' });
    const bulkCalls: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().includes('/api/v1/')) bulkCalls.push(req.url());
    });
    await bar.getByRole('button', { name: 'Approve open tasks' }).click();
    const results = page.getByRole('list', { name: 'Results' });
    await results.getByText(`${orders.delivered1!.number}: not done — it has no open task for this`).waitFor();
    for (const key of ['approve1', 'approve2'])
      await results.getByText(new RegExp(`${orders[key]!.number}: now `)).waitFor();
    await page.getByTestId('bulk-summary').getByText('2 done, 1 not done').waitFor();
    assert.deepEqual(
      bulkCalls.map((url) => new URL(url).pathname),
      ['/api/v1/orders:bulk'],
      'one request for the whole selection',
    );
    for (const key of ['approve1', 'approve2'])
      assert.notEqual((await ok(t, 'GET', `/api/v1/orders/${orders[key]!.id}`)).state, 'awaiting_approval');
    assert.doesNotMatch((await results.textContent()) ?? '', CODES);
    await rig.shot('ops-bulk-approve-en', page);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('PL: bulk cancel asks for a reason; the delivered order is refused in words, the other is cancelled', async () => {
    const page = rig.page;
    await switchLanguage(page, /User menu/, 'Polski');
    await page.goto(`${rig.base}/orders`);
    for (const key of ['cancel1', 'delivered2'])
      await page.getByRole('checkbox', { name: new RegExp(`${orders[key]!.number}$`) }).check();
    const bar = page.getByRole('region', { name: /Zaznaczono 2/ });
    await bar.getByRole('button', { name: 'Anuluj zamówienia…' }).click();
    const go = page.getByRole('button', { name: 'Anuluj je' });
    assert.equal(await go.isDisabled(), true, 'no reason, no cancel');
    await page.getByLabel('Powód anulowania').fill('Klient zrezygnował z zamówienia');
    await go.click();
    const results = page.getByRole('list', { name: 'Wyniki' });
    await results.getByText(new RegExp(`${orders.cancel1!.number}: teraz Anulowane`, 'i')).waitFor();
    await results
      .getByText(`${orders.delivered2!.number}: nie wykonano — jego proces nie pozwala na to w obecnym stanie`)
      .waitFor();
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${orders.cancel1!.id}`)).state, 'cancelled');
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${orders.delivered2!.id}`)).state, 'delivered');
    assert.doesNotMatch((await results.textContent()) ?? '', CODES);
    await rig.shot('ops-bulk-cancel-pl', page);

    await page.goto(`${rig.base}/`);
    const pie = page.getByRole('img', { name: /Dostarczone: 2/ });
    await pie.waitFor();
    assert.doesNotMatch((await pie.getAttribute('aria-label')) ?? '', CODES);
    await page.getByText('Spóźnione wysyłki').waitFor();
    await rig.shot('ops-dashboard-pl', page);

    // the exceptions queue filtered to the web shop, then to a channel with none, in words
    await page.goto(`${rig.base}/exceptions?channel=web`);
    await page.getByRole('link', { name: orders.short!.number }).waitFor();
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', CODES);
    await rig.shot('ops-exceptions-channel-pl', page);
    await page.getByRole('combobox', { name: 'Kanał', exact: true }).selectOption({ label: 'Portal B2B' });
    await page.getByText('Żadne zamówienie z wybranego kanału i miejsca nie czeka w stanie wyjątkowym.').waitFor();
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('RU: bulk print gives each packing slip; the dashboard in Russian', async () => {
    const page = rig.page;
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    // the inbox filtered to the web shop: the out-of-stock order's task, in words
    await page.goto(`${rig.base}/inbox?channel=web`);
    await page.locator('.task-list').getByText(orders.short!.number).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Канал', exact: true }).inputValue(), 'web');
    assert.doesNotMatch((await page.locator('.task-list').textContent()) ?? '', CODES);
    await rig.shot('ops-inbox-channel-ru', page);
    await page.goto(`${rig.base}/orders`);
    for (const key of ['delivered1', 'delivered2'])
      await page.getByRole('checkbox', { name: new RegExp(`${orders[key]!.number}$`) }).check();
    await page.getByRole('button', { name: 'Печать упаковочных листов' }).click();
    const results = page.getByRole('list', { name: /Результаты|Results/ });
    for (const key of ['delivered1', 'delivered2'])
      await results.getByText(`${orders[key]!.number}: упаковочный лист готов`).waitFor();
    const pdf = results.getByRole('link', { name: 'Открыть PDF' }).first();
    const href = await pdf.getAttribute('href');
    assert.match(href ?? '', /\/api\/v1\/orders\/[0-9a-f-]+\/documents\/packing-slip$/);
    const fetched = await page.request.get(`${rig.base}${href}`);
    assert.equal(fetched.status(), 200);
    assert.equal(fetched.headers()['content-type'], 'application/pdf');
    await rig.shot('ops-bulk-print-ru', page);

    await page.goto(`${rig.base}/`);
    const pie = page.getByRole('img', { name: /Доставлен/ });
    await pie.waitFor();
    assert.doesNotMatch((await pie.getAttribute('aria-label')) ?? '', CODES);
    await page.getByText('Требуют внимания').first().waitFor();
    await rig.shot('ops-dashboard-ru', page);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('PL viewer: the list has no selection and no bulk bar; the dashboard still drills down', async () => {
    const page = await rig.newPage('pl-PL');
    await page.goto(`${rig.base}/`);
    await page.getByLabel(/E-?mail/i).fill('podglad@example.pl');
    await page.getByLabel(/Hasło|Password/).fill('zażółć gęślą jaźń 2026');
    await page.getByRole('button', { name: /Zaloguj|Sign in/ }).click();
    await page.getByTestId('kpi-orders').waitFor();
    await page.goto(`${rig.base}/orders`);
    await page.getByText(orders.short!.number).waitFor();
    assert.equal(await page.getByRole('checkbox').count(), 0, 'no selection for a viewer');
    assert.equal(await page.getByRole('button', { name: /Anuluj zamówienia|Zatwierdź otwarte/ }).count(), 0);
    await rig.shot('ops-orders-viewer-pl', page);
    assert.deepEqual(rig.consoleErrors, []);
  });
});
