import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';
import { address, seedBasics, setUpSeller, type TestApp } from '../support.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';

const b2bOrder = (externalId: string, customer: string, over: Record<string, unknown> = {}) => ({
  channel: 'b2b',
  externalId,
  customer: { code: customer },
  currency: 'PLN',
  lines: [{ sku: 'SKU-1', quantity: 10, unitPrice: '100.00', discount: '200.00', taxRate: '23' }],
  shippingAddress: { ...address, company: 'Hurtownia Żuraw Sp. z o.o.' },
  delivery: { method: 'ship' },
  paymentTerms: { kind: 'deferred', dueDays: 30 },
  ...over,
});

/** A Wildberries order of 3 × SKU-3, of which WAW-1 holds one: it waits in the stock exception. */
const shortOfSku3 = (externalId: string, name: string, city: string, postalCode: string) => ({
  channel: 'wildberries',
  externalId,
  customer: { name, email: `${externalId.toLowerCase()}@example.ru` },
  currency: 'RUB',
  lines: [{ sku: 'SKU-3', quantity: 3, unitPrice: '1250.00', taxRate: '20' }],
  shippingAddress: { ...address, name, city, country: 'RU', postalCode },
  delivery: { method: 'ship' },
});

/**
 * Issue 18 items 3–5 walked in chromium: inbox and exception rows with the order's number,
 * customer and amount; the truthful outcome of a resolution that bounced back; a 412 with Reload
 * keeping the comment; sorting and the CSV download; an approver who sees only their tasks — in
 * English, Polish and Russian; a destructive resolution that asks why first. Screenshots in test-artifacts/screenshots/context-*.png.
 */
