/**
 * CommerceML order documents (Документ, ХозОперация "Заказ товара") both ways: the site's
 * answer to 1C's `mode=query` (Ordo orders → XML in the encoding the connection asks for), and
 * 1C's orders.xml sent back with `mode=file` + `mode=import` (statuses, payments, shipments as
 * ЗначенияРеквизитов). Pure: typed records in and out, structural problems with line and path.
 */
import { createXml } from '../../xml-builder.js';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { child, childrenOf, requisites, textOf, type XmlNode, type XmlProblem } from './xml.js';
import { cmlDecimal } from './catalog.js';
import { CML2_NAMESPACE } from './validate.js';
import { toWindows1251 } from '../../einvoice/upd.js';

export interface CmlCounterparty {
  id: string;
  name: string;
  /** ПолноеНаименование (a person) or ОфициальноеНаименование (a company). */
  fullName: string;
  role: string;
  isCompany: boolean;
  inn: string | null;
  kpp: string | null;
  address: string | null;
  /** АдресноеПоле by Тип ("Почтовый индекс", "Город", "Улица", "Дом", "Страна" …), as written. */
  addressFields: Record<string, string>;
  email: string | null;
  phone: string | null;
}

export interface CmlOrderLine {
  id: string;
  article: string | null;
  name: string;
  unit: string | null;
  /** Exact decimal strings. */
  unitPrice: string | null;
  quantity: string | null;
  sum: string | null;
  taxRate: string | null;
  taxSum: string | null;
  taxIncluded: boolean | null;
  /** ВидНоменклатуры / ТипНоменклатуры "Услуга" → service. */
  kind: 'product' | 'service';
  requisites: Record<string, string>;
  line: number;
  path: string;
}

export interface CmlOrderDocument {
  id: string;
  number: string;
  date: string;
  time: string | null;
  operation: string;
  role: string | null;
  currency: string | null;
  rate: string | null;
  sum: string | null;
  comment: string | null;
  counterparties: CmlCounterparty[];
  lines: CmlOrderLine[];
  requisites: Record<string, string>;
  line: number;
  path: string;
}

export interface CmlOrdersFile {
  kind: 'orders';
  version: string | null;
  generatedAt: string | null;
  documents: CmlOrderDocument[];
  problems: XmlProblem[];
}

const contactOf = (node: XmlNode | undefined, kinds: RegExp) =>
  childrenOf(child(node, 'Контакты'), 'Контакт').find((c) => kinds.test(textOf(c, 'Тип')))
    ? textOf(
        childrenOf(child(node, 'Контакты'), 'Контакт').find((c) => kinds.test(textOf(c, 'Тип'))),
        'Значение',
      ) || null
    : null;

function readCounterparty(node: XmlNode): CmlCounterparty {
  const official = textOf(node, 'ОфициальноеНаименование');
  const address = child(node, 'АдресРегистрации') ?? child(node, 'ЮридическийАдрес') ?? child(node, 'Адрес');
  return {
    id: textOf(node, 'Ид'),
    name: textOf(node, 'Наименование'),
    fullName: official || textOf(node, 'ПолноеНаименование'),
    role: textOf(node, 'Роль'),
    isCompany: Boolean(official),
    inn: textOf(node, 'ИНН') || null,
    kpp: textOf(node, 'КПП') || null,
    address: textOf(address, 'Представление') || null,
    addressFields: Object.fromEntries(
      childrenOf(address, 'АдресноеПоле')
        .map((field) => [textOf(field, 'Тип'), textOf(field, 'Значение')] as const)
        .filter(([kind, value]) => kind && value),
    ),
    email: contactOf(node, /почт|mail/i),
    phone: contactOf(node, /телефон|phone/i),
  };
}

function decimalOrProblem(node: XmlNode, name: string, problems: XmlProblem[]): string | null {
  const raw = textOf(node, name);
  if (!raw) return null;
  const value = cmlDecimal(raw);
  if (value === null)
    problems.push({ line: node.line, path: `${node.path}/${name}`, message: `${name} "${raw}" is not a number` });
  return value;
}

