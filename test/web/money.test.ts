import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, type TestApp } from '../support.js';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';

const SELLER = {
  name: 'Sklep Łódź sp. z o.o.',
  taxId: '5260250274',
  address: { line1: 'ul. Piotrkowska 1', city: 'Łódź', postalCode: '90-001', country: 'PL' },
  country: 'PL',
  isDefault: true,
};

/**
 * Money on the order page as finance works it: a B2B order paid cash on delivery, its invoice
 * issued and part of it refunded through the confirmation dialogs, the manual refund confirmed,
 * a credit note and a credit hold; in Polish and Russian, with screenshots.
 */
describe('money in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;
  let order: { id: string; number: string };

  before(async () => {
    rig = await startConsole();
    const call = rig.call;
    const ok = async (method: string, url: string, body: unknown, status = 201) => {
      const r = await call(method, url, body);
      assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body).slice(0, 400)}`);
      return r.body;
    };
    await seedBasics({ call } as TestApp);
    const company = await ok('POST', '/api/v1/companies', {
      code: 'HURT',
      name: 'Hurtownia Łódzka S.A.',
      segment: 'wholesale',
      terms: { creditLimit: '5000.00', paymentTermsDays: 14 },
    });
    await ok('POST', '/api/v1/customers', {
      code: 'B-1',
      name: 'Bożena Żurawska',
      email: 'zakupy@hurtownia.pl',
      segment: 'b2b',
      companyId: company.id,
    });
    order = await ok('POST', '/api/v1/orders', orderBody({ externalId: 'MONEY-1', customer: { code: 'B-1' } }));
    await ok('POST', `/api/v1/orders/${order.id}/payments`, { method: 'cod', status: 'captured' });
    await ok('PUT', '/api/v1/sellers/main', SELLER, 200);
    await rig.addUser('finanse@example.pl', ['finance']);
    await rig.addUser('operator@example.pl', ['operator']);
  });
  after(async () => {
    await rig?.close();
  });

  test('given an order paid cash on delivery, finance issues the invoice and refunds part through the dialogs, in Polish and Russian', async () => {
    const page = await rig.newPage();
    await rig.login(page, 'finanse@example.pl');
    await page.goto(`${rig.base}/orders/${order.id}`);
    await page.getByRole('heading', { name: `Order ${order.number}` }).waitFor();
    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByRole('heading', { name: `Zamówienie ${order.number}` }).waitFor();

    const payments = page.getByTestId('payments-panel');
    await payments.getByTestId('payment-status').getByText('Opłacone').waitFor();
    await payments.getByText('za pobraniem').waitFor();
    const summary = (await payments.getByTestId('payment-summary').textContent()) ?? '';
    assert.match(summary, /Do zapłaty\s*0,00\s?zł/, summary);

    // Issue the invoice: the dialog says what will happen before anything does.
    const invoices = page.getByTestId('invoices-panel');
    await invoices.getByText('Brak faktur.').waitFor();
    await invoices.getByRole('button', { name: 'Wystaw fakturę' }).click();
    const dialog = page.getByRole('dialog');
    const question = dialog.getByTestId('confirm-question');
    assert.match(
      (await question.textContent()) ?? '',
      new RegExp(`Wystawić fakturę do zamówienia ${order.number} \\(`),
    );
    await rig.shot('money-invoice-dialog-pl', page);
    await dialog.getByRole('button', { name: 'Wystaw fakturę' }).click();
    await invoices
      .getByRole('status')
      .getByText(/Wystawiono fakturę \S+\./)
      .waitFor();
    const row = invoices.getByTestId('invoices').locator('tbody tr').first();
    await row.getByText('Faktura').waitFor();
    const pdf = await row.getByRole('link', { name: 'PDF' }).getAttribute('href');
    const file = await page.request.get(`${rig.base}${pdf}`);
    assert.equal(file.status(), 200);
    assert.match(file.headers()['content-type'] ?? '', /application\/pdf/);

    // A refund above what was paid is refused; the server's detail and field errors stay in the dialog.
    await payments.getByRole('button', { name: 'Zwrot' }).click();
    await dialog.getByLabel('Kwota').fill('99999');
    await dialog.getByLabel('Powód').fill('Uszkodzony kubek — reklamacja');
    rig.expectedErrors.push(/status of 4\d\d/);
    await dialog.getByRole('button', { name: 'Zwrot' }).click();
    await dialog
      .getByRole('alert')
      .getByText(/^Odmowa: /)
      .waitFor();
    await rig.shot('money-refund-refused-pl', page);

    await dialog.getByLabel('Kwota').fill('20,00');
    assert.match(
      (await question.textContent()) ?? '',
      /^Zwrócić klientowi 20,00\s?zł: za pobraniem\?$/,
      'the question names the amount in złoty and the way it goes back',
    );
    await dialog.getByText(/oddano je ręcznie/).waitFor();
    await rig.shot('money-refund-dialog-pl', page);
    await dialog.getByRole('button', { name: 'Zwrot' }).click();
    await payments
      .getByRole('status')
      .getByText(/Zapisano zwrot 20,00\s?zł; oddaj pieniądze klientowi/)
      .waitFor();
    await payments.getByText('oczekuje').waitFor();

    // The refund no provider pays back waits for finance to confirm it was paid by hand.
    await payments.getByRole('button', { name: 'Potwierdź wypłatę zwrotu' }).click();
    assert.match(
      (await question.textContent()) ?? '',
      /Potwierdzić, że klientowi oddano 20,00\s?zł \(za pobraniem\)\?/,
    );
    await dialog.getByRole('button', { name: 'Potwierdź wypłatę zwrotu' }).click();
    await payments
      .getByRole('status')
      .getByText(/Potwierdzono wypłatę zwrotu 20,00\s?zł\./)
      .waitFor();
    await payments.getByTestId('payment-status').getByText('Zwrócone częściowo').waitFor();
    await page.getByTestId('credit-panel').getByText('Hurtownia Łódzka S.A.').waitFor();
    await payments.scrollIntoViewIfNeeded();
    await rig.shot('money-order-pl', page);
    const api = await rig.call('GET', `/api/v1/orders/${order.id}/payments`);
    assert.equal(api.body.summary.refunded, '20.00');

    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByRole('heading', { name: `Заказ ${order.number}` }).waitFor();
    await payments.getByTestId('payment-status').getByText('Частичный возврат').waitFor();
    await payments.getByText('наложенный платёж').waitFor();
    await row.getByText('Счёт-фактура').waitFor();
    await payments.scrollIntoViewIfNeeded();
    await rig.shot('money-order-ru', page);

    // A credit note for one line of the invoice.
    await row.getByRole('button', { name: 'Корректировка' }).click();
    await dialog.getByRole('spinbutton').first().fill('1');
    await dialog.getByLabel('Причина').fill('Возврат одной кружки');
    assert.match((await question.textContent()) ?? '', /Выставить корректировку к документу \S+, возврат: 1 × /);
    await rig.shot('money-credit-note-ru', page);
    await dialog.getByRole('button', { name: 'Выставить корректировку' }).click();
    await invoices
      .getByRole('status')
      .getByText(/Корректировка \S+ выставлена: /)
      .waitFor();
    await invoices.getByText('Корректировка', { exact: true }).first().waitFor();

    // Credit hold on the company, with its reason in the history.
    const credit = page.getByTestId('credit-panel');
    await credit.getByText('Без блокировки').waitFor();
    await credit.getByRole('button', { name: 'Заблокировать кредит' }).click();
    await dialog.getByLabel('Причина').fill('Просрочены два счёта');
    await dialog.getByRole('button', { name: 'Заблокировать кредит' }).click();
    await credit.getByRole('status').getByText('Кредит компании заблокирован.').waitFor();
    await credit.getByText(/Просрочены два счёта/).waitFor();
    await credit.scrollIntoViewIfNeeded();
    await rig.shot('money-credit-ru', page);

    await page.getByRole('link', { name: 'Сводка' }).click();
    const revenue = page.getByTestId('revenue-card');
    await revenue.getByRole('heading', { name: /^Деньги: / }).waitFor();
    // the channel by its name, not its code
    await revenue.getByRole('cell', { name: 'Sklep internetowy' }).waitFor();
    assert.equal(await revenue.getByRole('cell', { name: 'web', exact: true }).count(), 0);
    await revenue.scrollIntoViewIfNeeded();
    await rig.shot('money-dashboard-ru', page);
    assert.deepEqual(rig.consoleErrors, []);
    await page.context().close();
  });

  test('given a bank transfer still to arrive, finance records it with the open amount prefilled', async () => {
    const t = await rig.call('POST', '/api/v1/orders', orderBody({ externalId: 'MONEY-2' }));
    assert.equal(t.status, 201);
    const added = await rig.call('POST', `/api/v1/orders/${t.body.id}/payments`, { method: 'transfer' });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const page = await rig.newPage();
    await rig.login(page, 'finanse@example.pl');
    await page.goto(`${rig.base}/orders/${t.body.id}`);
    const payments = page.getByTestId('payments-panel');
    await payments.getByTestId('payment-status').getByText('Unpaid').waitFor();
    await payments.getByRole('button', { name: 'Record money received' }).click();
    const dialog = page.getByRole('dialog');
    assert.equal(await dialog.getByLabel('Amount').inputValue(), '257.49');
    assert.match(
      (await dialog.getByTestId('confirm-question').textContent()) ?? '',
      /^Record that PLN\s257\.49 was received by bank transfer\?$/,
    );
    await dialog.getByRole('button', { name: 'Record money received' }).click();
    await payments
      .getByRole('status')
      .getByText(/^Recorded: PLN\s257\.49 received\.$/)
      .waitFor();
    await payments.getByTestId('payment-status').getByText('Paid').waitFor();
    await page.context().close();
  });

  test('given an operator, the money panels show what happened but offer no money action', async () => {
    const page = await rig.newPage();
    await rig.login(page, 'operator@example.pl');
    await page.goto(`${rig.base}/orders/${order.id}`);
    const payments = page.getByTestId('payments-panel');
    await payments.getByTestId('payment-status').getByText('Partly refunded').waitFor();
    await page.getByTestId('invoices-panel').getByText('Invoice', { exact: true }).waitFor();
    for (const name of [
      'Refund',
      'Issue invoice',
      'Issue proforma',
      'Credit note',
      'Put on credit hold',
      'Release credit hold',
    ])
      assert.equal(await page.getByRole('button', { name }).count(), 0, name);
    await page.context().close();
  });
});
