/**
 * A local WooCommerce REST API v3 (/wp-json/wc/v3): orders (list by modification date with
 * X-WP-Total / X-WP-TotalPages, retrieve, update), order notes, products and variations batch
 * stock updates (100 objects at most); Basic auth (or consumer_key/consumer_secret in the query)
 * checked; WP REST error bodies. Orders are seeded from the Apache-2.0 docs fixture with the id
 * replaced; the fake signs the webhooks it would send.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WebhookRequest } from '../types.js';
import { startFakeServer, type FakeChannelServer, type FakeReply, type RecordedRequest } from './fake-http.js';

export const WOO_FAKE_KEY = 'ck_local_0123456789';
export const WOO_FAKE_SECRET = 'cs_local_9876543210';
export const WOO_FAKE_WEBHOOK_SECRET = 'local-woo-webhook-secret';
const PREFIX = '/wp-json/wc/v3';

export type WooJsonOrder = Record<string, unknown> & { id: number; status: string; date_modified_gmt: string };

export function wooFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/woocommerce/${name}`, import.meta.url)), 'utf8');
}

/** Woo writes GMT dates without a zone, to the second. */
export function wooDate(at: Date): string {
  return at.toISOString().slice(0, 19);
}

/** The docs' retrieve-order fixture with another id and modification time. */
export function wooFixtureOrder(id: number, modifiedGmt = wooDate(new Date())): WooJsonOrder {
  const order = JSON.parse(wooFixture('woo_v3_order_retrieve_response.json')) as WooJsonOrder;
  return { ...order, id, number: String(id), date_modified_gmt: modifiedGmt, date_modified: modifiedGmt };
}

export function signWooWebhook(topic: string, body: string, secret = WOO_FAKE_WEBHOOK_SECRET): WebhookRequest {
  const raw = Buffer.from(body, 'utf8');
  const [resource = '', event = ''] = topic.split('.');
  return {
    headers: {
      'x-wc-webhook-source': 'https://sklep.example.pl/',
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-resource': resource,
      'x-wc-webhook-event': event,
      'x-wc-webhook-signature': createHmac('sha256', secret).update(raw).digest('base64'),
      'x-wc-webhook-id': '42',
      'x-wc-webhook-delivery-id': randomUUID(),
      'content-type': 'application/json',
    },
    raw,
  };
}

export interface WooFake {
  server: FakeChannelServer;
  baseUrl: string;
  orders: Map<number, WooJsonOrder>;
  notes: { orderId: number; note: string; customerNote: boolean }[];
  /** Status changes made through the API (PUT /orders/{id}). */
  statusChanges: { orderId: number; status: string; meta?: unknown }[];
  /** product id (or "parent:variation") → stock_quantity */
  stock: Map<string, number>;
  putOrder(order: WooJsonOrder): void;
  addOrder(id: number): WebhookRequest;
  cancelAtChannel(id: number): WebhookRequest;
  close(): Promise<void>;
}

