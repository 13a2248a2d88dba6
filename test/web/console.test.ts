import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../../src/api/app.js';
import { compose } from '../../src/compose.js';
import { createTenant } from '../../src/app/identity/create-tenant.js';
import { systemClock } from '../../src/shared/clock.js';
import { freshDatabase, orderBody, seedBasics, type TestApp } from '../support.js';
import { browserSkip, CHROMIUM, DIST, NAV_TIMING, type NavTiming, PASSWORD, REPO, SHOTS } from './browser.js';

const DESK_PROCESS = `key: desk
start: received
states:
  received:
    always:
      - { to: awaiting_approval, when: "order.total > 10000" }
      - { to: stock_exception }
  awaiting_approval:
    task: { kind: approval, role: admin, title: "Duże zamówienie: zatwierdź" }
    on: { approve: completed, reject: rejected }
  stock_exception:
    exception: { kind: stock_shortage, resolutions: [backorder, cancel] }
    on: { backorder: completed, cancel: cancelled }
  completed: { terminal: true }
  rejected: { terminal: true, outcome: rejected }
  cancelled: { terminal: true, outcome: cancelled }
`;

const ORDERS = 105;

/**
 * The console end to end: a real server on the embedded database serving web/dist, driven by
 * Debian chromium through playwright-core. Screenshots land in test-artifacts/screenshots.
 */