function readLine(node: XmlNode, problems: XmlProblem[]): CmlOrderLine {
  const reqs = requisites(node);
  const tax = childrenOf(child(node, 'Налоги'), 'Налог').find((t) => /НДС|VAT/i.test(textOf(t, 'Наименование')));
  const rateNode = childrenOf(child(node, 'СтавкиНалогов'), 'СтавкаНалога').find((t) =>
    /НДС|VAT/i.test(textOf(t, 'Наименование')),
  );
  const included = textOf(tax, 'УчтеноВСумме');
  const kindText = `${reqs.get('ВидНоменклатуры') ?? ''} ${reqs.get('ТипНоменклатуры') ?? ''}`;
  if (!textOf(node, 'Ид') && !textOf(node, 'Артикул'))
    problems.push({ line: node.line, path: `${node.path}/Ид`, message: 'Товар has neither Ид nor Артикул' });
  return {
    id: textOf(node, 'Ид'),
    article: textOf(node, 'Артикул') || null,
    name: textOf(node, 'Наименование'),
    unit: child(node, 'БазоваяЕдиница')?.text || null,
    unitPrice: decimalOrProblem(node, 'ЦенаЗаЕдиницу', problems),
    quantity: decimalOrProblem(node, 'Количество', problems),
    sum: decimalOrProblem(node, 'Сумма', problems),
    taxRate: textOf(tax, 'Ставка') || textOf(rateNode, 'Ставка') || null,
    taxSum: tax ? decimalOrProblem(tax, 'Сумма', problems) : null,
    taxIncluded: included ? /^(true|да)$/i.test(included) : null,
    kind: /Услуга/i.test(kindText) ? 'service' : 'product',
    requisites: Object.fromEntries(reqs),
    line: node.line,
    path: node.path,
  };
}

/** Reads orders.xml (1C → site) or a site's query answer: every Документ, wherever it sits (root or Контейнер). */
export function parseOrdersFile(root: XmlNode): CmlOrdersFile {
  const problems: XmlProblem[] = [];
  if (root.name !== 'КоммерческаяИнформация')
    problems.push({
      line: root.line,
      path: root.path,
      message: `the root is ${root.name}, not КоммерческаяИнформация`,
    });
  const nodes = [
    ...childrenOf(root, 'Документ'),
    ...childrenOf(root, 'Контейнер').flatMap((c) => childrenOf(c, 'Документ')),
  ];
  const documents = nodes.flatMap((node): CmlOrderDocument[] => {
    const id = textOf(node, 'Ид');
    const number = textOf(node, 'Номер');
    if (!id && !number) {
      problems.push({ line: node.line, path: `${node.path}/Ид`, message: 'Документ has neither Ид nor Номер' });
      return [];
    }
    return [
      {
        id,
        number,
        date: textOf(node, 'Дата'),
        time: textOf(node, 'Время') || null,
        operation: textOf(node, 'ХозОперация'),
        role: textOf(node, 'Роль') || null,
        currency: textOf(node, 'Валюта') || null,
        rate: textOf(node, 'Курс') || null,
        sum: decimalOrProblem(node, 'Сумма', problems),
        comment: textOf(node, 'Комментарий') || null,
        counterparties: childrenOf(child(node, 'Контрагенты'), 'Контрагент').map(readCounterparty),
        lines: childrenOf(child(node, 'Товары'), 'Товар').map((line) => readLine(line, problems)),
        requisites: Object.fromEntries(requisites(node)),
        line: node.line,
        path: node.path,
      },
    ];
  });
  return {
    kind: 'orders',
    version: root.attrs['ВерсияСхемы'] ?? null,
    generatedAt: root.attrs['ДатаФормирования'] ?? null,
    documents,
    problems,
  };
}

// ----------------------------------------------------------------------------------------------
// Building the answer to mode=query
// ----------------------------------------------------------------------------------------------

export interface CmlExportLine {
  /** The product's 1C Ид when the catalogue came from 1C, else the Ordo SKU. */
  id: string;
  article: string;
  name: string;
  /** Short unit name ("шт"); the OKEI code 796 is written for pieces. */
  unit: string;
  unitPrice: string;
  quantity: string;
  sum: string;
  taxRate: string | null;
  taxSum: string;
  /** The line's own discount, already taken off `sum`. */
  discount?: string;
  kind: 'product' | 'service';
}

export interface CmlExportOrder {
  id: string;
  number: string;
  /** YYYY-MM-DD and HH:MM:SS (the tenant's clock, UTC). */
  date: string;
  time: string;
  /** As 1C expects it: "руб" for RUB, else the ISO code. */
  currency: string;
  total: string;
  taxIncluded: boolean;
  comment: string | null;
  customer: {
    id: string;
    name: string;
    isCompany: boolean;
    inn: string | null;
    kpp: string | null;
    address: string | null;
    email: string | null;
    phone: string | null;
  };
  lines: CmlExportLine[];
  /** ЗначенияРеквизитов of the document, in order (Статус заказа, Заказ оплачен, Отменен …). */
  requisites: Array<[string, string]>;
}

export interface BuildOptions {
  encoding: 'windows-1251' | 'utf-8';
  /** Declared ВерсияСхемы; 2.08 by default (what Bitrix sends and every 1C since 2013 reads). */
  version: '2.08' | '2.10';
  /** Write xmlns="urn:1C.ru:commerceml_2" on the root (1C reads both; Bitrix omits it). */
  namespace: boolean;
  generatedAt: string;
}

