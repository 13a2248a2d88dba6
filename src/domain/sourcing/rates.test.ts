import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CITIES, DEMO_RATES_PLN_CSV, DEMO_RATES_RUB_CSV } from './demo-network.js';
import { haversineKm } from './geo.js';
import { parseRateCsv, quoteRates } from './rates.js';

describe('great-circle distance', () => {
  test('Given city pairs, when measured, then distances match published great-circle figures within 1 %', () => {
    const cases: [keyof typeof CITIES, keyof typeof CITIES, number][] = [
      ['warszawa', 'krakow', 252],
      ['warszawa', 'gdansk', 284],
      ['moskva', 'spb', 634],
      ['moskva', 'novosibirsk', 2812],
      ['warszawa', 'moskva', 1150],
    ];
    for (const [a, b, km] of cases) {
      const d = haversineKm(CITIES[a], CITIES[b]);
      assert.ok(
        Math.abs(d - km) / km < 0.01,
        `${CITIES[a].name}–${CITIES[b].name}: ${d.toFixed(0)} km, expected ≈${km}`,
      );
    }
    assert.equal(haversineKm(CITIES.kazan, CITIES.kazan), 0);
  });
});

describe('rate tables', () => {
  test('Given the demo PLN table, when loaded, then amounts are exact minor units', () => {
    const r = parseRateCsv(DEMO_RATES_PLN_CSV, 'PLN');
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(r.value.rows.length, 8);
    const first = r.value.rows[0]!;
    assert.deepEqual(
      [
        first.carrier,
        first.service,
        first.mode,
        first.base,
        first.perUnit,
        first.transitDays,
        first.originCountry,
        first.maxKm,
      ],
      ['inpost', 'kurier', 'delivery', 1299n, 50n, 1, 'PL', 100],
    );
  });

  test('Given a distance, when quoted, then each service answers from its band, and a country row beats a band row', () => {
    const r = parseRateCsv(
      `carrier,service,zone,origin_country,destination_country,min_km,max_km,base,transit_days
cdek,posylka,RU-near,,,0,500,300,2
cdek,posylka,RU-far,,,500,,700,6
cdek,posylka,RU-KZ,RU,KZ,0,,900,7
`,
      'RUB',
    );
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.equal(quoteRates(r.value, 'delivery', 'RU', 'RU', 120)[0]!.zone, 'RU-near');
    assert.equal(quoteRates(r.value, 'delivery', 'RU', 'RU', 500)[0]!.zone, 'RU-far');
    assert.equal(quoteRates(r.value, 'delivery', 'RU', 'KZ', 120)[0]!.zone, 'RU-KZ');
    assert.equal(quoteRates(r.value, 'transfer', 'RU', 'RU', 120).length, 0);
    const rub = parseRateCsv(DEMO_RATES_RUB_CSV, 'RUB');
    assert.ok(rub.ok);
    if (rub.ok)
      assert.deepEqual(
        quoteRates(rub.value, 'delivery', 'RU', 'RU', 2812, ['cdek/posylka']).map((q) => q.zone),
        ['RU-3'],
      );
  });

  test('Given a CSV with bad rows, when loaded, then every bad cell is reported with its line and column', () => {
    const r = parseRateCsv(
      `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days
inpost,kurier,delivery,PL,PL,PL,0,100,12.99,0.50,1
dpd,classic,lot,PL,Polska,PL,200,100,12.999,-1,jutro
,paczka,delivery,PL,,,,,abc,,2
`,
      'PLN',
    );
    assert.equal(r.ok, false);
    if (r.ok) return;
    const got = r.error.map((e) => `${e.line}:${e.column}`);
    assert.deepEqual(got, [
      '3:mode',
      '3:origin_country',
      '3:max_km',
      '3:base',
      '3:per_unit',
      '3:transit_days',
      '4:carrier',
      '4:base',
    ]);
    assert.match(r.error.find((e) => e.column === 'base')!.message, /12\.999.*PLN/);
  });

  test('Given a CSV without a required column or with a ragged row, when loaded, then the problem is named', () => {
    const missing = parseRateCsv('carrier,service,zone,base\ninpost,kurier,PL,1.00\n', 'PLN');
    assert.ok(!missing.ok && missing.error[0]!.column === 'transit_days');
    const ragged = parseRateCsv('carrier,service,zone,base,transit_days\ninpost,kurier,PL,1.00,1,extra\n', 'PLN');
    assert.ok(!ragged.ok && ragged.error[0]!.line === 2);
  });
});
