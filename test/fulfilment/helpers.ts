import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/api/app.js';
import { compose } from '../../src/compose.js';
import type { OrderProcessPort } from '../../src/app/process/port.js';
import { createTenant } from '../../src/app/identity/create-tenant.js';
import { createCarrierRegistry, type CarrierRegistry } from '../../src/integrations/carriers/index.js';
import { startInpostFake } from '../../src/integrations/carriers/testing/inpost-fake.js';
import type { FakeCarrierServer } from '../../src/integrations/carriers/testing/fake-http.js';
import { systemClock, type Clock } from '../../src/shared/clock.js';
import { scope } from '../../src/store/tenant-scope.js';
import { freshDatabase, orderBody, seedBasics, testChannels, type TestApp } from '../support.js';
import { publish, setRules, shipped, stock } from '../process/process-support.js';

export const INPOST = { token: 'shipx-test-token', organizationId: '1111' };

export interface FulfilmentTestApp extends TestApp {
  inpost: FakeCarrierServer;
  carriers: CarrierRegistry;
  /** The process port fulfilment use cases are given (as routes and jobs give it). */
  processes: OrderProcessPort;
}

/**
 * testApp() with carriers: a local InPost ShipX server on an ephemeral port (its real format),
 * the manual carrier, and the registry passed to the API as the server would (deps.carriers).
 */
export async function fulfilmentApp(opts: { clock?: Clock; timeoutMs?: number } = {}): Promise<FulfilmentTestApp> {
  const database = await freshDatabase();
  const inpost = await startInpostFake(INPOST);
  const carriers = createCarrierRegistry({
    inpost: { baseUrl: inpost.url, ...INPOST, timeoutMs: opts.timeoutMs ?? 5_000 },
    manual: {},
  });
  const clock = opts.clock ?? systemClock;
  const channels = testChannels();
  const services = compose({ clock, carriers, channels });
  const app = await buildApp({
    db: database.db,
    dbKind: database.kind,
    clock,
    ready: async () => true,
    carriers,
    processes: services.processes,
    channels,
  });
  const t = await createTenant(database.db, {
    slug: `f-${randomBytes(4).toString('hex')}`,
    name: 'Sklep testowy',
    admin: {
      email: `admin-${randomBytes(4).toString('hex')}@example.pl`,
      name: 'Zofia Łukasiewicz',
      password: 'correct horse battery staple',
    },
  });
  const call: TestApp['call'] = async (method, url, body, headers = {}) => {
    const auth = 'authorization' in headers ? {} : { authorization: `Bearer ${t.apiKey}` };
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...auth, ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body: parsed, headers: res.headers as Record<string, unknown> };
  };
  return {
    database,
    app,
    tenantId: t.tenantId,
    apiKey: t.apiKey,
    store: scope(database.db, t.tenantId),
    clock,
    services,
    processes: services.processes,
    call,
    inpost,
    carriers,
    async close() {
      await app.close();
      await inpost.close();
      await database.close();
    },
  };
}

/** Two SKUs held in one place each (W-ONLY at WAW-1, K-ONLY at KRK-S), so an order of both splits over two locations. */
export async function seedSplitStock(t: TestApp) {
  await ok(t, 'POST', '/api/v1/products', { sku: 'W-ONLY', name: 'Wiertarka udarowa', weightG: 2000 }, 201);
  await ok(t, 'POST', '/api/v1/products', { sku: 'K-ONLY', name: 'Кофемолка ручная', weightG: 800 }, 201);
  await stock(t, [
    ['W-ONLY', 'WAW-1', 10],
    ['K-ONLY', 'KRK-S', 10],
  ]);
}

/** One of each split SKU: a line to each location. */
export const splitLines = [
  { sku: 'W-ONLY', quantity: 1, unitPrice: '299.00', taxRate: '23' },
  { sku: 'K-ONLY', quantity: 2, unitPrice: '89.90', taxRate: '23' },
];

/** Reference data, stock at both locations, and the shipped B2C process for web orders. */
export async function seedShop(t: TestApp) {
  const basics = await seedBasics(t);
  // The warehouse's address is the sender on labels.
  const r = await t.call(
    'PATCH',
    `/api/v1/locations/${basics.warehouse.id}`,
    {
      address: {
        name: 'Magazyn Warszawa',
        line1: 'ul. Żelazna 51',
        city: 'Warszawa',
        postalCode: '00-841',
        country: 'PL',
        phone: '+48221234567',
      },
    },
    { 'if-match': `"${basics.warehouse.version}"` },
  );
  assert.ok(r.status < 300, JSON.stringify(r.body));
  await stock(t, [
    ['SKU-1', 'WAW-1', 20],
    ['SKU-2', 'WAW-1', 20],
    ['SKU-3', 'WAW-1', 50],
    ['SKU-1', 'KRK-S', 20],
    ['SKU-2', 'KRK-S', 20],
    ['SKU-3', 'KRK-S', 50],
  ]);
  await publish(t, shipped('b2c-omnichannel'));
  await setRules(t, [{ process: 'b2c-omnichannel', channel: ['web', 'marketplace'] }]);
  return basics;
}

export async function ok(t: TestApp, method: string, url: string, body?: unknown, status = 200) {
  const r = await t.call(method, url, body);
  assert.equal(r.status, status, `${method} ${url}: ${JSON.stringify(r.body)}`);
  return r.body;
}

let seq = 0;
/** A paid web order running the B2C process, now waiting in `fulfilling` (or `preparing_pickup`). */
export async function paidOrder(t: TestApp, over: Record<string, unknown> = {}) {
  const o = await ok(
    t,
    'POST',
    '/api/v1/orders',
    orderBody({ externalId: `F-${Date.now()}-${++seq}`, delivery: { method: 'ship', carrier: 'inpost' }, ...over }),
    201,
  );
  const v = await ok(t, 'POST', `/api/v1/orders/${o.id}/events`, { name: 'payment_authorized' });
  return { ...o, state: v.state as string };
}

export async function fulfilmentsOf(t: TestApp, orderId: string) {
  return (await ok(t, 'GET', `/api/v1/fulfilment-orders?orderId=${orderId}`)).items as any[];
}

/** accept → start picking → pick everything asked → pack into one package. */
export async function pickAndPack(t: TestApp, fo: any, picked?: (line: any) => number) {
  await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/accept`);
  await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/start-picking`);
  const p = await ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/pick`, {
    lines: fo.lines.map((l: any) => ({ lineId: l.id, picked: picked ? picked(l) : l.quantity })),
  });
  if (p.state !== 'picked') return p;
  return ok(t, 'POST', `/api/v1/fulfilment-orders/${fo.id}/pack`, {
    packages: [{ weightG: 1250, lengthMm: 300, widthMm: 200, heightMm: 100 }],
  });
}

export async function orderState(t: TestApp, orderId: string): Promise<string> {
  return (await ok(t, 'GET', `/api/v1/orders/${orderId}`)).state;
}

export async function history(t: TestApp, orderId: string): Promise<any[]> {
  return (await ok(t, 'GET', `/api/v1/orders/${orderId}/history`)).items;
}

/** A ShipX webhook body as InPost sends it. */
export function inpostWebhook(shipmentId: string, status: string, trackingNumber: string | null, at: string) {
  return {
    event_ts: new Date(at)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' +0000'),
    event: 'shipment_status_changed',
    organization_id: 1111,
    payload: { shipment_id: Number(shipmentId), status, tracking_number: trackingNumber },
  };
}
