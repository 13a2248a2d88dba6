/**
 * A local Shopify Admin REST API (2024-10): shop, orders with Link-header pagination
 * (page_info), transactions, fulfillment orders + fulfillments, order cancel, inventory
 * levels; X-Shopify-Access-Token checked; Shopify's error bodies. Orders are seeded from the
 * MIT python_api fixture with the id replaced; the fake signs the webhooks it would send.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WebhookRequest } from '../types.js';
import { startFakeServer, type FakeChannelServer, type FakeReply, type RecordedRequest } from './fake-http.js';

export const SHOPIFY_FAKE_TOKEN = 'shpat_local_test_token';
export const SHOPIFY_FAKE_SECRET = 'local-webhook-secret';
export const SHOPIFY_FAKE_LOCATION = '487838322';
const PREFIX = '/admin/api/2024-10';

type JsonOrder = Record<string, unknown> & { id: number | string; updated_at: string };

export function shopifyFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/shopify/${name}`, import.meta.url)), 'utf8');
}

/** The python_api order fixture with another id and a fresh updated_at. */
export function fixtureOrder(id: number | string, updatedAt = new Date().toISOString()): JsonOrder {
  const order = (JSON.parse(shopifyFixture('shopify_python_api__order.json')) as { order: JsonOrder }).order;
  return { ...order, id, updated_at: updatedAt, admin_graphql_api_id: `gid://shopify/Order/${id}` };
}

export function signShopifyWebhook(topic: string, body: string, secret = SHOPIFY_FAKE_SECRET): WebhookRequest {
  const raw = Buffer.from(body, 'utf8');
  return {
    headers: {
      'x-shopify-topic': topic,
      'x-shopify-hmac-sha256': createHmac('sha256', secret).update(raw).digest('base64'),
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-shop-domain': 'ordo-test.myshopify.com',
      'x-shopify-api-version': '2024-10',
      'content-type': 'application/json',
    },
    raw,
  };
}

export interface ShopifyFake {
  server: FakeChannelServer;
  /** The API base URL a connection should use. */
  baseUrl: string;
  orders: Map<string, JsonOrder>;
  transactions: Map<string, unknown[]>;
  shipments: { externalId: string; trackingNumber: string | null; carrier: string; url?: string; lines: unknown[] }[];
  cancellations: { externalId: string; reasonCode: string }[];
  /** inventory_item_id@location_id → available */
  levels: Map<string, number>;
  putOrder(order: JsonOrder, transactions?: unknown[]): void;
  /** Adds the fixture order under this id; returns the signed orders/create webhook. */
  addOrder(id: string): WebhookRequest;
  cancelAtChannel(id: string): WebhookRequest;
  close(): Promise<void>;
}

const CANCEL_REASONS = new Set(['customer', 'inventory', 'fraud', 'declined', 'other']);

