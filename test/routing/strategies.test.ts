import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';

const good = {
  name: 'Najbliższy magazyn — ближайший склад',
  steps: [
    {
      id: 'local',
      when: 'order.country == "PL"',
      filters: { sameCountryAsDestination: true },
      objective: { distance: 1 },
      constraints: { maxShipments: 1 },
      fallback: 'next',
    },
    {
      id: 'split',
      objective: { distance: 1, shipments: 100 },
      constraints: { maxShipments: 2 },
      fallback: 'backorder',
    },
  ],
};

describe('routing strategies: stored, versioned, validated', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  test('given a new tenant, listing strategies seeds the defaults the shipped processes name', async () => {
    const r = await t.call('GET', '/api/v1/routing/strategies');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.defaultKey, 'nearest');
    const keys = r.body.items.map((i: any) => i.key).sort();
    assert.deepEqual(keys, ['consolidate', 'nearest', 'single_location']);
    for (const i of r.body.items) assert.equal(i.currentVersion, 1);
    // Seeding twice is harmless.
    const again = await t.call('GET', '/api/v1/routing/strategies');
    assert.equal(again.body.items.length, 3);
  });

  test('given a bad strategy, saving is 422 ROUTING_STRATEGY_INVALID naming each step and field at fault, and nothing is stored', async () => {
    const bad = {
      key: 'broken',
      steps: [
        { id: 'a', when: 'order.country ==', fallback: 'next' },
        { id: 'b', when: 'order.lineCount + 1', objective: { distance: -3 }, fallback: 'next' },
      ],
    };
    const r = await t.call('POST', '/api/v1/routing/strategies', bad);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'ROUTING_STRATEGY_INVALID');
    const paths = r.body.errors.map((e: any) => e.path);
    assert.ok(paths.includes('/steps/1/objective/distance'), paths.join());
    // The schema problems are reported first; fix them and the CEL and fallback problems are named.
    const r2 = await t.call('POST', '/api/v1/routing/strategies', {
      ...bad,
      steps: [bad.steps[0], { ...bad.steps[1], objective: { distance: 1 } }],
    });
    assert.equal(r2.status, 422);
    const p2 = r2.body.errors.map((e: any) => e.path).sort();
    assert.deepEqual(p2, ['/steps/0/when', '/steps/1/fallback', '/steps/1/when']);
    assert.match(r2.body.errors.find((e: any) => e.path === '/steps/1/when').message, /boolean/);
    const list = await t.call('GET', '/api/v1/routing/strategies/broken');
    assert.equal(list.status, 404);
  });

  test('given a draft, publish makes it current; a new draft is v2; publishing v2 retires v1 and keeps the history', async () => {
    const d1 = await t.call('POST', '/api/v1/routing/strategies', { key: 'pl-first', ...good });
    assert.equal(d1.status, 201, JSON.stringify(d1.body));
    assert.equal(d1.body.version, 1);
    assert.equal(d1.body.status, 'draft');
    assert.equal(d1.body.name, good.name);
    // Editing the draft keeps its version.
    const e = await t.call('PUT', '/api/v1/routing/strategies/pl-first/draft', {
      ...good,
      name: 'Edytowana — изменённая',
    });
    assert.equal(e.status, 200, JSON.stringify(e.body));
    assert.equal(e.body.version, 1);
    assert.equal(e.body.changed, true);
    const p1 = await t.call('POST', '/api/v1/routing/strategies/pl-first/versions/1/publish');
    assert.equal(p1.status, 200, JSON.stringify(p1.body));
    assert.equal(p1.body.status, 'published');
    const again = await t.call('POST', '/api/v1/routing/strategies/pl-first/versions/1/publish');
    assert.equal(again.status, 409);

    const d2 = await t.call('PUT', '/api/v1/routing/strategies/pl-first/draft', { ...good, steps: [good.steps[1]] });
    assert.equal(d2.body.version, 2);
    // A draft that no longer compiles cannot be saved over v2 either.
    const bad = await t.call('PUT', '/api/v1/routing/strategies/pl-first/draft', {
      steps: [{ id: 'x', when: 'nope.field == 1', fallback: 'backorder' }],
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.errors[0].path, '/steps/0/when');
    assert.equal((await t.call('POST', '/api/v1/routing/strategies/pl-first/versions/2/publish')).status, 200);
    assert.equal(
      (await t.call('POST', '/api/v1/routing/strategies/pl-first/versions/1/retire')).status,
      409,
      'v1 was retired when v2 was published',
    );

    const v = await t.call('GET', '/api/v1/routing/strategies/pl-first');
    assert.deepEqual(
      v.body.items.map((i: any) => [i.version, i.status]),
      [
        [2, 'published'],
        [1, 'retired'],
      ],
    );
    const one = await t.call('GET', '/api/v1/routing/strategies/pl-first/versions/2');
    assert.equal(one.body.strategy.key, 'pl-first');
    assert.equal(one.body.strategy.version, 2);
    assert.equal(one.body.strategy.steps.length, 1);
    const list = await t.call('GET', '/api/v1/routing/strategies');
    const item = list.body.items.find((i: any) => i.key === 'pl-first');
    assert.equal(item.currentVersion, 2);
    assert.equal(item.draftVersion, null);
  });

  test('given a viewer key, reading strategies is allowed and writing strategies or rates is 403', async () => {
    const key = await t.call('POST', '/api/v1/api-keys', { name: 'viewer', roles: ['viewer'] });
    assert.equal(key.status, 201);
    const auth = { authorization: `Bearer ${key.body.secret}` };
    assert.equal((await t.call('POST', '/api/v1/routing/strategies', { key: 'x', ...good }, auth)).status, 403);
    assert.equal(
      (await t.call('PUT', '/api/v1/routing/rate-tables/x', { currency: 'PLN', csv: 'a' }, auth)).status,
      403,
    );
    assert.equal((await t.call('GET', '/api/v1/routing/strategies', undefined, auth)).status, 200);
  });
});

