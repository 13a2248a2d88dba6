import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createCarrierRegistry } from '../../src/integrations/carriers/index.js';
import { ok, type FulfilmentTestApp } from '../fulfilment/helpers.js';
import { deliveredOrder, lineOf, seedReturns } from '../returns/helpers.js';
import { browserSkip, type ConsoleRig, startConsole } from './browser.js';

/** Codes the API speaks that the customer must never read: states, reasons, wishes, rules. */
const CODES =
  /\b(issuing_label|awaiting_parcel|awaiting_approval|store_credit|size_fit|changed_mind|not_as_described|marketplace_rules|RETURN_[A-Z_]+|label_exception)\b/;

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

async function trackingPath(rig: ConsoleRig, orderId: string): Promise<string> {
  const l = await ok(rig as unknown as FulfilmentTestApp, 'GET', `/api/v1/orders/${orderId}/tracking-link`);
  const raw = String(l.url ?? l.path ?? l.token);
  return raw.includes('/track/') ? raw.slice(raw.indexOf('/track/')) : `/track/${raw}`;
}

/** From the tracking page, in the given language, to the return page by its button. */
async function openReturnPage(
  page: Page,
  rig: ConsoleRig,
  path: string,
  language: string,
  button: string,
  shot?: string,
) {
  await page.goto(`${rig.base}${path}`);
  await page.getByTestId('track-status').waitFor();
  await page.getByRole('button', { name: language }).click();
  const link = page.getByTestId('track-return');
  await link.getByText(button).waitFor();
  if (shot) await rig.shot(shot, page);
  await link.click();
}

/**
 * The customer's return page, reached from the public tracking link (no login): a return of one
 * unit with a photo is confirmed in words; a request for units another return took meanwhile is
 * refused at the line's field; a marketplace order is refused with the rule in Polish words.
 * Screenshots in test-artifacts/screenshots/self-service-*.png.
 */
