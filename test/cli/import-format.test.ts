import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { seedBasics, testApp, type TestApp } from '../support.js';
import { importOrders } from '../../src/app/orders/import-orders.js';
import { detectImportFormat } from '../../src/app/orders/import-format.js';
import { AppError } from '../../src/shared/errors.js';
import { systemClock } from '../../src/shared/clock.js';
import { main } from '../../src/cli/main.js';

const actor = { type: 'system' as const, id: null, name: 'import test' };

const CSV = [
  'channel,external_id,customer_code,currency,sku,quantity,unit_price,tax_rate,ship_name,ship_line1,ship_city,ship_postal_code,ship_country',
  'web,FMT-1,C-1,PLN,SKU-1,2,19.99,23,Jan Kowalski,ul. Źródlana 5,Białystok,15-001,PL',
].join('\n');

/** An ORDERS interchange from partner P1 for one line of SKU-3 (its supplier article). */
const EDI = [
  "UNA:+.? '",
  "UNB+UNOC:3+P1:14+ORDO:14+261203:1200+5001'",
  "UNH+1+ORDERS:D:96A:UN:EAN008'",
  "BGM+220+EDI-FMT-1+9'",
  "DTM+137:20261203:102'",
  "NAD+BY+5900000000001::9'",
  "NAD+SU+5900000000002::9'",
  "CUX+2:PLN:9'",
  "LIN+1++SKU-3:SA'",
  "QTY+21:4'",
  "PRI+AAA:3.50'",
  "UNS+S'",
  "CNT+2:1'",
  "UNT+12+1'",
  "UNZ+1+5001'",
].join('\n');

