import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { orderBody } from '../support.js';
import { browserSkip, type ConsoleRig, startWebAndMarketplaceConsole, switchLanguage } from './browser.js';

/** Codes of the shipped processes a person must never read on the order page or its timeline. */
const CODES =
  /\b(shortage_exception|awaiting_payment|recording_payment|payment_captured|payment_authorized|marketplace_cancelled|restocked|reserving|order_desk|fulfilling|process\.event|process\.started)\b/;

async function pageText(page: Page): Promise<string> {
  const parts = await page.locator('main .order-head, main .order-main, main .timeline-card').allInnerTexts();
  assert.ok(parts.length > 0, 'the page has content to check');
  return parts.join('\n');
}

/**
 * Issue 18 in the browser: as an operator (English) the marketplace order's cancel asks for a
 * reason and shows the rating risk, and payment or marketplace events are no buttons; as a viewer
 * (Polish) nothing can be done and everything is in words; as an admin (Russian) a payment event is
 * raised only through the manual override, with a reason, and the timeline says so. Screenshots in
 * test-artifacts/screenshots/console-safety-*.png.
 */
describe('safe actions and words on the order page', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let marketplaceOrder: { id: string; number: string };
  let webOrder: { id: string; number: string };

  before(async () => {
    ({ rig } = await startWebAndMarketplaceConsole());
    const short = await rig.call(
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'WB-SAFE-1',
        channel: 'wildberries',
        currency: 'RUB',
        lines: [{ sku: 'SKU-1', quantity: 500, unitPrice: '100.00', taxRate: '20' }],
      }),
    );
    assert.equal(short.status, 201, JSON.stringify(short.body));
    assert.equal(short.body.state, 'shortage_exception');
    marketplaceOrder = short.body;
    const web = await rig.call('POST', '/api/v1/orders', orderBody({ externalId: 'WEB-SAFE-1' }));
    assert.equal(web.status, 201, JSON.stringify(web.body));
    assert.equal(web.body.state, 'awaiting_payment');
    webOrder = web.body;
    await rig.addUser('operator@example.pl', ['operator']);
    await rig.addUser('viewer@example.pl', ['viewer']);
  });
  after(async () => {
    await rig?.close();
  });

  test('as an operator in English: no payment or marketplace buttons; cancel asks for a reason and shows the rating risk', async () => {
    const page = await rig.newPage();
    await rig.login(page, 'operator@example.pl');
    await page.goto(`${rig.base}/orders/${marketplaceOrder.id}`);
    await page.getByRole('heading', { name: `Order ${marketplaceOrder.number}` }).waitFor();
    const actions = page.getByTestId('order-actions');
    await actions.getByRole('button', { name: 'Stock found' }).waitFor();
    assert.equal(await actions.locator('[data-event="marketplace_cancelled"]').count(), 0);
    assert.equal(await page.getByTestId('override').count(), 0, 'an operator has no override');
    assert.equal(await page.getByTestId('state').innerText(), 'Out of stock');
    assert.doesNotMatch(await pageText(page), CODES);
    await rig.shot('console-safety-operator-en', page);

    await actions.getByRole('button', { name: 'Cancel order' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Cancelling lowers the seller rating on the marketplace').waitFor();
    const confirm = dialog.getByRole('button', { name: 'Yes, Cancel order' });
    assert.equal(await confirm.isDisabled(), true, 'no reason, no cancel');
    await dialog.getByTestId('reason').fill('The buyer asked to cancel; no stock until next month');
    await rig.shot('console-safety-cancel-confirm-en', page);
    await confirm.click();
    await page.getByText('Done: Cancel order. The order is now: Cancelled.').waitFor();
    await page.getByTestId('timeline').getByText('Why: The buyer asked to cancel; no stock until next month').waitFor();
    assert.doesNotMatch(await pageText(page), CODES);
    await rig.shot('console-safety-cancelled-en', page);

    const read = await rig.call('GET', `/api/v1/orders/${marketplaceOrder.id}`);
    assert.equal(read.body.state, 'cancelled');
    await page.close();
  });

  test('as a viewer in Polish: no action buttons, the state and timeline in words; the details toggle shows the engine record', async () => {
    const page = await rig.newPage();
    await rig.login(page, 'viewer@example.pl');
    await switchLanguage(page, /User menu/, 'Polski');
    await page.goto(`${rig.base}/orders/${webOrder.id}`);
    await page.getByTestId('state').waitFor();
    assert.equal(await page.getByTestId('state').innerText(), 'Czeka na płatność');
    const actions = page.getByTestId('order-actions');
    await actions.waitFor();
    assert.equal(await actions.getByRole('button').count(), 0, 'a viewer sees no action buttons');
    assert.equal(await page.getByTestId('override').count(), 0);
    const text = await pageText(page);
    assert.doesNotMatch(text, CODES);
    assert.match(text, /Czeka na płatność/);
    await rig.shot('console-safety-viewer-pl', page);
    await page.getByRole('button', { name: 'Pokaż szczegóły' }).click();
    await page.getByRole('button', { name: 'Ukryj szczegóły' }).waitFor();
    await rig.shot('console-safety-viewer-pl-details', page);
    await page.close();
  });

  test('as an admin in Russian: the payment event only through the override, with a reason, recorded in the timeline', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await switchLanguage(page, /User menu/, 'Русский');
    await page.goto(`${rig.base}/orders/${webOrder.id}`);
    await page.getByTestId('state').waitFor();
    assert.equal(await page.getByTestId('state').innerText(), 'Ждёт оплаты');
    const actions = page.getByTestId('order-actions');
    assert.equal(
      await actions.locator(':scope > .actions > button[data-event="payment_authorized"]').count(),
      0,
      'a payment event is no ordinary button, even for an admin',
    );
    const override = page.getByTestId('override');
    await override.getByText('Ручное вмешательство').click();
    await rig.shot('console-safety-override-ru', page);
    await override.locator('button[data-event="payment_authorized"]').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('reason').fill('Оплата пришла переводом, банк подтвердил по телефону');
    await rig.shot('console-safety-override-confirm-ru', page);
    await dialog.getByRole('button', { name: /^Да: / }).click();
    await page.getByText(/^Готово: Оплата авторизована\./).waitFor();
    const timeline = page.getByTestId('timeline');
    await timeline.getByText(/Ручное вмешательство вместо события \(платёжная система\)/).waitFor();
    await timeline.getByText('Причина: Оплата пришла переводом, банк подтвердил по телефону').first().waitFor();
    assert.doesNotMatch(await pageText(page), CODES);
    await rig.shot('console-safety-override-done-ru', page);

    const history = await rig.call('GET', `/api/v1/orders/${webOrder.id}/history`);
    const entry = history.body.items.find((h: { action: string }) => h.action === 'process.override');
    assert.equal(entry.reason.reason, 'Оплата пришла переводом, банк подтвердил по телефону');
    assert.equal(entry.actor.type, 'user');
    assert.deepEqual(rig.consoleErrors, []);
    await page.close();
  });
});
