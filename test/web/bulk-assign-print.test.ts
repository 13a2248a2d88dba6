import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { readPdf } from '../../src/integrations/documents/test-fixtures.js';
import { ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder } from '../returns/helpers.js';
import { b2bOrderOfOne, browserSkip, type ConsoleRig, PASSWORD, signIn, startB2bConsole } from './browser.js';

async function select(page: Page, numbers: string[]) {
  for (const number of numbers) await page.getByRole('checkbox', { name: new RegExp(`${number}$`) }).check();
}

/**
 * Issue 18, the bulk bar's last two tools: hand the selected orders' open tasks to a colleague
 * chosen by name (EN as an admin; PL as a sales lead, a colleague without the task's role refused
 * in words), and print the selected orders' pick lists or packing slips as ONE PDF (RU).
 * Screenshots bulk-assign-*.png, bulk-print-*.png.
 */
describe('bulk assign to a colleague and bulk print', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let t: FulfilmentTestApp;
  const orders: Record<string, { id: string; number: string }> = {};
  const people: Record<string, string> = {};
  const taskOf = async (orderId: string) =>
    (await ok(t, 'GET', `/api/v1/tasks?orderId=${orderId}`)).items.find(
      (task: { state: string }) => task.state === 'open' || task.state === 'claimed',
    );

  before(async () => {
    ({ rig, t } = await startB2bConsole());
    for (const key of ['a1', 'a2', 'a3'])
      orders[key] = await ok(t, 'POST', '/api/v1/orders', b2bOrderOfOne(`PO-HAND-${key}`), 201);
    orders.delivered1 = await deliveredOrder(t);
    orders.delivered2 = await deliveredOrder(t);
    for (const [key, email, name, locale, businessRoles] of [
      ['wiktor', 'wiktor@example.pl', 'Wiktor Ćwik', 'pl', ['sales_lead']],
      ['ola', 'ola@example.pl', 'Ola Żak', 'pl', ['warehouse_lead']],
      ['lead', 'kierownik@example.pl', 'Kinga Kierownik', 'pl', ['sales_lead']],
      ['ru', 'sklad@example.ru', 'Светлана Кладовщица', 'ru', ['warehouse_lead']],
    ] as const) {
      const user = await ok(
        t,
        'POST',
        '/api/v1/users',
        { email, name, locale, roles: ['operator'], businessRoles, password: PASSWORD },
        201,
      );
      people[key] = user.id;
    }
  });
  after(async () => {
    await rig?.close();
  });

  test('EN (admin): two orders’ approval tasks handed to Wiktor, chosen by name', async () => {
    const page = rig.page;
    await rig.login(page, rig.email);
    // one task from the inbox: only those who hold its role (not Ola or Svetlana, warehouse)
    await page.goto(`${rig.base}/inbox`);
    await page.getByRole('button', { name: new RegExp(orders.a1!.number) }).click();
    const single = page.getByRole('combobox', { name: 'Hand to a person' });
    await page
      .getByTestId('assign-for')
      .getByText('Only people who can take a task for Sales lead are listed.')
      .waitFor();
    assert.deepEqual((await single.locator('option').allInnerTexts()).slice(1).sort(), [
      'Kinga Kierownik',
      'Wiktor Ćwik',
    ]);
    await rig.shot('assign-single-en', page);

    await page.goto(`${rig.base}/orders`);
    await select(page, [orders.a1!.number, orders.a2!.number]);
    const bar = page.getByRole('region', { name: '2 selected' });
    const picker = bar.getByRole('combobox', { name: 'Assign to' });
    // only those who can take a sales lead's task: never Ola or Svetlana (warehouse)
    await bar
      .getByTestId('assign-for')
      .getByText('Only people who can take a task for Sales lead are listed.')
      .waitFor();
    const names = await picker.locator('option').allInnerTexts();
    assert.deepEqual(names.slice(1).sort(), ['Kinga Kierownik', 'Wiktor Ćwik'], names.join(' | '));
    await picker.selectOption({ label: 'Wiktor Ćwik' });
    await rig.shot('bulk-assign-pick-en', page);
    await bar.getByRole('button', { name: 'Hand over' }).click();
    const results = page.getByRole('list', { name: 'Results' });
    for (const key of ['a1', 'a2'])
      await results.getByText(`${orders[key]!.number}: task handed to Wiktor Ćwik`).waitFor();
    for (const key of ['a1', 'a2']) {
      const task = await taskOf(orders[key]!.id);
      assert.equal(task.assignee, people.wiktor);
      assert.equal(task.state, 'claimed');
    }
    await rig.shot('bulk-assign-done-en', page);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('PL (sales lead): the picker offers only holders of the task’s role; one who lost it meanwhile is refused in words', async () => {
    const page = await rig.newPage('pl-PL');
    await signIn(page, rig.base, 'kierownik@example.pl');
    await page.goto(`${rig.base}/orders`);
    await select(page, [orders.a3!.number]);
    const bar = page.getByRole('region', { name: /Zaznaczono 1/ });
    const picker = bar.getByRole('combobox', { name: 'Przydziel' });
    await picker.locator('option', { hasText: 'Wiktor Ćwik' }).waitFor({ state: 'attached' });
    assert.ok(!(await picker.locator('option').allInnerTexts()).includes('Ola Żak'));
    // Wiktor loses the role after the list was read: the assignment is refused, in words
    const wiktor = await ok(t, 'GET', `/api/v1/users/${people.wiktor}`);
    await ok(t, 'PATCH', `/api/v1/users/${people.wiktor}`, { businessRoles: [] });
    await picker.selectOption({ label: 'Wiktor Ćwik' });
    await bar.getByRole('button', { name: 'Przekaż' }).click();
    const results = page.getByRole('list', { name: 'Wyniki' });
    await results
      .getByText(
        `${orders.a3!.number}: nie wykonano — Wiktor Ćwik nie może go przejąć: zadanie jest dla roli „Kierownik sprzedaży”, której Wiktor Ćwik nie ma`,
      )
      .waitFor();
    assert.equal((await taskOf(orders.a3!.id)).state, 'open');
    await rig.shot('bulk-assign-refused-pl', page);
    await ok(t, 'PATCH', `/api/v1/users/${people.wiktor}`, { businessRoles: wiktor.businessRoles });

    // then to Wiktor again, who holds it again
    await select(page, [orders.a3!.number]);
    await page.getByRole('combobox', { name: 'Przydziel' }).selectOption({ label: 'Wiktor Ćwik' });
    await page.getByRole('button', { name: 'Przekaż' }).click();
    await results.getByText(`${orders.a3!.number}: zadanie przekazane — Wiktor Ćwik`).waitFor();
    assert.equal((await taskOf(orders.a3!.id)).assignee, people.wiktor);
    await rig.shot('bulk-assign-done-pl', page);
    await page.close();
  });

  test('RU: pick lists of two delivered orders as one PDF, each order on its own page; labels one by one', async () => {
    const page = await rig.newPage('ru-RU');
    await signIn(page, rig.base, 'sklad@example.ru');
    await page.goto(`${rig.base}/orders`);
    await select(page, [orders.delivered1!.number, orders.delivered2!.number]);
    const bar = page.getByRole('region', { name: /Выбрано 2|2 / });
    await bar.getByRole('combobox', { name: 'Что печатать' }).selectOption({ label: 'Листы подбора' });
    await bar.getByRole('button', { name: 'Печать листов подбора' }).click();
    const open = page.getByRole('link', { name: 'Открыть 2 листа подбора одним PDF' });
    await open.waitFor();
    const results = page.getByRole('list', { name: /Результаты/ });
    for (const key of ['delivered1', 'delivered2'])
      await results.getByText(`${orders[key]!.number}: лист подбора готов`).waitFor();
    await rig.shot('bulk-print-picklists-ru', page);
    const href = await open.getAttribute('href');
    assert.match(href ?? '', /^blob:/);
    const base64 = (await page.evaluate(
      `fetch(${JSON.stringify(href)}).then((r) => r.arrayBuffer()).then((b) => { let s = ''; for (const x of new Uint8Array(b)) s += String.fromCharCode(x); return btoa(s); })`,
    )) as string;
    const { pages } = await readPdf(Buffer.from(base64, 'base64'));
    assert.equal(pages.length, 2, 'one page per order');
    assert.ok(pages[0]!.includes('Лист подбора'), pages[0]);
    const numbers = pages.map((text) =>
      [orders.delivered1!.number, orders.delivered2!.number].find((number) => text.includes(number)),
    );
    assert.deepEqual(new Set(numbers), new Set([orders.delivered1!.number, orders.delivered2!.number]));

    // labels are the carriers' own PDFs: a link per order
    await select(page, [orders.delivered1!.number]);
    await page.getByRole('combobox', { name: 'Что печатать' }).selectOption({ label: 'Транспортные этикетки' });
    await page.getByRole('button', { name: 'Печать этикеток' }).click();
    await results.getByText(`${orders.delivered1!.number}: этикетка готова`).waitFor();
    assert.equal(await page.getByRole('link', { name: /одним PDF/ }).count(), 0);
    const label = await results.getByRole('link', { name: 'Открыть PDF' }).getAttribute('href');
    assert.match(label ?? '', /\/documents\/label$/);
    await rig.shot('bulk-print-labels-ru', page);
    await page.close();
    assert.deepEqual(rig.consoleErrors, []);
  });
});
