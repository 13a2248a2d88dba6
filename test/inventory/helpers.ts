import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedBasics, testApp, type TestApp } from '../support.js';
import type { Clock } from '../../src/shared/clock.js';

/** A test app with the basic reference data; stock is added per test through the API. */
export async function inventoryApp(
  opts: { clock?: Clock } = {},
): Promise<TestApp & { seed: Awaited<ReturnType<typeof seedBasics>> }> {
  const t = await testApp(opts);
  const seed = await seedBasics(t);
  return Object.assign(t, { seed });
}

export async function must(t: TestApp, method: string, url: string, body?: unknown, status = 200) {
  const r = await t.call(method, url, body);
  if (r.status !== status)
    throw new Error(`${method} ${url}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const receive = (
  t: TestApp,
  sku: string,
  location: string,
  delta: number,
  extra: Record<string, unknown> = {},
) =>
  must(t, 'POST', '/api/v1/inventory/stock:adjust', {
    sku,
    location,
    kind: 'receipt',
    delta,
    reason: 'dostawa',
    ...extra,
  });

/** One-line order body for SKU-1 (or the given SKU) to ship. */
export const oneLine = (sku: string, quantity: number, over: Record<string, unknown> = {}) => ({
  channel: 'web',
  customer: { name: 'Анна Ковальская', email: 'anna@example.pl' },
  currency: 'PLN',
  lines: [{ sku, quantity, unitPrice: '10.00', taxRate: '23' }],
  shippingAddress: { name: 'Анна Ковальская', line1: 'ul. Żółkiewskiego 3', city: 'Gdańsk', country: 'PL' },
  delivery: { method: 'ship' },
  ...over,
});

/**
 * A JSON client for a listening test server. Requests are all issued at once; the agent keeps at
 * most `sockets` connections open so a thousand simultaneous connects do not overflow the
 * server's accept backlog on a busy machine (the database pool is the real limit anyway).
 */
export function httpClient(t: TestApp, sockets = 200) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const { port } = t.app.server.address() as AddressInfo;
  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${t.apiKey}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(data),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
            } catch (e) {
              reject(e);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  return { post, close: () => agent.destroy() };
}
