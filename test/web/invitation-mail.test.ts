import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSkip, type ConsoleRig, PASSWORD, startConsole } from './browser.js';
import { eventually, LocalSmtp, type Received } from '../notifications/smtp-support.js';
import { loadConfig } from '../../src/config.js';

async function switchLanguage(page: Page, menu: RegExp, language: string) {
  await page.getByRole('button', { name: menu }).click();
  await page.getByRole('button', { name: language }).click();
  await page.keyboard.press('Escape');
}

/** The words of the users page a test needs, per language. */
const WORDS = {
  en: { add: 'Add a user', name: 'Name', email: 'E-mail', create: 'Create user' },
  pl: { add: 'Dodaj użytkownika', name: 'Imię i nazwisko', email: 'E-mail', create: 'Utwórz użytkownika' },
  ru: { add: 'Добавить пользователя', name: 'Имя', email: 'Эл. почта', create: 'Создать пользователя' },
} as const;

/**
 * "The link was e-mailed" (issue 18, docs/users.md): the server knows its public address
 * (ORDO_PUBLIC_URL) and an SMTP server (ORDO_SMTP_HOST: a real one, smtp-server on 127.0.0.1), and
 * an outbox worker delivers as `ordo serve` does. An admin invites a user in the console, reads
 * that the link went by e-mail, the e-mail arrives with the link, and the link from the e-mail
 * sets the invitee's password. EN, PL and RU; screenshots invitation-mail-*.png.
 */
describe('an invitation e-mailed from the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  const smtp = new LocalSmtp();
  const mailTo = (address: string): Received[] => smtp.messages.filter((mail) => mail.to.includes(address));

  before(async () => {
    await smtp.start(0);
    const config = loadConfig({
      ORDO_PUBLIC_URL: 'http://127.0.0.1/',
      ORDO_SMTP_HOST: '127.0.0.1',
      ORDO_SMTP_PORT: String(smtp.port),
      ORDO_SMTP_FROM: 'Sklep Żółw <sklep@example.pl>',
    });
    rig = await startConsole({ config });
    // the public address is where this server listens (known once it does): the e-mail's link opens it
    config.http.publicUrl = rig.base;
  });
  after(async () => {
    await rig?.close();
    await smtp.stop();
  });

  /** Invites a user from the users page in the page's language; returns the notice's element. */
  const invite = async (page: Page, lang: keyof typeof WORDS, name: string, email: string) => {
    const words = WORDS[lang];
    await page.getByRole('button', { name: words.add }).click();
    const form = page.locator('form.user-form');
    await form.getByLabel(words.name, { exact: true }).fill(name);
    await form.getByLabel(words.email, { exact: true }).fill(email);
    await form.getByRole('button', { name: words.create }).click();
    return page.getByTestId('users-notice');
  };
  /** The e-mail to `address`, once the worker has delivered it (exactly one). */
  const mailFor = async (address: string) => {
    const mails = await eventually(`the invitation to ${address}`, async () => {
      const found = mailTo(address);
      return found.length ? found : undefined;
    });
    assert.equal(mails.length, 1, `one e-mail to ${address}`);
    return mails[0]!;
  };

  test('EN: the admin is told the link was e-mailed; the e-mail arrives; its link sets the password', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('heading', { name: 'Users and roles', exact: true }).waitFor();
    const notice = await invite(page, 'en', 'Jan Nowak', 'jan.nowak@example.pl');
    await notice
      .getByText(/^Jan Nowak is invited: the link is on its way to jan\.nowak@example\.pl by e-mail\. It works once/)
      .waitFor();
    await rig.shot('invitation-mail-notice-en', page);

    const mail = await mailFor('jan.nowak@example.pl');
    assert.equal(mail.subject, 'Your invitation to Sklep Żółw in Ordo');
    assert.ok(mail.text.includes('Hello Jan Nowak,'), mail.text);
    const link = mail.text.match(/(http:\/\/127\.0\.0\.1:\d+\/invitation#[A-Za-z0-9_-]+)/)?.[1];
    assert.ok(link?.startsWith(`${rig.base}/invitation#`), `the link opens this console: ${mail.text}`);
    assert.ok(mail.html.includes(`href="${link}"`), mail.html);

    // the invitee opens the link from the e-mail and chooses a password, then signs in
    const guest = await rig.newPage();
    await guest.goto(link!);
    await guest.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await guest.getByLabel('New password (12 characters or more)').fill(PASSWORD);
    await guest.getByLabel('The same password again').fill(PASSWORD);
    await guest.getByRole('button', { name: 'Set my password' }).click();
    await guest.getByText('Your password is set. You can sign in now.').waitFor();
    await guest.getByRole('link', { name: 'Sign in' }).click();
    await guest.getByLabel('Email').fill('jan.nowak@example.pl');
    await guest.getByLabel('Password').fill(PASSWORD);
    await guest.getByRole('button', { name: 'Sign in' }).click();
    await guest.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await guest.close();
    await page.close();
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('PL and RU: the same notice in the admin’s language; each e-mail arrives', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.goto(`${rig.base}/users`);
    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByRole('heading', { name: 'Użytkownicy i role', exact: true }).waitFor();
    const polish = await invite(page, 'pl', 'Łucja Wójcik', 'lucja@example.pl');
    await polish
      .getByText(/^Łucja Wójcik ma zaproszenie: odnośnik wysłaliśmy e-mailem na lucja@example\.pl\./)
      .waitFor();
    await rig.shot('invitation-mail-notice-pl', page);
    const polishMail = await mailFor('lucja@example.pl');
    assert.equal(polishMail.subject, 'Zaproszenie do Sklep Żółw w Ordo');
    assert.match(polishMail.text, new RegExp(`${rig.base.replaceAll('.', '\\.')}/invitation#[A-Za-z0-9_-]+`));

    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByRole('heading', { name: 'Пользователи и роли', exact: true }).waitFor();
    const russian = await invite(page, 'ru', 'Анна Петрова', 'anna@example.ru');
    await russian
      .getByText(/^Анна Петрова: приглашение создано, ссылка отправлена письмом на anna@example\.ru\./)
      .waitFor();
    await rig.shot('invitation-mail-notice-ru', page);
    const russianMail = await mailFor('anna@example.ru');
    assert.equal(russianMail.subject, 'Приглашение в Sklep Żółw в Ordo');
    await page.close();
    assert.deepEqual(rig.consoleErrors, []);
  });
});
