/**
 * CommerceML catalogue files as 1C sends them to a site: import.xml (Классификатор, Каталог/Товары)
 * and offers.xml (ПакетПредложений: ТипыЦен, Склады, Предложения with Цены and Количество or
 * Остатки per Склад). Pure: a parsed tree in, typed records and the structural problems out
 * (a missing Ид, a price or quantity that is not a number), each with its line and path.
 * Read alike for 2.03–2.10 and Bitrix's 3.1 (prices and stock in separate prices/rests files).
 */
import { child, childrenOf, requisites, textOf, type XmlNode, type XmlProblem } from './xml.js';

export interface CmlProduct {
  /** 1C's Ид (may be `<product>#<characteristic>`). */
  id: string;
  article: string | null;
  name: string;
  /** БазоваяЕдиница: its short name ("шт") or, when only the code is given, the code ("796"). */
  unit: string | null;
  barcode: string | null;
  groups: string[];
  /** НДС rate as 1C writes it ("18", "20", "Без НДС"). */
  taxRate: string | null;
  /** Вес in kilograms as an exact decimal string (element Вес or the requisite "Вес"). */
  weightKg: string | null;
  deleted: boolean;
  requisites: Record<string, string>;
  characteristics: Record<string, string>;
  line: number;
  path: string;
}

export interface CmlPriceType {
  id: string;
  name: string;
  /** As 1C writes it: "руб", "RUB", "643", "USD". */
  currency: string | null;
  taxIncluded: boolean | null;
  line: number;
  path: string;
}

export interface CmlPrice {
  priceTypeId: string;
  /** Exact decimal string, dot-separated ("2042.66"). */
  unitPrice: string;
  currency: string | null;
  unit: string | null;
  line: number;
  path: string;
}

export interface CmlStock {
  /** null: the offer's plain Количество (no warehouse named). */
  warehouseId: string | null;
  /** Exact decimal string. */
  quantity: string;
  line: number;
  path: string;
}

export interface CmlOffer {
  id: string;
  article: string | null;
  name: string | null;
  unit: string | null;
  prices: CmlPrice[];
  stocks: CmlStock[];
  line: number;
  path: string;
}

export interface CmlWarehouse {
  id: string;
  name: string;
}

