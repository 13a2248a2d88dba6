import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { seedBasics, testApp, type TestApp } from '../support.js';
import { generateOrders } from '../../src/app/demo/generate-orders.js';

describe('ordo generate: scale data built in the database', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedBasics(t);
  });
  after(() => t.close());

  const count = async (query: string) =>
    Number((await sql.raw<{ count: string }>(query).execute(t.database.db)).rows[0]!.count);

  test('orders with lines, history, events and shipments, totals = sum of lines, resumable by batch', async () => {
    const progress: number[] = [];
    const first = await generateOrders(t.database.db, t.tenantId, {
      orders: 25,
      skus: 40,
      seed: 7,
      batch: 10,
      channel: 'web',
      // six hours apart: the oldest are delivered, the newest still awaiting payment
      spacing: 6 * 3600,
      onProgress: (done) => progress.push(done),
    });
    assert.deepEqual(progress, [10, 20, 25]);
    assert.equal(first.orders, 25);
    // A second run with more orders continues after the committed ones.
    const second = await generateOrders(t.database.db, t.tenantId, {
      orders: 40,
      skus: 40,
      seed: 7,
      batch: 10,
      spacing: 6 * 3600,
      channel: 'web',
    });
    assert.equal(second.skipped, 25);
    assert.equal(second.orders, 15);

    const tenant = `tenant_id = '${t.tenantId}'`;
    assert.equal(await count(`select count(*) from orders where ${tenant} and number like 'G%'`), 40);
    assert.equal(await count(`select count(distinct number) from orders where ${tenant} and number like 'G%'`), 40);
    assert.equal(
      await count(`select count(distinct external_id) from orders where ${tenant} and number like 'G%'`),
      40,
    );
    assert.equal(await count(`select count(*) from products where ${tenant} and sku like 'GSKU-%'`), 40);
    // Every order has lines, as many as line_count, and its totals are the sum of its lines.
    assert.equal(
      await count(`select count(*) from orders o where ${tenant} and number like 'G%' and (
        line_count < 1 or line_count <> (select count(*) from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id)
        or subtotal <> (select sum(total) from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id)
        or grand_total <> subtotal + shipping_total - discount_total
        or tax_total <> (select sum(tax) from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id))`),
      0,
    );
    // Every line's SKU is a generated product, and each line's total = quantity × unit price.
    assert.equal(
      await count(`select count(*) from order_lines l join orders o on o.tenant_id = l.tenant_id and o.id = l.order_id
        left join products p on p.tenant_id = l.tenant_id and p.id = l.product_id
        where o.${tenant} and o.number like 'G%' and (p.sku is distinct from l.sku or l.total <> l.quantity * l.unit_price)`),
      0,
    );
    // A history row and an event per step reached; the order's state is its last step's; the
    // timeline runs on (orders placed in order); a shipment with a tracking number once shipped.
    assert.equal(
      await count(`select count(*) from orders o where ${tenant} and number like 'G%' and (
        (select count(*) from order_history h where h.tenant_id = o.tenant_id and h.order_id = o.id) not between 1 and 4
        or (select count(*) from order_history h where h.tenant_id = o.tenant_id and h.order_id = o.id)
          <> (select count(*) from events e where e.tenant_id = o.tenant_id and e.subject = o.id::text)
        or state <> (select h.to_state from order_history h where h.tenant_id = o.tenant_id and h.order_id = o.id
          order by h.at desc limit 1)
        or placed_at > updated_at)`),
      0,
    );
    assert.equal(
      await count(`select count(*) from events e join orders o on o.tenant_id = e.tenant_id and o.id::text = e.subject
        where o.${tenant} and o.number like 'G%' and e.type = 'order.accepted'`),
      40,
    );
    const states = await count(`select count(distinct state) from orders where ${tenant} and number like 'G%'`);
    assert.ok(states >= 3, `states spread across the process (${states})`);
    assert.equal(
      await count(`select count(*) from orders o where ${tenant} and number like 'G%' and state = 'delivered'
        and (select max(placed_at) from orders where ${tenant} and number like 'G%') - placed_at < interval '12 hours'`),
      0,
    );
    assert.equal(
      await count(`select count(*) from orders o where ${tenant} and number like 'G%'
        and (state in ('in_transit', 'delivered')) <> exists (select 1 from shipments s
          where s.tenant_id = o.tenant_id and s.order_id = o.id and s.tracking_number like 'TRK%')`),
      0,
    );
    // Stock for every generated SKU.
    assert.equal(
      await count(`select count(*) from products p where ${tenant} and sku like 'GSKU-%'
        and not exists (select 1 from stock_levels s where s.tenant_id = p.tenant_id and s.product_id = p.id)`),
      0,
    );
    // Customers in Polish and Cyrillic, with e-mail, phone and a city on the order.
    assert.ok((await count(`select count(*) from orders where ${tenant} and customer_name ~ '[А-Яа-я]'`)) > 0);
    assert.ok(
      (await count(
        `select count(*) from orders where ${tenant} and number like 'G%' and customer_name ~ '^[A-Za-złŁśŚżŻźŹćĆńŃóÓąĄęĘ ]+$'`,
      )) > 0,
    );
    // a woman's surname in its feminine form, a man's in the masculine
    const women = `customer_name ~ '^(Anna|Katarzyna|Małgorzata|Agnieszka|Łucja|Мария|Ольга|Елена|Наталья|Татьяна) '`;
    assert.equal(
      await count(
        `select count(*) from customers where ${tenant} and ${women.replace('customer_name', 'name')} and name ~ '(ski|cki|ов|ев)$'`,
      ),
      0,
    );
    assert.equal(
      await count(
        `select count(*) from customers where ${tenant} and not (${women.replace('customer_name', 'name')}) and name ~ '(ska|cka|ова|ева)$'`,
      ),
      0,
    );
    assert.equal(
      await count(
        `select count(*) from orders where ${tenant} and number like 'G%' and ${women} and customer_name ~ '(ski|cki|ов|ев)$'`,
      ),
      0,
    );
    assert.equal(
      await count(`select count(*) from orders where ${tenant} and number like 'G%' and (customer_email not like '%@example.%'
        or shipping_address->>'city' is null or shipping_address->>'phone' !~ '^\\+[0-9]+$')`),
      0,
    );

    // The API lists and finds them: by number, by customer, by tracking number.
    const number = (
      await sql<{
        number: string;
      }>`select number from orders where tenant_id = ${t.tenantId} and number like 'G%' order by number limit 1`.execute(
        t.database.db,
      )
    ).rows[0]!.number;
    const found = await t.call('GET', `/api/v1/orders?q=${number}`);
    assert.equal(found.status, 200);
    assert.deepEqual(
      found.body.items.map((o: { number: string }) => o.number),
      [number],
    );
    const shown = await t.call('GET', `/api/v1/orders/${found.body.items[0].id}`);
    assert.equal(shown.status, 200);
    assert.ok(shown.body.lines.length >= 1);
  });

  test('the same seed gives the same rows', async () => {
    const rows = await sql<{ number: string; customer_name: string; grand_total: string }>`
      select number, customer_name, grand_total from orders where tenant_id = ${t.tenantId} and number like 'G%' order by number limit 5`.execute(
      t.database.db,
    );
    const other = await testApp();
    try {
      await seedBasics(other);
      await generateOrders(other.database.db, other.tenantId, { orders: 5, skus: 40, seed: 7, channel: 'web' });
      const again = await sql<{ number: string; customer_name: string; grand_total: string }>`
        select number, customer_name, grand_total from orders where tenant_id = ${other.tenantId} and number like 'G%' order by number`.execute(
        other.database.db,
      );
      assert.deepEqual(again.rows, rows.rows);
    } finally {
      await other.close();
    }
  });
});
