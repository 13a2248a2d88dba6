import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, type TestApp } from '../support.js';
import { newWebhookSecret, signedHeaders } from '../../src/integrations/webhooks/signature.js';
import { emitEvent } from '../../src/app/events/emit-event.js';
import { atomically } from '../../src/store/tenant-scope.js';

describe('events API: catalogue, subscriptions and bad input', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.close());

  test('given the catalogue route, every event type is listed with a JSON Schema, without authentication', async () => {
    const r = await t.call('GET', '/api/v1/events/catalogue', undefined, { authorization: '' });
    assert.equal(r.status, 200);
    const types = r.body.types.map((x: any) => x.type);
    for (const ty of [
      'order.accepted',
      'order.updated',
      'order.state_changed',
      'stock.reserved',
      'stock.released',
      'stock.changed',
      'order.routed',
      'fulfilment.requested',
      'shipment.shipped',
      'shipment.delivered',
      'return.received',
      'task.opened',
      'task.completed',
      'process.published',
    ]) {
      assert.ok(types.includes(ty), ty);
    }
    const accepted = r.body.types.find((x: any) => x.type === 'order.accepted');
    assert.equal(accepted.schema.type, 'object');
    assert.ok(accepted.schema.required.includes('orderId'));
    // The catalogue sits beside the OpenAPI document, as one of its paths.
    assert.ok(t.app.hasRoute({ method: 'GET', url: '/api/v1/events/catalogue' }));
    const openapi = await t.call('GET', '/api/v1/openapi.json');
    if (openapi.status === 200) assert.ok(openapi.body.paths['/api/v1/events/catalogue']);
  });

  test('given subscription URLs that are not http(s), malformed, loopback or this server, they are refused with the reason', async () => {
    const cases: [string, RegExp][] = [
      ['ftp://erp.example.pl/hook', /only http and https/],
      ['not a url', /malformed/],
      ['http://127.0.0.1:9000/hook', /loopback/],
      ['http://169.254.169.254/latest/meta-data', /link-local/],
      ['http://localhost:80/api/v1/orders', /this server/],
    ];
    for (const [url, reason] of cases) {
      const r = await t.call('POST', '/api/v1/webhooks/subscriptions', { url, eventTypes: ['order.accepted'] });
      assert.equal(r.status, 422, url);
      assert.equal(r.body.code, 'WEBHOOK_URL_REFUSED');
      assert.match(r.body.detail, reason, url);
      assert.equal(r.body.errors[0].path, '/url');
    }
    const unknown = await t.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'https://erp.example.pl/hook',
      eventTypes: ['order.exploded'],
    });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.code, 'UNKNOWN_EVENT_TYPE');
  });

  test('given a subscription, it can be read, changed with If-Match, listed and deleted; the secret is shown only at creation', async () => {
    const c = await t.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'https://erp.example.pl/hook',
      eventTypes: ['order.*'],
      description: 'ERP Kraków',
    });
    assert.equal(c.status, 201);
    assert.match(c.body.secret, /^whsec_[A-Za-z0-9+/=]+$/);
    const g = await t.call('GET', `/api/v1/webhooks/subscriptions/${c.body.id}`);
    assert.equal(g.body.secret, undefined);
    assert.equal(g.headers.etag, '"1"');
    const stale = await t.call(
      'PATCH',
      `/api/v1/webhooks/subscriptions/${c.body.id}`,
      { eventTypes: ['order.accepted'] },
      { 'if-match': '"7"' },
    );
    assert.equal(stale.status, 412);
    const p = await t.call(
      'PATCH',
      `/api/v1/webhooks/subscriptions/${c.body.id}`,
      { eventTypes: ['order.accepted', 'shipment.*'] },
      { 'if-match': '"1"' },
    );
    assert.equal(p.status, 200);
    assert.deepEqual(p.body.eventTypes, ['order.accepted', 'shipment.*']);
    const bad = await t.call('PATCH', `/api/v1/webhooks/subscriptions/${c.body.id}`, { url: 'gopher://x' });
    assert.equal(bad.status, 422);
    const list = await t.call('GET', '/api/v1/webhooks/subscriptions');
    assert.ok(list.body.items.some((s: any) => s.id === c.body.id));
    assert.equal((await t.call('DELETE', `/api/v1/webhooks/subscriptions/${c.body.id}`)).status, 204);
    assert.equal((await t.call('GET', `/api/v1/webhooks/subscriptions/${c.body.id}`)).status, 404);
  });

  test('given an event payload that breaks its schema or is too large, emitEvent refuses it and nothing is written', async () => {
    await assert.rejects(
      atomically(t.store, (tx) =>
        emitEvent(tx, { type: 'order.state_changed', subject: 'x', payload: { orderId: 'x' } as any }),
      ),
      (e: any) => e.code === 'EVENT_PAYLOAD_INVALID' && /to/.test(e.message),
    );
    await assert.rejects(
      atomically(t.store, (tx) =>
        emitEvent(tx, {
          type: 'stock.changed',
          subject: 'SKU-1',
          payload: { sku: 'SKU-1', locationId: 'l', onHand: 1, available: 1, reason: 'ż'.repeat(40_000) },
        }),
      ),
      (e: any) => e.code === 'EVENT_PAYLOAD_TOO_LARGE' && /limit is 65536/.test(e.message),
    );
    await assert.rejects(
      atomically(t.store, (tx) => emitEvent(tx, { type: 'order.exploded' as any, subject: 'x', payload: {} as any })),
      (e: any) => e.code === 'UNKNOWN_EVENT_TYPE',
    );
    const list = await t.call('GET', '/api/v1/events');
    assert.equal(list.body.items.length, 0);
  });

  test('given an event emitted in a transaction that rolls back, it does not exist', async () => {
    await assert.rejects(
      atomically(t.store, async (tx) => {
        await emitEvent(tx, {
          type: 'process.published',
          subject: 'process:b2b',
          payload: { processKey: 'b2b', version: 3 },
        });
        throw new Error('the business change failed');
      }),
    );
    assert.equal((await t.call('GET', '/api/v1/events?type=process.published')).body.items.length, 0);
    const id = await atomically(t.store, (tx) =>
      emitEvent(tx, { type: 'process.published', subject: 'process:b2b', payload: { processKey: 'b2b', version: 3 } }),
    );
    const got = await t.call('GET', `/api/v1/events/${id}`);
    assert.equal(got.body.type, 'process.published');
    assert.equal(got.body.schemaVersion, 1);
  });

  describe('inbound partner events', () => {
    let source: { id: string; secret: string; path: string };
    before(async () => {
      const r = await t.call('POST', '/api/v1/inbound-sources', { code: 'wms-poznan', name: 'WMS Poznań' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      source = r.body;
    });

    const post = (body: string, headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: source.path,
        payload: body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    const signed = (id: string, body: string, secret = source.secret) =>
      signedHeaders([secret], id, Math.floor(Date.now() / 1000), body);

    test("given a signed event, it is stored once by the partner's id; a redelivery is acknowledged as duplicate", async () => {
      const body = JSON.stringify({
        type: 'wms.shipment.confirmed',
        data: { orderNumber: 'ORD-0000001', carrier: 'InPost', recipient: 'Paweł Żółć' },
      });
      const a = await post(body, signed('wms-evt-1', body));
      assert.equal(a.statusCode, 202, a.body);
      assert.deepEqual(
        { ...(a.json() as object), id: undefined },
        { id: undefined, status: 'unknown', duplicate: false },
      );
      const b = await post(body, signed('wms-evt-1', body));
      assert.equal(b.statusCode, 202);
      assert.equal(b.json().duplicate, true);
      assert.equal(b.json().id, a.json().id);
    });

    test('given an event type nobody handles, it is stored and reported as unknown, not dropped', async () => {
      const body = JSON.stringify({ type: 'carrier.unheard_of', data: { note: 'Посылка прибыла' } });
      assert.equal((await post(body, signed('c-1', body))).statusCode, 202);
      const unknown = await t.call('GET', '/api/v1/inbound-events?status=unknown');
      const row = unknown.body.items.find((x: any) => x.externalId === 'c-1');
      assert.equal(row.type, 'carrier.unheard_of');
      assert.equal(row.source, 'wms-poznan');
      assert.equal(row.payload.data.note, 'Посылка прибыла');
      const events = await t.call('GET', '/api/v1/events?type=inbound.received');
      assert.ok(events.body.items.some((e: any) => e.payload.externalId === 'c-1' && e.payload.known === false));
    });

    test('given a bad signature, the event is refused with 401, not stored, and counted on the source', async () => {
      const body = JSON.stringify({ type: 'wms.shipment.confirmed', data: {} });
      const forged = await post(body, signed('forged-1', body, newWebhookSecret()));
      assert.equal(forged.statusCode, 401);
      assert.equal(forged.json().code, 'SIGNATURE_INVALID');
      const unsigned = await post(body, {});
      assert.equal(unsigned.statusCode, 401);
      const stale = await post(
        body,
        signedHeaders([source.secret], 'old-1', Math.floor(Date.now() / 1000) - 3600, body),
      );
      assert.equal(stale.statusCode, 401);
      const all = await t.call('GET', '/api/v1/inbound-events');
      assert.ok(!all.body.items.some((x: any) => ['forged-1', 'old-1'].includes(x.externalId)));
      const sources = await t.call('GET', '/api/v1/inbound-sources');
      const s = sources.body.items.find((x: any) => x.code === 'wms-poznan');
      assert.equal(s.rejectedCount, 3);
      assert.equal(s.lastRejectedReason, 'timestamp-out-of-tolerance');
    });

    test('given an oversized payload, it is refused with 413 and a message naming the limit', async () => {
      const body = JSON.stringify({ type: 'wms.stock.snapshot', data: 'ą'.repeat(200 * 1024) });
      const r = await post(body, signed('big-1', body));
      assert.equal(r.statusCode, 413);
      assert.equal(r.json().code, 'PAYLOAD_TOO_LARGE');
      assert.match(r.json().detail, /262144 byte limit/);
    });

    test('given a body without a type or not JSON, it is refused with 400 after the signature is checked', async () => {
      const body = '{"data": 1}';
      assert.equal((await post(body, signed('nt-1', body))).statusCode, 400);
      const junk = 'nie json';
      assert.equal((await post(junk, signed('nt-2', junk))).statusCode, 400);
      assert.equal(
        (await post(body, { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' })).statusCode,
        401,
      );
    });
  });
});
