import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDatabase } from '../support.js';
import type { Database } from '../../src/store/db.js';
import { seedDemo } from '../../src/app/demo/seed-demo.js';
import { compose } from '../../src/compose.js';
import { scope } from '../../src/store/tenant-scope.js';
import { systemClock } from '../../src/shared/clock.js';
import '../../src/store/schema-process.js';

describe('the demo tenant runs the shipped processes', () => {
  let d: Database;
  before(async () => {
    d = await freshDatabase();
  });
  after(() => d.close());

  test('given a fresh database, the demo seed publishes the shipped processes before its orders, and every order runs one', async () => {
    const r = await seedDemo(compose({ clock: systemClock }).processes, d.db, systemClock, { orders: 8 });
    assert.ok(r);
    const s = scope(d.db, r.tenantId);
    const defs = await s.selectFrom('process_definitions').select(['key', 'status']).execute();
    assert.equal(defs.filter((x) => x.status === 'published').length, 9, 'the eight scenarios and the returns process');
    const orders = await s.selectFrom('orders').select(['id', 'state', 'process_key', 'process_version']).execute();
    assert.equal(orders.length, 8);
    for (const o of orders) {
      assert.ok(o.process_key, `order ${o.id} runs a process`);
      assert.notEqual(o.state, 'accepted');
    }
    const running = await s.selectFrom('order_processes').select('order_id').execute();
    assert.equal(running.length, 8);
  });
});
