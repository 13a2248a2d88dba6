/**
 * A demo network of Polish and Russian cities (real coordinates), rate tables in PLN and RUB
 * and a sample strategy. Used by tests, the benchmark and the demo seed; the rates are
 * illustrative, not any carrier's price list.
 */
import type { RoutingStrategyInput } from './strategy.js';
import type { RoutingLocation, StockLevels } from './types.js';

export const CITIES = {
  warszawa: { name: 'Warszawa', lat: 52.2297, lon: 21.0122, country: 'PL', region: 'mazowieckie' },
  krakow: { name: 'Kraków', lat: 50.0647, lon: 19.945, country: 'PL', region: 'małopolskie' },
  gdansk: { name: 'Gdańsk', lat: 54.352, lon: 18.6466, country: 'PL', region: 'pomorskie' },
  poznan: { name: 'Poznań', lat: 52.4064, lon: 16.9252, country: 'PL', region: 'wielkopolskie' },
  wroclaw: { name: 'Wrocław', lat: 51.1079, lon: 17.0385, country: 'PL', region: 'dolnośląskie' },
  lodz: { name: 'Łódź', lat: 51.7592, lon: 19.456, country: 'PL', region: 'łódzkie' },
  moskva: { name: 'Москва', lat: 55.7558, lon: 37.6173, country: 'RU', region: 'Москва' },
  spb: { name: 'Санкт-Петербург', lat: 59.9343, lon: 30.3351, country: 'RU', region: 'Санкт-Петербург' },
  novosibirsk: { name: 'Новосибирск', lat: 55.0084, lon: 82.9357, country: 'RU', region: 'Новосибирская область' },
  kazan: { name: 'Казань', lat: 55.7963, lon: 49.1088, country: 'RU', region: 'Татарстан' },
} as const;

export type CityKey = keyof typeof CITIES;

function loc(
  id: string,
  city: CityKey,
  type: RoutingLocation['type'],
  name: string,
  extra: Partial<RoutingLocation> = {},
): RoutingLocation {
  const value = CITIES[city];
  return {
    id,
    name,
    type,
    position: { lat: value.lat, lon: value.lon },
    country: value.country,
    region: value.region,
    capabilities: type === 'pickup_point' ? ['pickup'] : type === 'store' ? ['ships', 'pickup'] : ['ships', 'b2b'],
    networks: ['web', 'allegro', 'wildberries', 'ozon', 'b2b-portal'],
    open: true,
    dailyCapacity: type === 'warehouse' ? 2000 : 80,
    usedToday: 0,
    priority: type === 'warehouse' ? 1 : 2,
    handlingDays: type === 'warehouse' ? 0 : 1,
    ...extra,
  };
}

export function demoLocations(): RoutingLocation[] {
  return [
    loc('wh-warszawa', 'warszawa', 'warehouse', 'Magazyn Warszawa-Okęcie'),
    loc('wh-poznan', 'poznan', 'warehouse', 'Magazyn Poznań-Franowo'),
    loc('st-krakow', 'krakow', 'store', 'Sklep Kraków, ul. Floriańska'),
    loc('st-gdansk', 'gdansk', 'store', 'Sklep Gdańsk, ul. Długa'),
    loc('st-wroclaw', 'wroclaw', 'store', 'Sklep Wrocław, Rynek'),
    loc('pp-lodz', 'lodz', 'pickup_point', 'Punkt odbioru Łódź, ul. Piotrkowska'),
    loc('wh-moskva', 'moskva', 'warehouse', 'Склад Москва-Подольск'),
    loc('st-spb', 'spb', 'store', 'Магазин Санкт-Петербург, Невский пр.'),
    loc('wh-novosibirsk', 'novosibirsk', 'warehouse', 'Склад Новосибирск'),
    loc('st-kazan', 'kazan', 'store', 'Магазин Казань, ул. Баумана'),
  ];
}

