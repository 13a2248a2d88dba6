import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { buildOrdersXml, readCatalogFile, readOrdersFile, type CmlExportOrder } from './index.js';

// The official and Bitrix samples have no stated licence: read in place from shared/, never copied.
// A clone has shared/ one level up, a worktree under wt/ two.
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SHARED = ['../shared', '../../shared']
  .map((p) => resolve(REPO_ROOT, p, 'fixtures/external/commerceml'))
  .find((p) => existsSync(p));
const fixture = (path: string) => resolve(SHARED ?? '/nonexistent', path);
const have = (path: string) => existsSync(fixture(path));
const skipUnless = (path: string) =>
  have(path)
    ? false
    : `../shared/fixtures/external/commerceml/${path} is absent (not redistributable: read from ../shared)`;

const order: CmlExportOrder = {
  id: '019300aa-0000-7000-8000-000000000001',
  number: '1001',
  date: '2026-12-03',
  time: '22:15:00',
  currency: 'руб',
  total: '2450.00',
  taxIncluded: true,
  comment: 'Позвонить за час — Zażółć gęślą jaźń',
  customer: {
    id: 'C-1',
    name: 'ООО «Ромашка»',
    isCompany: true,
    inn: '7701234567',
    kpp: '770101001',
    address: 'Москва, ул. Тверская, 1',
    email: 'zakupki@romashka.ru',
    phone: '+7 495 000-00-00',
  },
  lines: [
    {
      id: 'SKU-1',
      article: 'SKU-1',
      name: 'Чайник электрический',
      unit: 'шт',
      unitPrice: '1000.00',
      quantity: '2',
      sum: '2000.00',
      taxRate: '20',
      taxSum: '333.33',
      discount: '100.00',
      kind: 'product',
    },
    {
      id: 'ORDER_DELIVERY',
      article: 'ORDER_DELIVERY',
      name: 'Доставка заказа',
      unit: 'шт',
      unitPrice: '450.00',
      quantity: '1',
      sum: '450.00',
      taxRate: null,
      taxSum: '0',
      kind: 'service',
    },
  ],
  requisites: [
    ['Статус заказа', 'Принят'],
    ['Заказ оплачен', 'false'],
    ['Отменен', 'false'],
  ],
};

