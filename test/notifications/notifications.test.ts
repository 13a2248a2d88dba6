import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { publish, send, setRules, shipped, stock } from '../process/process-support.js';
import { startWorker, type Worker } from '../../src/worker/worker.js';
import { emailSink } from '../../src/integrations/email/email-sink.js';
import { smtpSender } from '../../src/integrations/email/smtp-sender.js';
import { toCloudEvent, type EventSink } from '../../src/integrations/broker/sink.js';
import { eventually, LocalSmtp, type Received } from './smtp-support.js';
import { loadConfig } from '../../src/config.js';

const MOSCOW = { name: 'Анна Каренина', line1: 'ул. Тверская, 7', city: 'Москва', postalCode: '125009', country: 'RU' };

/** Notifies on entry to every state, so an order reaches a notify step at intake. */
const NOTIFY_PROCESS = `key: notify-test
start: received
states:
  received:
    enter:
      - action: notify
        args: { template: order_confirmed, to: customer }
    on:
      ship: in_transit
  in_transit:
    enter:
      - action: notify
        args: { template: order_shipped, to: customer }
    on:
      delivered: delivered
  delivered:
    terminal: true
    enter:
      - action: notify
        args: { template: order_delivered }
      - action: notify
        args: { template: order_delivered, to: order_desk }
`;

