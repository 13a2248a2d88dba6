import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { seedBasics, testApp, type TestApp } from '../support.js';
import { ok, post } from './helpers.js';
import { deliverEdiMessages, EDI_DELIVERY_ATTEMPTS } from '../../src/app/edi/outbound.js';
import { getPartner } from '../../src/app/edi/partners.js';
import { parseInterchange, value } from '../../src/integrations/edi/edifact.js';

const ORDERS = [
  "UNA:+.? '",
  "UNB+UNOY:4+WHOLESALE:14+ORDO:14+261203:1200+77'",
  "UNH+1+ORDERS:D:96A:UN:EAN008'",
  "BGM+220+ЗАКАЗ-17+9'",
  "NAD+BY+4600000000008::9++ООО Ромашка+ул. Ленина 1+Москва++101000+RU'",
  "NAD+SU+5900000000002::9'",
  "CUX+2:RUB:9'",
  "LIN+1++SKU-2:SA'",
  "IMD+F++:::Чайник электрический'",
  "QTY+21:3'",
  "PRI+AAA:1499.90'",
  "UNS+S'",
  "UNT+11+1'",
  "UNZ+1+77'",
].join('');

/**
 * Delivery of outgoing messages to a partner's URL, and a UTF-8 (UNOY) interchange in Cyrillic
 * end to end: the order keeps the Russian text, the CONTRL goes to the partner's URL, a refusal
 * is retried, then it is sent once.
 */
describe('EDI delivery to the partner and Cyrillic UNOY', () => {
  let t: TestApp;
  let server: http.Server;
  let answers: number[] = [];
  const received: { body: string; type: string | undefined }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        if (status === 200)
          received.push({
            body: Buffer.concat(chunks).toString('utf8'),
            type: req.headers['x-ordo-message-type'] as string,
          });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t = await testApp();
    await seedBasics(t);
  });
  after(async () => {
    await t?.close();
    server.close();
  });

  test('a Cyrillic ORDERS under UNOY makes its order; the CONTRL is delivered after a refused attempt', async () => {
    const port = (server.address() as { port: number }).port;
    const partner = await ok(
      t,
      'POST',
      '/api/v1/edi/partners',
      {
        channel: 'edi-romashka',
        syntax: 'edifact',
        settings: {
          name: 'Ромашка',
          ourGln: '5900000000002',
          buyers: [{ gln: '4600000000008', customer: 'C-1' }],
          interchange: { partnerId: 'WHOLESALE', ourId: 'ORDO', syntax: 'UNOY' },
          deliveryUrl: `http://127.0.0.1:${port}/edi`,
        },
      },
      201,
    );
    const r = await post(t, ORDERS);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const order = await ok(t, 'GET', `/api/v1/orders/${r.body.messages[0].orderId}`);
    assert.deepEqual(
      [order.externalId, order.lines[0].name, order.shippingAddress.city, order.lines[0].unitPrice],
      ['ЗАКАЗ-17', 'Чайник электрический', 'Москва', '1499.90'],
    );
    const p = await getPartner(t.store, partner.id);
    answers = [503];
    assert.deepEqual(await deliverEdiMessages(t.store, t.clock, p), { sent: 0, failed: 1 });
    const pending = (await ok(t, 'GET', '/api/v1/edi/messages?direction=out')).items[0];
    assert.deepEqual([pending.status, pending.attempts, pending.lastError], ['generated', 1, 'HTTP 503']);
    assert.deepEqual(await deliverEdiMessages(t.store, t.clock, p), { sent: 1, failed: 0 });
    assert.deepEqual(await deliverEdiMessages(t.store, t.clock, p), { sent: 0, failed: 0 }, 'sent once');
    assert.equal(received.length, 1);
    assert.equal(received[0]!.type, 'CONTRL');
    const contrl = parseInterchange(received[0]!.body);
    assert.equal(contrl.syntax.id, 'UNOY', "the partner's syntax");
    assert.equal(
      value(
        contrl.messages[0]!.segments.find((s) => s.tag === 'UCI'),
        4,
      ),
      '7',
    );
    const sent = (await ok(t, 'GET', '/api/v1/edi/messages?direction=out')).items[0];
    assert.equal(sent.status, 'sent');
    assert.ok(EDI_DELIVERY_ATTEMPTS > 1);
  });
});
