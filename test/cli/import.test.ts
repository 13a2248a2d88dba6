import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orderBody, seedBasics, testApp, type TestApp } from '../support.js';
import { importOrders } from '../../src/app/orders/import-orders.js';
import { systemClock } from '../../src/shared/clock.js';

const actor = { type: 'system' as const, id: null, name: 'import test' };

describe('import orders from a file', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'ordo-import-'));
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a CSV with good and bad rows: every order reported with its rows, good ones applied once', async () => {
    const csv = [
      'channel,external_id,customer_code,currency,sku,quantity,unit_price,tax_rate,ship_name,ship_line1,ship_city,ship_postal_code,ship_country',
      'web,CSV-1,C-1,PLN,SKU-1,2,19.99,23,Jan Kowalski,ul. Źródlana 5,Białystok,15-001,PL',
      'web,CSV-2,C-1,PLN,SKU-2,1,abc,23,Jan Kowalski,ul. Źródlana 5,Białystok,15-001,PL',
      'web,CSV-1,C-1,PLN,SKU-3,4,3.50,8,Jan Kowalski,ul. Źródlana 5,Białystok,15-001,PL',
      'web,CSV-3,C-1,PLN,NOPE,1,1.00,23,Иван Иванов,ул. Ленина 1,Москва,101000,RU',
      'web,CSV-4,C-1,PLN,SKU-1,-1,1.00,23,Jan Kowalski,ul. Źródlana 5,Białystok,15-001,PL',
      'web,CSV-5,C-1,PLN,SKU-2,1,99.00,23,Иван Иванов,ул. Ленина 1,Москва,101000,RU',
    ].join('\n');
    const file = join(dir, 'orders.csv');
    writeFileSync(file, csv);
    const progress: number[] = [];
    const r = await importOrders(t.services.processes, t.store, actor, systemClock, file, (done) =>
      progress.push(done),
    );
    assert.equal(r.orders, 5);
    assert.equal(r.accepted, 2);
    assert.equal(r.rejected, 3);
    assert.deepEqual(progress, [1, 2, 3, 4, 5]);
    const byId = Object.fromEntries(r.items.map((i) => [i.externalId, i]));
    assert.deepEqual(byId['CSV-1']!.rows, [2, 4]);
    assert.equal(byId['CSV-1']!.status, 'accepted');
    assert.equal(byId['CSV-2']!.problem!.errors[0]!.path, '/lines/0/unitPrice');
    assert.equal(byId['CSV-3']!.problem!.code, 'UNKNOWN_SKU');
    assert.equal(byId['CSV-4']!.problem!.errors[0]!.path, '/lines/0/quantity');
    const o = await t.call('GET', `/api/v1/orders/${byId['CSV-1']!.id}`);
    assert.equal(o.body.lines.length, 2);
    assert.equal(o.body.shippingAddress.line1, 'ul. Źródlana 5');
    assert.equal((await t.call('GET', `/api/v1/orders/${byId['CSV-5']!.id}`)).body.shippingAddress.city, 'Москва');

    // Running the same file again applies nothing twice.
    const again = await importOrders(t.services.processes, t.store, actor, systemClock, file);
    assert.equal(again.accepted, 0);
    assert.equal(again.duplicates, 2);
    assert.equal(again.rejected, 3);
  });

  test('a JSON file of orders, with a malformed file refused clearly', async () => {
    const file = join(dir, 'orders.json');
    writeFileSync(file, JSON.stringify({ orders: [orderBody({ externalId: 'J-1' }), { channel: 'web' }] }));
    const r = await importOrders(t.services.processes, t.store, actor, systemClock, file);
    assert.deepEqual(
      r.items.map((i) => [i.rows[0], i.status]),
      [
        [1, 'accepted'],
        [2, 'rejected'],
      ],
    );
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"channel":');
    await assert.rejects(importOrders(t.services.processes, t.store, actor, systemClock, bad), /not valid JSON/);
  });
});
