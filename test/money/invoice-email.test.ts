import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orderBody, seedBasics, setUpSeller, testApp, type TestApp } from '../support.js';
import { LocalSmtp } from '../notifications/smtp-support.js';
import { smtpSender } from '../../src/integrations/email/smtp-sender.js';
import { deliverNotification } from '../../src/app/notifications/deliver-notification.js';

/**
 * Issue 14, part 5: an invoice (and a credit note) is e-mailed to the customer with its PDF, in
 * the customer's language, through the same outbox-driven notifications as every other message:
 * queued with the invoice, rendered and attached when sent, to a real SMTP server here.
 */
describe('invoices e-mailed to the customer with the PDF attached', () => {
  let t: TestApp;
  const smtp = new LocalSmtp();
  const sender = () =>
    smtpSender({
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      from: 'Sklep Łódź <faktury@example.pl>',
      timeoutMs: 5_000,
      allowUnverifiedTls: true,
    });

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    await setUpSeller(t);
    await smtp.start(0);
  });
  after(async () => {
    await smtp.stop();
    await t.close();
  });

  test('Given an invoice issued, Then a message with its PDF is queued for the customer and sent with the PDF attached', async () => {
    const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'MAIL-1' }));
    assert.equal(o.status, 201, JSON.stringify(o.body));
    const inv = await t.call('POST', `/api/v1/orders/${o.body.id}/invoices`, { kind: 'invoice' });
    assert.equal(inv.status, 201, JSON.stringify(inv.body));
    const queued = await t.store
      .selectFrom('notifications')
      .selectAll()
      .where('order_id', '=', o.body.id)
      .where('template', '=', 'invoice_issued')
      .execute();
    assert.equal(queued.length, 1);
    assert.equal(queued[0]!.recipient, 'grzegorz@example.pl');
    assert.equal(queued[0]!.language, 'pl', "the customer's language");
    assert.equal(queued[0]!.subject, `Faktura ${inv.body.number} do zamówienia ${o.body.number}`);
    assert.deepEqual(queued[0]!.attachments, [{ kind: 'invoice_pdf', invoiceId: inv.body.id }]);

    const sent = await deliverNotification(t.database.db, t.tenantId, queued[0]!.id, sender());
    assert.equal(sent.outcome, 'sent');
    const mail = smtp.messages.at(-1)!;
    assert.deepEqual(mail.to, ['grzegorz@example.pl']);
    assert.match(mail.raw, /Content-Type: application\/pdf/i);
    const fileName = inv.body.number.replace(/\//g, '_');
    assert.ok(mail.raw.includes(fileName), `the attachment is named after the invoice (${fileName})`);
    const base64 = /Content-Transfer-Encoding: base64\r\n(?:[^\r\n]+\r\n)*\r\n([A-Za-z0-9+/=\r\n]+)/i.exec(
      mail.raw.slice(mail.raw.search(/Content-Type: application\/pdf/i)),
    );
    assert.ok(base64, 'the PDF part is base64');
    assert.equal(Buffer.from(base64[1]!.replace(/\s/g, ''), 'base64').subarray(0, 5).toString(), '%PDF-');
    const history = await t.call('GET', `/api/v1/orders/${o.body.id}/history`);
    assert.ok(history.body.items.some((i: any) => i.action === 'invoice.emailed'));
  });

  test('Given a credit note, Then it is e-mailed too, with its own subject', async () => {
    const o = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'MAIL-2' }));
    const inv = await t.call('POST', `/api/v1/orders/${o.body.id}/invoices`, { kind: 'invoice' });
    const note = await t.call('POST', `/api/v1/invoices/${inv.body.id}/credit-notes`, {
      reason: 'Zwrot jednej sztuki',
      lines: [{ no: 1, quantity: 1 }],
    });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    const queued = await t.store
      .selectFrom('notifications')
      .select(['subject', 'attachments'])
      .where('order_id', '=', o.body.id)
      .where('template', '=', 'credit_note_issued')
      .execute();
    assert.deepEqual(queued, [
      {
        subject: `Faktura korygująca ${note.body.number} do zamówienia ${o.body.number}`,
        attachments: [{ kind: 'invoice_pdf', invoiceId: note.body.id }],
      },
    ]);
  });
});
