import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { readOrdersFile } from '../../src/integrations/erp/commerceml/index.js';

// The official 1C samples and Bitrix's have no stated licence (bitrix-orders-query is MIT): read
// in place from shared/. A clone has shared/ one level up, a worktree under wt/ two.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHARED = ['../shared', '../../shared']
  .map((p) => resolve(REPO_ROOT, p, 'fixtures/external/commerceml'))
  .find((p) => existsSync(p));
const fixture = (path: string) => readFileSync(resolve(SHARED!, path));
const skipUnless = (...paths: string[]) =>
  SHARED && paths.every((p) => existsSync(resolve(SHARED, p)))
    ? false
    : `../shared/fixtures/external/commerceml/${paths.join(', ')} absent`;

const LOGIN = '1c-обмен';
const PASSWORD = 'Пароль-1С-ñ';
const basic = (login = LOGIN, password = PASSWORD) =>
  `Basic ${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}`;
// Bitrix-orders-query warehouses: Владивосток → WAW-1, Москва → KRK-S; Новосибирск unmapped
const VLADIVOSTOK = '6abdb0b5-18fd-11e7-80c2-0cc47ab29cd1';
const MOSCOW = 'dd306af1-19c9-11e7-80c2-0cc47ab29cd1';

/**
 * The 1C exchange end to end over real HTTP, as 1C:Enterprise calls a site: checkauth (Basic),
 * init, files in chunks, import of the official and Bitrix catalogue samples into products,
 * prices and stock; sale mode query → success → query, 1C's orders.xml moving Ordo orders; a
 * file failing its schema, bad credentials, path traversal; the ingestion log of the connection.
 */