describe('console in a browser', { skip: browserSkip }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let server: Awaited<ReturnType<typeof buildApp>>;
  let browser: Browser;
  let page: Page;
  let base: string;
  let email: string;
  let call: TestApp['call'];
  let target: { id: string; number: string };
  let approval: { id: string; number: string };
  let exception: { id: string; number: string };
  const consoleErrors: string[] = [];
  const expectedErrors: RegExp[] = [];

  before(async () => {
    const started = Date.now();
    const build = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-web.mjs'), '--quiet'], {
      cwd: REPO,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, `web build failed: ${build.stderr}`);
    mkdirSync(SHOTS, { recursive: true });

    database = await freshDatabase();
    server = await buildApp(
      {
        db: database.db,
        dbKind: database.kind,
        clock: systemClock,
        ready: async () => true,
        processes: compose({ clock: systemClock }).processes,
      },
      { console: { distDir: DIST } },
    );
    email = `operator-${randomBytes(3).toString('hex')}@example.pl`;
    const tenant = await createTenant(database.db, {
      slug: `c-${randomBytes(4).toString('hex')}`,
      name: 'Sklep Żółw',
      admin: { email, name: 'Zofia Łukasiewicz', password: PASSWORD },
    });
    call = async (method, url, body, headers = {}) => {
      const res = await server.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${tenant.apiKey}`, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return {
        status: res.statusCode,
        body: res.body ? JSON.parse(res.body) : null,
        headers: res.headers as Record<string, unknown>,
      };
    };
    await seedBasics({ call } as TestApp);
    // Stock before the orders, so intake reserves and the timeline shows the reservation.
    for (const [sku, location, onHand] of [
      ['SKU-1', 'WAW-1', 1000],
      ['SKU-2', 'KRK-S', 40],
      ['SKU-3', 'WAW-1', 2000],
    ] as const) {
      const st = await call('POST', '/api/v1/inventory/stock:set', {
        sku,
        location,
        onHand,
        reason: 'inwentaryzacja początkowa',
      });
      assert.equal(st.status, 200, JSON.stringify(st.body));
    }
    // Enough orders for three pages of the list, on two channels, with Polish and Cyrillic customers.
    const names = ['Łucja Wróblewska', 'Jędrzej Ćwikła', 'Анна Петрова', 'Ярослав Щукин', 'Zuzanna Źdźbło'];
    const batch = Array.from({ length: ORDERS }, (_, i) =>
      orderBody({
        externalId: `E-${String(i).padStart(4, '0')}`,
        ...(i % 3 === 0 ? { channel: 'wildberries', currency: 'RUB' } : {}),
        customer: { name: names[i % names.length], email: `klient${i}@example.pl` },
        placedAt: new Date(Date.now() - (i % 20) * 86_400_000 - i * 1000).toISOString(),
        // One line each keeps intake (and its reservation) cheap; the order under test has three.
        lines: [{ sku: 'SKU-3', quantity: 1 + (i % 4), unitPrice: '3.50', taxRate: '8' }],
      }),
    );
    const r = await call('POST', '/api/v1/orders:batch', { orders: batch });
    assert.equal(r.body.accepted, ORDERS, JSON.stringify(r.body).slice(0, 500));
    const special = await call(
      'POST',
      '/api/v1/orders',
      orderBody({
        externalId: 'WB-ЁЖ-1',
        channel: 'wildberries',
        currency: 'RUB',
        customer: { name: 'Ёлкина Жанна Эдуардовна' },
        shippingAddress: {
          name: 'Ёлкина Жанна',
          line1: 'ул. Большая Садовая, д. 10, кв. 50',
          city: 'Москва',
          postalCode: '123001',
          country: 'RU',
        },
        notes: 'Позвонить за час до доставки',
      }),
    );
    assert.equal(special.status, 201);
    target = special.body;

    console.log(`# setup: build + database + ${ORDERS} orders in ${Date.now() - started} ms`);
    // A small process on a B2B channel: a large order waits for approval, a small one lands in an exception.
    const draft = await call('POST', '/api/v1/processes', { source: DESK_PROCESS });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.equal((await call('POST', `/api/v1/processes/desk/versions/${draft.body.version}/publish`)).status, 200);
    assert.equal(
      (
        await call('POST', '/api/v1/channels', {
          code: 'b2b',
          name: 'Portal B2B',
          kind: 'b2b_portal',
          currency: 'PLN',
          processKey: 'desk',
        })
      ).status,
      201,
    );
    const big = await call(
      'POST',
      '/api/v1/orders',
      orderBody({ channel: 'b2b', externalId: 'B2B-1', customer: { name: 'Hurtownia Świętokrzyska sp. z o.o.' } }),
    );
    assert.equal(big.body.state, 'awaiting_approval', JSON.stringify(big.body).slice(0, 300));
    approval = big.body;
    const small = await call(
      'POST',
      '/api/v1/orders',
      orderBody({
        channel: 'b2b',
        externalId: 'B2B-2',
        customer: { name: 'Sklep „Łasuch”' },
        lines: [{ sku: 'SKU-3', quantity: 1, unitPrice: '3.50' }],
      }),
    );
    assert.equal(small.body.state, 'stock_exception');
    exception = small.body;
    await server.listen({ host: '127.0.0.1', port: 0 });
    const addr = server.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      if (m.type() === 'error' && !expectedErrors.some((re) => re.test(m.text()))) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await database?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  // ECharts animates its first drawing; a screenshot waits for it to settle.
  const chartsSettled = async () => {
    await page.locator('.chart canvas').first().waitFor();
    await page.waitForTimeout(1200);
  };

  test('given the login form, an operator signs in and lands on the dashboard with charts', async () => {
    const nav = await page.goto(`${base}/`);
    assert.equal(nav?.status(), 200);
    await page.getByLabel('Email').waitFor();
    const timing = (await page.evaluate(NAV_TIMING)) as NavTiming;
    console.log(`# figure: login page DOMContentLoaded ${timing.dcl} ms, load ${timing.load} ms`);
    await shot('login-en');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByTestId('kpi-orders').waitFor();
    assert.equal(await page.getByTestId('kpi-orders').textContent(), String(ORDERS + 3));
    await chartsSettled();
    assert.equal((await page.locator('.chart canvas').count()) >= 3, true);
    // SLA: the approval task has no due date; no order has gone 24 h without a step.
    assert.equal(await page.getByTestId('kpi-overdue').textContent(), '0');
    assert.equal(await page.getByTestId('kpi-stuck').textContent(), '0');
    await page.getByRole('heading', { name: 'Exceptions by kind' }).waitFor();
    await shot('dashboard-en');
  });

  test('given many orders, the list is virtualised, pages by cursor and finds an order by Cyrillic search', async () => {
    const t0 = Date.now();
    await page.goto(`${base}/orders`);
    await page.locator('.orow[aria-rowindex="2"]').waitFor();
    const { dcl, now: firstRender } = (await page.evaluate(NAV_TIMING)) as NavTiming;
    console.log(
      `# figure: orders list DOMContentLoaded ${dcl} ms, first rows rendered ${firstRender} ms after navigation start (wall ${Date.now() - t0} ms)`,
    );
    await shot('orders-en');

    // Scroll to the end: the next pages arrive, but the DOM keeps only the rows in view.
    const scroller = page.getByTestId('orders-scroll');
    for (let i = 0; i < 6; i++) {
      await scroller.evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await page.waitForTimeout(150);
    }
    await page.getByText(/108 orders shown · all loaded/).waitFor();
    const domRows = await page.locator('.orders-scroll .orow').count();
    assert.ok(domRows < 60, `only visible rows are rendered, got ${domRows}`);

    await page.getByLabel('Search').fill('ёлкина');
    await page.getByText('1 order shown · all loaded').waitFor();
    await page.getByRole('link', { name: target.number }).click();
    await page.getByRole('heading', { name: `Order ${target.number}` }).waitFor();
  });

  test('given an order page, it shows lines, totals in the locale and the timeline; notes are edited with If-Match', async () => {
    await page.getByTestId('timeline').getByText('Order accepted').waitFor();
    assert.match((await page.getByTestId('grand-total').textContent()) ?? '', /257\.49/);
    assert.ok(await page.getByRole('cell', { name: 'Чайник электрический' }).isVisible());
    await shot('order-en');

    await page.getByRole('button', { name: 'Edit notes' }).click();
    await page.getByRole('textbox', { name: 'Notes' }).fill('Klient prosi o dostawę po 17:00 — звонить заранее');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('notes').getByText('Klient prosi o dostawę po 17:00 — звонить заранее').waitFor();
    await page.getByTestId('timeline').getByText('Order edited').waitFor();

    // Someone else edits the order while the form is open: live updates bring the new version to
    // the page, yet the save carries the version the user began from, so it is refused with a
    // clear message instead of overwriting a change the user never saw.
    await page.getByRole('button', { name: 'Edit notes' }).click();
    await page.getByRole('textbox', { name: 'Notes' }).fill('moja zmiana');
    const other = await call('PATCH', `/api/v1/orders/${target.id}`, { notes: 'zmiana z innego okna' });
    assert.equal(other.status, 200);
    const otherVersion = String((other.body as { version: number }).version);
    await page
      .locator('dt', { hasText: /^Version$/ })
      .locator('+ dd', { hasText: otherVersion })
      .waitFor();
    expectedErrors.push(/status of 412/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('conflict')
      .getByText(/Someone else changed this order/)
      .waitFor();
    await shot('order-conflict-en');
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('notes').getByText('moja zmiana').waitFor();
    const saved = await call('GET', `/api/v1/orders/${target.id}`);
    assert.equal(saved.body.notes, 'moja zmiana');
    assert.equal(saved.body.version, 4);
  });

  test('given a customer name on an order page, it opens the customer page with their orders and count', async () => {
    const customers = (await call('GET', '/api/v1/customers?limit=50')).body.items as { code: string; name: string }[];
    const who = customers.find((c) => c.name);
    assert.ok(who, 'the seed has a named customer');
    const made = [];
    for (let i = 0; i < 2; i++) {
      const r = await call(
        'POST',
        '/api/v1/orders',
        orderBody({ externalId: `CUST-${i}`, customer: { code: who.code } }),
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      made.push(r.body);
    }
    const one = made[1] as { id: string; number: string; customer: { id: string; name: string } };
    assert.equal(one.customer.name, who.name);
    const theirs = await call('GET', `/api/v1/orders?customerId=${one.customer.id}&limit=50`);
    assert.ok(theirs.body.items.length >= 2);
    await page.goto(`${base}/orders/${one.id}`);
    await page.getByRole('link', { name: one.customer.name! }).first().click();
    await page.getByRole('heading', { level: 1, name: one.customer.name! }).waitFor();
    const rows = page.getByTestId('customer-orders').locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), theirs.body.items.length);
    await page.getByTestId('customer-orders').getByRole('link', { name: one.number }).waitFor();
    await page.getByRole('heading', { name: 'Returns' }).waitFor();
    await shot('customer-en');
    // The orders list opens filtered to them, says so, and the filter comes off.
    await page.getByRole('link', { name: 'Open them in the orders list' }).click();
    await page.getByTestId('drill-down').getByText("One customer's orders").waitFor();
    await page
      .getByTestId('orders-total')
      .getByText(new RegExp(`^${theirs.body.total} `))
      .waitFor();
    await page.getByRole('button', { name: "Remove the filter One customer's orders" }).click();
    await page.getByTestId('drill-down').waitFor({ state: 'detached' });
  });

  test('given the inventory page, stock per SKU and location shows, and an adjustment with a reason lands in the ledger', async () => {
    await page.getByRole('link', { name: 'Inventory' }).click();
    const stock = page.getByTestId('stock-table');
    await stock.getByRole('button', { name: 'SKU-1' }).click();
    // Intake reserved SKU-1 for every order: the ledger shows the reservations, newest first.
    await page.getByTestId('movements').getByText('Reservation').first().waitFor();
    await page.getByLabel('Kind').selectOption('receipt');
    await page.getByLabel('Change (+/−)').fill('25');
    await page.getByLabel('Reason').fill('Dostawa od producenta — партия 7');
    await page.getByRole('button', { name: 'Adjust stock' }).click();
    await page.getByText('Stock adjusted.').waitFor();
    await page.getByTestId('movements').getByText('Dostawa od producenta — партия 7').waitFor();
    const after = await call('GET', '/api/v1/inventory/availability/SKU-1');
    assert.equal(after.body.locations.find((l: { location: string }) => l.location === 'WAW-1').onHand, 1025);
    // Per channel: each channel's name and the figure it may show, as the API computes it.
    const channels = (await call('GET', '/api/v1/inventory/availability/SKU-1/channels')).body;
    assert.ok(channels.items.length > 0);
    const perChannel = page.getByTestId('per-channel');
    for (const c of channels.items) {
      const row = perChannel.getByRole('row').filter({ hasText: c.name });
      await row.getByRole('cell').last().getByText(new Intl.NumberFormat('en-GB').format(c.available)).waitFor();
    }
    await shot('inventory-en');
    await page.goto(`${base}/orders/${target.id}`);
    await page.getByRole('heading', { name: `Order ${target.number}` }).waitFor();
  });

  test('given an approval task and an exception, the inbox decides with a comment and the queue resolves', async () => {
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('button', { name: /Duże zamówienie: zatwierdź/ }).click();
    // The facts of the decision first (money in the order's currency), the engine's trace behind a toggle.
    await page.getByLabel('Facts of the decision').getByText('order.total').waitFor();
    await page.locator('.task-detail > details > summary').click();
    await page.getByText('order.total > 10000').waitFor();
    // Claim first: the task becomes the user's, then the decision is made on the fresh version.
    await page.getByRole('button', { name: 'Claim' }).click();
    await page.getByText(`${approval.number}: the task is yours now.`).waitFor();
    await page.getByText(/Assigned to /).waitFor();
    await page.getByLabel('Comment').fill('Zgoda — klient stały, płaci w terminie');
    await shot('inbox-en');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByText(new RegExp(`${approval.number}: Approve — the order is now `)).waitFor();
    assert.equal((await call('GET', `/api/v1/orders/${approval.id}`)).body.state, 'completed');

    await page.getByRole('link', { name: 'Exceptions' }).click();
    await page.getByRole('link', { name: exception.number }).waitFor();
    await shot('exceptions-en');
    await page.getByRole('button', { name: 'Backorder' }).click();
    await page.getByText(new RegExp(`${exception.number}: Backorder — the order is now `)).waitFor();
    assert.equal((await call('GET', `/api/v1/orders/${exception.id}`)).body.state, 'completed');
    await page.getByText('No orders are waiting in exception states.').waitFor();

    await page.getByRole('link', { name: 'Processes' }).click();
    await page.getByRole('link', { name: 'v1 · published' }).click();
    await page.getByRole('heading', { name: 'Desk', exact: true }).waitFor();
    await page.locator('.react-flow__node').first().waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 6);
    await page.getByRole('textbox', { name: 'Definition (text)' }).waitFor();
    await shot('processes-en');
  });

  test('given an order in an exception, its page lists the reservations and offers the events the process allows now', async () => {
    const held = await call(
      'POST',
      '/api/v1/orders',
      orderBody({
        channel: 'b2b',
        externalId: 'B2B-3',
        customer: { name: 'Kwiaciarnia „Bławatek”' },
        lines: [{ sku: 'SKU-3', quantity: 2, unitPrice: '3.50' }],
      }),
    );
    assert.equal(held.body.state, 'stock_exception');
    await page.goto(`${base}/orders/${held.body.id}`);
    await page.getByRole('heading', { name: `Order ${held.body.number}` }).waitFor();
    const reservations = page.getByTestId('reservations');
    await reservations.getByRole('cell', { name: 'SKU-3' }).waitFor();
    assert.match((await reservations.textContent()) ?? '', /WAW-1\s*2\s*active/);
    const actions = page.getByTestId('order-actions');
    await actions.getByRole('button', { name: 'Backorder' }).waitFor();
    await shot('order-actions-en');
    await actions.getByLabel('Comment').fill('Klient rezygnuje — отмена по звонку');
    await actions.getByRole('button', { name: 'Cancel order' }).click();
    // destructive: a confirmation that asks why (issue 18)
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('reason').fill('Klient rezygnuje');
    await dialog.getByRole('button', { name: 'Yes, Cancel order' }).click();
    await actions.getByText('Done: Cancel order. The order is now: Cancelled.').waitFor();
    await page
      .getByRole('heading', { name: `Order ${held.body.number}` })
      .getByText('Cancelled')
      .waitFor();
    assert.equal((await call('GET', `/api/v1/orders/${held.body.id}`)).body.state, 'cancelled');
    await actions.getByText('The process expects no event from a person now.').waitFor();
  });

  test('given the language switch, Polish and Russian labels, numbers and money follow the user', async () => {
    await page.goto(`${base}/orders/${target.id}`);
    await page.getByRole('heading', { name: `Order ${target.number}` }).waitFor();
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('button', { name: 'Polski' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('heading', { name: `Zamówienie ${target.number}` }).waitFor();
    assert.ok(await page.getByRole('heading', { name: 'Historia' }).isVisible());
    assert.ok(await page.getByRole('link', { name: 'Zamówienia' }).isVisible());
    assert.match((await page.getByTestId('grand-total').textContent()) ?? '', /257,49\s?RUB/);
    await shot('order-pl');
    await page.getByRole('link', { name: 'Zamówienia' }).click();
    await page.locator('.orow[aria-rowindex="2"]').waitFor();
    // Polish "many" form for 100 and 106 alike.
    await page.getByText(/Wyświetlono 10[08] zamówień/).waitFor();
    await shot('orders-pl');
    await page.getByRole('link', { name: 'Pulpit' }).click();
    await page.getByRole('heading', { name: 'Zamówienia według kanałów' }).waitFor();
    await chartsSettled();
    await shot('dashboard-pl');

    await page.getByRole('button', { name: /Menu użytkownika/ }).click();
    await page.getByRole('button', { name: 'Русский' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('heading', { name: 'Заказы по каналам' }).waitFor();
    assert.ok(await page.getByRole('link', { name: 'Справочники' }).isVisible());
    await chartsSettled();
    await shot('dashboard-ru');
    // the navigation entry (the dashboard's figures are links to orders too)
    await page.getByRole('link', { name: 'Заказы', exact: true }).click();
    // Russian "many" form for 100 and 106 alike.
    await page.getByText(/Показано 10[08] заказов ·/).waitFor();
    await shot('orders-ru');
    await page.goto(`${base}/orders/${target.id}`);
    await page.getByRole('heading', { name: 'История' }).waitFor();
    await page.getByTestId('timeline').getByText('Заказ изменён').first().waitFor();
    await shot('order-ru');
    await page.getByRole('link', { name: 'Запасы' }).click();
    await page.getByTestId('stock-table').getByRole('button', { name: 'SKU-2' }).click();
    await page.getByTestId('movements').getByText('Резервирование').first().waitFor();
    await page.getByRole('heading', { name: 'По каналам' }).waitFor();
    await shot('inventory-ru');
    await page.goto(`${base}/reference/customers`);
    await page.getByRole('cell', { name: 'Grzegorz Brzęczyszczykiewicz' }).waitFor();
    await shot('reference-ru');
  });

  test('given sign-out, the login page comes back in the chosen language', async () => {
    await page.getByRole('button', { name: /Меню пользователя/ }).click();
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход в Ordo' }).waitFor();
    await shot('login-ru');
    await page.getByRole('button', { name: 'Polski' }).click();
    await page.getByRole('heading', { name: 'Zaloguj się do Ordo' }).waitFor();
    await shot('login-pl');
    expectedErrors.push(/status of 401/);
    const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    assert.equal(me, 401);
  });

  test('given the whole session, the browser logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
    // What the first page loads: the entry script and the chunks index.html preloads.
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) =>
      readFileSync(join(DIST, m[1]!)),
    );
    const lazy = readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js')).length - first.length;
    const raw = first.reduce((n, b) => n + b.length, 0);
    const gz = first.reduce((n, b) => n + gzipSync(b).length, 0);
    console.log(
      `# figure: first-load JS ${first.length} files, ${(raw / 1024).toFixed(0)} KB, gzip ${(gz / 1024).toFixed(0)} KB; ${lazy} lazy chunks`,
    );
    assert.ok(first.length >= 1);
  });
});
