import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { seedKpiOrder } from '../reports/kpi-seed.js';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';
import { seedBasics, type TestApp } from '../support.js';
import { publish, shipped } from '../process/process-support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Orders with hand-written histories, placed days before now (hours after placement):
 *   A web WAW-1  fulfilling@0 in_transit@24 delivered@48                                on time
 *   B web WAW-1  fulfilling@0 in_transit@72 delivered@96                                late
 *   C web KRK-S  fulfilling@0 stock_exception@1 fulfilling@5 in_transit@10 completed@20  oversold, on time
 *   D web —      fulfilling@0 cancelled@2                                               cancelled
 *   E wb  WAW-1  fulfilling@0, nothing since                                            late and stuck
 *   F wb  —      fulfilling@0, placed two hours ago                                     not decided yet
 *   X web WAW-1  placed 60 days ago, delivered                                          outside the period
 */
const PLAN = {
  A: {
    channel: 'web',
    location: 'WAW-1',
    daysAgo: 10,
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 24],
      ['delivered', 48],
    ],
  },
  B: {
    channel: 'web',
    location: 'WAW-1',
    daysAgo: 9,
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 72],
      ['delivered', 96],
    ],
  },
  C: {
    channel: 'web',
    location: 'KRK-S',
    daysAgo: 8,
    state: 'completed',
    steps: [
      ['fulfilling', 0],
      ['stock_exception', 1],
      ['fulfilling', 5],
      ['in_transit', 10],
      ['completed', 20],
    ],
  },
  D: {
    channel: 'web',
    location: null,
    daysAgo: 7,
    state: 'cancelled',
    steps: [
      ['fulfilling', 0],
      ['cancelled', 2],
    ],
  },
  E: { channel: 'wildberries', location: 'WAW-1', daysAgo: 6, state: 'fulfilling', steps: [['fulfilling', 0]] },
  F: { channel: 'wildberries', location: null, daysAgo: 2 / 24, state: 'fulfilling', steps: [['fulfilling', 0]] },
  X: {
    channel: 'web',
    location: 'WAW-1',
    daysAgo: 60,
    state: 'delivered',
    steps: [
      ['fulfilling', 0],
      ['in_transit', 5],
      ['delivered', 6],
    ],
  },
} as const;
type Key = keyof typeof PLAN;

/** Process codes a person must never read on the KPI page. */
const CODES = /\b(fulfilling|in_transit|stock_exception|delivered|completed|collected|wildberries|WAW-1|KRK-S)\b/;

/** "20 November 2026": a day as the per-day chart names it, in the browser's zone. */
const longDay = (at: Date, locale: string, timeZone?: string) =>
  new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone }).format(at);

/** A click on the per-day chart's canvas in the middle of the column a day's link lies over. */
async function clickColumn(page: Page, link: Locator) {
  const box = await link.boundingBox();
  assert.ok(box && box.width > 0 && box.height > 0, 'the day has a column over the chart');
  // the link lets the mouse through: the click lands on the chart's canvas
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  // once the chart is drawn (on a busy machine its canvas comes after the links): the point is the canvas
  const onCanvas = `document.elementFromPoint(${x}, ${y})?.tagName === 'CANVAS'`;
  await page.waitForFunction(onCanvas, undefined, { timeout: 10_000 }).catch(() => {});
  assert.equal(await page.evaluate(`document.elementFromPoint(${x}, ${y})?.tagName`), 'CANVAS');
  await page.mouse.click(x, y);
}

/**
 * The KPI dashboard as a process analyst reads it (issue 18 item 7): figures over the last 30
 * days with channel, location and stage names, each a link that opens the orders list filtered to
 * exactly the orders behind it. EN, PL and RU; screenshots kpis-*.png.
 */
