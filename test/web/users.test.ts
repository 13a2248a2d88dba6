import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSkip, type ConsoleRig, PASSWORD, startConsole, switchLanguage } from './browser.js';
import { publish, shipped } from '../process/process-support.js';
import type { TestApp } from '../support.js';

/** Role codes and business-role codes a person must never read on the users page. */
const CODES = /\b(admin|operator|approver|viewer|integration|order_desk|sales_lead|head_of_sales)\b/;

/**
 * Users and roles as an admin and as a viewer (issue 18 item 5): the admin lists users with their
 * permission and business roles in words, adds one with an invitation, changes their roles,
 * deactivates them and is told in plain words that the last admin cannot lose the role; a viewer
 * has no entry, no action, and the API refuses them. EN, PL and RU; screenshots users-*.png.
 */
describe('users and roles in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;

  before(async () => {
    rig = await startConsole();
    // The approvals process names business roles (finance, order desk, …) with EN/PL/RU labels.
    await publish({ call: rig.call } as TestApp, shipped('b2b-approvals'));
  });
  after(async () => {
    await rig?.close();
  });

  const row = (page: Page, email: string) => page.locator(`tr[data-user="${email}"]`);
  /** The text of the role columns (not the e-mails, which may hold any word). */
  const roleCells = async (page: Page) =>
    (await page.getByTestId('users').locator('tbody td:nth-child(3), tbody td:nth-child(4)').allTextContents()).join(
      ' | ',
    );

  test('an admin adds a user by invitation, changes their roles, deactivates them, and cannot remove the last admin', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('heading', { name: 'Users and roles', exact: true }).waitFor();
    const admin = row(page, rig.email);
    await admin.getByText('Administrator').waitFor();
    await admin.getByText('(you)').waitFor();
    assert.equal(await admin.getByRole('button', { name: 'Deactivate' }).count(), 0, 'no one deactivates themselves');

    // A new user: Polish, operator and approver, the business role "Order desk", by invitation.
    await page.getByRole('button', { name: 'Add a user' }).click();
    const form = page.locator('form.user-form');
    await form.getByLabel('Name', { exact: true }).fill('Marta Wiśniewska');
    await form.getByLabel('E-mail', { exact: true }).fill('marta@example.pl');
    await form.getByLabel(/^Language/).selectOption('pl');
    await form
      .getByTestId('role-picker')
      .getByLabel(/Approver/)
      .check();
    await form
      .getByTestId('business-role-picker')
      .getByLabel(/Order desk/)
      .check();
    assert.doesNotMatch((await form.textContent()) ?? '', CODES);
    await rig.shot('users-create-en', page);
    await form.getByRole('button', { name: 'Create user' }).click();
    const notice = page.getByTestId('users-notice');
    await notice.getByText(/Marta Wiśniewska is invited/).waitFor();
    const invitation = (await page.getByTestId('invitation-link').textContent()) ?? '';
    assert.match(invitation, /^http:\/\/127\.0\.0\.1:\d+\/invitation#ordos_/, 'the invitation link is shown once');
    const marta = row(page, 'marta@example.pl');
    await marta.getByText('Operator, Approver').waitFor();
    await marta.getByText('Order desk').waitFor();
    await marta.getByText('Polski').waitFor();
    assert.doesNotMatch(await roleCells(page), CODES);
    await rig.shot('users-en', page);

    // The invitation works: Marta opens the link (no session), chooses her password and signs in.
    const guest = await rig.newPage();
    await guest.goto(invitation);
    await guest.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await guest.getByLabel('New password (12 characters or more)').fill(PASSWORD);
    await guest.getByLabel('The same password again').fill(`${PASSWORD}!`);
    await guest.getByText('The two passwords differ.').waitFor();
    assert.equal(await guest.getByRole('button', { name: 'Set my password' }).isDisabled(), true);
    await guest.getByLabel('The same password again').fill(PASSWORD);
    await rig.shot('users-invitation-en', guest);
    await guest.getByRole('button', { name: 'Set my password' }).click();
    await guest.getByText('Your password is set. You can sign in now.').waitFor();
    assert.equal(new URL(guest.url()).hash, '', 'the used code leaves the address');
    await guest.getByRole('link', { name: 'Sign in' }).click();
    await guest.getByLabel('Email').fill('marta@example.pl');
    await guest.getByLabel('Password').fill(PASSWORD);
    await guest.getByRole('button', { name: 'Sign in' }).click();
    // Her console speaks her language; as an operator she has no users entry.
    await guest.getByRole('heading', { name: 'Pulpit' }).waitFor();
    assert.equal(await guest.getByRole('navigation').getByRole('link', { name: 'Użytkownicy i role' }).count(), 0);
    // A second use of the same link is refused in words.
    const again = await rig.newPage();
    await again.goto(invitation);
    await again.getByLabel('New password (12 characters or more)').fill(PASSWORD);
    await again.getByLabel('The same password again').fill(PASSWORD);
    rig.expectedErrors.push(/status of 401/);
    await again.getByRole('button', { name: 'Set my password' }).click();
    await again
      .getByRole('alert')
      .getByText(/This invitation is not valid any more/)
      .waitFor();
    await again.close();
    await guest.close();

    // Her roles change: finance instead of approver, and the business role Finance too.
    await marta.getByRole('button', { name: 'Change roles' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'Roles and time zone of Marta Wiśniewska' }).waitFor();
    await dialog
      .getByTestId('role-picker')
      .getByLabel(/Approver/)
      .uncheck();
    await dialog
      .getByTestId('role-picker')
      .getByLabel(/^Finance/)
      .check();
    await dialog
      .getByTestId('business-role-picker')
      .getByLabel(/^Finance/)
      .check();
    // …and her time zone, which she has not set herself: Warsaw.
    const zone = dialog.getByLabel('Time zone', { exact: true });
    assert.equal(await zone.inputValue(), '', 'no zone yet');
    await zone.selectOption('Europe/Warsaw');
    await rig.shot('users-edit-time-zone-en', page);
    await dialog.getByRole('button', { name: 'Save roles' }).click();
    await page.getByTestId('users-notice').getByText('The roles of Marta Wiśniewska are saved.').waitFor();
    await marta.getByText('Operator, Finance').waitFor();
    await marta.getByText('Order desk, Finance').waitFor();
    const stored = (await rig.call('GET', '/api/v1/users?limit=500')).body.items.find(
      (user: { email: string }) => user.email === 'marta@example.pl',
    );
    assert.deepEqual(
      [stored.roles, stored.businessRoles, stored.timeZone],
      [['operator', 'finance'], ['order_desk', 'finance'], 'Europe/Warsaw'],
    );
    // The form shows the saved zone when opened again.
    await marta.getByRole('button', { name: 'Change roles' }).click();
    assert.equal(await dialog.getByLabel('Time zone', { exact: true }).inputValue(), 'Europe/Warsaw');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // The only admin cannot take their own admin role: said in words before anything is sent…
    await admin.getByRole('button', { name: 'Change roles' }).click();
    await dialog
      .getByTestId('role-picker')
      .getByLabel(/Administrator/)
      .uncheck();
    await dialog
      .getByTestId('roles-blocked')
      .getByText(
        'Zofia Łukasiewicz is the last active administrator, so Ordo would be left without one. Give another user the Administrator role first.',
      )
      .waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Save roles' }).isDisabled(), true);
    await rig.shot('users-last-admin-en', page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    // …and refused by the API whoever asks (here the tenant's admin key): 409 LAST_ADMIN at /roles.
    const zofia = (await rig.call('GET', '/api/v1/users?limit=500')).body.items.find(
      (user: { email: string }) => user.email === rig.email,
    );
    const demoted = await rig.call('PATCH', `/api/v1/users/${zofia.id}`, { roles: ['operator'] });
    assert.equal(demoted.status, 409, JSON.stringify(demoted.body));
    assert.equal(demoted.body.code, 'LAST_ADMIN');
    assert.equal(demoted.body.errors[0].path, '/roles');

    // A business role that stands in for another: a CFO acts on Finance tasks.
    const roleMap = page.getByTestId('role-map');
    await roleMap.getByText('No business role stands in for another.').waitFor();
    await roleMap.getByLabel('Business role').fill('cfo');
    await roleMap.getByLabel('also acts as').fill('finance');
    await roleMap.getByRole('button', { name: 'Add' }).click();
    await roleMap.getByText('Cfo acts as Finance').waitFor();
    assert.deepEqual((await rig.call('GET', '/api/v1/business-roles/map')).body.entries, [
      { role: 'cfo', actsAs: 'finance' },
    ]);

    // Deactivating Marta asks first, then she is gone from the active list.
    await marta.getByRole('button', { name: 'Deactivate' }).click();
    await dialog.getByText(/Marta Wiśniewska will no longer be able to sign in/).waitFor();
    await rig.shot('users-deactivate-en', page);
    await dialog.getByRole('button', { name: 'Yes, deactivate' }).click();
    await page.getByTestId('users-notice').getByText('Marta Wiśniewska is deactivated.').waitFor();
    await marta.waitFor({ state: 'detached' });
    await page.getByLabel('Show deactivated users').check();
    await marta.getByText('Deactivated').waitFor();
    const login = await rig.call('POST', '/api/v1/auth/login', { email: 'marta@example.pl', password: PASSWORD });
    assert.equal(login.status, 401, 'a deactivated user cannot sign in');

    // The same page in Polish and Russian: every role in words.
    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByRole('heading', { name: 'Użytkownicy i role', exact: true }).waitFor();
    await marta.getByText('Operator, Finanse').waitFor();
    await marta.getByText('Obsługa zamówień, Finanse').waitFor();
    await marta.getByRole('button', { name: 'Przywróć' }).waitFor();
    await page.getByTestId('users-notice').getByText('Marta Wiśniewska: konto dezaktywowane.').waitFor();
    await page.getByTestId('role-map').getByText('Cfo działa jako Finanse').waitFor();
    assert.doesNotMatch(await roleCells(page), CODES);
    await rig.shot('users-pl', page);
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByRole('heading', { name: 'Пользователи и роли', exact: true }).waitFor();
    await marta.getByText('Оператор, Финансы').waitFor();
    await marta.getByText('Отдел заказов, Финансы').waitFor();
    await admin.getByRole('button', { name: 'Изменить роли' }).click();
    await dialog
      .getByTestId('role-picker')
      .getByLabel(/Администратор/)
      .uncheck();
    await dialog
      .getByTestId('roles-blocked')
      .getByText(/это последняя активная учётная запись администратора/)
      .waitFor();
    // The time zone field in Russian words (Zofia has set none).
    const ruZone = dialog.getByLabel('Часовой пояс', { exact: true });
    assert.equal(await ruZone.inputValue(), '');
    assert.match((await ruZone.locator('option:checked').textContent()) ?? '', /^Не задан/);
    await rig.shot('users-ru', page);
    await dialog.getByRole('button', { name: 'Отмена' }).click();
    assert.deepEqual(rig.consoleErrors, []);
  });

  test('a viewer has no users entry and no action, and the API refuses them', async () => {
    await rig.addUser('widz@example.pl', ['viewer'], 'pl');
    // The login page speaks the browser's language; after it the console speaks the user's (Polish).
    const page = await rig.newPage();
    await page.goto(`${rig.base}/`);
    await page.getByLabel('Email').fill('widz@example.pl');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Pulpit' }).waitFor();
    const nav = page.getByRole('navigation');
    await nav.getByRole('link', { name: 'Zamówienia' }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Użytkownicy i role' }).count(), 0);

    await page.goto(`${rig.base}/users`);
    await page.getByRole('heading', { name: 'Użytkownicy i role' }).waitFor();
    await page
      .getByTestId('users-forbidden')
      .getByText(/Twoja rola na to nie pozwala/)
      .waitFor();
    const main = page.locator('main');
    assert.equal(await main.getByRole('button').count(), 0, 'no action offered');
    assert.equal(await main.getByRole('table').count(), 0, 'no user listed');
    await rig.shot('users-viewer-pl', page);

    // The API says the same to the viewer's own session.
    rig.expectedErrors.push(/status of 403/);
    const statuses = (await page.evaluate(`(async () => {
      const list = await fetch('/api/v1/users');
      const create = await fetch('/api/v1/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'x@example.pl', name: 'X', roles: ['admin'], invite: true }),
      });
      const roles = await fetch('/api/v1/business-roles');
      return [list.status, create.status, roles.status, (await create.json()).code];
    })()`)) as [number, number, number, string];
    assert.deepEqual(statuses, [403, 403, 403, 'FORBIDDEN']);
    const users = (await rig.call('GET', '/api/v1/users?limit=500')).body.items;
    assert.equal(
      users.some((user: { email: string }) => user.email === 'x@example.pl'),
      false,
    );
    assert.deepEqual(rig.consoleErrors, []);
  });
});
