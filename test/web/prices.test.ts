import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkip, type ConsoleRig, startConsole, switchLanguage } from './browser.js';

/**
 * Price lists as a sales manager reads them (issue 17): the lists with whom each applies to, one
 * list's prices with breaks and floors, and its changes with who, when and why — in English,
 * Polish and Russian, never a scope code. Screenshots in test-artifacts/screenshots/prices-*.png.
 */
describe('price lists in the console', { skip: browserSkip }, () => {
  let rig: ConsoleRig;

  before(async () => {
    rig = await startConsole();
    for (const [sku, name] of [
      ['KUBEK-1', 'Kubek ceramiczny żółty'],
      ['ЧАЙНИК-1', 'Чайник электрический'],
    ]) {
      const made = await rig.call('POST', '/api/v1/products', { sku, name });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    const list = await rig.call('POST', '/api/v1/price-lists', {
      code: 'HURT',
      name: 'Cennik hurtowy — оптовый',
      currency: 'PLN',
      scope: 'customer_group',
      scopeRef: 'horeca',
      entries: [
        { sku: 'KUBEK-1', unitPrice: '18.00', floorPrice: '14.00', taxRate: '23' },
        { sku: 'KUBEK-1', minQuantity: 100, unitPrice: '16.50', floorPrice: '14.00', taxRate: '23' },
        { sku: 'ЧАЙНИК-1', unitPrice: '149.00', taxRate: '23' },
      ],
    });
    assert.equal(list.status, 201, JSON.stringify(list.body));
    const changed = await rig.call('PUT', '/api/v1/price-lists/HURT/entries', {
      entries: [{ sku: 'KUBEK-1', unitPrice: '17.50', floorPrice: '14.00', taxRate: '23' }],
      reason: 'Obniżka dla gastronomii od marca',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
  });
  after(async () => {
    await rig?.close();
  });

  test('given a group list changed once, the lists page says whom it applies to and the list page shows its prices and the change with its reason, in three languages', async () => {
    const page = await rig.newPage();
    await rig.login(page, rig.email);
    await page.getByRole('navigation').getByRole('link', { name: 'Price lists' }).click();
    await page.getByRole('heading', { name: 'Price lists', exact: true }).waitFor();
    const table = page.getByTestId('price-lists');
    await table.getByText('Customer group horeca').waitFor();
    await table.getByText('without tax').waitFor();
    assert.doesNotMatch((await table.textContent()) ?? '', /customer_group/);
    await rig.shot('prices-lists', page);

    await table.getByRole('link', { name: 'Cennik hurtowy — оптовый' }).click();
    await page.getByRole('heading', { name: 'Cennik hurtowy — оптовый' }).waitFor();
    const entries = page.getByTestId('price-entries');
    assert.equal(await entries.locator('tbody tr').count(), 3);
    await entries.getByText('ЧАЙНИК-1').waitFor();
    const history = page.getByTestId('price-history');
    await history.getByText('Why: Obniżka dla gastronomii od marca').waitFor();
    await history.getByText(/KUBEK-1 from 1: PLN\s18\.00 → PLN\s17\.50/).waitFor();
    assert.doesNotMatch(
      (await history.textContent()) ?? '',
      /Why: created/,
      'the default reason is not shown as a word of the API',
    );
    await history.getByText('List created with 3 prices.').waitFor();
    await rig.shot('prices-list-en', page);

    await switchLanguage(page, /User menu/, 'Polski');
    await page.getByTestId('price-history').getByText('Powód: Obniżka dla gastronomii od marca').waitFor();
    await page.getByText('Grupa klientów horeca', { exact: false }).first().waitFor();
    await rig.shot('prices-list-pl', page);
    await switchLanguage(page, /Menu użytkownika/, 'Русский');
    await page.getByTestId('price-history').getByText('Причина: Obniżka dla gastronomii od marca').waitFor();
    await page.getByRole('columnheader', { name: 'Минимальная цена' }).waitFor();
    await rig.shot('prices-list-ru', page);
    assert.deepEqual(rig.consoleErrors, []);
  });
});