describe('rate tables: CSV per carrier service and zone', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  const csv = `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days
inpost,kurier,delivery,PL-local,PL,PL,0,100,12.99,0.50,1
inpost,kurier,delivery,PL-kraj,PL,PL,100,1500,16.99,0.50,2
ordo,transfer,transfer,PL-kraj,PL,PL,0,1500,8.00,0.20,2
`;

  test('given a good CSV, it is stored with its row count and replaced by a second upload', async () => {
    const r = await t.call('PUT', '/api/v1/routing/rate-tables/inpost-pl', { currency: 'PLN', csv });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.rows, 3);
    assert.equal(r.body.version, 1);
    const r2 = await t.call('PUT', '/api/v1/routing/rate-tables/inpost-pl', {
      currency: 'PLN',
      csv: csv.split('\n').slice(0, 3).join('\n'),
    });
    assert.equal(r2.body.rows, 2);
    assert.equal(r2.body.version, 2);
    const list = await t.call('GET', '/api/v1/routing/rate-tables');
    assert.deepEqual(
      list.body.items.map((i: any) => [i.name, i.rows, i.currency]),
      [['inpost-pl', 2, 'PLN']],
    );
    const one = await t.call('GET', '/api/v1/routing/rate-tables/inpost-pl');
    assert.match(one.body.csv, /PL-local/);
  });

  test('given bad rows, the upload is 422 RATE_TABLE_INVALID listing every row and column, and nothing changes', async () => {
    const bad = `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days
cdek,posylka,delivery,RU-1,RU,RU,0,100,290,20,1
cdek,,delivery,RU-2,RU,RU,100,1000,abc,30,3
cdek,posylka,air,RU-3,Россия,RU,1000,500,690,45,пять
`;
    const r = await t.call('PUT', '/api/v1/routing/rate-tables/cdek-ru', { currency: 'RUB', csv: bad });
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.code, 'RATE_TABLE_INVALID');
    const paths = r.body.errors.map((e: any) => e.path);
    for (const p of [
      '/csv/line/3/service',
      '/csv/line/3/base',
      '/csv/line/4/mode',
      '/csv/line/4/origin_country',
      '/csv/line/4/max_km',
      '/csv/line/4/transit_days',
    ]) {
      assert.ok(paths.includes(p), `${p} missing in ${paths.join()}`);
    }
    assert.ok(!paths.some((p: string) => p.startsWith('/csv/line/2/')), 'the good row is not reported');
    assert.equal((await t.call('GET', '/api/v1/routing/rate-tables/cdek-ru')).status, 404);
  });
});