const STATUSES = new Set(['pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'trash']);

export async function startWooFake(): Promise<WooFake> {
  const orders = new Map<number, WooJsonOrder>();
  const notes: WooFake['notes'] = [];
  const statusChanges: WooFake['statusChanges'] = [];
  // products 93 and 22 (with variation 23) are the fixture's
  const stock = new Map<string, number>([
    ['93', 10],
    ['87', 4],
    ['34', 0],
    ['22:23', 5],
    ['22:24', 1],
  ]);
  let lastStamp = 0;
  const stamp = () => {
    lastStamp = Math.max(Math.floor(Date.now() / 1000) * 1000, lastStamp + 1000);
    return wooDate(new Date(lastStamp));
  };
  let noteSeq = 500;
  const error = (status: number, code: string, message: string): FakeReply => ({
    status,
    json: { code, message, data: { status } },
  });
  const authorised = (req: RecordedRequest) => {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const [key, secret] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      return key === WOO_FAKE_KEY && secret === WOO_FAKE_SECRET;
    }
    return req.query.get('consumer_key') === WOO_FAKE_KEY && req.query.get('consumer_secret') === WOO_FAKE_SECRET;
  };

  const route = (req: RecordedRequest): FakeReply => {
    if (!authorised(req)) return error(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
    if (!req.path.startsWith(PREFIX))
      return error(404, 'rest_no_route', 'No route was found matching the URL and request method.');
    const path = req.path.slice(PREFIX.length);
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};

    if (req.method === 'GET' && path === '/orders') {
      const perPage = Number(req.query.get('per_page') ?? 10);
      const page = Number(req.query.get('page') ?? 1);
      if (perPage > 100) return error(400, 'rest_invalid_param', 'Invalid parameter(s): per_page');
      const after = req.query.get('modified_after');
      if (after && req.query.get('dates_are_gmt') !== 'true')
        return error(400, 'rest_invalid_param', 'the test fake expects dates_are_gmt=true with modified_after');
      const ascending = req.query.get('orderby') === 'modified' && req.query.get('order') === 'asc';
      const all = [...orders.values()]
        .filter((order) => order.status !== 'trash')
        .filter((order) => !after || Date.parse(`${order.date_modified_gmt}Z`) > Date.parse(`${after}Z`))
        .sort((left, right) =>
          ascending
            ? left.date_modified_gmt.localeCompare(right.date_modified_gmt) || left.id - right.id
            : right.id - left.id,
        );
      const totalPages = Math.max(1, Math.ceil(all.length / perPage));
      return {
        status: 200,
        json: all.slice((page - 1) * perPage, page * perPage),
        headers: { 'x-wp-total': String(all.length), 'x-wp-totalpages': String(totalPages) },
      };
    }

    const orderMatch = /^\/orders\/(\d+)(\/notes)?$/.exec(path);
    if (orderMatch) {
      const order = orders.get(Number(orderMatch[1]));
      if (!order) return error(404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
      if (orderMatch[2] && req.method === 'POST') {
        if (typeof body.note !== 'string' || body.note === '')
          return error(400, 'rest_missing_callback_param', 'Missing parameter(s): note');
        const note = {
          id: ++noteSeq,
          author: 'system',
          date_created_gmt: wooDate(new Date()),
          note: body.note,
          customer_note: body.customer_note === true,
        };
        notes.push({ orderId: order.id, note: body.note, customerNote: body.customer_note === true });
        return { status: 201, json: note };
      }
      if (!orderMatch[2] && req.method === 'GET') return { status: 200, json: order };
      if (!orderMatch[2] && req.method === 'PUT') {
        if (body.status !== undefined && (typeof body.status !== 'string' || !STATUSES.has(body.status)))
          return error(400, 'rest_invalid_param', 'Invalid parameter(s): status');
        if (typeof body.status === 'string') {
          order.status = body.status;
          statusChanges.push({
            orderId: order.id,
            status: body.status,
            ...(body.meta_data ? { meta: body.meta_data } : {}),
          });
        }
        if (Array.isArray(body.meta_data)) {
          const meta = (order.meta_data as { key: string; value: unknown }[] | undefined) ?? [];
          for (const entry of body.meta_data as { key: string; value: unknown }[]) {
            const existing = meta.find((item) => item.key === entry.key);
            if (existing) existing.value = entry.value;
            else meta.push({ ...entry, id: ++noteSeq } as { key: string; value: unknown });
          }
          order.meta_data = meta;
        }
        order.date_modified_gmt = stamp();
        return { status: 200, json: order };
      }
    }

    const batch = /^\/products(?:\/(\d+)\/variations)?\/batch$/.exec(path);
    if (batch && req.method === 'POST') {
      const updates =
        (body.update as { id: number; stock_quantity?: number; manage_stock?: boolean }[] | undefined) ?? [];
      const count =
        updates.length + ((body.create as unknown[]) ?? []).length + ((body.delete as unknown[]) ?? []).length;
      if (count > 100)
        return error(
          413,
          'woocommerce_rest_request_entity_too_large',
          'Unable to accept more than 100 items for this request.',
        );
      const parent = batch[1];
      return {
        status: 200,
        json: {
          update: updates.map((update) => {
            const key = parent ? `${parent}:${update.id}` : String(update.id);
            if (!stock.has(key))
              return {
                id: update.id,
                error: {
                  code: parent
                    ? 'woocommerce_rest_product_variation_invalid_id'
                    : 'woocommerce_rest_product_invalid_id',
                  message: 'Invalid ID.',
                  data: { status: 400 },
                },
              };
            if (update.manage_stock !== true || typeof update.stock_quantity !== 'number')
              return {
                id: update.id,
                error: {
                  code: 'rest_invalid_param',
                  message: 'manage_stock and stock_quantity are required',
                  data: { status: 400 },
                },
              };
            stock.set(key, update.stock_quantity);
            return {
              id: update.id,
              manage_stock: true,
              stock_quantity: update.stock_quantity,
              ...(parent ? { parent_id: Number(parent) } : {}),
            };
          }),
        },
      };
    }
    return error(404, 'rest_no_route', 'No route was found matching the URL and request method.');
  };

  const server = await startFakeServer({
    route,
    rejection: () => error(400, 'woocommerce_rest_invalid_order', 'The request could not be processed.'),
    unauthorized: () => error(401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.'),
  });
  return {
    server,
    baseUrl: `${server.url}${PREFIX}`,
    orders,
    notes,
    statusChanges,
    stock,
    putOrder: (order) => void orders.set(order.id, order),
    addOrder(id) {
      const order = wooFixtureOrder(id, stamp());
      orders.set(id, order);
      return signWooWebhook('order.created', JSON.stringify(order));
    },
    cancelAtChannel(id) {
      const order = orders.get(id);
      if (!order) throw new Error(`the fake has no order ${id}`);
      order.status = 'cancelled';
      order.date_modified_gmt = stamp();
      return signWooWebhook('order.updated', JSON.stringify(order));
    },
    close: () => server.close(),
  };
}