describe('CommerceML reading', () => {
  test(
    'the official import.xml (2.04, no namespace): products with Cyrillic names, checked structurally',
    { skip: skipUnless('1c-official-samples/import.xml') },
    () => {
      const read = readCatalogFile(readFileSync(fixture('1c-official-samples/import.xml')));
      assert.ok(read.ok, JSON.stringify(!read.ok && read.problems));
      assert.equal(read.schema.check, 'structural');
      assert.match(read.schema.note, /2\.04/);
      assert.ok(read.file.products.length > 0);
      const table = read.file.products.find((p) => p.id.endsWith('05e26d76-01e4-11dc-a411-00055d80a2d1'));
      assert.equal(table?.name, 'Стол обеденный');
      assert.equal(table?.unit, 'шт');
      assert.equal(table?.taxRate, '18');
      assert.equal(table?.characteristics['Цвет'], 'Белый');
    },
  );

  test(
    'the official offers.xml: price types, prices and plain quantities',
    { skip: skipUnless('1c-official-samples/offers.xml') },
    () => {
      const read = readCatalogFile(readFileSync(fixture('1c-official-samples/offers.xml')));
      assert.ok(read.ok);
      assert.deepEqual(
        read.file.priceTypes.map((t) => [t.name, t.currency, t.taxIncluded]),
        [
          ['Оптовая', 'USD', false],
          ['Закупочная', 'USD', true],
          ['Плановая', 'USD', false],
          ['Розничная', 'руб', true],
        ],
      );
      const first = read.file.offers[0]!;
      assert.equal(first.prices.length, 4);
      assert.equal(first.prices.find((p) => p.currency === 'руб')?.unitPrice, '7');
      assert.deepEqual(
        first.stocks.map((s) => [s.warehouseId, s.quantity]),
        [[null, '0']],
      );
    },
  );

  test(
    'Bitrix CommerceML 3.1 rests: stock per warehouse; prices file: decimal prices',
    { skip: skipUnless('bitrix-module-6/goods_1_rests.xml') },
    () => {
      const rests = readCatalogFile(readFileSync(fixture('bitrix-module-6/goods_1_rests.xml')));
      assert.ok(rests.ok);
      assert.match(rests.schema.note, /commerceml_3/);
      assert.ok(rests.file.offers.every((o) => o.stocks.every((s) => s.warehouseId)));
      assert.ok(rests.file.offers[0]!.stocks.length > 1);
      const prices = readCatalogFile(readFileSync(fixture('bitrix-module-6/goods_1_prices.xml')));
      assert.ok(prices.ok);
      assert.equal(prices.file.offers[0]!.prices[0]!.unitPrice, '2042.66');
    },
  );

  test('a 2.08+ document is validated against its XSD; a broken one fails with the line', () => {
    const good = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.10" ДатаФормирования="2026-12-03T10:00:00">
<Каталог СодержитТолькоИзменения="false">
<Ид>cat-1</Ид>
<ИдКлассификатора>cls-1</ИдКлассификатора>
<Наименование>Каталог</Наименование>
<Владелец>
<Ид>org-1</Ид>
<Наименование>ООО Ромашка</Наименование>
<ОфициальноеНаименование>ООО «Ромашка»</ОфициальноеНаименование>
</Владелец>
<Товары>
<Товар>
<Ид>p-1</Ид>
<Артикул>ЧАЙ-1</Артикул>
<Наименование>Чайник</Наименование>
<БазоваяЕдиница Код="796">шт</БазоваяЕдиница>
</Товар>
</Товары>
</Каталог>
</КоммерческаяИнформация>`;
    const ok = readCatalogFile(Buffer.from(good));
    assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.problems));
    assert.equal(ok.schema.check, 'xsd');
    assert.equal(ok.schema.schema, '2.10');
    const bad = good.replace('<Наименование>Чайник</Наименование>', '<Название>Чайник</Название>');
    const failed = readCatalogFile(Buffer.from(bad));
    assert.equal(failed.ok, false);
    assert.ok(!failed.ok && failed.stage === 'schema');
    assert.ok(
      !failed.ok && failed.problems.some((p) => p.line === 16 && /Название/.test(p.message)),
      JSON.stringify(!failed.ok && failed.problems),
    );
    // the same document without the namespace is validated as if it had it
    const plain = readCatalogFile(Buffer.from(bad.replace(' xmlns="urn:1C.ru:commerceml_2"', '')));
    assert.ok(!plain.ok && plain.stage === 'schema' && plain.problems[0]!.line === 16);
    // …and a connection that asks for structure only reads it (and finds no Наименование)
    const loose = readCatalogFile(Buffer.from(bad), 'structural');
    assert.ok(!loose.ok && loose.stage === 'structure' && /Наименование/.test(loose.problems[0]!.message));
  });

  test('every way 1C writes stock, 1C number formats, weight in kg', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-12-03T10:00:00">
<Каталог><Ид>c</Ид><Наименование>К</Наименование><Товары>
<Товар><Ид>p1</Ид><Наименование>Гиря</Наименование><ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Вес</Наименование><Значение>16,0005</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Товар>
</Товары></Каталог>
<ПакетПредложений><Предложения>
<Предложение><Ид>a</Ид><Количество>1 234,000</Количество></Предложение>
<Предложение><Ид>b</Ид><Количество>9</Количество><Склад ИдСклада="w1" КоличествоНаСкладе="4"/><Склад ИдСклада="w2" КоличествоНаСкладе="5"/></Предложение>
<Предложение><Ид>c</Ид><Остатки><Остаток><Склад><Ид>w1</Ид><Количество>-2</Количество></Склад></Остаток></Остатки></Предложение>
<Предложение><Ид>d</Ид><Остатки><Остаток><Количество>3</Количество></Остаток></Остатки></Предложение>
</Предложения></ПакетПредложений>
</КоммерческаяИнформация>`;
    const read = readCatalogFile(Buffer.from(xml));
    assert.ok(read.ok, JSON.stringify(!read.ok && read.problems));
    assert.equal(read.file.products[0]!.weightKg, '16.0005');
    assert.deepEqual(
      read.file.offers.map((o) => [o.id, o.stocks.map((s) => `${s.warehouseId ?? '-'}:${s.quantity}`)]),
      [
        ['a', ['-:1234.000']],
        ['b', ['w1:4', 'w2:5']],
        ['c', ['w1:-2']],
        ['d', ['-:3']],
      ],
    );
    const broken = readCatalogFile(
      Buffer.from(
        xml
          .replace('<Количество>9</Количество>', '<Количество>много</Количество>')
          .replace('КоличествоНаСкладе="4"', 'КоличествоНаСкладе="x"'),
      ),
    );
    assert.ok(!broken.ok && broken.stage === 'structure');
    assert.ok(!broken.ok && broken.problems.some((p) => p.line === 8 && /"x" is not a number/.test(p.message)));
  });

  test('not XML at all: the parser error with its line', () => {
    const read = readCatalogFile(
      Buffer.from('<?xml version="1.0"?>\n<КоммерческаяИнформация>\n<Каталог>\n</КоммерческаяИнформация>'),
    );
    assert.ok(!read.ok && read.stage === 'xml' && read.problems[0]!.line > 0);
  });

  test(
    'windows-1251 query answers from Bitrix read back with Cyrillic intact',
    { skip: skipUnless('bitrix-orders-query/bitrix-query-response-full.xml') },
    () => {
      const read = readOrdersFile(readFileSync(fixture('bitrix-orders-query/bitrix-query-response-full.xml')));
      assert.ok(read.ok, JSON.stringify(!read.ok && read.problems));
      assert.equal(read.encoding, 'windows-1251');
      const first = read.file.documents[0]!;
      assert.equal(first.operation, 'Заказ товара');
      assert.equal(first.requisites['Комментарии покупателя'], 'Я повелитель порошочков');
      assert.equal(first.lines[0]!.unitPrice, '231.7400');
    },
  );

  test('the official orders.xml: statuses per document', { skip: skipUnless('1c-official-samples/orders.xml') }, () => {
    const read = readOrdersFile(readFileSync(fixture('1c-official-samples/orders.xml')));
    assert.ok(read.ok);
    assert.deepEqual(
      read.file.documents.map((d) => [d.number, d.requisites['Статус заказа']]),
      [
        ['36', '[N] Принят'],
        ['92', 'Открыт'],
        ['93', 'Открыт'],
      ],
    );
    assert.equal(read.file.documents[0]!.lines[0]!.kind, 'service');
  });
});