export interface CmlCatalogFile {
  kind: 'catalog';
  version: string | null;
  generatedAt: string | null;
  /** Каталог / ПакетПредложений СодержитТолькоИзменения */
  onlyChanges: boolean;
  catalogId: string | null;
  products: CmlProduct[];
  priceTypes: CmlPriceType[];
  warehouses: CmlWarehouse[];
  offers: CmlOffer[];
  problems: XmlProblem[];
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/** 1C numbers: "1 234,50" and "1234.50" alike → "1234.50"; null when not a number. */
export function cmlDecimal(text: string): string | null {
  const cleaned = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  return DECIMAL.test(cleaned) ? cleaned : null;
}

const isTrue = (text: string) => /^(true|да|1)$/i.test(text.trim());

function need(node: XmlNode, name: string, problems: XmlProblem[]): string {
  const value = textOf(node, name);
  if (!value) problems.push({ line: node.line, path: `${node.path}/${name}`, message: `${node.name} has no ${name}` });
  return value;
}

function readProduct(node: XmlNode, problems: XmlProblem[]): CmlProduct | null {
  const id = need(node, 'Ид', problems);
  const name = need(node, 'Наименование', problems);
  if (!id || !name) return null;
  const reqs = requisites(node);
  const unitNode = child(node, 'БазоваяЕдиница');
  const unit =
    unitNode?.text ||
    unitNode?.attrs['НаименованиеКраткое'] ||
    textOf(unitNode, 'НаименованиеКраткое') ||
    unitNode?.attrs['НаименованиеПолное'] ||
    unitNode?.attrs['Код'] ||
    null;
  const characteristics: Record<string, string> = {};
  for (const item of childrenOf(child(node, 'ХарактеристикиТовара'), 'ХарактеристикаТовара')) {
    const key = textOf(item, 'Наименование');
    if (key) characteristics[key] = textOf(item, 'Значение');
  }
  const vat = childrenOf(child(node, 'СтавкиНалогов'), 'СтавкаНалога').find((rate) =>
    /НДС|VAT/i.test(textOf(rate, 'Наименование')),
  );
  const weightText = textOf(node, 'Вес') || reqs.get('Вес') || '';
  let weightKg: string | null = null;
  if (weightText) {
    weightKg = cmlDecimal(weightText);
    if (weightKg === null || weightKg.startsWith('-'))
      problems.push({
        line: node.line,
        path: `${node.path}/Вес`,
        message: `weight "${weightText}" is not a number ≥ 0`,
      });
  }
  return {
    id,
    article: textOf(node, 'Артикул') || null,
    name,
    unit: unit ? unit.trim() : null,
    barcode: textOf(node, 'Штрихкод') || null,
    groups: childrenOf(child(node, 'Группы'), 'Ид').map((g) => g.text),
    taxRate: vat ? textOf(vat, 'Ставка') || null : null,
    weightKg,
    deleted: isTrue(textOf(node, 'ПометкаУдаления')) || node.attrs['Статус'] === 'Удален',
    requisites: Object.fromEntries(reqs),
    characteristics,
    line: node.line,
    path: node.path,
  };
}

function readPriceTypes(container: XmlNode | undefined, problems: XmlProblem[]): CmlPriceType[] {
  return childrenOf(child(container, 'ТипыЦен'), 'ТипЦены').flatMap((node) => {
    const id = need(node, 'Ид', problems);
    if (!id) return [];
    const tax = child(node, 'Налог');
    const included = textOf(tax, 'УчтеноВСумме');
    return [
      {
        id,
        name: textOf(node, 'Наименование') || id,
        currency: textOf(node, 'Валюта') || null,
        taxIncluded: included ? isTrue(included) : null,
        line: node.line,
        path: node.path,
      },
    ];
  });
}

function readWarehouses(container: XmlNode | undefined): CmlWarehouse[] {
  return childrenOf(child(container, 'Склады'), 'Склад')
    .map((node) => ({ id: textOf(node, 'Ид'), name: textOf(node, 'Наименование') }))
    .filter((w) => w.id);
}

function quantityOf(node: XmlNode, text: string, path: string, problems: XmlProblem[]): string | null {
  const value = cmlDecimal(text);
  if (value === null) problems.push({ line: node.line, path, message: `quantity "${text}" is not a number` });
  return value;
}

function readOffer(node: XmlNode, problems: XmlProblem[]): CmlOffer | null {
  const id = need(node, 'Ид', problems);
  if (!id) return null;
  const prices: CmlPrice[] = [];
  for (const price of childrenOf(child(node, 'Цены'), 'Цена')) {
    const typeId = need(price, 'ИдТипаЦены', problems);
    const raw = need(price, 'ЦенаЗаЕдиницу', problems);
    if (!typeId || !raw) continue;
    const unitPrice = cmlDecimal(raw);
    if (unitPrice === null || unitPrice.startsWith('-')) {
      problems.push({
        line: price.line,
        path: `${price.path}/ЦенаЗаЕдиницу`,
        message: `price "${raw}" is not a number ≥ 0`,
      });
      continue;
    }
    prices.push({
      priceTypeId: typeId,
      unitPrice,
      currency: textOf(price, 'Валюта') || null,
      unit: textOf(price, 'Единица') || null,
      line: price.line,
      path: price.path,
    });
  }
  const stocks: CmlStock[] = [];
  // 2.03–2.07: <Количество>; 2.05+ Bitrix: <Склад ИдСклада="" КоличествоНаСкладе=""/>;
  // 2.08+ and 3.x: <Остатки><Остаток><Склад><Ид/><Количество/></Склад></Остаток></Остатки>
  const perWarehouse: CmlStock[] = [];
  for (const store of childrenOf(node, 'Склад')) {
    const warehouseId = store.attrs['ИдСклада'];
    const qty = store.attrs['КоличествоНаСкладе'];
    if (!warehouseId || qty === undefined) continue;
    const quantity = quantityOf(store, qty, store.path, problems);
    if (quantity !== null) perWarehouse.push({ warehouseId, quantity, line: store.line, path: store.path });
  }
  let plain: CmlStock | null = null;
  for (const rest of childrenOf(child(node, 'Остатки'), 'Остаток')) {
    const stores = childrenOf(rest, 'Склад');
    for (const store of stores) {
      const warehouseId = need(store, 'Ид', problems);
      const raw = need(store, 'Количество', problems);
      if (!warehouseId || !raw) continue;
      const quantity = quantityOf(store, raw, `${store.path}/Количество`, problems);
      if (quantity !== null) perWarehouse.push({ warehouseId, quantity, line: store.line, path: store.path });
    }
    if (!stores.length && child(rest, 'Количество')) {
      const quantity = quantityOf(rest, textOf(rest, 'Количество'), `${rest.path}/Количество`, problems);
      if (quantity !== null) plain = { warehouseId: null, quantity, line: rest.line, path: rest.path };
    }
  }
  const direct = child(node, 'Количество');
  if (direct && !perWarehouse.length) {
    const quantity = quantityOf(direct, direct.text, direct.path, problems);
    if (quantity !== null) plain = { warehouseId: null, quantity, line: direct.line, path: direct.path };
  }
  if (perWarehouse.length) stocks.push(...perWarehouse);
  else if (plain) stocks.push(plain);
  const unitNode = child(node, 'БазоваяЕдиница');
  return {
    id,
    article: textOf(node, 'Артикул') || null,
    name: textOf(node, 'Наименование') || null,
    unit: unitNode?.text || unitNode?.attrs['НаименованиеКраткое'] || null,
    prices,
    stocks,
    line: node.line,
    path: node.path,
  };
}

/** Reads import.xml, offers.xml (and Bitrix's prices/rests files): whatever of catalogue and offers the file holds. */
export function parseCatalogFile(root: XmlNode): CmlCatalogFile {
  const problems: XmlProblem[] = [];
  if (root.name !== 'КоммерческаяИнформация')
    problems.push({
      line: root.line,
      path: root.path,
      message: `the root is ${root.name}, not КоммерческаяИнформация`,
    });
  const classifier = child(root, 'Классификатор');
  const catalog = child(root, 'Каталог');
  const pack = child(root, 'ПакетПредложений') ?? child(root, 'ИзмененияПакетаПредложений');
  if (!catalog && !pack && !classifier)
    problems.push({
      line: root.line,
      path: root.path,
      message: 'the file holds neither Каталог, ПакетПредложений nor Классификатор',
    });
  const products = childrenOf(child(catalog, 'Товары'), 'Товар').flatMap((node) => readProduct(node, problems) ?? []);
  const offers = childrenOf(child(pack, 'Предложения'), 'Предложение').flatMap(
    (node) => readOffer(node, problems) ?? [],
  );
  const onlyChanges = isTrue((catalog ?? pack)?.attrs['СодержитТолькоИзменения'] ?? 'false');
  return {
    kind: 'catalog',
    version: root.attrs['ВерсияСхемы'] ?? null,
    generatedAt: root.attrs['ДатаФормирования'] ?? null,
    onlyChanges,
    catalogId: textOf(catalog, 'Ид') || textOf(pack, 'ИдКаталога') || null,
    products,
    priceTypes: [...readPriceTypes(classifier, problems), ...readPriceTypes(pack, problems)],
    warehouses: [...readWarehouses(classifier), ...readWarehouses(pack)],
    offers,
    problems,
  };
}