describe('KPI dashboard in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  const numberOf = new Map<Key, string>();

  before(async () => {
    rig = await startConsole();
    const app = { call: rig.call } as TestApp;
    const basics = await seedBasics(app);
    const locationId: Record<string, string> = { 'WAW-1': basics.warehouse.id, 'KRK-S': basics.store.id };
    const now = Date.now();
    for (const [key, plan] of Object.entries(PLAN) as Array<[Key, (typeof PLAN)[Key]]>) {
      const { number } = await seedKpiOrder(rig.call, rig.store, locationId, key, {
        ...plan,
        placed: new Date(now - plan.daysAgo * DAY),
      });
      numberOf.set(key, number);
    }
    // The stages' words come from the published processes (after the orders: none of them runs it).
    await publish(app, shipped('b2c-omnichannel'));
  });
  after(async () => {
    await rig?.close();
  });

  /** The order numbers the orders list shows, as plan keys, sorted. */
  const listedNow = async (page: Page) => {
    const keyOf = new Map([...numberOf].map(([key, number]) => [number, key] as const));
    const rows = page.getByTestId('orders-scroll').getByRole('row');
    const texts = await rows.locator('a.mono').allTextContents();
    return texts.map((number) => keyOf.get(number.trim()) ?? number.trim()).sort();
  };
  /** The list once it has loaded: polls until it shows the expected keys (the list fills in after the chip), then returns what it shows. */
  const listed = async (page: Page, expected: string[]) => {
    const until = Date.now() + 10_000;
    let shown = await listedNow(page);
    while (JSON.stringify(shown) !== JSON.stringify(expected) && Date.now() < until) {
      await page.waitForTimeout(100);
      shown = await listedNow(page);
    }
    return shown;
  };

  test('figures with names; a figure opens the orders list with exactly its orders; three languages', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Key figures' }).click();
    await page.getByRole('heading', { name: 'Key figures', exact: true }).waitFor();
    const figure = (id: string) => page.getByTestId(`kpi-${id}`);
    await figure('orders').getByText('6', { exact: true }).waitFor();
    assert.equal(await figure('late').textContent(), '2');
    assert.equal(await figure('cancelled').textContent(), '1');
    assert.equal(await figure('oversold').textContent(), '1');
    assert.equal(await figure('stuck').textContent(), '1');
    assert.equal(await figure('returned').textContent(), '0');
    assert.equal(await figure('sla').textContent(), '50%');
    await page.getByText('2 of 4 shipped within 48 h').waitFor();
    const byChannel = page.getByTestId('cycle-by-channel');
    await byChannel.getByRole('rowheader', { name: 'Sklep internetowy' }).waitFor();
    const byLocation = page.getByTestId('cycle-by-location');
    await byLocation.getByRole('rowheader', { name: 'Magazyn Warszawa' }).waitFor();
    await byLocation.getByRole('rowheader', { name: 'Sklep Kraków' }).waitFor();
    const stages = page.getByTestId('stages');
    await stages.getByRole('rowheader', { name: 'In the warehouse' }).waitFor();
    await stages.getByRole('rowheader', { name: 'Out of stock' }).waitFor();
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', CODES);
    await rig.shot('kpis-en', page);

    // Late shipments → the orders list, filtered to B and E, with the figure named in the chip.
    await figure('late').click();
    await page.getByRole('heading', { name: 'Orders', exact: true }).waitFor();
    const url = new URL(page.url());
    assert.equal(url.pathname, '/orders');
    assert.equal(url.searchParams.get('kpi'), 'late');
    assert.equal(url.searchParams.get('slaHours'), '48');
    await page.getByTestId('drill-down').getByText('Figure: Shipped late or not yet').waitFor();
    await page.getByTestId('orders-total').getByText(/^2\b/).waitFor();
    assert.deepEqual(await listed(page, ['B', 'E']), ['B', 'E']);
    await rig.shot('kpis-drill-late-en', page);

    // A location's cycle time → the orders that finished there, the chip naming the location.
    await page.goBack();
    await byLocation
      .getByRole('row', { name: /Sklep Kraków/ })
      .getByRole('link')
      .first()
      .click();
    await page.getByTestId('drill-down').getByText('Location: Sklep Kraków').waitFor();
    await page.getByTestId('orders-total').getByText(/^1\b/).waitFor();
    assert.deepEqual(await listed(page, ['C']), ['C']);
    await page.goBack();

    // Polish: stages in the process's words, per location.
    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByRole('heading', { name: 'Wskaźniki', exact: true }).waitFor();
    await stages.getByRole('rowheader', { name: 'W magazynie' }).waitFor();
    await page.getByRole('button', { name: 'Według lokalizacji' }).click();
    await stages.getByRole('cell', { name: 'Magazyn Warszawa' }).first().waitFor();
    await page.getByText('2 z 4 wysłanych w ciągu 48 godz.').waitFor();
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', CODES);
    await rig.shot('kpis-pl', page);
    await stages.scrollIntoViewIfNeeded();
    await rig.shot('kpis-stages-pl', page);

    // Russian, by channel, and the stuck order behind its figure.
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByRole('heading', { name: 'Показатели', exact: true }).waitFor();
    await page.getByRole('button', { name: 'По каналам' }).click();
    await stages.getByRole('cell', { name: 'Sklep internetowy' }).first().waitFor();
    await stages.getByRole('rowheader', { name: 'На складе' }).first().waitFor();
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', CODES);
    await rig.shot('kpis-ru', page);
    await figure('stuck').click();
    await page.getByTestId('drill-down').getByText('Показатель: Застряли').waitFor();
    assert.deepEqual(await listed(page, ['E']), ['E']);
    await rig.shot('kpis-drill-stuck-ru', page);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('the figures per day: a chart with a choice of figure in three languages; a day opens exactly its orders', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/kpis`);
    const daily = page.locator('.kpi-daily');
    await daily.getByRole('heading', { name: 'Per day' }).waitFor();
    const chart = daily.getByRole('img');
    await chart.waitFor();
    await daily.locator('canvas').waitFor();
    assert.match((await chart.getAttribute('aria-label')) ?? '', /^Orders: /);
    const days = daily.getByTestId('kpi-daily-days').getByRole('link');
    assert.equal(await days.count(), 6, 'six days with orders: A to F were placed on different days');
    // each day is named in full with its figure, for the keyboard and screen readers
    const placedA = new Date(Date.now() - PLAN.A.daysAgo * DAY);
    assert.equal(
      (await days.first().textContent())?.trim(),
      `${longDay(placedA, 'en-GB')}: 1 order`,
      "A's day, named as a person reads it",
    );
    await daily.scrollIntoViewIfNeeded();
    await rig.shot('kpis-daily-en', page);

    // a click on the chart itself, in the middle of the oldest day's column (A's), lists A alone
    await clickColumn(page, days.first());
    await page.waitForURL(/\/orders\?/);
    const opened = new URL(page.url());
    assert.ok(opened.searchParams.get('placedFrom') && opened.searchParams.get('placedTo'), page.url());
    await page.getByTestId('orders-total').getByText(/^1\b/).waitFor();
    assert.deepEqual(await listed(page, ['A']), ['A']);
    await page.goBack();

    // the keyboard: the second day's link (B's day), Enter → B alone
    await days.nth(1).focus();
    await rig.shot('kpis-daily-focus-en', page);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/orders\?/);
    await page.getByTestId('orders-total').getByText(/^1\b/).waitFor();
    assert.deepEqual(await listed(page, ['B']), ['B']);
    await page.goBack();

    await switchLanguage(page, /User menu/, 'Polski');
    await daily.getByRole('heading', { name: 'Dzień po dniu' }).waitFor();
    await daily.getByRole('combobox', { name: 'Wskaźnik' }).selectOption({ label: 'Spóźnione wysyłki' });
    await page.waitForFunction(
      `(document.querySelector('.kpi-daily [role=img]')?.getAttribute('aria-label') ?? '').startsWith('Spóźnione wysyłki: ')`,
    );
    await daily.scrollIntoViewIfNeeded();
    await rig.shot('kpis-daily-late-pl', page);

    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await daily.getByRole('heading', { name: 'По дням' }).waitFor();
    await daily
      .getByRole('combobox', { name: 'Показатель' })
      .selectOption({ label: 'Медиана времени выполнения (часы)' });
    await page.waitForFunction(
      `(document.querySelector('.kpi-daily [role=img]')?.getAttribute('aria-label') ?? '').startsWith('Медиана времени выполнения (часы): ')`,
    );
    // A finished in 48 hours: its day reads 48
    assert.match((await chart.getAttribute('aria-label')) ?? '', /: 48\b/);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', CODES);
    await daily.scrollIntoViewIfNeeded();
    await rig.shot('kpis-daily-cycle-ru', page);
    assert.deepEqual(rig.consoleErrors, []);
  });

  test("the days are the user's: an order placed at 23:30 UTC is on the next day in Warsaw, and that day opens it", async () => {
    // 23:30 UTC fifteen days ago: no other order was placed within a day of it
    const placed = new Date(Date.now() - 15 * DAY);
    placed.setUTCHours(23, 30, 0, 0);
    const { number } = await seedKpiOrder(rig.call, rig.store, {}, 'T', {
      channel: 'web',
      location: null,
      state: 'fulfilling',
      steps: [['fulfilling', 0]],
      placed,
    });
    numberOf.set('T' as Key, number);
    const utcDay = longDay(placed, 'en-GB', 'UTC');
    const warsawDay = longDay(placed, 'en-GB', 'Europe/Warsaw');
    assert.notEqual(utcDay, warsawDay, 'in Warsaw it is already the next day');

    for (const [zone, day, other] of [
      ['Europe/Warsaw', warsawDay, utcDay],
      ['UTC', utcDay, warsawDay],
    ] as const) {
      const page = await rig.newPage('en-GB', zone);
      await rig.login(page, rig.email);
      await page.goto(`${rig.base}/kpis`);
      const daily = page.locator('.kpi-daily');
      await daily.getByText(`Days of placement in your time zone (${zone})`).waitFor();
      const days = daily.getByTestId('kpi-daily-days').getByRole('link');
      const link = days.filter({ hasText: `${day}: 1 order` });
      await link.waitFor({ state: 'attached' });
      assert.equal(await days.filter({ hasText: other }).count(), 0, `${zone}: nothing on ${other}`);
      await daily.scrollIntoViewIfNeeded();
      await link.focus();
      await rig.shot(`kpis-daily-${zone === 'UTC' ? 'utc' : 'warsaw'}-en`, page);
      await clickColumn(page, link);
      await page.waitForURL(/\/orders\?/);
      await page.getByTestId('orders-total').getByText(/^1\b/).waitFor();
      assert.deepEqual(await listed(page, ['T']), ['T'], `${zone}: the day lists exactly the order`);
      await page.close();
    }

    // Polish and Russian: the day named in the language, the zone in the hint
    const page = await rig.newPage('en-GB', 'Europe/Warsaw');
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/kpis`);
    const daily = page.locator('.kpi-daily');
    await switchLanguage(page, /User menu/, 'Polski');
    await daily
      .getByText('Dni złożenia zamówień w Twojej strefie czasowej (Europe/Warsaw)', { exact: false })
      .waitFor();
    const polish = daily
      .getByTestId('kpi-daily-days')
      .getByRole('link')
      .filter({ hasText: `${longDay(placed, 'pl-PL', 'Europe/Warsaw')}: 1 zamówienie` });
    await polish.waitFor({ state: 'attached' });
    // the chart drawn (its chunk loads after the figures) before the screenshot
    await daily.locator('canvas').waitFor();
    await daily.scrollIntoViewIfNeeded();
    await polish.focus();
    await rig.shot('kpis-daily-warsaw-pl', page);
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    const russian = daily
      .getByTestId('kpi-daily-days')
      .getByRole('link')
      .filter({ hasText: `${longDay(placed, 'ru-RU', 'Europe/Warsaw')}: 1 заказ` });
    await russian.waitFor({ state: 'attached' });
    await daily.getByText('в вашем часовом поясе (Europe/Warsaw)', { exact: false }).waitFor();
    await daily.locator('canvas').waitFor();
    await russian.focus();
    await rig.shot('kpis-daily-warsaw-ru', page);
    await page.close();
    assert.deepEqual(rig.consoleErrors, []);
  });
});