describe('CommerceML writing (the answer to mode=query)', () => {
  for (const version of ['2.08', '2.10'] as const)
    for (const namespace of [false, true])
      test(`our orders document validates against CommerceML ${version}${namespace ? ' with its namespace' : ''}`, () => {
        const bytes = buildOrdersXml([order, { ...order, id: 'second', number: '1002' }], {
          encoding: 'windows-1251',
          version,
          namespace,
          generatedAt: '2026-12-03T22:20:00',
        });
        assert.match(bytes.subarray(0, 60).toString('latin1'), /encoding="windows-1251"/);
        const read = readOrdersFile(bytes);
        assert.ok(read.ok, JSON.stringify(!read.ok && read.problems));
        assert.equal(read.schema.check, 'xsd');
        assert.equal(read.schema.schema, version);
        const doc = read.file.documents[0]!;
        assert.equal(doc.counterparties[0]!.fullName, 'ООО «Ромашка»');
        // Polish letters survive windows-1251 as character references
        assert.equal(doc.comment, 'Позвонить за час — Zażółć gęślą jaźń');
        assert.deepEqual(
          doc.lines.map((l) => [l.id, l.quantity, l.unitPrice, l.taxRate, l.kind]),
          [
            ['SKU-1', '2', '1000.00', '20', 'product'],
            ['ORDER_DELIVERY', '1', '450.00', null, 'service'],
          ],
        );
        assert.equal(doc.requisites['Статус заказа'], 'Принят');
      });

  test('UTF-8 when the connection asks for it', () => {
    const bytes = buildOrdersXml([order], {
      encoding: 'utf-8',
      version: '2.08',
      namespace: false,
      generatedAt: '2026-12-03T22:20:00',
    });
    assert.match(bytes.toString('utf8'), /encoding="UTF-8"[\s\S]*Чайник электрический/);
    assert.notEqual(iconv.decode(bytes, 'windows-1251'), bytes.toString('utf8'));
  });
});
