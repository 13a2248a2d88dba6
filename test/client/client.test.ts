import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { address, testApp, type TestApp } from '../support.js';
import {
  createOrdoClient,
  ifMatch,
  OrdoProblem,
  type OrdoClient,
  type Schemas,
} from '../../clients/typescript/src/index.js';

/**
 * The typed client (@ordo/client, generated from openapi/openapi.json) against a real listening
 * server: every request here goes over HTTP through the client, including the seeding.
 */
describe('@ordo/client against a listening server', () => {
  let t: TestApp;
  let ordo: OrdoClient;

  const orderBody = (externalId: string): Schemas['OrderCreateInput'] => ({
    channel: 'web',
    externalId,
    customer: { code: 'C-1' },
    currency: 'PLN',
    lines: [
      { sku: 'CL-1', quantity: 2, unitPrice: '19.99', taxRate: '23' },
      { sku: 'CL-2', quantity: 1, unitPrice: '149.00', taxRate: '23', discount: '10.00' },
    ],
    shipping: { amount: '14.99', taxRate: '23' },
    shippingAddress: address,
    delivery: { method: 'ship' },
  });

  /** Rejects with the OrdoProblem the call threw (and fails when it did not throw one). */
  async function problemOf(p: Promise<unknown>): Promise<OrdoProblem> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof OrdoProblem, `expected an OrdoProblem, got ${String(e)}`);
      return e;
    }
    assert.fail('the call succeeded; expected an OrdoProblem');
  }

  before(async () => {
    t = await testApp();
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    ordo = createOrdoClient({ baseUrl: url, apiKey: t.apiKey });

    await ordo.POST('/api/v1/channels', {
      body: { code: 'web', name: 'Sklep internetowy', kind: 'web', currency: 'PLN' },
    });
    await ordo.POST('/api/v1/products', { body: { sku: 'CL-1', name: 'Kubek ceramiczny żółty', weightG: 350 } });
    await ordo.POST('/api/v1/products', { body: { sku: 'CL-2', name: 'Чайник электрический', weightG: 900 } });
    await ordo.POST('/api/v1/customers', {
      body: { code: 'C-1', name: 'Grzegorz Brzęczyszczykiewicz', email: 'grzegorz@example.pl', locale: 'pl' },
    });
    await ordo.POST('/api/v1/locations', {
      body: { code: 'WAW-1', name: 'Magazyn Warszawa', kind: 'warehouse', country: 'PL', capabilities: ['ships'] },
    });
    for (const sku of ['CL-1', 'CL-2']) {
      await ordo.POST('/api/v1/inventory/stock:set', {
        body: { sku, location: 'WAW-1', onHand: 10, reason: 'opening stock' },
      });
    }
  });
  after(async () => {
    await t.close();
  });

  test('an order walks through the client: created once per Idempotency-Key, read with its ETag, changed with If-Match, listed', async () => {
    const first = await ordo.POST('/api/v1/orders', { body: orderBody('CL-ORDER-1'), idempotencyKey: 'client-key-1' });
    assert.equal(first.response.status, 201);
    const created = first.data;
    assert.equal(created.externalId, 'CL-ORDER-1');
    assert.equal(created.version, 1);
    assert.equal(first.etag, '"1"');
    // 2 × 19.99 + 149.00 before the line discount of 10.00
    assert.deepEqual([created.totals.subtotal, created.totals.discountTotal], ['188.98', '10.00']);
    assert.deepEqual(
      created.lines.map((l) => [l.sku, l.quantity]),
      [
        ['CL-1', 2],
        ['CL-2', 1],
      ],
    );

    const replay = await ordo.POST('/api/v1/orders', { body: orderBody('CL-ORDER-1'), idempotencyKey: 'client-key-1' });
    assert.equal(replay.response.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.data.id, created.id);

    const got = await ordo.GET('/api/v1/orders/{id}', { params: { path: { id: created.id } } });
    assert.equal(got.data.number, created.number);
    assert.equal(got.etag, '"1"');

    const changed = await ordo.PATCH('/api/v1/orders/{id}', {
      params: { path: { id: created.id } },
      body: { notes: 'Proszę dzwonić przed dostawą' },
      ifMatch: got.etag!,
    });
    assert.equal(changed.data.version, 2);
    assert.equal(changed.data.notes, 'Proszę dzwonić przed dostawą');
    assert.equal(changed.etag, '"2"');

    const stale = await problemOf(
      ordo.PATCH('/api/v1/orders/{id}', {
        params: { path: { id: created.id } },
        body: { notes: 'Другая заметка' },
        ifMatch: created.version,
      }),
    );
    assert.equal(stale.status, 412);
    assert.equal(stale.code, 'VERSION_MISMATCH');
    const now = await ordo.GET('/api/v1/orders/{id}', { params: { path: { id: created.id } } });
    assert.equal(now.data.notes, 'Proszę dzwonić przed dostawą', 'the stale change wrote nothing');

    const history = await ordo.GET('/api/v1/orders/{id}/history', { params: { path: { id: created.id } } });
    assert.deepEqual(
      history.data.items.map((h) => h.action),
      ['order.accepted', 'stock.reserved', 'order.edited'],
    );
    assert.deepEqual(history.data.items[2]!.changes['notes'], { from: null, to: 'Proszę dzwonić przed dostawą' });

    await ordo.POST('/api/v1/orders', { body: orderBody('CL-ORDER-2') });
    const list = await ordo.GET('/api/v1/orders', { params: { query: { channel: 'web', limit: 1 } } });
    assert.equal(list.data.items.length, 1);
    assert.equal(list.data.items[0]!.externalId, 'CL-ORDER-2', 'newest first');
    assert.ok(list.data.nextCursor);
    const rest = await ordo.GET('/api/v1/orders', {
      params: { query: { channel: 'web', limit: 1, cursor: list.data.nextCursor } },
    });
    assert.deepEqual(
      rest.data.items.map((o) => o.externalId),
      ['CL-ORDER-1'],
    );
  });

  test('bad input surfaces as an OrdoProblem with its code and the field path', async () => {
    const body = orderBody('CL-BAD-1');
    body.lines[0]!.quantity = 0;
    const bad = await problemOf(ordo.POST('/api/v1/orders', { body }));
    assert.equal(bad.status, 400);
    assert.equal(bad.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      bad.errors.map((e) => e.path),
      ['/lines/0/quantity'],
    );

    const unknownSku = await problemOf(
      ordo.POST('/api/v1/orders', {
        body: { ...orderBody('CL-BAD-2'), lines: [{ sku: 'NOPE', quantity: 1, unitPrice: '1.00' }] },
      }),
    );
    assert.equal(unknownSku.status, 422);
    assert.ok(
      unknownSku.errors.some((e) => e.path === '/lines/0/sku'),
      JSON.stringify(unknownSku.problem),
    );

    const badEtag = await problemOf(
      ordo.PATCH('/api/v1/orders/{id}', {
        params: { path: { id: '0190a5a0-0000-7000-8000-000000000000' } },
        body: { notes: 'x' },
        ifMatch: 'not-an-etag',
      }),
    );
    assert.equal(badEtag.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      badEtag.errors.map((e) => e.path),
      ['header:If-Match'],
    );
  });

  test('a missing order and a missing key are problems too, and ifMatch() quotes versions', async () => {
    const missing = await problemOf(
      ordo.GET('/api/v1/orders/{id}', { params: { path: { id: '0190a5a0-0000-7000-8000-000000000000' } } }),
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'NOT_FOUND');

    const anonymous = createOrdoClient({
      baseUrl: `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`,
    });
    const unauthenticated = await problemOf(anonymous.GET('/api/v1/orders'));
    assert.equal(unauthenticated.status, 401);
    assert.equal(unauthenticated.code, 'UNAUTHENTICATED');

    assert.equal(ifMatch(3), '"3"');
    assert.equal(ifMatch('W/"3"'), 'W/"3"');
  });
});
