/** Demo reference data: a small omnichannel network in Poland and Russia, real coordinates. */

export const DEMO_CHANNELS = [
  { code: 'web', name: 'Sklep internetowy ordo.pl', kind: 'web', currency: 'PLN', processKey: 'b2c-omnichannel' },
  { code: 'wildberries', name: 'Wildberries', kind: 'marketplace', currency: 'RUB', processKey: 'marketplace-fbs' },
  { code: 'ozon', name: 'Ozon', kind: 'marketplace', currency: 'RUB', processKey: 'marketplace-fbs' },
  { code: 'allegro', name: 'Allegro', kind: 'marketplace', currency: 'PLN', processKey: 'marketplace-fbs' },
  {
    code: 'store-krk',
    name: 'Sklep stacjonarny Kraków',
    kind: 'store',
    currency: 'PLN',
    processKey: 'b2c-omnichannel',
  },
  { code: 'b2b', name: 'Portal B2B', kind: 'b2b_portal', currency: 'PLN', processKey: 'b2b-approvals' },
] as const;

export const DEMO_LOCATIONS = [
  {
    code: 'WH-WAW',
    name: 'Magazyn centralny Warszawa',
    kind: 'warehouse',
    country: 'PL',
    latitude: 52.2297,
    longitude: 21.0122,
    capabilities: ['ships', 'b2b', 'returns', 'transfers'],
    priority: 10,
    dailyCapacity: 2000,
    timezone: 'Europe/Warsaw',
    address: { line1: 'ul. Żwirki i Wigury 1', city: 'Warszawa', postalCode: '02-143', country: 'PL' },
  },
  {
    code: 'WH-POZ',
    name: 'Magazyn Poznań',
    kind: 'warehouse',
    country: 'PL',
    latitude: 52.4064,
    longitude: 16.9252,
    capabilities: ['ships', 'returns'],
    priority: 5,
    dailyCapacity: 1200,
    timezone: 'Europe/Warsaw',
    address: { line1: 'ul. Głogowska 432', city: 'Poznań', postalCode: '60-004', country: 'PL' },
  },
  {
    code: 'WH-MSK',
    name: 'Склад Москва',
    kind: 'warehouse',
    country: 'RU',
    latitude: 55.7558,
    longitude: 37.6173,
    capabilities: ['ships', 'b2b', 'returns'],
    priority: 10,
    dailyCapacity: 3000,
    timezone: 'Europe/Moscow',
    address: { line1: 'ул. Тверская, 7', city: 'Москва', postalCode: '125009', country: 'RU' },
  },
  {
    code: 'ST-KRK',
    name: 'Sklep Kraków Rynek',
    kind: 'store',
    country: 'PL',
    latitude: 50.0614,
    longitude: 19.9372,
    capabilities: ['ships', 'pickup', 'returns'],
    priority: 1,
    dailyCapacity: 150,
    timezone: 'Europe/Warsaw',
    address: { line1: 'Rynek Główny 13', city: 'Kraków', postalCode: '31-042', country: 'PL' },
  },
  {
    code: 'PP-GDN',
    name: 'Punkt odbioru Gdańsk Oliwa',
    kind: 'pickup_point',
    country: 'PL',
    latitude: 54.4105,
    longitude: 18.5615,
    capabilities: ['pickup'],
    priority: 0,
    dailyCapacity: 80,
    timezone: 'Europe/Warsaw',
    address: { line1: 'ul. Grunwaldzka 309', city: 'Gdańsk', postalCode: '80-309', country: 'PL' },
  },
  {
    code: 'ST-SPB',
    name: 'Магазин Санкт-Петербург Невский',
    kind: 'store',
    country: 'RU',
    latitude: 59.9343,
    longitude: 30.3351,
    capabilities: ['ships', 'pickup', 'returns'],
    priority: 1,
    dailyCapacity: 200,
    timezone: 'Europe/Moscow',
    address: { line1: 'Невский проспект, 28', city: 'Санкт-Петербург', postalCode: '191186', country: 'RU' },
  },
] as const;

const PL_ITEMS = [
  'Kubek',
  'Czajnik',
  'Patelnia',
  'Garnek',
  'Łyżka',
  'Widelec',
  'Nóż',
  'Deska do krojenia',
  'Miska',
  'Talerz',
];
const PL_VARIANTS = [
  'żółty',
  'zielony',
  'czerwony',
  'biały',
  'czarny',
  'niebieski',
  'różowy',
  'szary',
  'brązowy',
  'źdźbłowy wzór',
];
const RU_ITEMS = [
  'Чайник',
  'Кружка',
  'Сковорода',
  'Кастрюля',
  'Ложка',
  'Вилка',
  'Нож',
  'Разделочная доска',
  'Миска',
  'Тарелка',
];
const RU_VARIANTS = [
  'жёлтый',
  'зелёный',
  'красный',
  'белый',
  'чёрный',
  'синий',
  'розовый',
  'серый',
  'коричневый',
  'с узором «ёлочка»',
];

