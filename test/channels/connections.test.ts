import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import {
  fulfilmentApp,
  fulfilmentsOf,
  ok,
  pickAndPack,
  seedShop,
  type FulfilmentTestApp,
} from '../fulfilment/helpers.js';
import { stock } from '../routing/helpers.js';
import {
  signWooWebhook,
  startWooFake,
  wooFixtureOrder,
  WOO_FAKE_KEY,
  WOO_FAKE_SECRET,
  WOO_FAKE_WEBHOOK_SECRET,
  type WooFake,
} from '../../src/integrations/channels/testing/woocommerce-fake.js';
import type { WebhookRequest } from '../../src/integrations/channels/types.js';
import { pushStock } from '../../src/app/channels/stock.js';

/** The docs' order, shipped to Warsaw (the shop's warehouse is in Poland, so it can be routed). */
function wooOrder(id: number) {
  const order = wooFixtureOrder(id);
  const shipping = {
    first_name: 'Zażółć',
    last_name: 'Gęślą',
    company: '',
    address_1: 'ul. Marszałkowska 1',
    address_2: '',
    city: 'Warszawa',
    state: '',
    postcode: '00-001',
    country: 'PL',
  };
  return { ...order, shipping, billing: { ...(order.billing as object), ...shipping } };
}

/**
 * Channel connections (issue 16) end to end with a real connector (WooCommerce) against its local
 * server: connect, native webhooks (good, forged, redelivered), the error queue and replay,
 * polling with overlapping windows, cancellations both ways, shipment confirmation, stock push
 * with a 429, and pausing.
 */