describe('import orders by format', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'ordo-import-format-'));
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const run = (path: string) => importOrders(t.services.processes, t.store, actor, systemClock, path);

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    const r = await t.call('POST', '/api/v1/edi/partners', {
      channel: 'edi-p1',
      syntax: 'edifact',
      settings: {
        name: 'P1',
        ourGln: '5900000000002',
        buyers: [
          {
            gln: '5900000000001',
            customer: 'C-1',
            address: { name: 'Hurtownia P1', line1: 'ul. Długa 1', city: 'Gdańsk', country: 'PL' },
          },
        ],
        interchange: { partnerId: 'P1', ourId: 'ORDO' },
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('formats are recognised by content, whatever the file is called', () => {
    assert.equal(detectImportFormat(Buffer.from(CSV)), 'csv');
    assert.equal(detectImportFormat(Buffer.from('\uFEFF[{"channel":"web"}]')), 'json');
    assert.equal(detectImportFormat(Buffer.from(EDI)), 'edifact');
    assert.equal(detectImportFormat(Buffer.from("UNB+UNOA:1+A+B+260101:1200+1'")), 'edifact');
    assert.equal(
      detectImportFormat(
        Buffer.from('<?xml version="1.0"?>\n<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"/>'),
      ),
      'ubl',
    );
    assert.equal(
      detectImportFormat(
        iconv.encode(
          '<?xml version="1.0" encoding="windows-1251"?>\n<КоммерческаяИнформация ВерсияСхемы="2.10"/>',
          'win1251',
        ),
      ),
      'commerceml',
    );
    assert.equal(
      detectImportFormat(Buffer.from('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>')),
      null,
    );
    assert.equal(detectImportFormat(Buffer.from('PK\u0003\u0004 a spreadsheet')), null);
    assert.equal(detectImportFormat(Buffer.from('name,price\nmug,3')), null);
  });

  test('CSV still imports, also under a name that says otherwise', async () => {
    const r = await run(file('orders.txt', CSV));
    assert.deepEqual([r.format, r.accepted, r.rejected], ['csv', 1, 0]);
  });

  test('an .edi file is read as EDIFACT through the EDI intake, not as CSV', async () => {
    const r = await run(file('orders.edi', EDI));
    assert.equal(r.format, 'edifact');
    assert.equal(r.accepted, 1, JSON.stringify(r.items));
    assert.equal(r.items[0]!.externalId, 'EDI-FMT-1');
    const order = (await t.call('GET', `/api/v1/orders/${r.items[0]!.id}`)).body;
    assert.deepEqual([order.channel, order.lines[0].sku, order.lines[0].quantity], ['edi-p1', 'SKU-3', 4]);
    // the same file again: the interchange is a duplicate, nothing is created
    const again = await run(file('orders-again.edi', EDI));
    assert.deepEqual([again.accepted, again.duplicates], [0, 1]);
  });

  test('an unknown format is refused naming the formats Ordo reads; CommerceML without a 1C connection is refused saying so', async () => {
    await assert.rejects(run(file('orders.edi.bak', 'hello world\nthis is not an order file')), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'IMPORT_FORMAT_UNKNOWN');
      assert.match(error.message, /CSV.*JSON.*CommerceML.*EDIFACT.*UBL/s);
      return true;
    });
    await assert.rejects(
      run(file('orders.xml', '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.10"/>')),
      (error: unknown) => error instanceof AppError && error.code === 'IMPORT_FORMAT_UNSUPPORTED',
    );
  });

  test("CommerceML orders (windows-1251) come in on the 1C connection's channel: Ид mapped to SKUs, the delivery line as shipping, a bad document refused with its line", async () => {
    const connection = await t.call('POST', '/api/v1/channel-connections', {
      channel: 'erp-1c',
      name: '1С:Управление торговлей',
      kind: '1c',
      credentials: { login: 'ordo', password: 'секрет-1c-2026' },
    });
    assert.equal(connection.status, 201, JSON.stringify(connection.body));
    const offers = await t.call('PUT', `/api/v1/channel-connections/${connection.body.id}/offers`, {
      offers: [{ offerId: 'bd72d8f9-0001', sku: 'SKU-2' }],
    });
    assert.ok(offers.status < 300, JSON.stringify(offers.body));
    const xml = `<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-12-03T10:00:00">
<Документ><Ид>1C-77</Ид><Номер>77</Номер><Дата>2026-12-03</Дата><Время>10:15:00</Время>
<ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>руб</Валюта><Курс>1</Курс><Сумма>1049.00</Сумма>
<Контрагенты><Контрагент><Ид>K-1</Ид><Наименование>Пётр Сидоров</Наименование><ПолноеНаименование>Сидоров Пётр Ильич</ПолноеНаименование><АдресРегистрации><Представление>620014, Екатеринбург, ул. Малышева, 51</Представление><АдресноеПоле><Тип>Почтовый индекс</Тип><Значение>620014</Значение></АдресноеПоле><АдресноеПоле><Тип>Город</Тип><Значение>Екатеринбург</Значение></АдресноеПоле><АдресноеПоле><Тип>Улица</Тип><Значение>ул. Малышева</Значение></АдресноеПоле><АдресноеПоле><Тип>Дом</Тип><Значение>51</Значение></АдресноеПоле></АдресРегистрации><Роль>Покупатель</Роль></Контрагент></Контрагенты>
<Товары>
<Товар><Ид>bd72d8f9-0001</Ид><Наименование>Чайник электрический</Наименование><ЦенаЗаЕдиницу>349.50</ЦенаЗаЕдиницу><Количество>2.00</Количество><Сумма>699.00</Сумма></Товар>
<Товар><Ид>ORDER_DELIVERY</Ид><Наименование>Доставка заказа</Наименование><ЦенаЗаЕдиницу>350.00</ЦенаЗаЕдиницу><Количество>1</Количество><Сумма>350.00</Сумма></Товар>
</Товары></Документ>
</КоммерческаяИнформация>`;
    const r = await run(file('orders-1c.xml', iconv.encode(xml, 'win1251')));
    assert.equal(r.format, 'commerceml');
    assert.equal(r.accepted, 1, JSON.stringify(r.items));
    const order = (await t.call('GET', `/api/v1/orders/${r.items[0]!.id}`)).body;
    assert.deepEqual(
      [order.channel, order.currency, order.lines[0].sku, order.lines[0].quantity, order.lines[0].unitPrice],
      ['erp-1c', 'RUB', 'SKU-2', 2, '349.50'],
    );
    assert.equal(order.customer.name, 'Сидоров Пётр Ильич');
    assert.equal(order.totals.shippingTotal, '350.00');
    assert.deepEqual(
      [
        order.shippingAddress.city,
        order.shippingAddress.line1,
        order.shippingAddress.postalCode,
        order.shippingAddress.country,
      ],
      ['Екатеринбург', 'ул. Малышева, 51', '620014', 'RU'],
    );
    const again = await run(file('orders-1c-again.xml', iconv.encode(xml, 'win1251')));
    assert.deepEqual([again.accepted, again.duplicates], [0, 1]);
    await assert.rejects(
      run(
        file(
          'orders-bad.xml',
          '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.05"><Документ><Номер>1</Номер><Товары><Товар><Количество>много</Количество></Товар></Товары></Документ></КоммерческаяИнформация>',
        ),
      ),
      (error: unknown) =>
        error instanceof AppError && error.code === 'VALIDATION_FAILED' && /line \d+/.test(error.message),
    );
  });

  test('ordo import orders with a file in no known format exits non-zero naming the formats, before opening anything', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    try {
      const code = await main(['import', 'orders', file('orders.edi', 'just some words, no orders\n')], {
        ...process.env,
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      });
      assert.equal(code, 2);
    } finally {
      console.error = original;
    }
    assert.match(errors.join('\n'), /orders\.edi is in no format Ordo imports; it reads CSV/);
  });

  test('POST /orders:import: the same readers over HTTP; an unknown format is 415 problem+json', async () => {
    const send = (body: string, type = 'application/octet-stream') =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orders:import?file=upload.csv',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': type },
        payload: Buffer.from(body),
      });
    const csv = await send(CSV.replace('FMT-1', 'FMT-2'), 'text/csv');
    assert.equal(csv.statusCode, 200, csv.body);
    assert.deepEqual([JSON.parse(csv.body).format, JSON.parse(csv.body).accepted], ['csv', 1]);
    const unknown = await send('%PDF-1.7 not orders');
    assert.equal(unknown.statusCode, 415);
    assert.match(String(unknown.headers['content-type']), /application\/problem\+json/);
    assert.equal(JSON.parse(unknown.body).code, 'IMPORT_FORMAT_UNKNOWN');
  });

  test('POST /orders:import: a JSON file whose entries are not objects reports each as a rejected row, and null is refused as a whole', async () => {
    const send = (body: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/orders:import?file=orders.json',
        headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
        payload: Buffer.from(body),
      });
    const odd = await send('[null, 4e-323, "pl", true, []]');
    assert.equal(odd.statusCode, 200, odd.body);
    const report = JSON.parse(odd.body);
    assert.deepEqual([report.orders, report.accepted, report.rejected], [5, 0, 5]);
    assert.deepEqual(
      report.items.map((x: { rows: number[]; problem: { errors: { message: string }[] } }) => [
        x.rows[0],
        x.problem.errors[0]!.message,
      ]),
      [1, 2, 3, 4, 5].map((row) => [row, 'an order must be a JSON object']),
    );
    const none = await send('null');
    assert.ok(none.statusCode >= 400 && none.statusCode < 500, none.body);
  });
});