export function demoStock(): StockLevels {
  return {
    'wh-warszawa': { 'KUBEK-01': 40, 'CZAJNIK-02': 5, 'LAMPA-03': 0 },
    'wh-poznan': { 'KUBEK-01': 100, 'CZAJNIK-02': 30, 'LAMPA-03': 12 },
    'st-krakow': { 'KUBEK-01': 6, 'CZAJNIK-02': 2, 'LAMPA-03': 1 },
    'st-gdansk': { 'KUBEK-01': 3, 'LAMPA-03': 4 },
    'st-wroclaw': { 'KUBEK-01': 8, 'CZAJNIK-02': 1 },
    'pp-lodz': {},
    'wh-moskva': { 'KUBEK-01': 200, 'CZAJNIK-02': 20, 'SAMOVAR-04': 3 },
    'st-spb': { 'KUBEK-01': 10, 'SAMOVAR-04': 2 },
    'wh-novosibirsk': { 'KUBEK-01': 50, 'SAMOVAR-04': 6 },
    'st-kazan': { 'KUBEK-01': 4, 'SAMOVAR-04': 1 },
  };
}

/** Parcels and store-to-store transfers inside Poland, PLN. */
export const DEMO_RATES_PLN_CSV = `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days
inpost,kurier,delivery,PL-local,PL,PL,0,100,12.99,0.50,1
inpost,kurier,delivery,PL-region,PL,PL,100,300,14.99,0.50,1
inpost,kurier,delivery,PL-kraj,PL,PL,300,1500,16.99,0.50,2
dpd,classic,delivery,PL-local,PL,PL,0,100,11.50,0.80,1
dpd,classic,delivery,PL-kraj,PL,PL,100,1500,15.50,0.80,2
poczta,paczka,delivery,PL-kraj,PL,PL,0,1500,9.99,0.30,3
ordo,transfer,transfer,PL-local,PL,PL,0,150,4.00,0.10,1
ordo,transfer,transfer,PL-kraj,PL,PL,150,1500,8.00,0.20,2
`;

/** Parcels and transfers inside Russia, RUB: zones by distance band, as CDEK and Почта России quote. */
export const DEMO_RATES_RUB_CSV = `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days
cdek,posylka,delivery,RU-1,RU,RU,0,100,290,20,1
cdek,posylka,delivery,RU-2,RU,RU,100,1000,450,30,3
cdek,posylka,delivery,RU-3,RU,RU,1000,3000,690,45,5
cdek,posylka,delivery,RU-4,RU,RU,3000,10000,990,60,8
pochta,posylka,delivery,RU-all,RU,RU,0,10000,350,25,9
ordo,transfer,transfer,RU-1,RU,RU,0,1000,150,10,2
ordo,transfer,transfer,RU-2,RU,RU,1000,10000,400,20,5
`;

export function demoStrategy(): RoutingStrategyInput {
  return {
    key: 'demo-omnichannel',
    version: 1,
    name: 'Demo: collect in store, wholesale from warehouses, ship from the best place',
    solver: 'auto',
    steps: [
      {
        id: 'click-and-collect',
        when: 'delivery == "pickup"',
        filters: { sameCountryAsDestination: true, underDailyCapacity: true, openOnly: true },
        objective: { shippingCost: 1, deliveryPromise: 500, shipments: 200 },
        constraints: { maxShipments: 2 },
        fallback: 'backorder',
      },
      {
        id: 'wholesale',
        when: 'customer.segment == "b2b"',
        filters: {
          locationTypes: ['warehouse'],
          capabilities: ['b2b'],
          sameCountryAsDestination: true,
          openOnly: true,
          underDailyCapacity: true,
        },
        objective: { shippingCost: 1, shipments: 1000 },
        constraints: { minBatch: { default: 6 } },
        fallback: 'backorder',
      },
      {
        id: 'one-parcel',
        filters: { sameCountryAsDestination: true, channelNetwork: true, openOnly: true, underDailyCapacity: true },
        objective: { shippingCost: 1, deliveryPromise: 300, locationPriority: 100 },
        constraints: { maxShipments: 1 },
        fallback: 'next',
      },
      {
        id: 'split',
        filters: { sameCountryAsDestination: true, channelNetwork: true, openOnly: true, underDailyCapacity: true },
        objective: { shippingCost: 1, deliveryPromise: 300, shipments: 500, stockBalance: 5 },
        constraints: { maxShipments: 3 },
        fallback: 'backorder',
      },
    ],
  };
}
