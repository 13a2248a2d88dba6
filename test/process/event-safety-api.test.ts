import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, testApp, type TestApp } from '../support.js';
import { seedWebAndMarketplace } from './process-support.js';

/**
 * Issue 18: people raise only the events a process gives them. A payment, carrier, timer, system
 * or integration event is refused to people (403 EVENT_NOT_MANUAL) unless they hold orders:override
 * and say why (422 REASON_REQUIRED at /reason otherwise); the override is in the history with the
 * reason. The order view and the tasks list carry the definition's words.
 */
describe('event sources, overrides and process words through the API', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  let adminCookie = '';
  const as = (who: string): Record<string, string> =>
    who === 'admin-user' ? { authorization: '', cookie: adminCookie } : { authorization: `Bearer ${keys[who]}` };

  before(async () => {
    t = await testApp();
    await seedWebAndMarketplace(t);
    for (const role of ['operator', 'integration', 'viewer']) {
      const issued = await t.call('POST', '/api/v1/api-keys', { name: `${role} key`, roles: [role] });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      keys[role] = issued.body.secret;
    }
    const user = await t.call('POST', '/api/v1/users', {
      email: 'ewa.admin@example.pl',
      name: 'Ewa Kowalska',
      roles: ['admin'],
      password: 'hasło administratorki',
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const login = await t.call('POST', '/api/v1/auth/login', {
      email: 'ewa.admin@example.pl',
      password: 'hasło administratorki',
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    adminCookie = String(login.headers['set-cookie']).split(';')[0]!;
  });
  after(() => t.close());

  const newOrder = async (externalId: string, over: Record<string, unknown> = {}) => {
    const created = await t.call('POST', '/api/v1/orders', orderBody({ externalId, ...over }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  };
  const post = (who: string, id: string, body: Record<string, unknown>) =>
    t.call('POST', `/api/v1/orders/${id}/events`, body, as(who));

  test('given an order awaiting payment, then its events say who raises them and the state and events carry labels in EN, PL and RU', async () => {
    const o = await newOrder('SAFE-1');
    assert.equal(o.state, 'awaiting_payment');
    assert.deepEqual(o.stateLabels, { en: 'Awaiting payment', pl: 'Czeka na płatność', ru: 'Ждёт оплаты' });
    const byName = Object.fromEntries(o.allowedEventDetails.map((e: { name: string }) => [e.name, e]));
    assert.deepEqual(Object.keys(byName).sort(), [...o.allowedEvents].sort());
    assert.deepEqual(byName.payment_authorized, {
      name: 'payment_authorized',
      labels: { en: 'Payment authorised', pl: 'Płatność autoryzowana', ru: 'Оплата авторизована' },
      source: 'payment',
      manual: false,
      destructive: false,
      risks: [],
    });
    assert.equal(byName.payment_timeout.source, 'timer');
    // payment_failed leads to cancelled: destructive by derivation, though nobody declared it
    assert.equal(byName.payment_failed.destructive, true);
    const read = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.deepEqual(read.body.allowedEventDetails, o.allowedEventDetails);
  });

  test('given a payment event, when an operator key raises it, then 403 EVENT_NOT_MANUAL and the order stays', async () => {
    const o = await newOrder('SAFE-2');
    const refused = await post('operator', o.id, { name: 'payment_authorized', comment: 'klient zapłacił' });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'EVENT_NOT_MANUAL');
    assert.equal(refused.body.source, 'payment');
    const still = await t.call('GET', `/api/v1/orders/${o.id}`);
    assert.equal(still.body.state, 'awaiting_payment');
    assert.equal(still.body.version, o.version);
    // even with a reason: the operator holds no override
    const withReason = await post('operator', o.id, { name: 'payment_authorized', reason: 'widzę przelew' });
    assert.equal(withReason.status, 403);
    const viewer = await post('viewer', o.id, { name: 'payment_authorized', reason: 'x' });
    assert.equal(viewer.status, 403);
    assert.equal(viewer.body.code, 'FORBIDDEN');
  });

  test('given a payment event, when an integration key raises it, then it is applied as today', async () => {
    const o = await newOrder('SAFE-3');
    const ok = await post('integration', o.id, { name: 'payment_authorized' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.state, 'fulfilling');
    const history = await t.call('GET', `/api/v1/orders/${o.id}/history`);
    assert.ok(!history.body.items.some((h: { action: string }) => h.action === 'process.override'));
  });

  test('given an admin in the console, when a carrier event is raised without a reason, then 422 REASON_REQUIRED at /reason; with one, the override is in the history', async () => {
    const o = await newOrder('SAFE-4');
    const paid = await post('integration', o.id, { name: 'payment_authorized' });
    assert.equal(paid.body.state, 'fulfilling');
    const shippedDetail = paid.body.allowedEventDetails.find((e: { name: string }) => e.name === 'shipped');
    assert.equal(shippedDetail.source, 'carrier');
    assert.equal(shippedDetail.manual, false);

    const bare = await post('admin-user', o.id, { name: 'shipped' });
    assert.equal(bare.status, 422, JSON.stringify(bare.body));
    assert.equal(bare.body.code, 'REASON_REQUIRED');
    assert.deepEqual(
      bare.body.errors.map((e: { path: string }) => e.path),
      ['/reason'],
    );
    const blank = await post('admin-user', o.id, { name: 'shipped', reason: '   ' });
    assert.equal(blank.status, 422);

    const done = await post('admin-user', o.id, {
      name: 'shipped',
      reason: 'Kurier zabrał paczkę, skaner nie działał',
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.notEqual(done.body.state, 'fulfilling');
    const history = (await t.call('GET', `/api/v1/orders/${o.id}/history`)).body.items as {
      action: string;
      actor: { type: string; name: string | null };
      changes: Record<string, unknown>;
      reason: Record<string, unknown>;
    }[];
    const override = history.find((h) => h.action === 'process.override');
    assert.ok(override, JSON.stringify(history.map((h) => h.action)));
    assert.equal(override.actor.type, 'user');
    assert.deepEqual(override.changes, { event: 'shipped', source: 'carrier' });
    assert.equal(override.reason.reason, 'Kurier zabrał paczkę, skaner nie działał');
    const step = history.find(
      (h) => h.action === 'process.event' && (h.reason.event as { name?: string } | null)?.name === 'shipped',
    );
    assert.equal((step?.reason.event as { reason?: string }).reason, 'Kurier zabrał paczkę, skaner nie działał');
  });

  test('given a person event, when an operator raises it, then no reason is needed; cancel is marked destructive', async () => {
    const o = await newOrder('SAFE-5');
    const paid = await post('integration', o.id, { name: 'payment_authorized' });
    const cancel = paid.body.allowedEventDetails.find((e: { name: string }) => e.name === 'cancel');
    assert.deepEqual(
      { source: cancel.source, manual: cancel.manual, destructive: cancel.destructive },
      { source: 'person', manual: true, destructive: true },
    );
    assert.equal(cancel.labels.pl, 'Anuluj zamówienie');
    const cancelled = await post('operator', o.id, { name: 'cancel', reason: 'Klient zrezygnował' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.state, 'cancelled');
    assert.deepEqual(cancelled.body.stateLabels, { en: 'Cancelled', pl: 'Anulowane', ru: 'Отменён' });
  });

  test('given a marketplace order out of stock, then cancel lists the rating risk, restocked is a person resolution, and the task carries title and role labels', async () => {
    const o = await newOrder('SAFE-WB-1', {
      channel: 'wildberries',
      currency: 'RUB',
      lines: [{ sku: 'SKU-1', quantity: 500, unitPrice: '100.00', taxRate: '20' }],
    });
    const read = (await t.call('GET', `/api/v1/orders/${o.id}`)).body;
    assert.equal(read.state, 'shortage_exception', JSON.stringify(read.process));
    assert.deepEqual(read.stateLabels, { en: 'Out of stock', pl: 'Brak towaru', ru: 'Нет товара' });
    const byName = Object.fromEntries(read.allowedEventDetails.map((e: { name: string }) => [e.name, e]));
    assert.equal(byName.cancel.destructive, true);
    assert.deepEqual(
      byName.cancel.risks.map((r: { code: string }) => r.code),
      ['RATING_RISK'],
      'the definition names the risk once; the RATING_RISK flag the process raised is not repeated',
    );
    assert.match(byName.cancel.risks[0].labels.ru, /рейтинг/);
    assert.equal(byName.restocked.manual, true);
    assert.equal(byName.marketplace_cancelled.manual, false);
    assert.equal(byName.marketplace_cancelled.source, 'integration');

    const tasks = await t.call('GET', `/api/v1/tasks?orderId=${o.id}`);
    assert.equal(tasks.status, 200);
    const [task] = tasks.body.items;
    assert.equal(task.role, 'order_desk');
    assert.deepEqual(task.roleLabels, { en: 'Order desk', pl: 'Obsługa zamówień', ru: 'Отдел заказов' });
    assert.equal(task.titleLabels.pl, 'Znajdź towar lub anuluj (ryzyko oceny)');
    assert.equal(task.stateLabels.en, 'Out of stock');
    const one = await t.call('GET', `/api/v1/tasks/${task.id}`);
    assert.deepEqual(one.body.roleLabels, task.roleLabels);
    assert.deepEqual(read.openTasks[0].titleLabels, task.titleLabels);

    const queue = await t.call('GET', `/api/v1/exceptions?orderId=${o.id}`);
    assert.equal(queue.status, 200, JSON.stringify(queue.body));
    const row = queue.body.groups[0].orders[0];
    assert.deepEqual(row.stateLabels, read.stateLabels, 'the exception row names its state in the process words');
    assert.deepEqual(row.resolutionLabels.restocked, { en: 'Stock found', pl: 'Towar znaleziony', ru: 'Товар найден' });
    assert.equal(row.resolutionLabels.cancel.pl, 'Anuluj zamówienie');
    // the process it runs, named for people (the definition's labels and title), beside its code
    assert.equal(row.process.key, 'marketplace-fbs');
    assert.equal(row.process.title, 'Marketplace FBS');
    assert.equal(row.process.labels.ru, 'Маркетплейс FBS (со склада продавца)');

    const marketplaceEvent = await post('operator', o.id, { name: 'marketplace_cancelled' });
    assert.equal(marketplaceEvent.status, 403);
    assert.equal(marketplaceEvent.body.code, 'EVENT_NOT_MANUAL');
  });
  test('given two published processes, when a viewer asks for the words of states and events, then every labelled code is there in EN, PL and RU and nothing else', async () => {
    const words = await t.call('GET', '/api/v1/processes/words', undefined, as('viewer'));
    assert.equal(words.status, 200, JSON.stringify(words.body));
    assert.deepEqual(words.body.states.stock_exception, { en: 'Out of stock', pl: 'Brak towaru', ru: 'Нет товара' });
    assert.deepEqual(words.body.states.awaiting_payment, {
      en: 'Awaiting payment',
      pl: 'Czeka na płatność',
      ru: 'Ждёт оплаты',
    });
    // a state only the marketplace process has, and an event of each
    assert.ok(words.body.states.late_exception?.pl, JSON.stringify(Object.keys(words.body.states)));
    assert.equal(words.body.events.cancel.ru, 'Отменить заказ');
    // each process by its key, with its name
    assert.deepEqual(words.body.processes['b2c-omnichannel'], {
      title: 'B2C omnichannel retail',
      labels: {
        en: 'B2C omnichannel retail',
        pl: 'Sprzedaż detaliczna B2C (omnichannel)',
        ru: 'Розничные продажи B2C (омниканал)',
      },
    });
    for (const labels of [...Object.values(words.body.states), ...Object.values(words.body.events)])
      assert.ok((labels as Record<string, string>).en, 'only labelled codes');
    const anonymous = await t.call('GET', '/api/v1/processes/words', undefined, { authorization: '' });
    assert.equal(anonymous.status, 401);
  });
});
