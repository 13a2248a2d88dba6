import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';
import { startOzonFake, type OzonFake } from '../../src/integrations/channels/testing/ozon-fake.js';

/**
 * A marketplace FBS order end to end (issue 16): Ozon polled, the posting (masked buyer, Cyrillic
 * seller SKU, ship-by) becomes an order under the marketplace-fbs process, packing runs Ozon's
 * pack/label step (its label kept for the packer), the hand-over confirms the shipment, and a
 * cancellation in Ordo reaches Ozon with the reason id the connection maps.
 */
describe('marketplace FBS: an Ozon posting from poll to hand-over', () => {
  let t: FulfilmentTestApp;
  let ozon: OzonFake;
  let conn: { id: string };

  before(async () => {
    t = await fulfilmentApp();
    ozon = await startOzonFake({ clientId: '836', apiKey: 'ozon-key', warehouseId: '22' });
    await seedShop(t);
    await publish(t, shipped('marketplace-fbs'));
    await setRules(t, [
      { process: 'marketplace-fbs', channel: ['ozon-fbs'] },
      { process: 'b2c-omnichannel', channel: ['web', 'marketplace'] },
    ]);
    await ok(t, 'POST', '/api/v1/products', { sku: 'УТ-0001365', name: 'Мяч, цвет: черный, 5 кг' }, 201);
    await stock(t, [['УТ-0001365', 'WAW-1', 12]]);
    conn = await ok(
      t,
      'POST',
      '/api/v1/channel-connections',
      {
        channel: 'ozon-fbs',
        name: 'Ozon FBS',
        kind: 'ozon',
        baseUrl: ozon.server.url,
        credentials: { clientId: '836', apiKey: 'ozon-key', webhookSecret: 'ozon-push-secret' },
        settings: { warehouseId: '22' },
        mappings: { cancelReasons: { default: '352' } },
      },
      201,
    );
  });
  after(async () => {
    await t.close();
    await ozon.server.close();
  });

  const orderOf = async (externalId: string) => {
    const found = (await ok(t, 'GET', `/api/v1/orders?channel=ozon-fbs&q=${externalId}`)).items.find(
      (order: { externalId: string }) => order.externalId === externalId,
    );
    assert.ok(found, `no order ${externalId}`);
    return ok(t, 'GET', `/api/v1/orders/${found.id}`);
  };

  test('a polled posting becomes an order with its marketplace fields, the buyer masked', async () => {
    ozon.addPosting('0100-0001-1');
    const polled = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`);
    assert.equal(polled.counts.created, 1, JSON.stringify(polled));
    const order = await orderOf('0100-0001-1');
    assert.equal(order.process.key, 'marketplace-fbs');
    assert.deepEqual(
      order.lines.map((line: { sku: string; quantity: number }) => [line.sku, line.quantity]),
      [['УТ-0001365', 1]],
    );
    assert.equal(order.customer.masked, true);
    assert.equal(order.marketplace.fulfilmentModel, 'FBS');
    assert.ok(order.marketplace.shipBy, 'the ship-by deadline is a fact of the order');
    assert.equal(order.delivery.method, 'ship');
    const again = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`, { cursor: null });
    assert.equal(again.counts.created ?? 0, 0);
  });

  test("packing runs Ozon's pack/label step and keeps its label; the hand-over confirms the shipment", async () => {
    const order = await orderOf('0100-0001-1');
    const fos = await fulfilmentsOf(t, order.id);
    assert.equal(fos.length, 1, JSON.stringify(order.process));
    await pickAndPack(t, fos[0]);
    const packed = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/outbound`);
    assert.equal(packed.failed, 0, JSON.stringify(packed));
    const label = await t.app.inject({
      method: 'GET',
      url: `/api/v1/channel-connections/${conn.id}/orders/${order.id}/label`,
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    assert.equal(label.statusCode, 200, label.body);
    assert.equal(label.headers['content-type'], 'application/pdf');
    assert.equal(label.rawPayload.subarray(0, 5).toString(), '%PDF-');
    await ok(t, 'POST', `/api/v1/fulfilment-orders/${fos[0].id}/ship`, { carrier: 'manual' });
    const sent = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/outbound`);
    assert.equal(sent.failed, 0, JSON.stringify(sent));
    assert.ok(
      ozon.shipments.some((shipment) => shipment.externalId === '0100-0001-1'),
      JSON.stringify(ozon.shipments),
    );
  });

  test("a cancellation in Ordo reaches Ozon with the mapped reason id; Ozon's own cancellation is not sent back", async () => {
    // out of stock: the FBS process lets the seller cancel only from its shortage exception
    await stock(t, [['УТ-0001365', 'WAW-1', 1]]);
    ozon.addPosting('0100-0002-1');
    ozon.addPosting('0100-0003-1');
    await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`);
    const mine = await orderOf('0100-0002-1');
    assert.equal(mine.state, 'shortage_exception', JSON.stringify(mine.process));
    const cancelled = await t.call('POST', `/api/v1/orders/${mine.id}/events`, { name: 'cancel' });
    assert.ok(cancelled.status < 300, JSON.stringify(cancelled.body));
    ozon.cancelByBuyer('0100-0003-1');
    const polled = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`);
    assert.equal(polled.error, null);
    const theirs = await orderOf('0100-0003-1');
    assert.equal(theirs.state, 'cancelled', JSON.stringify(theirs.process));
    await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/outbound`);
    assert.deepEqual(
      ozon.cancellations.map((entry) => [entry.externalId, entry.reasonCode]),
      [['0100-0002-1', '352']],
    );
  });
});
