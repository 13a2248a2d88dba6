import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createCarrierRegistry } from '../../src/integrations/carriers/index.js';
import type { FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, seedReturns } from '../returns/helpers.js';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';

/** Codes the API speaks that a person must never read on the page: states, reasons, wishes, grades. */
const CODES =
  /\b(awaiting_parcel|inspecting|restocking|refunding|refund_exception|not_as_described|store_credit|write_off|resell|refurbish|self_service|drop_off)\b/;

/**
 * What the page says outside the history card: the timeline is the audit record (action names,
 * decision inputs as the writer stored them) and is shared with the order page, so it is left out.
 */
async function visibleText(page: Page): Promise<string> {
  const parts = await page.locator('main .order-head, main .order-main, main .returns-page').allInnerTexts();
  assert.ok(parts.length > 0, 'the page has content to check');
  return parts.join('\n');
}

/**
 * Returns as the returns desk works them in the console: a return requested from the order page
 * (a refused store code shown at its field first), found in the Returns queue, received at the
 * store, graded per unit, and the state moving on; then the same pages in Polish and Russian,
 * with words and never codes. Screenshots in test-artifacts/screenshots/returns-*.png.
 */
describe('returns in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let order: Awaited<ReturnType<typeof deliveredOrder>>;

  before(async () => {
    rig = await startConsole({ carriers: createCarrierRegistry({ manual: {} }) });
    const t = rig as unknown as FulfilmentTestApp;
    await seedReturns(t);
    order = await deliveredOrder(t);
  });
  after(async () => {
    await rig?.close();
  });

  test('given a delivered order, a return is requested on the order page, received and graded on the Returns page, in English, Polish and Russian', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/orders/${order.id}`);
    await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();

    // The dialog: 1 mug and 2 spoons, a reason from the catalogue, refund, dropped off at a store.
    const panel = page.getByTestId('order-returns');
    await panel.getByText('No returns for this order.').waitFor();
    await panel.getByRole('button', { name: 'Return / exchange' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Units of Kubek ceramiczny żółty to return').fill('1');
    await dialog.getByLabel('Units of Łyżka stołowa to return').fill('2');
    await dialog.getByLabel('Reason').selectOption({ label: 'Not as described' });
    await dialog.getByLabel('The customer wants').selectOption({ label: 'Refund' });
    await dialog.getByLabel('How the parcel comes back').selectOption({ label: 'Brought to a store' });
    await dialog.getByLabel('Store (location code)').fill('NOWHERE');
    assert.equal(
      await dialog.getByTestId('confirm-question').textContent(),
      `Request a return of 3 units from order ${order.number} (Refund)?`,
    );
    // An unknown store is refused: the server's words stand next to the store field, the dialog stays.
    rig.expectedErrors.push(/status of 4\d\d/);
    await dialog.getByRole('button', { name: 'Request return' }).click();
    const storeError = dialog.locator('.field-error[data-path="/dropOff/locationCode"]');
    await storeError.waitFor();
    assert.match((await storeError.textContent()) ?? '', /location/);
    await dialog.getByTestId('problem').waitFor();
    await rig.shot('returns-dialog-refused', page);

    await dialog.getByLabel('Store (location code)').fill('KRK-S');
    await dialog.getByRole('button', { name: 'Request return' }).click();
    await panel
      .getByRole('status')
      .getByText(new RegExp(`^Return ${order.number}-R1 requested: Awaiting the parcel\\.$`))
      .waitFor();
    const row = panel.getByTestId('order-returns-list').locator('tbody tr').first();
    await row.getByText('Awaiting the parcel').waitFor();
    await row.getByText('Not as described').waitFor();
    await panel.scrollIntoViewIfNeeded();
    await rig.shot('returns-order-panel', page);

    // The queue, open returns by default.
    await page.getByRole('link', { name: 'Returns' }).first().click();
    await page.getByRole('heading', { name: 'Returns', exact: true }).waitFor();
    const queue = page.getByTestId('returns-queue');
    const qrow = queue.locator('tbody tr', { hasText: `${order.number}-R1` });
    await qrow.getByText('Awaiting the parcel').waitFor();
    await qrow.getByText('0 of 3').waitFor();
    await page.getByTestId('unexpected-receipts').getByText('No unexpected parcels are waiting.').waitFor();
    await rig.shot('returns-queue', page);
    // Filtered by another state, the return is not listed.
    await page.getByLabel('State').selectOption({ label: 'Inspecting' });
    await page.getByText('No returns match.').waitFor();
    await page.getByLabel('State').selectOption({ label: 'Any state' });
    await qrow.getByRole('link', { name: `${order.number}-R1` }).click();

    // Receive both lines at the store (prefilled with what is still expected).
    await page.getByRole('heading', { name: new RegExp(`^Return ${order.number}-R1`) }).waitFor();
    await page.getByTestId('return-facts').getByRole('link', { name: order.number, exact: true }).waitFor();
    const receive = page.getByTestId('receive-form');
    assert.equal(await receive.getByLabel('Location').inputValue(), 'KRK-S');
    await rig.shot('returns-detail-awaiting', page);
    await receive.getByRole('button', { name: 'Record receipt' }).click();
    await page.getByRole('status').getByText('Received 3 units.').waitFor();
    await page.locator('#return-title').getByText('Inspecting').waitFor();

    // Grade each unit: the mug and one spoon sell again, one spoon is written off with a note.
    const inspect = page.getByTestId('inspect-form');
    await inspect.getByLabel('Grade — Unit 3: Łyżka stołowa').selectOption({ label: 'Write off' });
    await inspect.getByLabel('Note — Unit 3: Łyżka stołowa').fill('Wygięta');
    await rig.shot('returns-inspect', page);
    await inspect.getByRole('button', { name: 'Save grades' }).click();
    await page.getByRole('status').getByText('Grades saved.').waitFor();
    // The process moves on by itself (restock, credit, refund): the badge leaves Inspecting.
    await page.locator('#return-title .badge').filter({ hasNotText: 'Inspecting' }).waitFor();
    const lines = page.getByTestId('return-lines');
    await lines.locator('tr', { hasText: 'Łyżka stołowa' }).getByText('Sell again: 1 · Write off: 1').waitFor();
    await lines.locator('tr', { hasText: 'Kubek ceramiczny żółty' }).getByText('Sell again: 1').waitFor();
    const api = await rig.call('GET', `/api/v1/orders/${order.id}/returns`);
    const r = api.body.items[0];
    assert.notEqual(r.state, 'inspecting', JSON.stringify(r));
    assert.equal(r.received, 3);
    const state = (await page.locator('#return-title .badge').textContent()) ?? '';
    await rig.shot('returns-detail-graded', page);
    assert.doesNotMatch(await visibleText(page), CODES);

    // Polish: the same return in words.
    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByRole('heading', { name: new RegExp(`^Zwrot ${order.number}-R1`) }).waitFor();
    const facts = page.getByTestId('return-facts');
    await facts.getByText('Niezgodny z opisem').waitFor();
    await facts.getByText('Zwrot pieniędzy').waitFor();
    await facts.getByText('Dostarczony do sklepu · KRK-S').waitFor();
    await lines.getByText('Do ponownej sprzedaży: 1 · Do spisania: 1').waitFor();
    const plState = (await page.locator('#return-title .badge').textContent()) ?? '';
    assert.notEqual(plState, state, `the state badge is translated (${state} → ${plState})`);
    assert.doesNotMatch(await visibleText(page), CODES);
    await rig.shot('returns-detail-pl', page);
    await page.getByRole('link', { name: 'Zwroty' }).first().click();
    await page.getByLabel('Tylko otwarte').uncheck();
    await queue
      .locator('tbody tr', { hasText: `${order.number}-R1` })
      .getByText('Niezgodny z opisem')
      .waitFor();
    assert.doesNotMatch(await visibleText(page), CODES);
    await rig.shot('returns-queue-pl', page);

    // Russian.
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByRole('heading', { name: 'Возвраты', exact: true }).waitFor();
    const ruRow = queue.locator('tbody tr', { hasText: `${order.number}-R1` });
    await ruRow.getByText('Не соответствует описанию').waitFor();
    await ruRow.getByText('Вернуть деньги').waitFor();
    await ruRow.getByText('3 из 3').waitFor();
    assert.doesNotMatch(await visibleText(page), CODES);
    await rig.shot('returns-queue-ru', page);
    await ruRow.getByRole('link', { name: `${order.number}-R1` }).click();
    await page.getByRole('heading', { name: new RegExp(`^Возврат ${order.number}-R1`) }).waitFor();
    await lines.getByText('Снова в продажу: 1 · Списать: 1').waitFor();
    assert.doesNotMatch(await visibleText(page), CODES);
    await rig.shot('returns-detail-ru', page);

    // The original order's panel in Russian.
    await page.getByTestId('return-facts').getByRole('link', { name: order.number, exact: true }).click();
    await page.getByRole('heading', { name: `Заказ ${order.number}` }).waitFor();
    await page.getByTestId('order-returns').getByText('Не соответствует описанию').waitFor();
    assert.deepEqual(rig.consoleErrors, []);
    await page.context().close();
  });

  test('given an order not yet shipped, a change is previewed with its new total and confirmed', async () => {
    const t = rig as unknown as FulfilmentTestApp;
    const o = await t.call('POST', '/api/v1/orders', {
      ...(await import('../support.js')).orderBody({ externalId: 'CHG-1' }),
    });
    assert.equal(o.status, 201, JSON.stringify(o.body));
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/orders/${o.body.id}`);
    await page.getByRole('heading', { name: `Order ${o.body.number}` }).waitFor();
    await page.getByTestId('order-returns').getByRole('button', { name: 'Change order' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Change to Łyżka stołowa').selectOption({ label: 'Cancel units' });
    await dialog.getByLabel('Quantity for Łyżka stołowa').fill('2');
    await dialog.getByRole('button', { name: 'Preview' }).click();
    const preview = dialog.getByTestId('change-preview');
    await preview.waitFor();
    const before = o.body.totals.grandTotal as string;
    const text = (await preview.textContent()) ?? '';
    assert.match(text, new RegExp(before.replace('.', '\\.')), text);
    await rig.shot('returns-change-preview', page);
    await dialog.getByRole('button', { name: 'Confirm change' }).click();
    await page
      .getByTestId('order-returns')
      .getByRole('status')
      .getByText(/^Order changed: new total /)
      .waitFor();
    const after = await t.call('GET', `/api/v1/orders/${o.body.id}`);
    assert.equal(after.body.lines.find((l: any) => l.sku === 'SKU-3').quantity, 3);
    await page.context().close();
  });
});
