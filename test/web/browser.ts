import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { buildApp } from '../../src/api/app.js';
import { compose } from '../../src/compose.js';
import type { ChannelServices } from '../../src/app/channels/services.js';
import { createTenant } from '../../src/app/identity/create-tenant.js';
import { hashPassword } from '../../src/domain/identity/secrets.js';
import { newId } from '../../src/shared/ids.js';
import { systemClock } from '../../src/shared/clock.js';
import { scope, type TenantScope } from '../../src/store/tenant-scope.js';
import type { Config } from '../../src/config.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { emailSinks } from '../../src/integrations/email/email-sink.js';
import { createCarrierRegistry, type CarrierRegistry } from '../../src/integrations/carriers/index.js';
import type { FulfilmentTestApp } from '../fulfilment/helpers.js';
import {
  b2bOrder,
  publish,
  seedWebAndMarketplace,
  setRules,
  setUpB2bPortal,
  shipped,
} from '../process/process-support.js';
import { seedReturns } from '../returns/helpers.js';
import { freshDatabase, onPostgres, setUpSeller, type TestApp } from '../support.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const REPO = resolve(import.meta.dirname, '../..');
export const DIST = join(REPO, 'web', 'dist');
export const SHOTS = join(REPO, 'test-artifacts', 'screenshots');
export const haveChromium = existsSync(CHROMIUM);
/**
 * Why a browser test file does not run here, or false. It needs Debian chromium. It runs on the
 * embedded database, the one `npm start` serves to a browser and `npm test` uses; on PostgreSQL it
 * skips unless ORDO_BROWSER_TESTS=all. The console's API and every query under it run on
 * PostgreSQL in the API tests; the browser files are ~40 % of the suite's time, and running them
 * twice kept CI above its 30 minutes.
 */
export const browserSkip: string | false = !haveChromium
  ? `no chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`
  : onPostgres && process.env.ORDO_BROWSER_TESTS !== 'all'
    ? 'browser tests run on the embedded database; ORDO_BROWSER_TESTS=all runs them on PostgreSQL too'
    : false;
export const PASSWORD = 'zażółć gęślą jaźń 2026';

/** Navigation timing read inside the page (the root tsconfig has no DOM types). */
export const NAV_TIMING = `(() => { const n = performance.getEntriesByType('navigation')[0];
  return { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd), now: Math.round(performance.now()) }; })()`;
export type NavTiming = { dcl: number; load: number; now: number };