export async function startShopifyFake(options: { pageSize?: number } = {}): Promise<ShopifyFake> {
  const orders = new Map<string, JsonOrder>();
  const transactions = new Map<string, unknown[]>();
  const shipments: ShopifyFake['shipments'] = [];
  const cancellations: ShopifyFake['cancellations'] = [];
  const levels = new Map<string, number>();
  const fulfilled = new Map<string, number>(); // line id → quantity fulfilled
  let fulfillmentSeq = 1000;
  for (const level of (
    JSON.parse(shopifyFixture('shopify_python_api__inventory_levels.json')) as {
      inventory_levels: { inventory_item_id: number; location_id: number; available: number }[];
    }
  ).inventory_levels)
    levels.set(`${level.inventory_item_id}@${level.location_id}`, level.available);

  const notFound: FakeReply = { status: 404, json: { errors: 'Not Found' } };
  const lineItems = (order: JsonOrder) =>
    (order.line_items as { id: number | string; quantity: number }[] | undefined) ?? [];
  const fulfillmentOrders = (order: JsonOrder) => [
    {
      id: Number(order.id) * 10 + 1,
      order_id: order.id,
      assigned_location_id: Number(SHOPIFY_FAKE_LOCATION),
      status: order.cancelled_at
        ? 'cancelled'
        : lineItems(order).every((line) => (fulfilled.get(String(line.id)) ?? 0) >= line.quantity)
          ? 'closed'
          : 'open',
      request_status: 'unsubmitted',
      line_items: lineItems(order).map((line) => ({
        id: Number(line.id) + 7,
        shop_id: 1,
        fulfillment_order_id: Number(order.id) * 10 + 1,
        line_item_id: line.id,
        inventory_item_id: null,
        quantity: line.quantity,
        fulfillable_quantity: line.quantity - (fulfilled.get(String(line.id)) ?? 0),
      })),
    },
  ];
  const byId = (path: string, pattern: RegExp) => {
    const match = pattern.exec(path);
    return match ? orders.get(match[1]!) : undefined;
  };

  const route = (req: RecordedRequest): FakeReply => {
    if (req.headers['x-shopify-access-token'] !== SHOPIFY_FAKE_TOKEN)
      return {
        status: 401,
        json: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
      };
    if (!req.path.startsWith(PREFIX)) return notFound;
    const path = req.path.slice(PREFIX.length);
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};

    if (req.method === 'GET' && path === '/shop.json')
      return {
        status: 200,
        json: { shop: { id: 690933842, name: 'Ordo Test Shop', myshopify_domain: 'ordo-test.myshopify.com' } },
      };

    if (req.method === 'GET' && path === '/orders.json') {
      const pageSize = Math.min(Number(req.query.get('limit') ?? 50), options.pageSize ?? 250);
      let since: string;
      let offset = 0;
      const pageInfo = req.query.get('page_info');
      if (pageInfo) {
        if ([...req.query.keys()].some((key) => key !== 'page_info' && key !== 'limit' && key !== 'fields'))
          return { status: 400, json: { errors: { page_info: ['page_info cannot be combined with other filters'] } } };
        try {
          ({ since, offset } = JSON.parse(Buffer.from(pageInfo, 'base64url').toString('utf8')) as {
            since: string;
            offset: number;
          });
        } catch {
          return { status: 400, json: { errors: { page_info: ['Invalid value.'] } } };
        }
      } else {
        since = req.query.get('updated_at_min') ?? '1970-01-01T00:00:00Z';
        if (req.query.get('status') !== 'any')
          return { status: 400, json: { errors: { status: ['the test fake expects status=any'] } } };
      }
      const all = [...orders.values()]
        .filter((order) => Date.parse(order.updated_at) >= Date.parse(since))
        .sort(
          (left, right) =>
            Date.parse(left.updated_at) - Date.parse(right.updated_at) ||
            String(left.id).localeCompare(String(right.id)),
        );
      const slice = all.slice(offset, offset + pageSize);
      const headers: Record<string, string> = {};
      if (offset + pageSize < all.length) {
        const next = Buffer.from(JSON.stringify({ since, offset: offset + pageSize })).toString('base64url');
        headers.link = `<http://127.0.0.1${PREFIX}/orders.json?limit=${pageSize}&page_info=${next}>; rel="next"`;
      }
      return { status: 200, json: { orders: slice }, headers };
    }

    let order = byId(path, /^\/orders\/(\d+)\/transactions\.json$/);
    if (req.method === 'GET' && /^\/orders\/\d+\/transactions\.json$/.test(path))
      return order ? { status: 200, json: { transactions: transactions.get(String(order.id)) ?? [] } } : notFound;

    order = byId(path, /^\/orders\/(\d+)\/fulfillment_orders\.json$/);
    if (req.method === 'GET' && /^\/orders\/\d+\/fulfillment_orders\.json$/.test(path))
      return order ? { status: 200, json: { fulfillment_orders: fulfillmentOrders(order) } } : notFound;

    if (req.method === 'POST' && path === '/fulfillments.json') {
      const fulfillment = body.fulfillment as
        | {
            line_items_by_fulfillment_order?: {
              fulfillment_order_id: number;
              fulfillment_order_line_items?: { id: number; quantity: number }[];
            }[];
            tracking_info?: { company?: string; number?: string; url?: string };
          }
        | undefined;
      const groups = fulfillment?.line_items_by_fulfillment_order ?? [];
      if (groups.length === 0)
        return { status: 422, json: { errors: ['Line items by fulfillment order must be present'] } };
      const recorded: unknown[] = [];
      let orderId: string | undefined;
      for (const group of groups) {
        const owner = [...orders.values()].find(
          (candidate) => Number(candidate.id) * 10 + 1 === group.fulfillment_order_id,
        );
        if (!owner) return { status: 404, json: { errors: 'Not Found' } };
        orderId = String(owner.id);
        const foLines = fulfillmentOrders(owner)[0]!.line_items;
        for (const item of group.fulfillment_order_line_items ?? []) {
          const line = foLines.find((candidate) => candidate.id === item.id);
          if (!line) return { status: 422, json: { errors: [`Invalid fulfillment order line item id ${item.id}`] } };
          if (item.quantity > line.fulfillable_quantity)
            return { status: 422, json: { errors: ['Invalid fulfillment order line item quantity requested.'] } };
        }
        for (const item of group.fulfillment_order_line_items ?? []) {
          const line = foLines.find((candidate) => candidate.id === item.id)!;
          fulfilled.set(String(line.line_item_id), (fulfilled.get(String(line.line_item_id)) ?? 0) + item.quantity);
          recorded.push({ lineItemId: String(line.line_item_id), quantity: item.quantity });
        }
      }
      const tracking = fulfillment?.tracking_info ?? {};
      shipments.push({
        externalId: orderId!,
        trackingNumber: tracking.number ?? null,
        carrier: tracking.company ?? '',
        ...(tracking.url ? { url: tracking.url } : {}),
        lines: recorded,
      });
      return {
        status: 201,
        json: {
          fulfillment: {
            id: ++fulfillmentSeq,
            order_id: Number(orderId),
            status: 'success',
            tracking_company: tracking.company ?? null,
            tracking_number: tracking.number ?? null,
            tracking_numbers: tracking.number ? [tracking.number] : [],
          },
        },
      };
    }

    order = byId(path, /^\/orders\/(\d+)\/cancel\.json$/);
    if (req.method === 'POST' && /^\/orders\/\d+\/cancel\.json$/.test(path)) {
      if (!order) return notFound;
      const reason = typeof body.reason === 'string' ? body.reason : 'other';
      if (!CANCEL_REASONS.has(reason))
        return { status: 422, json: { errors: { reason: ['is not included in the list'] } } };
      if (order.cancelled_at) return { status: 422, json: { error: 'Order has already been cancelled' } };
      const now = new Date().toISOString();
      Object.assign(order, { cancelled_at: now, cancel_reason: reason, updated_at: now });
      cancellations.push({ externalId: String(order.id), reasonCode: reason });
      return { status: 200, json: { order } };
    }

    if (req.method === 'POST' && path === '/inventory_levels/set.json') {
      const key = `${body.inventory_item_id}@${body.location_id}`;
      if (typeof body.available !== 'number' || !Number.isInteger(body.available))
        return { status: 422, json: { errors: { available: ['must be an integer'] } } };
      if (![...levels.keys()].some((known) => known.startsWith(`${body.inventory_item_id}@`)))
        return { status: 422, json: { errors: ['Inventory item does not have inventory tracking enabled'] } };
      levels.set(key, body.available);
      return {
        status: 200,
        json: {
          inventory_level: {
            inventory_item_id: body.inventory_item_id,
            location_id: body.location_id,
            available: body.available,
            updated_at: new Date().toISOString(),
          },
        },
      };
    }
    return notFound;
  };

  const server = await startFakeServer({
    route,
    rejection: () => ({ status: 422, json: { errors: { base: ['The request could not be processed'] } } }),
    unauthorized: () => ({
      status: 401,
      json: { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' },
    }),
  });

  // Each update gets a later updated_at than the last, as at Shopify (second precision there; ms here).
  let lastStamp = 0;
  const stamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };
  return {
    server,
    baseUrl: `${server.url}${PREFIX}`,
    orders,
    transactions,
    shipments,
    cancellations,
    levels,
    putOrder(order, orderTransactions) {
      orders.set(String(order.id), order);
      if (orderTransactions) transactions.set(String(order.id), orderTransactions);
    },
    addOrder(id) {
      const order = fixtureOrder(Number(id), stamp());
      orders.set(id, order);
      return signShopifyWebhook('orders/create', JSON.stringify(order));
    },
    cancelAtChannel(id) {
      const order = orders.get(id);
      if (!order) throw new Error(`the fake has no order ${id}`);
      const now = stamp();
      Object.assign(order, { cancelled_at: now, cancel_reason: 'customer', updated_at: now });
      return signShopifyWebhook('orders/cancelled', JSON.stringify(order));
    },
    close: () => server.close(),
  };
}