describe('customer notifications: notify step → outbox → SMTP (a real local server)', () => {
  let t: TestApp;
  const smtp = new LocalSmtp();
  let worker: Worker;
  let sink: EventSink;
  let seq = 0;

  const order = async (over: Record<string, unknown> = {}) => {
    const r = await t.call('POST', '/api/v1/orders', orderBody({ externalId: `N-${++seq}`, ...over }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const notificationsOf = async (orderId: string) =>
    (await t.call('GET', `/api/v1/notifications?orderId=${orderId}`)).body.items as any[];
  const mailsFor = (id: string): Received[] => smtp.messages.filter((m) => m.messageId.startsWith(`<${id}@`));
  const sentMail = async (orderId: string, template: string) => {
    const n = await eventually(`${template} sent for ${orderId}`, async () =>
      (await notificationsOf(orderId)).find((x) => x.template === template && x.state === 'sent'),
    );
    const mails = mailsFor(n.id);
    assert.equal(mails.length, 1, `exactly one e-mail for notification ${n.id}`);
    return { n, mail: mails[0]! };
  };

  before(async () => {
    // tracking links in e-mails point at the public URL
    t = await testApp({ config: loadConfig({ ORDO_PUBLIC_URL: 'https://sklep.example.ru/' }) });
    await seedBasics(t);
    await stock(t, [
      ['SKU-1', 'WAW-1', 500],
      ['SKU-2', 'WAW-1', 500],
      ['SKU-3', 'WAW-1', 500],
    ]);
    await publish(t, NOTIFY_PROCESS);
    await publish(t, shipped('b2c-omnichannel'));
    await setRules(t, [
      { process: 'notify-test', channel: 'web' },
      { process: 'b2c-omnichannel', channel: 'wildberries' },
    ]);
    for (const c of [
      { code: 'C-RU', name: 'Анна Каренина', email: 'anna@example.ru' },
      { code: 'C-NOMAIL', name: 'Łucja "Ł" <Nowak> & Syn' },
    ])
      assert.equal((await t.call('POST', '/api/v1/customers', c)).status, 201);
    await smtp.start(0);
    sink = emailSink(
      t.database.db,
      smtpSender({
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        from: 'Sklep Żółw <sklep@example.pl>',
        timeoutMs: 5_000,
        allowUnverifiedTls: true,
      }),
    );
    worker = await startWorker({
      db: t.database.db,
      jobs: t.services.jobs,
      sinks: [sink],
      retry: { baseMs: 100, maxMs: 400, maxAttempts: 50 },
      pollMs: 25,
    });
  });
  after(async () => {
    await worker.stop();
    await smtp.stop();
    await t.close();
  });

  test('given a Polish customer, an order reaching a notify step sends exactly one e-mail in Polish, UTF-8, with the exact total', async () => {
    const o = await order();
    const { n, mail } = await sentMail(o.id, 'order_confirmed');
    assert.equal((await notificationsOf(o.id)).length, 1);
    assert.equal(n.language, 'pl');
    assert.equal(n.to, 'grzegorz@example.pl');
    assert.deepEqual(mail.to, ['grzegorz@example.pl']);
    assert.match(n.lastResponse, /^250 /);
    assert.equal(mail.subject, `Potwierdzenie zamówienia ${o.number}`);
    assert.match(mail.headers.get('from')!, /sklep@example\.pl/);
    assert.match(mail.textType, /charset="?utf-8/i);
    assert.match(mail.htmlType, /charset="?utf-8/i);
    assert.ok(mail.text.includes('Dzień dobry, Grzegorz Brzęczyszczykiewicz!'), mail.text);
    // Polish money: decimal comma, no rounding of the stored minor units, "zł".
    const [whole, frac] = String(o.totals?.grandTotal ?? o.grandTotal).split('.');
    assert.ok(mail.text.includes(`Razem: ${whole},${frac}\u00a0zł`), mail.text);
    assert.ok(mail.text.includes('2 × Kubek ceramiczny żółty (SKU-1)'), mail.text);
    assert.ok(mail.html.includes('Grzegorz Brzęczyszczykiewicz'), mail.html);
    assert.match(mail.html, /<html lang="pl">/);
    // The stored message is what was sent; history records the step.
    const full = (await t.call('GET', `/api/v1/notifications/${n.id}`)).body;
    assert.equal(full.subject, mail.subject);
    assert.equal(full.text.trim(), mail.text.replace(/\r\n/g, '\n').trim());
    const h = (await t.call('GET', `/api/v1/orders/${o.id}/history`)).body.items;
    const step = h.find((i: any) => i.action === 'process.action' && i.changes.action === 'notify');
    assert.deepEqual(step.changes.notification.ids, [n.id]);
    assert.match(step.reason.note, /order_confirmed \(pl\) queued for grzegorz@example\.pl/);
  });

  test('given a customer whose address is at a Cyrillic domain (.рф), the order is taken and the e-mail reaches that domain', async () => {
    const o = await order({
      customer: { email: 'anna@почта.рф', name: 'Анна Каренина' },
      currency: 'RUB',
      shippingAddress: MOSCOW,
    });
    const { n, mail } = await sentMail(o.id, 'order_confirmed');
    assert.equal(n.to, 'anna@почта.рф');
    // The message names the domain in its ASCII (punycode) form, which every mail server takes;
    // the receiving server reports the envelope's recipient decoded.
    assert.match(mail.headers.get('to')!, /anna@xn--80a1acny\.xn--p1ai/);
    assert.deepEqual(mail.to, ['anna@почта.рф']);
    assert.equal(n.language, 'ru');
  });

  test('given a customer without a language whose parcel goes to Russia, the e-mail is in Russian with Cyrillic in subject and body', async () => {
    const o = await order({
      customer: { code: 'C-RU' },
      currency: 'RUB',
      shippingAddress: MOSCOW,
    });
    const { n, mail } = await sentMail(o.id, 'order_confirmed');
    // The tracking link is the order's public page; its token opens the tracking API without a login.
    const token = /Отследить заказ: https:\/\/sklep\.example\.ru\/track\/([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(token, mail.text);
    assert.ok(mail.html.includes(`<a href="https://sklep.example.ru/track/${token}">`), mail.html);
    const tracking = await t.call('GET', `/api/v1/tracking/${token}`, undefined, { authorization: '' });
    assert.equal(tracking.status, 200, JSON.stringify(tracking.body));
    assert.equal(n.language, 'ru');
    assert.equal(mail.subject, `Заказ ${o.number} подтверждён`);
    assert.ok(mail.text.includes('Здравствуйте, Анна Каренина!'), mail.text);
    assert.ok(mail.text.includes('Итого: '), mail.text);
    assert.match(mail.text, /Итого: [\d\u00a0]+,\d{2}\u00a0₽/);
    assert.ok(mail.text.includes('Чайник электрический'), mail.text);
  });

  test('given a tenant override of order_shipped in Polish, the next shipped order uses it, with values escaped in its HTML', async () => {
    const put = await t.call('PUT', '/api/v1/notification-templates/order_shipped/pl', {
      subject: 'Paczka {{orderNumber}} już jedzie — zażółć gęślą jaźń',
      text: 'Cześć {{customerName}}!\n{{#trackingNumber}}Numer: {{trackingNumber}}{{/trackingNumber}}{{^trackingNumber}}Numer przesyłki podamy wkrótce.{{/trackingNumber}}\nRazem: {{total}}',
      html: '<p>Cześć <b>{{customerName}}</b>!</p><p>Razem: {{total}}</p>',
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.source, 'override');
    assert.equal(put.headers.etag, '"1"');
    const o = await order();
    await send(t, o.id, 'ship');
    const { n, mail } = await sentMail(o.id, 'order_shipped');
    assert.equal(n.source, 'override');
    assert.equal(mail.subject, `Paczka ${o.number} już jedzie — zażółć gęślą jaźń`);
    assert.ok(mail.text.includes('Numer przesyłki podamy wkrótce.'), mail.text);
    assert.ok(mail.html.includes('<b>Grzegorz Brzęczyszczykiewicz</b>'), mail.html);
    // Russian is not overridden: the built-in applies there.
    const ru = await t.call('GET', '/api/v1/notification-templates/order_shipped/ru');
    assert.equal(ru.body.source, 'built_in');
    // The preview renders a draft for an order, escaping the customer's name in HTML.
    const noMail = await order({ customer: { code: 'C-NOMAIL' } });
    const p = await t.call('POST', '/api/v1/notification-templates/order_shipped/preview', {
      orderId: noMail.id,
      draft: { subject: 'Dla {{customerName}}', text: 't', html: '<p>{{customerName}}</p>' },
    });
    assert.equal(p.status, 200, JSON.stringify(p.body));
    assert.equal(p.body.html, '<p>Łucja &quot;Ł&quot; &lt;Nowak&gt; &amp; Syn</p>');
    assert.equal(p.body.subject, 'Dla Łucja "Ł" <Nowak> & Syn');
    const pr = await t.call('POST', '/api/v1/notification-templates/order_shipped/preview', {
      orderId: o.id,
      language: 'ru',
    });
    assert.equal(pr.body.subject, `Заказ ${o.number} отправлен`);
    assert.equal(pr.body.source, 'built_in');
  });

  test('given an override with an unknown variable or a broken tag, it is refused with 422 naming the field, and nothing changes', async () => {
    const bad = await t.call('PUT', '/api/v1/notification-templates/order_delivered/ru', {
      subject: 'Заказ {{orderNumbr}}',
      text: 'ok {{total}}',
      html: '<p>{{#total}}</p>',
    });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.equal(bad.body.code, 'NOTIFICATION_TEMPLATE_INVALID');
    assert.deepEqual(
      bad.body.errors.map((e: any) => e.path),
      ['/subject', '/html'],
    );
    assert.match(bad.body.errors[0].message, /unknown variable \{\{orderNumbr\}\}/);
    assert.match(bad.body.errors[1].message, /never closed/);
    const stray = await t.call('PUT', '/api/v1/notification-templates/order_delivered/ru', {
      subject: 'x',
      text: 'Сумма {{ total + 1 }}',
    });
    assert.equal(stray.status, 422);
    assert.deepEqual(
      stray.body.errors.map((e: any) => e.path),
      ['/text'],
    );
    const cur = await t.call('GET', '/api/v1/notification-templates/order_delivered/ru');
    assert.equal(cur.body.source, 'built_in');
    const badDraft = await t.call('POST', '/api/v1/notification-templates/order_shipped/preview', {
      orderId: '01900000-0000-7000-8000-000000000000',
      draft: { subject: '{{nope}}', text: 'x' },
    });
    assert.equal(badDraft.status, 404); // the order is looked up first
  });

  test('given a customer without an e-mail address, the notify step leaves a history note and no event', async () => {
    const o = await order({ customer: { code: 'C-NOMAIL' } });
    const h = (await t.call('GET', `/api/v1/orders/${o.id}/history`)).body.items;
    const step = h.find((i: any) => i.action === 'process.action' && i.changes.action === 'notify');
    assert.equal(step.reason.note, 'notification order_confirmed not sent: the customer has no e-mail address');
    assert.equal(step.changes.notification.skipped, 'no_recipient');
    assert.deepEqual(await notificationsOf(o.id), []);
    const events = await t.store
      .selectFrom('events')
      .select('type')
      .where('subject', '=', o.id)
      .where('type', '=', 'notification.requested')
      .execute();
    assert.equal(events.length, 0);
  });

  test('given order_confirmed switched off in the tenant settings, no e-mail is queued; switched on again, it is', async () => {
    const put = await t.call('PUT', '/api/v1/notification-settings', { disabled: ['order_confirmed'], recipients: {} });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const off = await order();
    const h = (await t.call('GET', `/api/v1/orders/${off.id}/history`)).body.items;
    assert.ok(h.some((i: any) => i.changes.action === 'notify' && /switched off/.test(i.reason.note)));
    assert.deepEqual(await notificationsOf(off.id), []);
    const stale = await t.call(
      'PUT',
      '/api/v1/notification-settings',
      { disabled: [], recipients: {} },
      { 'if-match': '"0"' },
    );
    assert.equal(stale.status, 412);
    assert.equal(
      (
        await t.call(
          'PUT',
          '/api/v1/notification-settings',
          { disabled: [] },
          { 'if-match': put.headers.etag as string },
        )
      ).status,
      200,
    );
    const on = await order();
    await sentMail(on.id, 'order_confirmed');
  });

  test('given the SMTP server is down, the e-mail is retried and delivered once it is back: nothing lost, nothing doubled', async () => {
    const port = smtp.port;
    await smtp.stop();
    const o = await order();
    const failed = await eventually('a failed attempt', async () =>
      (await notificationsOf(o.id)).find((x) => x.state === 'failed' && x.attempts >= 2),
    );
    assert.match(failed.lastResponse, /ECONNREFUSED|connect/i);
    assert.equal(mailsFor(failed.id).length, 0);
    await smtp.start(port);
    const { n } = await sentMail(o.id, 'order_confirmed');
    assert.ok(n.attempts >= 3, `attempts ${n.attempts}`);
    // The sink marks the notification sent before the dispatcher records the delivery: wait for both.
    const deliveries = await eventually('the delivery recorded', async () => {
      const rows = await t.store
        .selectFrom('event_deliveries')
        .select(['status', 'attempts'])
        .where('subject', '=', o.id)
        .where('event_type', '=', 'notification.requested')
        .execute();
      return rows.every((d) => d.status !== 'delivering' && d.status !== 'pending') && rows;
    });
    assert.deepEqual(
      deliveries.map((d) => d.status),
      ['succeeded'],
    );
  });

  test('given a notification already sent, a redelivery of its event is acknowledged as a duplicate and sends nothing', async () => {
    const o = await order();
    const { n } = await sentMail(o.id, 'order_confirmed');
    const ev = await t.store
      .selectFrom('events')
      .selectAll()
      .where('subject', '=', o.id)
      .where('type', '=', 'notification.requested')
      .executeTakeFirstOrThrow();
    const cloud = toCloudEvent({
      id: ev.id,
      type: ev.type,
      tenantId: t.tenantId,
      subject: ev.subject,
      time: new Date(ev.time),
      schemaVersion: ev.schema_version,
      payload: ev.payload,
    });
    assert.deepEqual(await sink.publish(cloud), { duplicate: true });
    assert.deepEqual(await sink.publish(cloud), { duplicate: true });
    assert.equal(mailsFor(n.id).length, 1);
    assert.equal((await t.call('GET', `/api/v1/notifications/${n.id}`)).body.attempts, 1);
  });

  test('given staff recipients in the settings, a notify to order_desk goes to them; a list filters by state', async () => {
    const o0 = await order();
    await send(t, o0.id, 'ship');
    await send(t, o0.id, 'delivered');
    const h = (await t.call('GET', `/api/v1/orders/${o0.id}/history`)).body.items;
    assert.ok(
      h.some(
        (i: any) =>
          i.reason.note ===
          'notification order_delivered not sent: no e-mail address is set for order_desk in the notification settings',
      ),
    );

    await t.call('PUT', '/api/v1/notification-settings', {
      disabled: [],
      recipients: { order_desk: ['biuro@example.pl', 'sklad@example.ru'] },
    });
    const o = await order();
    await send(t, o.id, 'ship');
    await send(t, o.id, 'delivered');
    const all = await eventually('5 sent', async () => {
      const l = (await t.call('GET', `/api/v1/notifications?orderId=${o.id}&state=sent`)).body.items;
      return l.length === 5 && l;
    });
    assert.deepEqual(all.map((x: any) => `${x.template}:${x.to}`).sort(), [
      'order_confirmed:grzegorz@example.pl',
      'order_delivered:biuro@example.pl',
      'order_delivered:grzegorz@example.pl',
      'order_delivered:sklad@example.ru',
      'order_shipped:grzegorz@example.pl',
    ]);
    const desk = all.find((x: any) => x.to === 'sklad@example.ru');
    assert.equal(mailsFor(desk.id).length, 1);
    assert.equal(mailsFor(desk.id)[0]!.subject, `Zamówienie ${o.number} zostało doręczone`);
    const bad = await t.call('PUT', '/api/v1/notification-settings', { disabled: ['Not A Name'], recipients: {} });
    assert.equal(bad.status, 400);
    const list = await t.call('GET', '/api/v1/notification-templates');
    const shippedTpl = list.body.items.find((i: any) => i.template === 'order_shipped');
    assert.deepEqual(
      shippedTpl.languages.map((l: any) => l.source),
      ['built_in', 'override', 'built_in'],
    );
    assert.ok(list.body.variables.includes('trackingUrl'));
  });

  test('given the shipped B2C process, a shipped marketplace order notifies order_shipped to the customer', async () => {
    // Back to the built-in Polish text (the override test replaced it).
    assert.equal((await t.call('DELETE', '/api/v1/notification-templates/order_shipped/pl')).status, 204);
    assert.equal((await t.call('DELETE', '/api/v1/notification-templates/order_shipped/pl')).status, 404);
    const o = await order({ channel: 'wildberries', currency: 'RUB' });
    assert.equal(o.state, 'awaiting_payment');
    await send(t, o.id, 'payment_authorized');
    await send(t, o.id, 'shipped');
    const { n, mail } = await sentMail(o.id, 'order_shipped');
    assert.equal(n.language, 'pl');
    assert.equal(mail.subject, `Zamówienie ${o.number} zostało wysłane`);
    assert.match(mail.text, /Razem: [\d\u00a0]+,\d{2}\u00a0RUB/);
  });
});