export interface ConsoleRig {
  base: string;
  email: string;
  tenantId: string;
  page: Page;
  browser: Browser;
  call: TestApp['call'];
  /** The tenant's tables, for a test that writes history the API would not (the KPI fixtures). */
  store: TenantScope;
  consoleErrors: string[];
  expectedErrors: RegExp[];
  /** Adds a console user with the given roles (the tenant's admin exists already). */
  addUser(email: string, roles: string[], locale?: string): Promise<void>;
  /** a page in its own context; `timezoneId` sets the browser's time zone (the machine's by default) */
  newPage(locale?: string, timezoneId?: string): Promise<Page>;
  shot(name: string, page?: Page): Promise<void>;
  login(page: Page, email: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real server on a fresh embedded (or PostgreSQL) database serving the built console, and
 * Debian chromium driven by playwright-core; every page's console errors are collected.
 * `carriers` (e.g. the manual carrier or a local fake InPost) and `channels` (connectors with a
 * throw-away key) are passed to the server as deps.
 */
export async function startConsole(
  opts: {
    carriers?: CarrierRegistry;
    channels?: ChannelServices;
    /** the server's settings (ORDO_PUBLIC_URL, ORDO_SMTP_*): also starts an outbox worker with their e-mail sink */
    config?: Config;
  } = {},
): Promise<ConsoleRig> {
  const build = spawnSync(process.execPath, [join(REPO, 'scripts', 'build-web.mjs'), '--quiet'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(build.status, 0, `web build failed: ${build.stderr}`);
  mkdirSync(SHOTS, { recursive: true });
  const database = await freshDatabase();
  const services = compose({ clock: systemClock, carriers: opts.carriers });
  const server = await buildApp(
    {
      db: database.db,
      dbKind: database.kind,
      clock: systemClock,
      ready: async () => true,
      processes: services.processes,
      ...(opts.carriers ? { carriers: opts.carriers } : {}),
      ...(opts.channels ? { channels: opts.channels } : {}),
      ...(opts.config ? { config: opts.config } : {}),
    },
    { console: { distDir: DIST } },
  );
  const email = `admin-${randomBytes(3).toString('hex')}@example.pl`;
  const tenant = await createTenant(database.db, {
    slug: `d-${randomBytes(4).toString('hex')}`,
    name: 'Sklep Żółw',
    admin: { email, name: 'Zofia Łukasiewicz', password: PASSWORD },
  });
  const call: TestApp['call'] = async (method, url, body, headers = {}) => {
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
  await server.listen({ host: '127.0.0.1', port: 0 });
  // with settings, the outbox is delivered as `ordo serve` does: e-mail through the configured SMTP server
  const worker: Worker | null = opts.config
    ? await startWorker({
        db: database.db,
        jobs: services.jobs,
        sinks: emailSinks(database.db, opts.config.smtp),
        retry: { baseMs: 100, maxMs: 400, maxAttempts: 50 },
        pollMs: 25,
      })
    : null;
  const addr = server.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
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
  const consoleErrors: string[] = [];
  const expectedErrors: RegExp[] = [];
  const newPage = async (locale = 'en-GB', timezoneId?: string) => {
    const context = await browser.newContext({
      viewport: { width: 1366, height: 860 },
      locale,
      ...(timezoneId ? { timezoneId } : {}),
    });
    const p = await context.newPage();
    p.setDefaultTimeout(15_000);
    p.on('console', (m) => {
      if (m.type() === 'error' && !expectedErrors.some((re) => re.test(m.text()))) consoleErrors.push(m.text());
    });
    p.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    // Say which request failed: Chromium's console line names only the status.
    p.on('response', (r) => {
      if (r.status() >= 400 && !expectedErrors.some((re) => re.test(`status of ${r.status()}`)))
        consoleErrors.push(`(${r.status()} ${r.request().method()} ${r.url()})`);
    });
    return p;
  };
  const page = await newPage();
  return {
    base,
    email,
    tenantId: tenant.tenantId,
    page,
    browser,
    call,
    store: scope(database.db, tenant.tenantId),
    consoleErrors,
    expectedErrors,
    newPage,
    async addUser(userEmail, roles, locale = 'en') {
      await scope(database.db, tenant.tenantId)
        .insertInto('users', {
          id: newId(),
          email: userEmail,
          name: 'Wiktor Ćwik',
          password_hash: await hashPassword(PASSWORD),
          roles,
          locale,
        })
        .execute();
    },
    shot: async (name, p = page) => {
      await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
    },
    async login(p, userEmail) {
      await p.goto(`${base}/`);
      await p.getByLabel('Email').fill(userEmail);
      await p.getByLabel('Password').fill(PASSWORD);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByRole('heading', { name: 'Dashboard' }).waitFor();
    },
    async close() {
      await browser.close();
      await worker?.stop();
      await server.close();
      await database.close();
    },
  };
}

// ---- set-ups and steps several console tests share ----

/** Signs in from the login page, in the browser's language (PL, EN or RU words on the form). */
export async function signIn(page: Page, base: string, email: string) {
  await page.goto(`${base}/`);
  await page.getByLabel(/E-?mail|Эл/i).fill(email);
  await page.getByLabel(/Hasło|Password|Пароль/).fill(PASSWORD);
  await page.getByRole('button', { name: /Zaloguj|Sign in|Войти/ }).click();
  await page.getByTestId('kpi-orders').waitFor();
}

/** Picks a language from the user menu (named in the current language) and closes the menu. */
export async function switchLanguage(page: Page, menu: RegExp, language: string) {
  await page.getByRole('button', { name: menu }).click();
  await page.getByRole('button', { name: language }).click();
  await page.keyboard.press('Escape');
}

/** One unit of SKU-1 on the B2B portal for HURT-1 with a 20 % discount: the sales lead approves it. */
export const b2bOrderOfOne = (externalId: string) =>
  b2bOrder(externalId, {
    lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '100.00', discount: '20.00', taxRate: '23' }],
  });

/**
 * The console with the manual carrier, the returns seed, a seller, the B2B portal with its
 * wholesale customer HURT-1 (credit limit 50 000 PLN), B2B orders routed to the shipped
 * b2b-approvals process and web and marketplace orders to b2c-omnichannel.
 */
export async function startB2bConsole(): Promise<{ rig: ConsoleRig; t: FulfilmentTestApp }> {
  const rig = await startConsole({ carriers: createCarrierRegistry({ manual: {} }) });
  const t = rig as unknown as FulfilmentTestApp;
  await seedReturns(t);
  await setUpSeller(t);
  await setUpB2bPortal(t, { creditLimit: '50000.00' });
  await publish(t, shipped('b2b-approvals'));
  await setRules(t, [
    { process: 'b2c-omnichannel', channel: ['web', 'marketplace'] },
    { process: 'b2b-approvals', channel: 'b2b_portal' },
  ]);
  return { rig, t };
}

/**
 * The console with the basics, 50 of SKU-1, SKU-2 and SKU-3 at WAW-1, Wildberries orders routed
 * to the shipped marketplace-fbs process and web orders to b2c-omnichannel.
 */
export async function startWebAndMarketplaceConsole(): Promise<{ rig: ConsoleRig; t: TestApp }> {
  const rig = await startConsole();
  const t = { call: rig.call } as TestApp;
  await seedWebAndMarketplace(t);
  return { rig, t };
}
