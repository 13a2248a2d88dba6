import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { createChannelConnectors } from '../../src/integrations/channels/index.js';
import {
  startWooFake,
  WOO_FAKE_KEY,
  WOO_FAKE_SECRET,
  WOO_FAKE_WEBHOOK_SECRET,
  type WooFake,
} from '../../src/integrations/channels/testing/woocommerce-fake.js';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';

/** Codes the API speaks that an operator must never read on the page: outcomes, via, event types. */
const CODES = /\b(failed|rejected|exception|webhook_token|unreadable|woocommerce)\b/;

/** What the connection page says outside the collapsed payloads (those are the channel's own JSON). */
async function visibleText(page: Page): Promise<string> {
  // evaluated in the page (the root tsconfig has no DOM types)
  return page.evaluate(`(() => { const copy = document.querySelector('main').cloneNode(true);
    copy.querySelectorAll('details pre, .mono, input, select, textarea').forEach((n) => n.remove());
    document.body.appendChild(copy); const text = copy.innerText; copy.remove(); return text; })()`);
}

/**
 * Sales channels as an operator works them in the console: a WooCommerce shop (the local fake
 * from src/integrations/channels/testing) connected through the form, tested, paused and resumed;
 * an order the shop sends by webhook that Ordo cannot take lands in the error queue with its reason;
 * its offers are mapped (an unknown SKU refused at its row first) and it is replayed. The same
 * pages in Polish and Russian. Screenshots in test-artifacts/screenshots/channels-*.png.
 */