function requisitesOf(parent: XMLBuilder, list: Array<[string, string]>, element = 'ЗначенияРеквизитов') {
  if (!list.length) return;
  const container = parent.ele(element);
  for (const [name, value] of list) {
    const item = container.ele('ЗначениеРеквизита');
    item.ele('Наименование').txt(name);
    item.ele('Значение').txt(value);
  }
}

function writeDocument(root: XMLBuilder, order: CmlExportOrder) {
  const doc = root.ele('Документ');
  doc.ele('Ид').txt(order.id);
  doc.ele('Номер').txt(order.number);
  doc.ele('Дата').txt(order.date);
  doc.ele('ХозОперация').txt('Заказ товара');
  doc.ele('Роль').txt('Продавец');
  doc.ele('Валюта').txt(order.currency);
  doc.ele('Курс').txt('1');
  doc.ele('Сумма').txt(order.total);
  const party = doc.ele('Контрагенты').ele('Контрагент');
  party.ele('Ид').txt(order.customer.id);
  party.ele('Наименование').txt(order.customer.name);
  if (order.customer.isCompany) {
    party.ele('ОфициальноеНаименование').txt(order.customer.name);
    if (order.customer.address) party.ele('ЮридическийАдрес').ele('Представление').txt(order.customer.address);
    if (order.customer.inn) party.ele('ИНН').txt(order.customer.inn);
    if (order.customer.kpp) party.ele('КПП').txt(order.customer.kpp);
  } else {
    party.ele('ПолноеНаименование').txt(order.customer.name);
    if (order.customer.address) party.ele('АдресРегистрации').ele('Представление').txt(order.customer.address);
  }
  const contacts = [
    ...(order.customer.email ? [['Почта', order.customer.email]] : []),
    ...(order.customer.phone ? [['Телефон рабочий', order.customer.phone]] : []),
  ];
  if (contacts.length) {
    const list = party.ele('Контакты');
    for (const [kind, value] of contacts) {
      const contact = list.ele('Контакт');
      contact.ele('Тип').txt(kind!);
      contact.ele('Значение').txt(value!);
    }
  }
  party.ele('Роль').txt('Покупатель');
  doc.ele('Время').txt(order.time);
  if (order.comment) doc.ele('Комментарий').txt(order.comment.slice(0, 3000));
  const lines = doc.ele('Товары');
  for (const line of order.lines) {
    const item = lines.ele('Товар');
    item.ele('Ид').txt(line.id);
    item.ele('Артикул').txt(line.article);
    item.ele('Наименование').txt(line.name);
    item
      .ele('БазоваяЕдиница', { Код: '796', НаименованиеПолное: 'Штука', МеждународноеСокращение: 'PCE' })
      .txt(line.unit);
    requisitesOf(item, [
      ['ВидНоменклатуры', line.kind === 'service' ? 'Услуга' : 'Товар'],
      ['ТипНоменклатуры', line.kind === 'service' ? 'Услуга' : 'Товар'],
    ]);
    item.ele('ЦенаЗаЕдиницу').txt(line.unitPrice);
    item.ele('Количество').txt(line.quantity);
    item.ele('Сумма').txt(line.sum);
    if (line.taxRate !== null) {
      const tax = item.ele('Налоги').ele('Налог');
      tax.ele('Наименование').txt('НДС');
      tax.ele('УчтеноВСумме').txt(order.taxIncluded ? 'true' : 'false');
      tax.ele('Сумма').txt(line.taxSum);
      tax.ele('Ставка').txt(line.taxRate);
    }
    if (line.discount && /[1-9]/.test(line.discount)) {
      const discount = item.ele('Скидки').ele('Скидка');
      discount.ele('Наименование').txt('Скидка');
      discount.ele('Сумма').txt(line.discount);
      discount.ele('УчтеноВСумме').txt('true');
    }
  }
  requisitesOf(doc, order.requisites);
}

/** The answer to `mode=query`: every order as a Документ, encoded as the connection asks (1C's default is windows-1251). */
export function buildOrdersXml(orders: readonly CmlExportOrder[], options: BuildOptions): Buffer {
  const root = createXml({ version: '1.0', encoding: options.encoding === 'utf-8' ? 'UTF-8' : 'windows-1251' }).ele(
    options.namespace ? CML2_NAMESPACE : null,
    'КоммерческаяИнформация',
    { ВерсияСхемы: options.version, ДатаФормирования: options.generatedAt },
  );
  for (const order of orders) writeDocument(root, order);
  const text = root.end({ prettyPrint: true });
  // a character windows-1251 lacks (a Polish ł) is written as a character reference, not as "?"
  return options.encoding === 'utf-8' ? Buffer.from(text, 'utf8') : toWindows1251(text);
}