describe('channel connections: a WooCommerce shop connected end to end', () => {
  let t: FulfilmentTestApp;
  let woo: WooFake;
  let conn: { id: string; webhookPath: string };
  const credentials = {
    consumerKey: WOO_FAKE_KEY,
    consumerSecret: WOO_FAKE_SECRET,
    webhookSecret: WOO_FAKE_WEBHOOK_SECRET,
  };

  const post = async (request: WebhookRequest) => {
    const response = await t.app.inject({
      method: 'POST',
      url: conn.webhookPath,
      headers: request.headers as Record<string, string>,
      payload: request.raw,
    });
    return { status: response.statusCode, body: JSON.parse(response.body || 'null') };
  };
  const ordersOf = async (externalId: string) =>
    (await ok(t, 'GET', `/api/v1/orders?channel=woo-shop&q=${externalId}`)).items.filter(
      (order: { externalId: string }) => order.externalId === externalId,
    );
  const queue = async (status = 'failed') =>
    (await ok(t, 'GET', `/api/v1/channel-connections/${conn.id}/ingestions?status=${status}`)).items as any[];

  before(async () => {
    t = await fulfilmentApp();
    woo = await startWooFake();
    await seedShop(t);
    await ok(t, 'POST', '/api/v1/products', { sku: 'Bar3', name: 'Ship Your Idea — czarna, M' }, 201);
    await ok(t, 'POST', '/api/v1/products', { sku: 'WOO-SINGLE', name: 'Kubek „Woo” żółty' }, 201);
    await stock(t, [
      ['Bar3', 'WAW-1', 30],
      ['WOO-SINGLE', 'WAW-1', 40],
    ]);
  });
  after(async () => {
    await t.close();
    await woo.close();
  });

  test('connecting: bad input is refused with the field and stores nothing; credentials are sealed and never shown', async () => {
    const missing = await t.call('POST', '/api/v1/channel-connections', {
      channel: 'woo-shop',
      kind: 'woocommerce',
      baseUrl: woo.baseUrl,
      credentials: { consumerKey: WOO_FAKE_KEY, consumerSecret: WOO_FAKE_SECRET },
    });
    assert.equal(missing.status, 400);
    assert.deepEqual(
      missing.body.errors.map((e: { path: string }) => e.path),
      ['/credentials/webhookSecret'],
    );
    const unknownKind = await t.call('POST', '/api/v1/channel-connections', {
      channel: 'woo-shop',
      kind: 'ebay',
      credentials,
    });
    assert.equal(unknownKind.status, 400);
    assert.equal((await ok(t, 'GET', '/api/v1/channel-connections')).items.length, 0);

    conn = await ok(
      t,
      'POST',
      '/api/v1/channel-connections',
      { channel: 'woo-shop', name: 'Sklep WooCommerce', kind: 'woocommerce', baseUrl: woo.baseUrl, credentials },
      201,
    );
    const shown = JSON.stringify(await ok(t, 'GET', `/api/v1/channel-connections/${conn.id}`));
    assert.ok(!shown.includes(WOO_FAKE_SECRET) && !shown.includes(WOO_FAKE_WEBHOOK_SECRET), 'no secret is shown');
    assert.deepEqual(JSON.parse(shown).credentialNames, ['consumerKey', 'consumerSecret', 'webhookSecret']);
    const stored = await t.store
      .selectFrom('channel_connections')
      .select('credentials')
      .where('id', '=', conn.id)
      .executeTakeFirstOrThrow();
    assert.match(stored.credentials, /^v1\./);
    assert.ok(!stored.credentials.includes(WOO_FAKE_SECRET), 'stored sealed, not in plain text');

    const tested = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/test`);
    assert.equal(tested.ok, true, JSON.stringify(tested));
    woo.server.failNext('unauthorized');
    const refused = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/test`);
    assert.equal(refused.ok, false);
    assert.equal(refused.code, 'CHANNEL_AUTH_FAILED');
  });

  test('a forged webhook is 401, logged as rejected, and creates nothing', async () => {
    const forged = signWooWebhook('order.created', JSON.stringify(wooFixtureOrder(1000)), 'not-the-secret');
    const answer = await post(forged);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.code, 'SIGNATURE_INVALID');
    const rejected = await queue('rejected');
    assert.equal(rejected.length, 1);
    assert.deepEqual(await ordersOf('1000'), []);
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/channel-webhooks/not-a-known-token-123' });
    assert.equal(unknown.statusCode, 404);
  });

  test('a signed but malformed payload is queued with the reason, never a 500', async () => {
    for (const body of ['{"id": 5, "line_items": [', JSON.stringify({ id: 'abc', line_items: 'none' })]) {
      const answer = await post(signWooWebhook('order.created', body));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body.counts, { failed: 1 });
    }
    const queued = await queue();
    assert.equal(queued.length, 2);
    for (const row of queued) assert.ok(row.reason && row.reason.length > 5, row.reason);
    // a polled-page problem cannot be replayed by itself; a webhook body still unreadable stays queued
    const again = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/ingestions/${queued[0].id}/replay`);
    assert.equal(again.outcome, 'failed');
    for (const row of queued) await t.store.deleteFrom('channel_ingestions').where('id', '=', row.id).execute();
  });

  test('hostile bodies are 400 problems, never a 500: NUL, lone surrogates, nesting past the limit', async () => {
    const bodies = [
      JSON.stringify({ ...wooFixtureOrder(1100), customer_note: 'a\u0000b' }),
      JSON.stringify({ ...wooFixtureOrder(1101), customer_note: 'a\ud800b' }),
      '['.repeat(5000) + ']'.repeat(5000),
      'webhook_id=1&note=a\u0000b',
    ];
    for (const body of bodies) {
      const answer = await post(signWooWebhook('order.created', body));
      assert.equal(answer.status, 400, `${body.slice(0, 40)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, 'VALIDATION_FAILED');
    }
    assert.deepEqual(await ordersOf('1100'), []);
    // a polled order holding a NUL is refused by intake and kept in the log, readable
    woo.putOrder({ ...wooOrder(1102), customer_note: 'zły\u0000znak' });
    const polled = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`);
    assert.equal(polled.error, null);
    assert.equal(polled.counts.failed, 1, JSON.stringify(polled));
    const [kept] = (await queue()).filter((row) => row.externalId === '1102');
    assert.ok(kept, 'the refused order is in the error queue');
    assert.match(JSON.stringify(kept.payload), /zły\uFFFDznak|zły�znak/);
    await t.store.deleteFrom('channel_ingestions').where('id', '=', kept.id).execute();
    woo.orders.delete(1102);
  });

  test('an unmapped offer waits in the error queue with the reason; once mapped, a replay makes the order once', async () => {
    const delivery = signWooWebhook('order.created', JSON.stringify(wooFixtureOrder(1001)));
    const first = await post(delivery);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.counts, { failed: 1 });
    const [failed] = await queue();
    assert.ok(failed, 'the order is in the error queue');
    assert.match(failed.reason, /93/, failed.reason);
    assert.equal(failed.externalId, '1001');
    assert.deepEqual(await ordersOf('1001'), []);
    // a redelivery before the fix changes nothing
    assert.deepEqual((await post(delivery)).body.counts, { duplicate: 1 });

    const mapping = await t.call('PUT', `/api/v1/channel-connections/${conn.id}/offers`, {
      offers: [
        { offerId: '93', sku: 'WOO-SINGLE' },
        { offerId: '87', sku: 'NO-SUCH-SKU' },
      ],
    });
    assert.equal(mapping.status, 422);
    assert.deepEqual(
      mapping.body.errors.map((e: { path: string }) => e.path),
      ['/offers/1/sku'],
    );
    await ok(t, 'PUT', `/api/v1/channel-connections/${conn.id}/offers`, {
      offers: [
        { offerId: '93', sku: 'WOO-SINGLE' },
        { offerId: '22:23', sku: 'Bar3' },
      ],
    });
    const replayed = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/ingestions/${failed.id}/replay`);
    assert.equal(replayed.outcome, 'created', JSON.stringify(replayed));
    const [order] = await ordersOf('1001');
    assert.ok(order, 'the order exists');
    const full = await ok(t, 'GET', `/api/v1/orders/${order.id}`);
    assert.deepEqual(
      full.lines.map((line: { sku: string; quantity: number }) => [line.sku, line.quantity]),
      [
        ['WOO-SINGLE', 2],
        ['Bar3', 1],
      ],
    );
    assert.equal(full.channel, 'woo-shop');
    assert.equal(
      (await t.call('POST', `/api/v1/channel-connections/${conn.id}/ingestions/${failed.id}/replay`)).status,
      409,
    );
    assert.deepEqual((await post(delivery)).body.counts, { duplicate: 1 });
    assert.equal((await ordersOf('1001')).length, 1);
    assert.deepEqual(await queue(), []);
  });

  test('polling reads new orders once, overlapping windows included, and keeps its cursor', async () => {
    woo.putOrder(wooOrder(2001));
    woo.putOrder(wooOrder(2002));
    woo.putOrder(wooOrder(2003));
    const polled = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`);
    assert.equal(polled.error, null);
    assert.equal(polled.counts.created, 3, JSON.stringify(polled));
    const cursor = (await ok(t, 'GET', `/api/v1/channel-connections/${conn.id}`)).lastPolledAt;
    assert.ok(cursor);
    // from the start window again: everything is read again and nothing is made twice
    const again = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`, { cursor: null });
    assert.equal(again.counts.created ?? 0, 0);
    assert.equal(again.counts.duplicate, 3, JSON.stringify(again));
    for (const id of ['2001', '2002', '2003']) assert.equal((await ordersOf(id)).length, 1);
    // the channel down: the error is kept on the connection, the cursor stays
    woo.server.failNext('server-error');
    const down = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/poll`);
    assert.equal(down.error.code, 'CHANNEL_UNAVAILABLE');
    assert.match((await ok(t, 'GET', `/api/v1/channel-connections/${conn.id}`)).lastError, /CHANNEL_UNAVAILABLE/);
  });

  const ship = async (orderId: string) => {
    await t.call('POST', `/api/v1/orders/${orderId}/events`, { name: 'payment_authorized' });
    const fos = await fulfilmentsOf(t, orderId);
    assert.ok(fos.length > 0, JSON.stringify(await ok(t, 'GET', `/api/v1/orders/${orderId}`)));
    for (const fo of fos) {
      await pickAndPack(t, fo);
      await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/ship`, { carrier: 'manual' });
    }
  };

  test('a cancellation at the channel cancels an unshipped order; after shipment it becomes a task, not a silent change', async () => {
    const [early] = await ordersOf('2001');
    const cancelled = await post(woo.cancelAtChannel(2001));
    assert.equal(cancelled.status, 200);
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${early.id}`)).state, 'cancelled');

    const [late] = await ordersOf('2002');
    await ship(late.id);
    const stateBefore = (await ok(t, 'GET', `/api/v1/orders/${late.id}`)).state;
    const tooLate = await post(woo.cancelAtChannel(2002));
    assert.equal(tooLate.status, 200);
    // the updated order is logged (ignored), the cancellation it carries becomes the exception
    assert.equal(tooLate.body.counts.exception, 1, JSON.stringify(tooLate.body));
    assert.equal((await ok(t, 'GET', `/api/v1/orders/${late.id}`)).state, stateBefore);
    const tasks = (await ok(t, 'GET', `/api/v1/tasks?orderId=${late.id}`)).items as Array<{ title: string }>;
    assert.ok(
      tasks.some((task) => /cancelled order 2002/.test(task.title)),
      JSON.stringify(tasks),
    );
    assert.equal((await queue('exception')).length, 1);
  });

  test('Ordo tells the channel: the shipment with its tracking number, a cancellation with its reason, each once', async () => {
    const [mine] = await ordersOf('2003');
    await ok(t, 'POST', `/api/v1/orders/${mine.id}/events`, { name: 'cancel' });
    const sent = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/outbound`);
    assert.equal(sent.failed, 0, JSON.stringify(sent));
    const changes = woo.statusChanges.map((change) => [change.orderId, change.status]);
    assert.deepEqual(
      changes.filter(([id]) => id === 2002),
      [[2002, 'completed']],
      'the shipped order is completed at the shop',
    );
    assert.deepEqual(
      changes.filter(([id]) => id === 2003),
      [[2003, 'cancelled']],
    );
    assert.deepEqual(
      changes.filter(([id]) => id === 2001),
      [],
      'a cancellation the shop made is not sent back to it',
    );
    const again = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/outbound`);
    assert.equal(again.sent, 0);
    assert.equal(woo.statusChanges.length, changes.length);
  });

  test('stock push: the channel figure, then only changes; a 429 stops the run and the next one catches up', async () => {
    const figure = async (sku: string) =>
      (await ok(t, 'GET', `/api/v1/inventory/availability/${sku}?channel=woo-shop`)).available;
    const first = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/stock-sync`);
    assert.equal(first.error, null, JSON.stringify(first));
    assert.equal(first.pushed, 2);
    assert.equal(woo.stock.get('93'), await figure('WOO-SINGLE'));
    assert.equal(woo.stock.get('22:23'), await figure('Bar3'));
    const unchanged = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/stock-sync`);
    assert.equal(unchanged.requests, 0);

    await stock(t, [['Bar3', 'WAW-1', 7]]);
    woo.server.failNext('rate-limited');
    const limited = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/stock-sync`);
    assert.equal(limited.error.code, 'CHANNEL_RATE_LIMITED');
    assert.equal(limited.error.retryAfterMs, 1000);
    assert.equal(limited.remaining, 1);
    const caughtUp = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/stock-sync`);
    assert.equal(caughtUp.pushed, 1);
    assert.equal(woo.stock.get('22:23'), await figure('Bar3'));
  });

  test('a full sync longer than one run goes on where it stopped and pushes each offer once', async () => {
    const shipped = t.services.channels!;
    // the same connector, one offer per request: two offers take two runs of one request
    const oneByOne = { ...shipped.connectors.get('woocommerce')!, stockPush: { batchSize: 1, requestsPerMinute: 60 } };
    const services = { ...shipped, connectors: new Map([['woocommerce', oneByOne]]) };
    const pushes = () => woo.server.requests.filter((request) => request.path.endsWith('/batch')).length;
    const before = pushes();
    const first = await pushStock(services, t.store, t.clock, conn.id, { full: true, maxRequests: 1 });
    assert.deepEqual([first.pushed, first.remaining, first.error], [1, 1, null]);
    const second = await pushStock(services, t.store, t.clock, conn.id, { maxRequests: 1 });
    assert.deepEqual([second.pushed, second.remaining], [1, 0]);
    const third = await pushStock(services, t.store, t.clock, conn.id, { maxRequests: 1 });
    assert.equal(third.requests, 0);
    assert.equal(pushes() - before, 2);
  });

  test('paused: webhooks are kept in the error queue for replay and the jobs stop', async () => {
    await ok(t, 'PATCH', `/api/v1/channel-connections/${conn.id}`, { status: 'paused' });
    const delivery = signWooWebhook('order.created', JSON.stringify(wooFixtureOrder(3001)));
    assert.deepEqual((await post(delivery)).body.counts, { failed: 1 });
    assert.deepEqual(await ordersOf('3001'), []);
    const [waiting] = (await queue()).filter((row) => row.reason === 'the connection is paused');
    assert.ok(waiting);
    await ok(t, 'PATCH', `/api/v1/channel-connections/${conn.id}`, { status: 'active' });
    const replayed = await ok(t, 'POST', `/api/v1/channel-connections/${conn.id}/ingestions/${waiting.id}/replay`);
    assert.equal(replayed.outcome, 'created', JSON.stringify(replayed));
    assert.equal((await ordersOf('3001')).length, 1);
    const jobs = await sql<{
      kind: string;
    }>`select kind from jobs where tenant_id = ${t.tenantId} and status = 'scheduled' and kind like 'channel.%' order by kind`.execute(
      t.database.db,
    );
    assert.deepEqual(
      jobs.rows.map((row) => row.kind),
      ['channel.outbound', 'channel.poll', 'channel.stock'],
    );
  });
});