describe('sales channels in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let woo: WooFake;

  before(async () => {
    woo = await startWooFake();
    rig = await startConsole({
      channels: { connectors: createChannelConnectors(), secretKey: randomBytes(32), http: {} },
    });
    for (const [sku, name] of [
      ['KUBEK-1', 'Kubek ceramiczny żółty'],
      ['LYZKA-1', 'Łyżka stołowa'],
    ]) {
      const made = await rig.call('POST', '/api/v1/products', { sku, name, weightG: 350 });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
  });
  after(async () => {
    await rig?.close();
    await woo?.close();
  });

  test('given a WooCommerce shop, it is connected, tested, paused and resumed, its offers mapped and a failed order replayed, in English, Polish and Russian', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Sales channels' }).click();
    await page.getByRole('heading', { name: 'Sales channels', exact: true }).waitFor();
    await page.getByText('No channel is connected yet.').waitFor();

    // The form: the connector decides the keys asked for (password inputs) and the settings explained.
    const form = page.getByTestId('connect-form');
    await form.getByLabel('Connector').selectOption({ label: 'WooCommerce' });
    await form.getByText('Can do: webhooks, polling, stock push').waitFor();
    await form.getByLabel('Channel code').fill('WOO-PL');
    await form.getByLabel('Channel name').fill('Sklep Żółw (WooCommerce)');
    await form.getByLabel('API address (optional)').fill(woo.baseUrl);
    for (const [key, value] of [
      ['consumerKey', WOO_FAKE_KEY],
      ['consumerSecret', WOO_FAKE_SECRET],
      ['webhookSecret', WOO_FAKE_WEBHOOK_SECRET],
    ] as const) {
      const input = form.getByLabel(key, { exact: true });
      assert.equal(await input.getAttribute('type'), 'password');
      await input.fill(value);
    }
    await form.getByRole('button', { name: 'Add a setting' }).click();
    await form.getByLabel('Setting 1').selectOption('initialSyncDays');
    await form.getByText('How many days back the first poll reads (default 7)').waitFor();
    await form.getByLabel('initialSyncDays').fill('3');
    await form.getByLabel('Poll every (seconds)').fill('120');
    await rig.shot('channels-connect-form', page);
    await form.getByRole('button', { name: 'Connect', exact: true }).click();

    // The connection page: the stored keys by name only, the webhook address hidden until asked for.
    await page.getByRole('heading', { name: /^Channel WOO-PL/ }).waitFor();
    const facts = page.getByTestId('connection-facts');
    await facts.getByText('consumerKey').waitFor();
    assert.doesNotMatch((await facts.textContent()) ?? '', new RegExp(`${WOO_FAKE_SECRET}|${WOO_FAKE_KEY}`));
    await facts.getByText('2 minutes').waitFor();
    const api = (await rig.call('GET', '/api/v1/channel-connections')).body.items[0];
    assert.equal(api.settings.initialSyncDays, 3, 'a number typed in a setting is sent as a number');
    const hook = page.getByTestId('webhook-card');
    assert.doesNotMatch((await hook.getByTestId('webhook-url').textContent()) ?? '', new RegExp(api.webhookPath));
    await hook.getByRole('button', { name: 'Show' }).click();
    await hook.getByText(`${rig.base}${api.webhookPath}`).waitFor();
    await hook.getByRole('button', { name: 'Hide' }).click();

    // Test connection: the fake answers, the answer is said in words.
    await facts.getByRole('button', { name: 'Test connection' }).click();
    await facts
      .getByRole('status')
      .getByText(/^The channel answered: /)
      .waitFor();

    // Pause and resume.
    await facts.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#channel-title').getByText('Paused').waitFor();
    await facts
      .getByRole('status')
      .getByText(/^Paused: no polling/)
      .waitFor();
    await facts.getByRole('button', { name: 'Resume' }).click();
    await page.locator('#channel-title').getByText('Active').waitFor();
    assert.equal((await rig.call('GET', `/api/v1/channel-connections/${api.id}`)).body.status, 'active');

    // The shop sends an order by webhook (signed as WooCommerce signs it). Ordo cannot take it on
    // this branch (the order mapping is a placeholder), so it waits in the error queue.
    const signed = woo.addOrder(4711);
    const sent = await fetch(`${rig.base}${api.webhookPath}`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body: signed.raw,
    });
    assert.equal(sent.status, 200, await sent.text());
    await page.reload();
    const queue = page.getByTestId('error-queue');
    const failed = queue.locator('tbody tr.entry').first();
    await failed.getByText('Needs attention').waitFor();
    await failed.getByText('#4711').waitFor();
    const reasonBefore = ((await failed.getByTestId('reason').textContent()) ?? '').trim();
    assert.ok(reasonBefore.length > 0, 'the reason is shown');
    assert.equal(await failed.getByTestId('attempts').textContent(), '1');
    // The payload is there to read, folded.
    const detail = queue.locator('tbody tr[data-detail-of]').first();
    await detail.getByText('What the channel sent').click();
    await detail.locator('details pre').getByText('"4711"').first().waitFor();
    await detail.getByText('What the channel sent').click();

    // Poll now reads the same order from the shop: already received, nothing twice.
    await facts.getByRole('button', { name: 'Poll now' }).click();
    await facts
      .getByRole('status')
      .getByText(/^Read 1 page: Already received: 1\.$/)
      .waitFor();

    // Offer mappings: an unknown SKU is refused at its row; then both lines of the order are mapped.
    rig.expectedErrors.push(/status of 4\d\d/);
    const offers = page.getByTestId('offers-card');
    await offers.getByText('No offer is mapped yet.').waitFor();
    await offers.getByLabel('Offer id 1').fill('93');
    await offers.getByLabel('SKU 1').fill('NO-SUCH-SKU');
    await offers.getByRole('button', { name: 'Save mappings' }).click();
    await offers
      .locator('[data-row="1"]')
      .getByText(/^Row 1: unknown SKU NO-SUCH-SKU$/)
      .waitFor();
    await offers.getByLabel('SKU 1').fill('KUBEK-1');
    await offers.getByText('Paste CSV (offerId,sku)').click();
    await offers.getByRole('textbox', { name: 'Paste CSV (offerId,sku)' }).fill('offerId,sku\n22:23,LYZKA-1\n');
    await offers.getByRole('button', { name: 'Add these rows' }).click();
    assert.equal(await offers.getByLabel('Offer id 2').inputValue(), '22:23');
    await offers.getByRole('button', { name: 'Save mappings' }).click();
    await offers.getByRole('status').getByText('2 mappings saved.').waitFor();
    await offers.getByTestId('offers-list').getByText('LYZKA-1').waitFor();
    // The mapped offers' stock goes to the shop on demand.
    await facts.getByRole('button', { name: 'Sync stock now' }).click();
    await facts
      .getByRole('status')
      .getByText(/^Stock sent — offers: 2, refused by the channel: 0/)
      .waitFor();
    assert.equal(woo.stock.get('93'), 0, 'no stock of KUBEK-1 in Ordo: the shop is told 0');

    // Location and cancellation-reason mappings.
    const maps = page.getByTestId('mappings-card');
    await maps.getByTestId('location-mappings').getByRole('button', { name: 'Add a row' }).click();
    await maps.getByLabel('Channel warehouse id 1').fill('main');
    await maps.getByLabel('Ordo location code 1').fill('KRK-S');
    await maps.getByTestId('reason-mappings').getByRole('button', { name: 'Add a row' }).click();
    await maps.getByLabel('Ordo reason 1').fill('default');
    await maps.getByLabel('Channel reason code 1').fill('out_of_stock');
    await maps.getByRole('button', { name: 'Save locations and reasons' }).click();
    await maps.getByRole('status').getByText('Mappings saved.').waitFor();
    const mappings = (await rig.call('GET', `/api/v1/channel-connections/${api.id}`)).body.mappings;
    assert.deepEqual(mappings, { locations: { main: 'KRK-S' }, cancelReasons: { default: 'out_of_stock' } });

    // Address, settings and keys: the poll interval changed, the keys replaced (all at once), still answering.
    const change = page.getByTestId('settings-card');
    assert.equal(await change.getByLabel('initialSyncDays').inputValue(), '3');
    await change.getByLabel('Poll every (seconds)').fill('600');
    await change.getByLabel('New consumerKey').fill(WOO_FAKE_KEY);
    await change.getByRole('button', { name: 'Save changes' }).click();
    // one key alone is not enough: the browser asks for the others before anything is sent
    assert.equal(await change.locator('input[aria-label="New consumerSecret"]:invalid').count(), 1);
    await change.getByLabel('New consumerSecret').fill(WOO_FAKE_SECRET);
    await change.getByLabel('New webhookSecret').fill(WOO_FAKE_WEBHOOK_SECRET);
    await change.getByRole('button', { name: 'Save changes' }).click();
    await change.getByRole('status').getByText('Changes saved.').waitFor();
    await change.scrollIntoViewIfNeeded();
    await rig.shot('channels-settings', page);
    await facts.getByText('10 minutes').waitFor();
    await facts.getByRole('button', { name: 'Test connection' }).click();
    await facts
      .getByRole('status')
      .getByText(/^The channel answered: /)
      .waitFor();

    await page.getByTestId('error-queue').scrollIntoViewIfNeeded();
    await rig.shot('channels-error-queue', page);

    // Replay, now that the offer is mapped: the order is created, the row leaves the queue and
    // the page links to the order.
    await failed.getByRole('button', { name: 'Replay' }).click();
    const note = queue.getByTestId('replay-note').first();
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /^Order created\./);
    await note.getByRole('link', { name: 'Open the order' }).waitFor();
    await queue.getByText('Nothing needs attention.').waitFor();
    await rig.shot('channels-connection', page);
    assert.doesNotMatch(await visibleText(page), CODES);

    // The log, filtered by outcome.
    const log = page.getByTestId('ingestion-log');
    await log.getByLabel('Outcome').selectOption({ label: 'Order created' });
    await log.getByText('Nothing received yet.').or(log.getByText('#4711')).waitFor();
    await log.getByLabel('Outcome').selectOption({ label: 'Any outcome' });
    await log.getByText('#4711').first().waitFor();

    // The list: the connection with its health.
    await page.getByRole('link', { name: /Back to sales channels/ }).click();
    const row = page.getByTestId('channel-connections').locator('tbody tr', { hasText: 'WOO-PL' });
    await row.getByText('WooCommerce').waitFor();
    await row.getByText('Active').waitFor();
    await rig.shot('channels-list', page);

    // Polish.
    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByRole('heading', { name: 'Kanały sprzedaży', exact: true }).waitFor();
    await row.getByText('Aktywny').waitFor();
    await rig.shot('channels-list-pl', page);
    await row.getByRole('link', { name: 'WOO-PL' }).click();
    await page.getByRole('heading', { name: /^Kanał WOO-PL/ }).waitFor();
    await page.getByTestId('error-queue').getByText('Kolejka błędów').waitFor();
    // how the entry came: by webhook, or (once replayed into an order) by replay
    await page
      .getByTestId('ingestion-log')
      .getByText(/^(Webhook|Ponowienie)$/)
      .first()
      .waitFor();
    assert.doesNotMatch(await visibleText(page), CODES);
    await rig.shot('channels-connection-pl', page);

    // Russian.
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByRole('heading', { name: /^Канал WOO-PL/ }).waitFor();
    await page.getByRole('button', { name: 'Проверить подключение' }).waitFor();
    assert.doesNotMatch(await visibleText(page), CODES);
    await page.getByTestId('error-queue').scrollIntoViewIfNeeded();
    await rig.shot('channels-error-queue-ru', page);

    assert.deepEqual(rig.consoleErrors, []);
    await page.context().close();
  });

  test('given a viewer, the channels are shown without the means to change them', async () => {
    const viewer = `viewer-${randomBytes(3).toString('hex')}@example.pl`;
    await rig.addUser(viewer, ['viewer']);
    const page = await rig.newPage();
    await rig.login(page, viewer);
    await page.goto(`${rig.base}/channels`);
    const row = page.getByTestId('channel-connections').locator('tbody tr', { hasText: 'WOO-PL' });
    await row.getByText('WooCommerce').waitFor();
    assert.equal(await page.getByTestId('connect-form').count(), 0);
    await row.getByRole('link', { name: 'WOO-PL' }).click();
    await page.getByRole('heading', { name: /^Channel WOO-PL/ }).waitFor();
    await page
      .getByTestId('error-queue')
      .getByText('Needs attention')
      .or(page.getByText('Nothing needs attention.'))
      .first()
      .waitFor();
    for (const name of ['Test connection', 'Pause', 'Replay', 'Save mappings', 'Save changes'])
      assert.equal(await page.getByRole('button', { name }).count(), 0, `${name} is not offered to a viewer`);
    assert.deepEqual(rig.consoleErrors, []);
    await page.context().close();
  });
});