describe('customer self-service return page', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let t: FulfilmentTestApp;

  before(async () => {
    rig = await startConsole({ carriers: createCarrierRegistry({ manual: {} }) });
    t = rig as unknown as FulfilmentTestApp;
    await seedReturns(t);
  });
  after(async () => {
    await rig?.close();
  });

  test('given a delivered order, the customer returns 1 unit from the tracking link and sees the confirmation; asking for units already taken is refused at the line', async () => {
    const order = await deliveredOrder(t);
    const path = await trackingPath(rig, order.id);
    const page = await rig.newPage('en-GB');
    await openReturnPage(page, rig, path, 'English', 'Return items', 'self-service-tracking-link');
    await page.getByRole('heading', { name: `Return items from order ${order.number}` }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'en');
    // No console shell, no login, no prices or addresses.
    assert.equal(await page.getByLabel('Password').count(), 0);
    assert.equal(await page.getByRole('navigation').count(), 0);
    const text = (await page.locator('main').innerText()) ?? '';
    assert.doesNotMatch(text, /19[.,]99|149[.,]00|PLN|zł|Łukasiewicz|Marszałkowska/);
    await page.getByText('up to 2 units').waitFor();

    // One mug, arrived damaged: the reason asks for a photo; a big file and a text file are refused before sending.
    await page.getByLabel(/^How many of Kubek/).fill('1');
    await page.getByLabel('Why are you returning it?').selectOption({ label: 'Arrived damaged' });
    const submit = page.getByRole('button', { name: 'Request the return' });
    assert.equal(await submit.isDisabled(), true, 'a damaged item needs a photo first');
    const picker = page.locator('input[type="file"]');
    await picker.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(250_000, 1) });
    await page
      .getByTestId('ss-photo-error')
      .getByText('huge.png is too large: each photo must be under 200 kB.')
      .waitFor();
    await picker.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await page.getByTestId('ss-photo-error').getByText('notes.txt is not a PNG, JPEG or WebP picture.').waitFor();
    await rig.shot('self-service-photo-refused', page);
    await picker.setInputFiles({ name: 'mug.png', mimeType: 'image/png', buffer: PNG });
    await page.getByText('1 photo added').waitFor();
    await page.getByLabel('Store credit for my next order').check();
    await page.getByLabel('Anything else we should know? (optional)').fill('Ucho odpadło — handle came off');
    await page.getByText('You are returning 1 item.').waitFor();
    await rig.shot('self-service-form', page);
    await submit.click();
    const done = page.getByTestId('ss-done');
    await done.getByText(new RegExp(`^Your return ${order.number}-R1 is registered: `)).waitFor();
    const doneText = (await done.innerText()) ?? '';
    assert.doesNotMatch(doneText, CODES);
    await page.getByTestId('ss-returns').getByText(`${order.number}-R1`).waitFor();
    await page.locator('.ss-lines li', { hasText: 'Kubek' }).getByText('up to 1 unit').waitFor();
    await rig.shot('self-service-done', page);

    // What the shop recorded: the customer's own request, with the photo and a label drop-off.
    const list = await ok(t, 'GET', `/api/v1/orders/${order.id}/returns`);
    assert.equal(list.items.length, 1);
    const r = await ok(t, 'GET', `/api/v1/returns/${list.items[0].id}`);
    assert.equal(r.source, 'self_service');
    assert.equal(r.wish, 'store_credit');
    assert.equal(r.reason, 'damaged');
    assert.equal(r.photos.length, 1);
    assert.match(r.photos[0], /^data:image\/png;base64,/);
    assert.equal(r.dropOff.kind, 'label');
    assert.deepEqual(
      r.lines.map((l: any) => [l.sku, l.quantity]),
      [['SKU-1', 1]],
    );

    // Meanwhile the shop's desk takes 4 of the 5 spoons on another return; the page still offers 5.
    await page.getByText('up to 5 units').waitFor();
    await ok(
      t,
      'POST',
      `/api/v1/orders/${order.id}/returns`,
      { lines: [{ lineId: lineOf(order, 'SKU-3'), quantity: 4 }], reason: 'defective', wish: 'refund' },
      201,
    );
    rig.expectedErrors.push(/status of 422/);
    await page.getByLabel('How many of Łyżka stołowa').fill('2');
    await page.getByLabel('Why are you returning it?').selectOption({ label: 'Size or fit' });
    await page.getByRole('button', { name: 'Request the return' }).click();
    const refused = page.getByTestId('ss-refused');
    await refused.getByText('We cannot accept this return').waitFor();
    await refused.getByText('Please check the highlighted fields.').waitFor();
    const atLine = page.locator('.field-error[data-path="/lines/0/quantity"]');
    await atLine.getByText('That is more than can still be returned from this item.').waitFor();
    // The page reloads what can come back: one spoon now.
    await page.locator('.ss-lines li', { hasText: 'Łyżka stołowa' }).getByText('up to 1 unit').waitFor();
    assert.doesNotMatch((await page.locator('main').innerText()) ?? '', CODES);
    await rig.shot('self-service-exceeds', page);
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${order.id}/returns`)).items.length, 2, 'nothing was kept');

    // On a phone the form fits the width.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    assert.equal(overflow, false, 'no horizontal scrolling on a phone');
    await rig.shot('self-service-phone', page);
    await page.context().close();
  });

  test('given a marketplace order, the request is refused and the customer reads the rule in Polish', async () => {
    const order = await deliveredOrder(t, { channel: 'wildberries', currency: 'RUB' });
    const path = await trackingPath(rig, order.id);
    const page = await rig.newPage('pl-PL');
    await openReturnPage(page, rig, path, 'Polski', 'Zwróć produkty');
    await page.getByRole('heading', { name: `Zwrot produktów z zamówienia ${order.number}` }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'pl');
    await page.getByText('do 2 sztuk').waitFor();
    await page.getByLabel(/^Ile sztuk: Kubek/).fill('1');
    await page.getByLabel('Dlaczego zwracasz?').selectOption({ label: 'Nie działa' });
    await page.getByLabel('Zwrotu pieniędzy').waitFor();
    await page.getByText('Pocztą, z etykietą zwrotną od nas').waitFor();
    await page.getByText('Zwracasz 1 produkt.').waitFor();
    rig.expectedErrors.push(/status of 422/);
    await page.getByRole('button', { name: 'Zgłoś zwrot' }).click();
    const refused = page.getByTestId('ss-refused');
    await refused.getByText('Nie możemy przyjąć tego zwrotu').waitFor();
    await refused
      .getByRole('listitem')
      .getByText('To zamówienie zostało złożone na platformie sprzedażowej: zwróć je tam.')
      .waitFor();
    const text = (await page.locator('main').innerText()) ?? '';
    assert.doesNotMatch(text, CODES);
    assert.doesNotMatch(text, /marketplace/i, 'the server’s English message is not shown');
    await rig.shot('self-service-refused-pl', page);
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${order.id}/returns`)).items.length, 0, 'nothing was kept');

    // Back on the tracking page, still in Polish.
    await page.getByRole('link', { name: /Wróć do śledzenia zamówienia/ }).click();
    await page.getByRole('heading', { name: `Zamówienie ${order.number}` }).waitFor();
    await page.context().close();
  });

  test('given the returns above received and graded, the dashboard shows the return rate, top SKUs, reasons in words, time to refund and restock share, in English and Polish', async () => {
    // Receive and grade every open return: the spoons partly written off; refunds confirmed by finance.
    const all = await ok(t, 'GET', '/api/v1/returns');
    for (const s of all.items) {
      const r = await ok(t, 'GET', `/api/v1/returns/${s.id}`);
      await ok(t, 'POST', `/api/v1/returns/${r.id}/receipts`, {
        location: 'WAW-1',
        lines: r.lines.map((l: any) => ({ lineId: l.id, quantity: l.quantity })),
      });
      await ok(t, 'POST', `/api/v1/returns/${r.id}/inspections`, {
        units: r.lines.flatMap((l: any) =>
          l.sku === 'SKU-3'
            ? [
                { lineId: l.id, grade: 'resell', quantity: l.quantity - 1 },
                { lineId: l.id, grade: 'write_off', quantity: 1 },
              ]
            : [{ lineId: l.id, grade: 'resell', quantity: l.quantity }],
        ),
      });
    }
    // Time to refund counts closed returns; these wait for their return labels and refunds, so it shows none yet.
    const f = await ok(t, 'GET', '/api/v1/returns/figures');
    const shipped = f.rate.byChannel.reduce((n: number, r: any) => n + r.shipped, 0);
    const returned = f.rate.byChannel.reduce((n: number, r: any) => n + r.returned, 0);
    assert.equal(returned, 5, JSON.stringify(f.rate.byChannel));
    assert.equal(f.restock.share, 0.8, JSON.stringify(f.restock));

    const page = await rig.newPage('en-GB');
    await rig.login(page, rig.email);
    const card = page.getByTestId('returns-card');
    await card.getByRole('heading', { name: 'Returns' }).waitFor();
    const rate = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 }).format(
      returned / shipped,
    );
    await card.getByTestId('rf-rate').getByText(rate, { exact: true }).waitFor();
    await card.getByText(`Returned 5 of ${shipped} shipped units`).waitFor();
    await card.getByTestId('rf-restock').getByText('80%').waitFor();
    await card.getByText('Sell again 4 · refurbish 0 · write off 1').waitFor();
    const reasons = card.getByTestId('rf-reasons');
    await reasons.locator('tr', { hasText: 'Arrived damaged' }).waitFor();
    await reasons.locator('tr', { hasText: 'Does not work' }).waitFor();
    await card.getByRole('table', { name: 'Most returned products' }).locator('tr', { hasText: 'SKU-3' }).waitFor();
    assert.equal(f.requestToRefund.refunds, 0);
    await card.getByText('No refunds yet.').waitFor();
    await card.scrollIntoViewIfNeeded();
    await rig.shot('self-service-dashboard-returns', page);
    assert.doesNotMatch((await card.innerText()) ?? '', /\b(defective|write_off|not_as_described|size_fit)\b/);

    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('button', { name: 'Polski' }).click();
    await page.keyboard.press('Escape');
    await card.getByRole('heading', { name: 'Zwroty' }).waitFor();
    await reasons.locator('tr', { hasText: 'Uszkodzony w transporcie' }).waitFor();
    await reasons.locator('tr', { hasText: 'Nie działa' }).waitFor();
    await card.getByText('Do sprzedaży 4 · do naprawy 0 · do spisania 1').waitFor();
    await card.scrollIntoViewIfNeeded();
    await rig.shot('self-service-dashboard-returns-pl', page);
    await page.context().close();
  });

  test('given the whole session, the browser logged no console errors', () => {
    assert.deepEqual(rig.consoleErrors, []);
  });
});