export interface DemoProduct {
  sku: string;
  name: string;
  weightG: number;
  price: string;
  currency: 'PLN' | 'RUB';
  serialTracked: boolean;
  lotTracked: boolean;
}

/** 200 SKUs: 100 with Polish names (priced in PLN), 100 with Russian names (priced in RUB). Deterministic. */
export function demoProducts(): DemoProduct[] {
  const out: DemoProduct[] = [];
  for (let index = 0; index < 100; index++) {
    const item = PL_ITEMS[index % 10]!;
    const variant = PL_VARIANTS[Math.floor(index / 10)]!;
    out.push({
      sku: `PL-${String(index + 1).padStart(4, '0')}`,
      name: `${item} ${variant}`,
      weightG: 150 + ((index * 37) % 2000),
      price: `${9 + ((index * 7) % 190)}.${String((index * 13) % 100).padStart(2, '0')}`,
      currency: 'PLN',
      serialTracked: item === 'Czajnik',
      lotTracked: false,
    });
  }
  for (let index = 0; index < 100; index++) {
    const item = RU_ITEMS[index % 10]!;
    const variant = RU_VARIANTS[Math.floor(index / 10)]!;
    out.push({
      sku: `RU-${String(index + 1).padStart(4, '0')}`,
      name: `${item} ${variant}`,
      weightG: 150 + ((index * 41) % 2000),
      price: `${190 + ((index * 53) % 4800)}.00`,
      currency: 'RUB',
      serialTracked: item === 'Чайник',
      lotTracked: item === 'Тарелка',
    });
  }
  return out;
}

export const DEMO_COMPANIES = [
  {
    code: 'HORECA-PL',
    name: 'Gastro-Łódź Sp. z o.o.',
    taxId: 'PL7251234567',
    segment: 'horeca',
    terms: { creditLimit: '50000.00', currency: 'PLN', paymentTermsDays: 30, allowPartialShipments: false },
  },
  {
    code: 'RETAIL-RU',
    name: 'ООО «Уютный дом»',
    taxId: '7701234567',
    segment: 'retail',
    terms: { creditLimit: '2500000.00', currency: 'RUB', paymentTermsDays: 45, allowPartialShipments: true },
  },
  {
    code: 'HOTEL-PL',
    name: 'Hotel Wawel Żoliborz S.A.',
    taxId: 'PL5260001122',
    segment: 'horeca',
    terms: { creditLimit: '20000.00', currency: 'PLN', paymentTermsDays: 14, allowPartialShipments: true },
  },
] as const;

export const DEMO_PEOPLE_PL = [
  ['Grzegorz', 'Brzęczyszczykiewicz', 'Łódź', 'ul. Piotrkowska 104', '90-926'],
  ['Zofia', 'Łukasiewicz', 'Warszawa', 'ul. Świętokrzyska 12', '00-916'],
  ['Małgorzata', 'Wójcik', 'Kraków', 'ul. Floriańska 21', '31-019'],
  ['Jędrzej', 'Śliwiński', 'Gdańsk', 'ul. Długa 44', '80-831'],
  ['Agnieszka', 'Żuraw', 'Poznań', 'ul. Półwiejska 32', '61-888'],
  ['Paweł', 'Kołodziej', 'Wrocław', 'ul. Świdnicka 8', '50-066'],
  ['Łucja', 'Pietrzyk', 'Lublin', 'ul. Krakowskie Przedmieście 5', '20-002'],
  ['Bożena', 'Ćwiklińska', 'Szczecin', 'al. Niepodległości 22', '70-412'],
] as const;
export const DEMO_PEOPLE_RU = [
  ['Алексей', 'Смирнов', 'Москва', 'ул. Арбат, 10', '119002'],
  ['Ольга', 'Кузнецова', 'Санкт-Петербург', 'Невский пр., 48', '191025'],
  ['Фёдор', 'Щукин', 'Казань', 'ул. Баумана, 19', '420111'],
  ['Юлия', 'Ёлкина', 'Новосибирск', 'Красный пр., 25', '630099'],
  ['Эдуард', 'Жуков', 'Екатеринбург', 'ул. Вайнера, 9', '620014'],
  ['Ксения', 'Шевчук', 'Нижний Новгород', 'ул. Большая Покровская, 7', '603005'],
] as const;
