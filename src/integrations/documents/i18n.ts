import type { DocumentLocale } from './types.js';

const en = {
  from: 'From',
  to: 'To',
  carrier: 'Carrier',
  service: 'Service',
  trackingNumber: 'Tracking number',
  weight: 'Weight',
  packageOf: 'Package {n} of {m}',
  order: 'Order',
  orderDate: 'Order date',
  sscc: 'SSCC',
  packingSlip: 'Packing slip',
  customer: 'Customer',
  shipTo: 'Ship to',
  shipFrom: 'Ship from',
  shipment: 'Shipment',
  sku: 'SKU',
  product: 'Product',
  quantity: 'Qty',
  lines: 'Lines',
  totalQuantity: 'Total quantity',
  note: 'Note',
  page: 'Page {n} of {m}',
  continued: 'continued',
  waybill: 'Waybill',
  documentNumber: 'No.',
  issueDate: 'Date of issue',
  consignor: 'Consignor',
  consignee: 'Consignee',
  vehicle: 'Vehicle',
  driver: 'Driver',
  packages: 'Packages',
  reference: 'Reference',
  contents: 'Contents',
  dimensions: 'Dimensions L×W×H (cm)',
  weightKg: 'Weight (kg)',
  total: 'Total',
  volume: 'Volume (m³)',
  declaredValue: 'Declared value',
  remarks: 'Remarks',
  consignorSignature: 'Consignor (signature, stamp)',
  carrierSignature: 'Carrier (signature)',
  consigneeSignature: 'Consignee (signature, stamp)',
  date: 'Date',
  pickList: 'Pick list',
  location: 'Location',
  picker: 'Picker',
  created: 'Created',
  zone: 'Zone',
  bin: 'Bin',
  lot: 'Lot',
  scanSerial: 'Scan serial numbers',
  picked: 'Picked',
  tel: 'Tel.',
};

export type Captions = typeof en;

const pl: Captions = {
  from: 'Nadawca',
  to: 'Odbiorca',
  carrier: 'Przewoźnik',
  service: 'Usługa',
  trackingNumber: 'Numer przesyłki',
  weight: 'Waga',
  packageOf: 'Paczka {n} z {m}',
  order: 'Zamówienie',
  orderDate: 'Data zamówienia',
  sscc: 'SSCC',
  packingSlip: 'List pakunkowy',
  customer: 'Klient',
  shipTo: 'Adres dostawy',
  shipFrom: 'Adres nadania',
  shipment: 'Przesyłka',
  sku: 'SKU',
  product: 'Produkt',
  quantity: 'Ilość',
  lines: 'Pozycje',
  totalQuantity: 'Łączna ilość',
  note: 'Uwagi',
  page: 'Strona {n} z {m}',
  continued: 'ciąg dalszy',
  waybill: 'List przewozowy',
  documentNumber: 'Nr',
  issueDate: 'Data wystawienia',
  consignor: 'Nadawca',
  consignee: 'Odbiorca',
  vehicle: 'Pojazd',
  driver: 'Kierowca',
  packages: 'Paczki',
  reference: 'Oznaczenie',
  contents: 'Zawartość',
  dimensions: 'Wymiary dł.×szer.×wys. (cm)',
  weightKg: 'Waga (kg)',
  total: 'Razem',
  volume: 'Objętość (m³)',
  declaredValue: 'Wartość deklarowana',
  remarks: 'Uwagi',
  consignorSignature: 'Nadawca (podpis, pieczęć)',
  carrierSignature: 'Przewoźnik (podpis)',
  consigneeSignature: 'Odbiorca (podpis, pieczęć)',
  date: 'Data',
  pickList: 'Lista kompletacyjna',
  location: 'Lokalizacja',
  picker: 'Kompletujący',
  created: 'Utworzono',
  zone: 'Strefa',
  bin: 'Miejsce',
  lot: 'Partia',
  scanSerial: 'Zeskanuj numery seryjne',
  picked: 'Pobrano',
  tel: 'Tel.',
};

const ru: Captions = {
  from: 'Отправитель',
  to: 'Получатель',
  carrier: 'Перевозчик',
  service: 'Услуга',
  trackingNumber: 'Трек-номер',
  weight: 'Вес',
  packageOf: 'Место {n} из {m}',
  order: 'Заказ',
  orderDate: 'Дата заказа',
  sscc: 'SSCC',
  packingSlip: 'Упаковочный лист',
  customer: 'Покупатель',
  shipTo: 'Адрес доставки',
  shipFrom: 'Адрес отправки',
  shipment: 'Отправление',
  sku: 'Артикул',
  product: 'Товар',
  quantity: 'Кол-во',
  lines: 'Строк',
  totalQuantity: 'Общее количество',
  note: 'Примечание',
  page: 'Страница {n} из {m}',
  continued: 'продолжение',
  waybill: 'Транспортная накладная',
  documentNumber: '№',
  issueDate: 'Дата составления',
  consignor: 'Грузоотправитель',
  consignee: 'Грузополучатель',
  vehicle: 'Транспортное средство',
  driver: 'Водитель',
  packages: 'Грузовые места',
  reference: 'Маркировка',
  contents: 'Содержимое',
  dimensions: 'Габариты Д×Ш×В (см)',
  weightKg: 'Вес (кг)',
  total: 'Итого',
  volume: 'Объём (м³)',
  declaredValue: 'Объявленная ценность',
  remarks: 'Примечания',
  consignorSignature: 'Грузоотправитель (подпись, печать)',
  carrierSignature: 'Перевозчик (подпись)',
  consigneeSignature: 'Грузополучатель (подпись, печать)',
  date: 'Дата',
  pickList: 'Лист подбора',
  location: 'Склад',
  picker: 'Сборщик',
  created: 'Создан',
  zone: 'Зона',
  bin: 'Ячейка',
  lot: 'Партия',
  scanSerial: 'Сканировать серийные номера',
  picked: 'Собрано',
  tel: 'Тел.',
};

const catalogue: Record<DocumentLocale, Captions> = { en, pl, ru };

export function captions(locale: DocumentLocale): Captions {
  return catalogue[locale];
}

/** Fills "{n}"-style placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`));
}

const decimalSeparator: Record<DocumentLocale, string> = { en: '.', pl: ',', ru: ',' };

/** 2350 g → "2.350" (en) or "2,350" (pl, ru); integer arithmetic, so never a float artefact. */
export function formatKg(grams: number, locale: DocumentLocale): string {
  return `${Math.floor(grams / 1000)}${decimalSeparator[locale]}${String(grams % 1000).padStart(3, '0')}`;
}

/** 305 mm → "30.5"; 300 mm → "30". */
export function formatCm(mm: number, locale: DocumentLocale): string {
  const rest = mm % 10;
  return `${Math.floor(mm / 10)}${rest ? decimalSeparator[locale] + rest : ''}`;
}

/** Cubic millimetres → cubic metres to three decimals, rounded half up. */
export function formatM3(mm3: bigint, locale: DocumentLocale): string {
  const thousandths = (mm3 + 500_000n) / 1_000_000n;
  return `${thousandths / 1000n}${decimalSeparator[locale]}${String(thousandths % 1000n).padStart(3, '0')}`;
}

/** Formats a decimal amount string with the locale's separator, keeping every digit. */
export function formatAmount(amount: string, currency: string, locale: DocumentLocale): string {
  return `${amount.replace('.', decimalSeparator[locale])} ${currency}`;
}