describe(
  'order context, truthful outcomes and list tools in the console',
  {
    skip: browserSkip,
  },
  () => {
    let rig: ConsoleRig;
    const orders: Record<string, any> = {};

    before(async () => {
      rig = await startConsole();
      const t = { call: rig.call } as TestApp;
      await seedBasics(t);
      await setUpSeller(t);
      const ok = async (url: string, body: unknown) => {
        const r = await rig.call('POST', url, body);
        assert.equal(r.status, 201, `${url}: ${JSON.stringify(r.body)}`);
        return r.body;
      };
      await ok('/api/v1/channels', { code: 'b2b', name: 'Portal B2B', kind: 'b2b_portal', currency: 'PLN' });
      await ok('/api/v1/customers', {
        code: 'HURT-1',
        name: 'Hurtownia Żuraw',
        segment: 'wholesale',
        attributes: { creditLimit: '50000.00' },
      });
      await ok('/api/v1/customers', {
        code: 'HURT-2',
        name: 'Kooperatywa Świt',
        segment: 'wholesale',
        attributes: { creditLimit: '100.00' },
      });
      await stock(t, [
        ['SKU-1', 'WAW-1', 100],
        ['SKU-3', 'WAW-1', 1],
      ]);
      await publish(t, shipped('b2b-approvals'));
      await publish(t, shipped('marketplace-fbs'));
      await setRules(t, [
        { process: 'b2b-approvals', channel: 'b2b_portal' },
        { process: 'marketplace-fbs', channel: 'marketplace' },
      ]);
      // A: a 20 % discount → the sales lead approves; C: over the credit limit → finance approves.
      orders.discount = await ok('/api/v1/orders', b2bOrder('PO-CX-1', 'HURT-1'));
      orders.credit = await ok(
        '/api/v1/orders',
        b2bOrder('PO-CX-2', 'HURT-2', { lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '100.00', taxRate: '23' }] }),
      );
      // B: a marketplace order short of SKU-3 → the stock exception (restocked goes back to it).
      orders.short = await ok('/api/v1/orders', shortOfSku3('WB-CX-1', 'Анна Кузнецова', 'Москва', '101000'));
      const short = await rig.call('GET', `/api/v1/orders/${orders.short.id}`);
      assert.equal(short.body.state, 'shortage_exception', JSON.stringify(short.body.state));
      await rig.addUser('finanse@example.pl', ['approver', 'finance'], 'pl');
    });
    after(async () => {
      await rig?.close();
    });

    test('operator: inbox rows with order, customer and amount; a 412 keeps the comment; the outcome is told truthfully', async () => {
      const page = rig.page;
      await rig.login(page, rig.email);
      await page.goto(`${rig.base}/inbox`);
      const list = page.getByRole('list', { name: 'Inbox' });
      const discountRow = list.getByRole('button').filter({ hasText: orders.discount.number });
      await discountRow.getByText('Hurtownia Żuraw').waitFor();
      await discountRow.getByText(/PLN\s?9,840\.00|PLN\s?984\.00|PLN\s?[\d,]+\.\d\d/).waitFor();
      await discountRow.getByText('Portal B2B').waitFor();
      const shortRow = list.getByRole('button').filter({ hasText: orders.short.number });
      await shortRow.getByText('Анна Кузнецова').waitFor();
      await shortRow.getByText(/RUB\s?[\d,]+\.\d\d/).waitFor();
      await shortRow.getByText(/SKU-3 \(Łyżka stołowa\) short by 2 units at Magazyn Warszawa/).waitFor();
      assert.doesNotMatch((await list.textContent()) ?? '', /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no UUIDs in the inbox');
      await rig.shot('context-inbox-en', page);

      // A 412: the task changes under the user (delegated by someone else) while they write a comment.
      await discountRow.click();
      const comment = page.getByLabel('Comment');
      await comment.fill('Rabat zgodny z umową ramową — проверено');
      const tasks = await rig.call('GET', `/api/v1/tasks?orderId=${orders.discount.id}`);
      const task = tasks.body.items[0];
      const moved = await rig.call('POST', `/api/v1/tasks/${task.id}/delegate`, { role: task.role, comment: 'x' });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      rig.expectedErrors.push(/status of 412/);
      await page.getByRole('group', { name: 'Decision' }).getByRole('button', { name: 'Approve' }).click();
      const stale = page.getByRole('alert').filter({ hasText: 'Someone changed this task meanwhile' });
      await stale.getByText(/now version 2\)\. Reload to see it; your comment is kept\./).waitFor();
      assert.equal(await comment.inputValue(), 'Rabat zgodny z umową ramową — проверено');
      await rig.shot('context-412-en', page);
      await stale.getByRole('button', { name: 'Reload' }).click();
      await stale.waitFor({ state: 'detached' });
      assert.equal(
        await comment.inputValue(),
        'Rabat zgodny z umową ramową — проверено',
        'the comment survives Reload',
      );
      await page.getByRole('group', { name: 'Decision' }).getByRole('button', { name: 'Approve' }).click();
      const done = page.getByRole('status').filter({ hasText: orders.discount.number });
      await done.getByText(/Approve — the order is now /).waitFor();
      assert.doesNotMatch((await done.textContent()) ?? '', /sent\./);
      const after = await rig.call('GET', `/api/v1/tasks/${task.id}`);
      assert.equal(after.body.comment, 'Rabat zgodny z umową ramową — проверено');

      // Exceptions: the row says what is short where; "restocked" without stock goes back, and says so.
      await page.goto(`${rig.base}/exceptions`);
      const row = page.getByRole('row').filter({ hasText: orders.short.number });
      await row.getByText('Анна Кузнецова').waitFor();
      await row.getByText(/short by 2 units at Magazyn Warszawa/).waitFor();
      await rig.shot('context-exceptions-en', page);
      await row.getByRole('button').first().click();
      const told = page.getByRole('status').filter({ hasText: orders.short.number });
      await told
        .getByText(/the order went back to .+: SKU-3 \(Łyżka stołowa\) short by 2 units at Magazyn Warszawa\./)
        .waitFor();
      assert.doesNotMatch((await told.textContent()) ?? '', /sent\./);
      await rig.shot('context-outcome-en', page);
    });

    test('operator: sorting by total, column choice and the CSV download of the filtered list', async () => {
      const page = rig.page;
      await page.goto(`${rig.base}/orders`);
      await page.getByTestId('orders-total').getByText('3 matching orders').waitFor();
      await page.getByRole('columnheader', { name: /Total/ }).getByRole('button').click();
      await page.waitForURL(/sort=total/);
      await page.getByRole('columnheader', { name: /Total/ }).and(page.locator('[aria-sort="ascending"]')).waitFor();
      const firstRow = page.getByTestId('orders-scroll').getByRole('row').first();
      await firstRow.getByText(orders.credit.number).waitFor();
      await page.getByRole('columnheader', { name: /Total/ }).getByRole('button').click();
      await page.waitForURL(/sort=-total/);
      await firstRow.getByText(orders.short.number).waitFor();
      // Column choice: hide "Lines", kept after a reload.
      await page.locator('summary', { hasText: 'Columns' }).click();
      await page.getByRole('checkbox', { name: 'Lines' }).uncheck();
      await page.reload();
      await page.getByRole('columnheader', { name: /Total/ }).waitFor();
      assert.equal(await page.getByRole('columnheader', { name: 'Lines' }).count(), 0);
      // Search with a total, then the CSV of exactly that list.
      await page.getByRole('searchbox').fill('москва');
      await page.getByTestId('orders-total').getByText('1 matching order').waitFor();
      await rig.shot('context-orders-en', page);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      const bytes = readFileSync((await download.path())!);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').trimEnd().split('\r\n');
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[1]!, /Анна Кузнецова/);
    });

    test('Polish and Russian: the same context in words of the language', async () => {
      const page = rig.page;
      await page.goto(`${rig.base}/exceptions`);
      await switchLanguage(page, /User menu/, 'Polski');
      const row = page.getByRole('row').filter({ hasText: orders.short.number });
      await row.getByText(/brak 2 szt\. SKU-3 \(Łyżka stołowa\) w Magazyn Warszawa/).waitFor();
      await page.getByRole('columnheader', { name: 'Klient' }).waitFor();
      await rig.shot('context-exceptions-pl', page);
      // Cancelling asks first, in Polish, with the marketplace's risk; "Anuluj" closes it, nothing sent.
      await row.getByRole('button', { name: 'Anuluj zamówienie' }).click();
      const dialog = page.getByRole('dialog', { name: 'Anuluj zamówienie: czy na pewno?' });
      await dialog.getByText('Anulowanie obniża ocenę sprzedawcy na marketplace').waitFor();
      await dialog
        .getByText(`Anuluj zamówienie — zamówienie ${orders.short.number}? Tego nie da się cofnąć.`)
        .waitFor();
      await rig.shot('context-exception-cancel-pl', page);
      await dialog.getByRole('button', { name: 'Anuluj', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.goto(`${rig.base}/orders`);
      await page
        .getByTestId('orders-total')
        .getByText(/pasując/)
        .waitFor();
      await rig.shot('context-orders-pl', page);
      await switchLanguage(page, /Menu użytkownika/, 'Русский');
      await page.goto(`${rig.base}/inbox`);
      const shortRow = page.getByRole('listitem').filter({ hasText: orders.short.number });
      await shortRow.getByText(/не хватает 2 шт\. на складе Magazyn Warszawa/).waitFor();
      await rig.shot('context-inbox-ru', page);
    });

    test('approver: sees only the tasks of their roles, with the order context, in Polish', async () => {
      const credit = await rig.call('GET', `/api/v1/tasks?orderId=${orders.credit.id}`);
      assert.deepEqual(
        credit.body.items.map((x: any) => x.role),
        ['finance'],
        JSON.stringify(credit.body.items.map((x: any) => [x.role, x.state])),
      );
      const page = await rig.newPage('pl-PL');
      await page.goto(`${rig.base}/`);
      await page.getByLabel(/E-mail|Email/).fill('finanse@example.pl');
      await page.getByLabel(/Hasło|Password/).fill('zażółć gęślą jaźń 2026');
      await page.getByRole('button', { name: /Zaloguj|Sign in/ }).click();
      await page.getByRole('navigation').waitFor();
      await page.goto(`${rig.base}/inbox`);
      // no 'networkidle': the console keeps its live-updates stream open (components/live.ts)
      const list = page.getByRole('list', { name: /Skrzynka|Inbox|Zadania/ });
      await list.getByText(orders.credit.number).waitFor();
      await rig.shot('context-inbox-approver-pl', page);
      await list.getByText('Kooperatywa Świt').waitFor();
      const text = (await list.textContent()) ?? '';
      assert.doesNotMatch(text, new RegExp(orders.short.number), 'the order desk task is not theirs');
      assert.doesNotMatch(text, new RegExp(orders.discount.number), 'the sales lead task is not theirs');
      assert.match(text, /zł/);
      await rig.shot('context-inbox-approver-pl', page);
      assert.deepEqual(rig.consoleErrors, []);
    });

    test('operator: bulk cancel asks for a reason and a confirmation and reports each row', async () => {
      const page = rig.page;
      await switchLanguage(page, /Меню пользователя/, 'English');
      await page.goto(`${rig.base}/orders`);
      await page.getByTestId('orders-total').getByText('3 matching orders').waitFor();
      rig.expectedErrors.push(/status of 409/);
      await page.getByRole('checkbox', { name: 'Select all shown' }).check();
      await page.getByRole('region', { name: '3 selected' }).getByRole('button', { name: 'Cancel orders…' }).click();
      await page.getByText('Cancel 3 orders? This cannot be undone.').waitFor();
      const go = page.getByRole('button', { name: 'Cancel them' });
      assert.equal(await go.isDisabled(), true, 'no reason, no cancel');
      await page.getByLabel('Reason for cancelling').fill('Klient zrezygnował — клиент отказался');
      await go.click();
      const results = page.getByRole('list', { name: 'Results' });
      await results.waitFor();
      await rig.shot('context-bulk-en', page);
      await results.getByText(`${orders.credit.number}: now Cancelled`).waitFor();
      await results.getByText(`${orders.short.number}: now Cancelled`).waitFor();
      await results.getByText(new RegExp(`${orders.discount.number}: not done — `)).waitFor();
      await rig.shot('context-bulk-en', page);
      for (const key of ['credit', 'short'] as const) {
        const read = await rig.call('GET', `/api/v1/orders/${orders[key].id}`);
        assert.equal(read.body.state, 'cancelled');
      }
      assert.notEqual((await rig.call('GET', `/api/v1/orders/${orders.discount.id}`)).body.state, 'cancelled');
      assert.deepEqual(rig.consoleErrors, []);
    });

    test('operator: cancelling from the exceptions queue asks why and names the rating risk first', async () => {
      const page = rig.page;
      // Another marketplace order short of SKU-3 (the first was cancelled above and gave its unit back).
      const created = await rig.call(
        'POST',
        '/api/v1/orders',
        shortOfSku3('WB-CX-2', 'Пётр Смирнов', 'Казань', '420000'),
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const short = created.body;
      assert.equal(short.state, 'shortage_exception');
      await page.goto(`${rig.base}/exceptions`);
      const row = page.getByRole('row').filter({ hasText: short.number });
      await row.getByText('Пётр Смирнов').waitFor();
      // "Stock found" is not destructive: it is sent at once (the other rows' tests); "Cancel order" asks.
      await row.getByRole('button', { name: 'Cancel order' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel order: are you sure?' });
      await dialog.getByText(`Cancel order — order ${short.number}? This cannot be undone.`).waitFor();
      await dialog.getByRole('note').getByText('Cancelling lowers the seller rating on the marketplace').waitFor();
      const go = dialog.getByRole('button', { name: 'Yes, Cancel order' });
      assert.equal(await go.isDisabled(), true, 'no reason, no cancel');
      await rig.shot('context-exception-cancel-en', page);
      // Changing one's mind changes nothing.
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal((await rig.call('GET', `/api/v1/orders/${short.id}`)).body.state, 'shortage_exception');

      await row.getByRole('button', { name: 'Cancel order' }).click();
      await dialog.getByTestId('reason').fill('Towaru nie będzie — поставщик снял позицию');
      await go.click();
      const told = page.getByRole('status').filter({ hasText: short.number });
      await told.getByText(/Cancel order — the order is now Cancelled/).waitFor();
      await page.getByTestId('nav-count-exceptions').waitFor({ state: 'detached' });
      await rig.shot('context-exception-cancelled-en', page);
      const read = await rig.call('GET', `/api/v1/orders/${short.id}`);
      assert.equal(read.body.state, 'cancelled');
      const history = await rig.call('GET', `/api/v1/orders/${short.id}/history`);
      const step = history.body.items.find(
        (h: any) => h.action === 'process.event' && h.reason?.event?.name === 'cancel',
      );
      assert.equal(step?.reason.event.reason, 'Towaru nie będzie — поставщик снял позицию', JSON.stringify(step));
      assert.deepEqual(rig.consoleErrors, []);
    });
  },
);