describe('1C exchange (CommerceML 2) over HTTP', () => {
  let t: TestApp;
  let base: string;
  let connectionId: string;

  async function exchange(
    type: string,
    mode: string,
    opts: { filename?: string; body?: Buffer; cookie?: string | null; auth?: string; method?: string } = {},
  ) {
    const url = new URL(`${base}/api/v1/exchange/1c`);
    url.searchParams.set('type', type);
    url.searchParams.set('mode', mode);
    if (opts.filename) url.searchParams.set('filename', opts.filename);
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.auth) headers.authorization = opts.auth;
    if (opts.body) headers['content-type'] = 'application/octet-stream';
    const response = await fetch(url, {
      method: opts.method ?? (opts.body ? 'POST' : 'GET'),
      headers,
      ...(opts.body ? { body: opts.body } : {}),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      bytes,
      text: bytes.toString('utf8'),
    };
  }

  /** checkauth → the cookie 1C sends back on every later call. */
  async function login(type: 'catalog' | 'sale') {
    const answer = await exchange(type, 'checkauth', { auth: basic() });
    assert.equal(answer.status, 200, answer.text);
    const [word, name, value] = answer.text.split('\n');
    assert.equal(word, 'success');
    return `${name}=${value}`;
  }

  /** Uploads a file in `chunks` pieces, then (catalog) imports it; returns the import's answer. */
  async function send(type: 'catalog' | 'sale', cookie: string, filename: string, data: Buffer, chunks = 3) {
    const size = Math.ceil(data.length / chunks);
    let last = '';
    for (let start = 0; start < data.length; start += size) {
      const answer = await exchange(type, 'file', { filename, body: data.subarray(start, start + size), cookie });
      assert.equal(answer.status, 200);
      last = answer.text;
      assert.ok(last.startsWith('success') || last.startsWith('failure'), last);
    }
    if (type === 'sale') return last;
    return (await exchange(type, 'import', { filename, cookie })).text;
  }

  const productOf = (sku: string) =>
    t.store
      .selectFrom('products')
      .select(['sku', 'name', 'unit', 'attributes', 'active'])
      .where('sku', '=', sku)
      .executeTakeFirst();
  const stockOf = async (sku: string, location: string) =>
    (await t.store
      .selectFrom('stock_levels')
      .innerJoin('products', (j) =>
        j
          .onRef('products.tenant_id', '=', 'stock_levels.tenant_id')
          .onRef('products.id', '=', 'stock_levels.product_id'),
      )
      .innerJoin('locations', (j) =>
        j
          .onRef('locations.tenant_id', '=', 'stock_levels.tenant_id')
          .onRef('locations.id', '=', 'stock_levels.location_id'),
      )
      .select(['stock_levels.on_hand', 'stock_levels.reserved'])
      .where('products.sku', '=', sku)
      .where('locations.code', '=', location)
      .executeTakeFirst()) ?? null;
  const log = async (eventType?: string) => {
    const r = await t.call('GET', `/api/v1/channel-connections/${connectionId}/ingestions?limit=200`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.items as any[]).filter((item) => !eventType || item.eventType === eventType);
  };

  before(async () => {
    t = await testApp();
    await seedBasics(t);
    const r = await t.call('POST', '/api/v1/channel-connections', {
      channel: 'erp-1c',
      name: '1С:Управление торговлей',
      kind: '1c',
      credentials: { login: LOGIN, password: PASSWORD },
      settings: { defaultLocation: 'WAW-1', encoding: 'windows-1251', priceLists: { Розничная: 'retail-rub' } },
      mappings: { locations: { [VLADIVOSTOK]: 'WAW-1', [MOSCOW]: 'KRK-S' } },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    connectionId = r.body.id;
    base = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
  });
  after(() => t.close());

  test('bad credentials: failure with 401; no Basic: failure; no session: failure', async () => {
    const wrong = await exchange('catalog', 'checkauth', { auth: basic(LOGIN, 'not it') });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /^failure\n.*(wrong login or password|неверный)/);
    const unknown = await exchange('sale', 'checkauth', { auth: basic('nobody', PASSWORD) });
    assert.equal(unknown.status, 401);
    const none = await exchange('catalog', 'checkauth');
    assert.equal(none.status, 401);
    assert.match(none.text, /^failure/);
    const noSession = await exchange('catalog', 'init', { cookie: 'ordo_1c_session=forged' });
    assert.equal(noSession.status, 401);
    assert.match(noSession.text, /^failure/);
    // outside the protocol: a problem, not a protocol answer
    const misuse = await t.call('GET', '/api/v1/exchange/1c?type=nonsense&mode=checkauth', undefined, {
      authorization: basic(),
    });
    assert.equal(misuse.status, 400);
    assert.equal(misuse.body.code, 'VALIDATION_FAILED');
  });

  test('checkauth and init: the cookie, zip=no and file_limit; sale init names the session and version', async () => {
    const cookie = await login('catalog');
    const init = await exchange('catalog', 'init', { cookie });
    assert.equal(init.status, 200);
    assert.match(init.text, /^zip=no\nfile_limit=\d+$/);
    const sale = await login('sale');
    const saleInit = await exchange('sale', 'init', { cookie: sale });
    assert.match(saleInit.text, /^zip=no\nfile_limit=\d+\nsessid=.+\nversion=2\.08$/);
    // Basic on every call works too (1C configured without cookies)
    const again = await exchange('catalog', 'init', { auth: basic() });
    assert.match(again.text, /^zip=no/);
  });

  test('a filename that climbs out of the exchange folder is refused', async () => {
    const cookie = await login('catalog');
    for (const filename of ['../import.xml', '/etc/passwd', 'a/../../b.xml', 'C:\\x.xml', 'a\\..\\b.xml']) {
      const answer = await exchange('catalog', 'file', { filename, body: Buffer.from('<x/>'), cookie });
      assert.match(answer.text, /^failure\nfilename refused/, filename);
    }
  });

  test(
    'the official import.xml and offers.xml in chunks: products with Cyrillic names, price types, stock at the default location',
    { skip: skipUnless('1c-official-samples/import.xml', '1c-official-samples/offers.xml') },
    async () => {
      const cookie = await login('catalog');
      await exchange('catalog', 'init', { cookie });
      const imported = await send('catalog', cookie, 'import.xml', fixture('1c-official-samples/import.xml'), 4);
      assert.equal(imported, 'success');
      const sku = '05e26d70-01e4-11dc-a411-00055d80a2d1#05e26d76-01e4-11dc-a411-00055d80a2d1';
      const table = await productOf(sku);
      assert.equal(table?.name, 'Стол обеденный');
      assert.equal(table?.unit, 'шт');
      assert.deepEqual((table?.attributes as any).onec.characteristics, { Цвет: 'Белый' });
      // a repeated import answers the same and applies nothing twice
      assert.equal((await exchange('catalog', 'import', { filename: 'import.xml', cookie })).text, 'success');
      const offers = await send('catalog', cookie, 'offers.xml', fixture('1c-official-samples/offers.xml'), 2);
      assert.match(offers, /^success/);
      assert.deepEqual(await stockOf(sku, 'WAW-1'), { on_hand: 0, reserved: 0 });
      const entries = await log('catalog.offers');
      assert.equal(entries[0].status, 'updated');
      const report = entries[0].payload.report;
      const retail = report.priceLists.find((l: any) => l.priceType === 'Розничная');
      assert.ok(retail, JSON.stringify(report.priceLists));
      assert.equal(retail.currency, 'RUB');
      assert.equal(retail.code, 'retail-rub');
      assert.equal(retail.applied, true);
      // 1C's price types are Ordo price lists: the one the tenant mapped is active, the others
      // (purchase, planning) are created inactive so they never price an order
      const list = await t.call('GET', '/api/v1/price-lists/retail-rub');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.equal(list.body.active, true);
      assert.equal(list.body.pricesIncludeTax, true);
      assert.deepEqual(
        list.body.entries.find((e: any) => e.sku === sku),
        { sku, minQuantity: 1, unitPrice: '7.00', floorPrice: null, taxRate: null, validFrom: null, validTo: null },
      );
      const purchase = report.priceLists.find((l: any) => l.priceType === 'Закупочная');
      const inactive = await t.call('GET', `/api/v1/price-lists/${purchase.code}`);
      assert.equal(inactive.body.active, false);
      assert.equal(inactive.body.currency, 'USD');
      assert.match(entries[0].payload.schema.note, /2\.04/);
      const importEntry = (await log('catalog.import'))[0];
      assert.equal(importEntry.externalId, 'import.xml');
      assert.match(importEntry.reason, /products: \d+ created/);
    },
  );

  test(
    "Bitrix's 1C export (2.07, windows warehouses): articles as SKUs, stock per mapped warehouse through the stock sync",
    { skip: skipUnless('bitrix-orders-query/import0_1.xml', 'bitrix-orders-query/offers0_1.xml') },
    async () => {
      const cookie = await login('catalog');
      await exchange('catalog', 'init', { cookie });
      assert.equal(
        await send('catalog', cookie, 'import0_1.xml', fixture('bitrix-orders-query/import0_1.xml')),
        'success',
      );
      const rug = await productOf('PM-421-WP');
      assert.equal(rug?.name, 'Портативный коврик Portable 140x200x1 см, Деревянные лошадки');
      assert.equal((rug?.attributes as any).onec.id, 'bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1');
      const answer = await send('catalog', cookie, 'offers0_1.xml', fixture('bitrix-orders-query/offers0_1.xml'));
      assert.match(answer, /^success/);
      assert.deepEqual(await stockOf('PM-421-WP', 'WAW-1'), { on_hand: 1, reserved: 0 });
      assert.deepEqual(await stockOf('PM-421-WP', 'KRK-S'), { on_hand: 376, reserved: 0 });
      const movements = await t.store
        .selectFrom('stock_movements')
        .select(['kind', 'reference', 'on_hand_delta'])
        .where('on_hand_delta', '=', 376)
        .execute();
      assert.ok(movements.some((m) => m.kind === 'count' && (m.reference ?? '').startsWith('1c:')));
      const entry = (await log('catalog.offers'))[0];
      assert.match(entry.reason, /unmapped warehouses skipped: 1/);
      assert.deepEqual(entry.payload.report.stock.skippedWarehouses, ['d2a52d49-19c9-11e7-80c2-0cc47ab29cd1']);
    },
  );

  test(
    "Bitrix's CommerceML 3.1 exchange (import, offers, prices, rests): read structurally, offers with characteristics become products, prices per type",
    {
      skip: skipUnless(
        'bitrix-module-6/goods_1_import.xml',
        'bitrix-module-6/goods_1_offers.xml',
        'bitrix-module-6/goods_1_prices.xml',
        'bitrix-module-6/goods_1_rests.xml',
      ),
    },
    async () => {
      const cookie = await login('catalog');
      await exchange('catalog', 'init', { cookie });
      for (const name of ['goods_1_import.xml', 'goods_1_offers.xml', 'goods_1_prices.xml', 'goods_1_rests.xml'])
        assert.match(await send('catalog', cookie, name, fixture(`bitrix-module-6/${name}`)), /^success/, name);
      const parallels = await productOf('afc7eb78-8172-11e7-948c-00155d020201');
      assert.equal(parallels?.name, 'Parallels Desktop for Mac Pro Lic');
      const rosa = await t.store
        .selectFrom('products')
        .select(['sku', 'name'])
        .where('sku', '=', '73bde82a-26e6-11e6-9472-00155d020201#daccfacb-26e6-11e6-9472-00155d020201')
        .executeTakeFirst();
      assert.match(rosa?.name ?? '', /^Сертифицированная ОС Роса DX Хром 1\.0/);
      const prices = (await log('catalog.offers')).find((entry) => entry.externalId === 'goods_1_prices.xml')!;
      assert.equal(prices.status, 'updated');
      assert.match(prices.payload.schema.note, /commerceml_3.*structure checked by the parser/);
      // one price type, priced in roubles and (8 offers) in dollars: a list per currency
      const lists = prices.payload.report.priceLists.map((l: any) => [l.code, l.currency, l.entries]).sort();
      assert.deepEqual(lists, [
        ['1c-aef2c177-1862-11de-9d9d-001a4d4b12d9', 'RUB', 78],
        ['1c-aef2c177-1862-11de-9d9d-001a4d4b12d9-usd', 'USD', 8],
      ]);
      const rests = (await log('catalog.offers')).find((entry) => entry.externalId === 'goods_1_rests.xml')!;
      // none of Bitrix's warehouses is mapped on this connection: skipped, named in the log
      assert.ok(rests.payload.report.stock.skippedWarehouses.includes('be3dfd89-0ac5-11e1-84f0-00241d886595'));
    },
  );

  test('stock from 1C never goes below what orders reserved: that element is refused and reported', async () => {
    await t.call('POST', '/api/v1/inventory/stock:set', { sku: 'SKU-1', location: 'WAW-1', onHand: 10 });
    await t.call(
      'POST',
      '/api/v1/orders',
      orderBody({ externalId: 'reserve-1', lines: [{ sku: 'SKU-1', quantity: 4, unitPrice: '19.99', taxRate: '23' }] }),
    );
    assert.equal((await stockOf('SKU-1', 'WAW-1'))?.reserved, 4);
    const cookie = await login('catalog');
    const offers = `<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-12-03T10:00:00">
<ПакетПредложений СодержитТолькоИзменения="true">
<Ид>pack</Ид><Наименование>Пакет предложений</Наименование><ИдКаталога>cat</ИдКаталога>
<Предложения>
<Предложение><Ид>SKU-1</Ид><Артикул>SKU-1</Артикул><Наименование>Kubek ceramiczny żółty</Наименование><Количество>2</Количество></Предложение>
<Предложение><Ид>SKU-2</Ид><Артикул>SKU-2</Артикул><Наименование>Чайник электрический</Наименование><Количество>7</Количество></Предложение>
</Предложения>
</ПакетПредложений>
</КоммерческаяИнформация>`;
    const answer = await send(
      'catalog',
      cookie,
      'offers.xml',
      iconv.encode(offers.replace('żółty', 'желтый'), 'windows-1251'),
      1,
    );
    assert.match(answer, /^success\n.*1 refused/);
    assert.deepEqual(await stockOf('SKU-1', 'WAW-1'), { on_hand: 10, reserved: 4 });
    assert.deepEqual(await stockOf('SKU-2', 'WAW-1'), { on_hand: 7, reserved: 0 });
    const entry = (await log('catalog.offers'))[0];
    assert.ok(
      entry.payload.report.problems.some((p: any) => p.line === 6 && /SKU-1 at WAW-1/.test(p.message)),
      JSON.stringify(entry.payload.report.problems),
    );
  });

  test('a file failing its schema: failure with the line, logged as failed, nothing applied', async () => {
    const cookie = await login('catalog');
    const bad = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.10" ДатаФормирования="2026-12-03T10:00:00">
<Каталог СодержитТолькоИзменения="false">
<Ид>cat-1</Ид>
<ИдКлассификатора>cls-1</ИдКлассификатора>
<Наименование>Каталог</Наименование>
<Владелец><Ид>org</Ид><Наименование>ООО Ромашка</Наименование><ОфициальноеНаименование>ООО Ромашка</ОфициальноеНаименование></Владелец>
<Товары>
<Товар><Ид>good-1</Ид><Артикул>GOOD-1</Артикул><Наименование>Хороший товар</Наименование><БазоваяЕдиница>шт</БазоваяЕдиница></Товар>
<Товар><Ид>bad-1</Ид><Артикул>BAD-1</Артикул><Цена>12</Цена><Наименование>Плохой</Наименование><БазоваяЕдиница>шт</БазоваяЕдиница></Товар>
</Товары>
</Каталог>
</КоммерческаяИнформация>`;
    const answer = await send('catalog', cookie, 'import.xml', Buffer.from(bad), 2);
    assert.match(answer, /^failure\nimport\.xml fails CommerceML 2\.10 schema/);
    assert.match(answer, /line 10: .*Цена/);
    assert.equal(await productOf('GOOD-1'), undefined);
    const entry = (await log('catalog.import'))[0];
    assert.equal(entry.status, 'failed');
    assert.equal(entry.payload.stage, 'schema');
    assert.equal(entry.payload.problems[0].line, 10);
    // it is in the connection's error queue
    const queue = await t.call('GET', `/api/v1/channel-connections/${connectionId}/ingestions?status=failed`);
    assert.ok(queue.body.items.some((item: any) => item.id === entry.id));
  });

  describe('sale mode', () => {
    let first: { id: string; number: string };
    let second: { id: string; number: string };
    let answered: Buffer;

    test('query answers new orders in windows-1251; again before success: the same; after success: none; a new order: it alone', async () => {
      const made = await t.call(
        'POST',
        '/api/v1/orders',
        orderBody({ externalId: 'sale-1', notes: 'Доставить до 18:00' }),
      );
      assert.equal(made.status, 201, JSON.stringify(made.body));
      first = made.body;
      const quote = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'quote-1', orderType: 'quote' }));
      assert.equal(quote.status, 201, JSON.stringify(quote.body));
      const cookie = await login('sale');
      const query = await exchange('sale', 'query', { cookie });
      assert.equal(query.status, 200);
      assert.match(query.type, /windows-1251/);
      assert.match(query.bytes.subarray(0, 60).toString('latin1'), /encoding="windows-1251"/);
      answered = query.bytes;
      const read = readOrdersFile(query.bytes);
      assert.ok(read.ok, JSON.stringify(!read.ok && read.problems));
      assert.equal(read.schema.check, 'xsd');
      const numbers = read.file.documents.map((d) => d.number);
      assert.ok(numbers.includes(first.number));
      // a quote is not an order for 1C until it is accepted
      assert.ok(!numbers.includes(quote.body.number));
      const doc = read.file.documents.find((d) => d.number === first.number)!;
      assert.equal(doc.id, first.id);
      assert.equal(doc.operation, 'Заказ товара');
      assert.equal(doc.comment, 'Доставить до 18:00');
      assert.equal(doc.counterparties[0]!.fullName, 'Grzegorz Brzęczyszczykiewicz');
      assert.deepEqual(
        doc.lines.filter((l) => l.kind === 'product').map((l) => [l.article, l.quantity, l.unitPrice, l.taxRate]),
        [
          ['SKU-1', '2', '19.99', '23'],
          ['SKU-2', '1', '149.00', '23'],
          ['SKU-3', '5', '3.50', '8'],
        ],
      );
      assert.equal(doc.sum, made.body.totals.grandTotal);
      assert.ok(doc.lines.some((l) => l.kind === 'service' && l.id === 'ORDER_DELIVERY'));

      const again = await exchange('sale', 'query', { cookie });
      const againRead = readOrdersFile(again.bytes);
      assert.ok(againRead.ok);
      assert.deepEqual(againRead.file.documents.map((d) => d.number).sort(), [...numbers].sort());

      assert.equal((await exchange('sale', 'success', { cookie })).text, 'success');
      const empty = readOrdersFile((await exchange('sale', 'query', { cookie })).bytes);
      assert.ok(empty.ok);
      assert.equal(empty.file.documents.length, 0);
      await exchange('sale', 'success', { cookie });

      const next = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'sale-2' }));
      second = next.body;
      const later = readOrdersFile((await exchange('sale', 'query', { cookie })).bytes);
      assert.ok(later.ok);
      assert.deepEqual(
        later.file.documents.map((d) => d.number),
        [second.number],
      );
      await exchange('sale', 'success', { cookie });
      const queries = await log('sale.query');
      assert.ok(queries.length >= 4);
      assert.ok(queries.some((q) => q.status === 'ignored' && q.reason === 'no new or changed orders'));
    });

    test("1C's orders.xml: payment, shipment and status move the Ordo order; an unknown order fails alone", async () => {
      const cookie = await login('sale');
      const orders = `<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-12-03T12:00:00">
<Документ>
<Ид>${first.id}</Ид><Номер>${first.number}</Номер><Дата>2026-12-03</Дата><ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль>
<ЗначенияРеквизитов>
<ЗначениеРеквизита><Наименование>Номер по 1С</Наименование><Значение>УТ-000123</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Проведен</Наименование><Значение>true</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>[F] Выполнен</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Дата оплаты по 1С</Наименование><Значение>2026-12-03T11:00:00</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Номер оплаты по 1С</Наименование><Значение>ПП-77</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Дата отгрузки по 1С</Наименование><Значение>2026-12-03T11:30:00</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Номер отгрузки по 1С</Наименование><Значение>РН-55</Значение></ЗначениеРеквизита>
</ЗначенияРеквизитов>
</Документ>
<Документ>
<Ид>999</Ид><Номер>999</Номер><Дата>2026-12-03</Дата><ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль>
</Документ>
</КоммерческаяИнформация>`;
      const answer = await send('sale', cookie, 'orders-1.xml', iconv.encode(orders, 'windows-1251'), 2);
      assert.match(answer, /^success\n1 of 2 documents not applied: 999: no Ordo order/);
      const payments = await t.store
        .selectFrom('payments')
        .select(['status', 'captured', 'provider_payment_id', 'reference'])
        .where('order_id', '=', first.id)
        .execute();
      assert.equal(payments.length, 1);
      assert.equal(payments[0]!.status, 'captured');
      assert.equal(payments[0]!.provider_payment_id, '1c:ПП-77');
      assert.match(payments[0]!.reference ?? '', /ПП-77/);
      const history = await t.call('GET', `/api/v1/orders/${first.id}/history`);
      const entries = JSON.stringify(history.body);
      assert.match(entries, /УТ-000123/);
      assert.match(entries, /\[F\] Выполнен/);
      const docs = await log('sale.order');
      const ok = docs.find((d) => d.orderId === first.id)!;
      assert.equal(ok.status, 'updated');
      assert.match(ok.reason, /payment \d+ recorded/);
      assert.match(ok.reason, /РН-55/);
      const unknown = docs.find((d) => d.externalId === '999')!;
      assert.equal(unknown.status, 'failed');
      assert.match(unknown.reason, /no Ordo order with Ид 999/);

      // the same file again (1C repeats an exchange): the payment is not recorded twice
      const cookie2 = await login('sale');
      await send('sale', cookie2, 'orders-1.xml', iconv.encode(orders, 'windows-1251'), 1);
      const after = await t.store.selectFrom('payments').select('id').where('order_id', '=', first.id).execute();
      assert.equal(after.length, 1);
      // the changes made the order newer: it goes to 1C with the next query
      const query = readOrdersFile((await exchange('sale', 'query', { cookie: cookie2 })).bytes);
      assert.ok(query.ok);
      const doc = query.file.documents.find((d) => d.id === first.id)!;
      assert.equal(doc.requisites['Заказ оплачен'], 'true');
      await exchange('sale', 'success', { cookie: cookie2 });
    });

    test('round trip: the orders Ordo answered, sent back by 1C unchanged, match their Ordo orders', async () => {
      const cookie = await login('sale');
      const answer = await send('sale', cookie, 'orders-roundtrip.xml', answered, 3);
      assert.equal(answer, 'success');
      const docs = (await log('sale.order')).filter((d) => d.payload.filename === 'orders-roundtrip.xml');
      assert.ok(docs.length >= 1);
      for (const doc of docs) {
        assert.notEqual(doc.status, 'failed', doc.reason);
        assert.match(doc.reason, /lines match/);
      }
    });

    test('a document for an order Ordo does not have yet fails alone; replayed from the error queue once it exists, it applies', async () => {
      const cookie = await login('sale');
      // the next number of the order sequence (ORD-0000005 after ORD-0000004)
      const next = second.number.replace(/\d+$/, (digits) => String(Number(digits) + 1).padStart(digits.length, '0'));
      const xml = `<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-12-03T12:00:00">
<Документ>
<Ид>1c-only</Ид><Номер>${next}</Номер><Дата>2026-12-03</Дата><ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль>
<ЗначенияРеквизитов>
<ЗначениеРеквизита><Наименование>Номер оплаты по 1С</Наименование><Значение>ПП-88</Значение></ЗначениеРеквизита>
<ЗначениеРеквизита><Наименование>Дата оплаты по 1С</Наименование><Значение>2026-12-03</Значение></ЗначениеРеквизита>
</ЗначенияРеквизитов>
</Документ>
</КоммерческаяИнформация>`;
      const answer = await send('sale', cookie, 'orders-2.xml', iconv.encode(xml, 'windows-1251'), 1);
      assert.match(answer, /^success\n1 of 1 documents not applied/);
      const failed = (await log('sale.order')).find((d) => d.externalId === next)!;
      assert.equal(failed.status, 'failed');
      const made = await t.call('POST', '/api/v1/orders', orderBody({ externalId: 'sale-3' }));
      assert.equal(made.body.number, next);
      const replay = await t.call('POST', `/api/v1/channel-connections/${connectionId}/ingestions/${failed.id}/replay`);
      assert.equal(replay.status, 200, JSON.stringify(replay.body));
      assert.equal(replay.body.outcome, 'updated');
      assert.equal(replay.body.orderId, made.body.id);
      const payments = await t.store
        .selectFrom('payments')
        .select(['provider_payment_id', 'status'])
        .where('order_id', '=', made.body.id)
        .execute();
      assert.deepEqual(payments, [{ provider_payment_id: '1c:ПП-88', status: 'captured' }]);
      const entry = (await log('sale.order')).find((d) => d.id === failed.id)!;
      assert.equal(entry.status, 'updated');
      assert.equal(entry.via, 'replay');
      assert.equal(entry.attempts, 2);
      // a file that failed its schema is not replayed: 1C sends it again
      const schemaFailure = (await log('catalog.import')).find((d) => d.status === 'failed')!;
      const refused = await t.call(
        'POST',
        `/api/v1/channel-connections/${connectionId}/ingestions/${schemaFailure.id}/replay`,
      );
      assert.equal(refused.status, 409);
      assert.match(refused.body.detail, /1C sends it again/);
    });

    test(
      "Bitrix's 3.1 documents (in Контейнер): every document read and reported, none of them Ordo's",
      { skip: skipUnless('bitrix-module-6/documents_2_documents.xml') },
      async () => {
        const cookie = await login('sale');
        const answer = await send(
          'sale',
          cookie,
          'documents.xml',
          fixture('bitrix-module-6/documents_2_documents.xml'),
          2,
        );
        assert.match(answer, /^success\n(\d+) of \1 documents not applied/);
      },
    );

    test(
      "the official orders.xml: its site's orders are not Ordo's: each document reported, nothing crashes",
      { skip: skipUnless('1c-official-samples/orders.xml') },
      async () => {
        const cookie = await login('sale');
        const answer = await send('sale', cookie, 'orders.xml', fixture('1c-official-samples/orders.xml'), 1);
        assert.match(answer, /^success\n3 of 3 documents not applied/);
        const file = (await log('sale.file'))[0];
        assert.equal(file.status, 'failed');
        assert.equal(file.payload.documents.length, 3);
      },
    );
  });
});
