import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { orderBody } from '../support.js';
import { browserSkip, type ConsoleRig, startWebAndMarketplaceConsole } from './browser.js';

/** 20:30 UTC on 20 November: 21:30 the same day in Warsaw, 06:30 the next day in Vladivostok. */
const PLACED = '2026-11-20T20:30:00Z';

/** "HH:MM" of an instant in a zone, as the console's short time style writes it in en-GB. */
const clock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(
    new Date(iso),
  );

/**
 * Issue 18 ("in the user's language and time zone"): a user chooses their own time zone in the user
 * menu; the orders list, the order's timeline and the dashboard's `tz=` follow it instead of the
 * browser's zone, it is kept on the user (PATCH /me) across reloads, and "the browser's zone" goes
 * back. The browser itself runs in UTC, so each zone's change of hour and day is visible.
 * Screenshots time-zone-*.png.
 */
describe('the user’s own time zone in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let page: Page;
  let order: { id: string; number: string };

  before(async () => {
    ({ rig } = await startWebAndMarketplaceConsole());
    const created = await rig.call('POST', '/api/v1/orders', orderBody({ externalId: 'WEB-TZ-1' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    order = created.body;
    await rig.store
      .updateTable('orders')
      .set({ placed_at: new Date(PLACED) })
      .where('id', '=', order.id)
      .execute();
    page = await rig.newPage('en-GB', 'UTC');
    await rig.login(page, rig.email);
  });
  after(async () => {
    await rig?.close();
  });

  const placedCell = async () => {
    await page.goto(`${rig.base}/orders?q=${encodeURIComponent(order.number)}`);
    const row = page.getByRole('row').filter({ hasText: order.number });
    await row.waitFor();
    return row;
  };

  test('given Europe/Warsaw, then Asia/Vladivostok, the orders list shows the hour and day of each zone', async () => {
    // the browser's zone (UTC) by default
    let row = await placedCell();
    await row.getByText(/20 Nov 2026, 20:30/).waitFor();

    await page.getByRole('button', { name: /User menu/ }).click();
    const picker = page.getByLabel('Time zone');
    assert.equal(await picker.inputValue(), '', 'the browser’s zone is the default');
    assert.match(await picker.locator('option:checked').innerText(), /Browser’s zone \(UTC\)/);
    await picker.selectOption('Europe/Warsaw');
    await page.getByTestId('tz-status').getByText('Times are now shown in Europe/Warsaw.').waitFor();
    await rig.shot('time-zone-menu-en', page);
    await page.keyboard.press('Escape');
    row = await placedCell();
    await row.getByText(/20 Nov 2026, 21:30/).waitFor();
    await rig.shot('time-zone-warsaw-en', page);

    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByLabel('Time zone').selectOption('Asia/Vladivostok');
    await page.getByTestId('tz-status').getByText('Times are now shown in Asia/Vladivostok.').waitFor();
    await page.keyboard.press('Escape');
    // the next calendar day there
    row = await placedCell();
    await row.getByText(/21 Nov 2026, 06:30/).waitFor();
    await rig.shot('time-zone-vladivostok-en', page);

    // kept on the user: a reload, and the users API, say Vladivostok
    await page.reload();
    row = page.getByRole('row').filter({ hasText: order.number });
    await row.getByText(/21 Nov 2026, 06:30/).waitFor();
    const users = await rig.call('GET', '/api/v1/users?limit=200');
    const admin = users.body.items.find((u: { email: string }) => u.email === rig.email);
    assert.equal(admin.timeZone, 'Asia/Vladivostok');
  });

  test('the order’s timeline and the dashboard’s per-day figures use the user’s zone', async () => {
    await page.goto(`${rig.base}/orders/${order.id}`);
    const first = page.getByTestId('timeline').locator('time').first();
    await first.waitFor();
    const at = (await first.getAttribute('datetime'))!;
    // ten hours apart: the text can say only one of them
    assert.notEqual(clock(at, 'Asia/Vladivostok'), clock(at, 'UTC'));
    assert.match(await first.innerText(), new RegExp(clock(at, 'Asia/Vladivostok')));

    const summary = page.waitForRequest((r) => r.url().includes('/reports/orders-summary'));
    await page.goto(`${rig.base}/`);
    assert.match((await summary).url(), /tz=Asia%2FVladivostok/);
    // the key-figures page's own request (the dashboard's window figures carry no tz)
    const kpis = page.waitForRequest((r) => r.url().includes('/reports/kpis?') && r.url().includes('tz='));
    await page.goto(`${rig.base}/kpis`);
    assert.match((await kpis).url(), /tz=Asia%2FVladivostok/);
  });

  test('“the browser’s zone” goes back to the browser’s (UTC here)', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByLabel('Time zone').selectOption('');
    await page.getByTestId('tz-status').getByText('Times are now shown in the browser’s zone (UTC).').waitFor();
    await page.keyboard.press('Escape');
    const row = await placedCell();
    await row.getByText(/20 Nov 2026, 20:30/).waitFor();
    const me = (await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()))) as { timeZone: string | null };
    assert.equal(me.timeZone, null);
    assert.deepEqual(rig.consoleErrors, []);
  });
});
