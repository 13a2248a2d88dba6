/**
 * A local Wildberries marketplace API: FBS and DBS assembly tasks (new, history with `next`,
 * statuses), supplies (create, list, add orders, order ids, deliver), stickers, cancel,
 * warehouses and stocks, with WB's auth (`Authorization: <token>`) and error bodies.
 */
import { readFileSync } from 'node:fs';
import { startFakeServer, type FakeChannelServer, type FakeReply, type RecordedRequest } from './fake-http.js';

type Model = 'fbs' | 'dbs';

interface FakeOrder {
  model: Model;
  body: Record<string, unknown>;
  supplierStatus: string;
  wbStatus: string;
  supplyId?: string;
}

interface FakeSupply {
  id: string;
  name: string;
  done: boolean;
  cargoType: number;
  createdAt: string;
  orders: number[];
}

export interface WildberriesFake {
  server: FakeChannelServer;
  /** Adds an order made from the fixture, with this id (and optional overrides). */
  addOrder(id: string, options?: { model?: Model; patch?: Record<string, unknown> }): void;
  /** Puts a raw item into the lists as is (for bad-data cases). */
  addRawOrder(raw: Record<string, unknown>, status?: { supplierStatus: string; wbStatus: string }): void;
  setStatus(id: string, supplierStatus: string, wbStatus: string): void;
  statusOf(id: string): { supplierStatus: string; wbStatus: string } | undefined;
  supplies: FakeSupply[];
  shipments: { externalId: string; trackingNumber: string | null; carrier: string }[];
  cancellations: { externalId: string; reasonCode: string }[];
  stockOf(warehouseId: string, key: string): number | undefined;
  knownOffers: string[];
  /** The next request is refused as WB does at its limit: 429 with X-Ratelimit-Retry, no Retry-After. */
  throttleNext(seconds: number): void;
}

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/wildberries/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

/** Fields only /orders/new returns (OrderNew vs Order in 03-orders-fbs.yaml). */
const NEW_ONLY = [
  'ddate',
  'sellerDate',
  'salePrice',
  'requiredMeta',
  'optionalMeta',
  'finalPrice',
  'convertedFinalPrice',
];
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==',
  'base64',
);

const wbErr = (status: number, code: string, message: string, data?: unknown): FakeReply => ({
  status,
  json: data === undefined ? { code, message } : { code, message, data },
});

export async function startWildberriesFake(opts: {
  token: string;
  warehouseId: number;
  /** chrtId → barcode of the offers the seller has. */
  offers?: Record<string, string>;
}): Promise<WildberriesFake> {
  const template = (fixture('example_orders_new.response.json').orders as Record<string, unknown>[])[0]!;
  const orders = new Map<number, FakeOrder>();
  const supplies: FakeSupply[] = [];
  const shipments: WildberriesFake['shipments'] = [];
  const cancellations: WildberriesFake['cancellations'] = [];
  const stocks = new Map<string, number>();
  const offers = opts.offers ?? { '987654321': '6665956397512', '987654322': '6665956397529' };
  let supplySeq = 9_000_000;
  let throttle: number | null = null;

  const unauthorized = (): FakeReply => ({
    status: 401,
    json: {
      title: 'unauthorized',
      detail: 'token problem; token is malformed',
      code: '07e4668e--a53a3d31f8b0',
      requestId: '7b80742415072fe8b6b7f7761f1d1211',
      origin: 's2s-api-auth-marketplace',
      status: 401,
      statusText: 'Unauthorized',
      timestamp: new Date().toISOString(),
    },
  });

  const view = (order: FakeOrder, shape: 'new' | 'history') => {
    const out: Record<string, unknown> = { ...order.body, deliveryType: order.model };
    if (shape === 'history') {
      for (const key of NEW_ONLY) delete out[key];
      if (order.supplyId) out.supplyId = order.supplyId;
    }
    return out;
  };

  const modelOf = (path: string): { model: Model; rest: string } | undefined => {
    if (path.startsWith('/api/v3/dbs/orders')) return { model: 'dbs', rest: path.slice('/api/v3/dbs/orders'.length) };
    if (path.startsWith('/api/v3/orders')) return { model: 'fbs', rest: path.slice('/api/v3/orders'.length) };
    return undefined;
  };

  const json = (req: RecordedRequest): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };

  function ordersRoute(req: RecordedRequest, model: Model, rest: string): FakeReply {
    const mine = [...orders.entries()]
      .filter(([, order]) => order.model === model)
      .sort(([left], [right]) => left - right);
    if (req.method === 'GET' && rest === '/new') {
      return {
        status: 200,
        json: {
          orders: mine
            .filter(([, order]) => order.supplierStatus === 'new' && order.wbStatus === 'waiting')
            .map(([, order]) => view(order, 'new')),
        },
      };
    }
    if (req.method === 'GET' && rest === '') {
      const limit = Number(req.query.get('limit'));
      const next = Number(req.query.get('next') ?? 'NaN');
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(next)) {
        return wbErr(400, 'IncorrectParameter', 'Передан некорректный параметр');
      }
      const from = Number(req.query.get('dateFrom') ?? 0) * 1000;
      const to = req.query.has('dateTo') ? Number(req.query.get('dateTo')) * 1000 : Infinity;
      const inWindow = mine.filter(([id, order]) => {
        const at = Date.parse(String(order.body.createdAt));
        return id > next && (Number.isNaN(at) || (at >= from && at <= to));
      });
      const page = inWindow.slice(0, limit);
      const last = page[page.length - 1]?.[0] ?? next;
      return { status: 200, json: { next: last, orders: page.map(([, order]) => view(order, 'history')) } };
    }
    if (req.method === 'POST' && rest === '/status') {
      const ids = json(req)?.orders;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000) {
        return wbErr(400, 'IncorrectRequestBody', 'Некорректное тело запроса');
      }
      return {
        status: 200,
        json: {
          orders: ids.flatMap((id) => {
            const order = orders.get(Number(id));
            return order && order.model === model
              ? [{ id: Number(id), supplierStatus: order.supplierStatus, wbStatus: order.wbStatus }]
              : [];
          }),
        },
      };
    }
    const action = /^\/(\d+)\/(cancel|confirm|deliver)$/.exec(rest);
    if (req.method === 'PATCH' && action) {
      const id = Number(action[1]);
      const order = orders.get(id);
      if (!order || order.model !== model) return wbErr(404, 'NotFound', 'Не найдено');
      if (action[2] === 'cancel') {
        if (['complete', 'deliver', 'receive', 'cancel'].includes(order.supplierStatus)) {
          return wbErr(409, 'StatusMismatch', 'Несоответствие статусов, проверьте их правильность');
        }
        order.supplierStatus = 'cancel';
        order.wbStatus = 'canceled';
        if (order.supplyId) {
          const supply = supplies.find((item) => item.id === order.supplyId);
          if (supply) supply.orders = supply.orders.filter((other) => other !== id);
          delete order.supplyId;
        }
        cancellations.push({ externalId: String(id), reasonCode: 'seller' });
        return { status: 204 };
      }
      if (model !== 'dbs') return wbErr(404, 'NotFound', 'Не найдено');
      if (action[2] === 'confirm') {
        if (order.supplierStatus !== 'new') return wbErr(409, 'StatusMismatch', 'Несоответствие статусов');
        order.supplierStatus = 'confirm';
        return { status: 204 };
      }
      if (order.supplierStatus !== 'confirm') return wbErr(409, 'StatusMismatch', 'Несоответствие статусов');
      order.supplierStatus = 'deliver';
      shipments.push({ externalId: String(id), trackingNumber: null, carrier: 'seller' });
      return { status: 204 };
    }
    if (req.method === 'POST' && rest === '/stickers' && model === 'fbs') {
      const type = req.query.get('type') ?? '';
      const size = `${req.query.get('width')}x${req.query.get('height')}`;
      if (!['svg', 'zplv', 'zplh', 'png'].includes(type) || !['58x40', '40x30'].includes(size)) {
        return wbErr(400, 'IncorrectParameter', 'Передан некорректный параметр');
      }
      const ids = json(req)?.orders;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
        return wbErr(400, 'IncorrectRequestBody', 'Некорректное тело запроса');
      }
      const stickers = ids.flatMap((id) => {
        const order = orders.get(Number(id));
        if (!order || !['confirm', 'complete'].includes(order.supplierStatus)) return [];
        const text = String(id).padStart(10, '0');
        const file = type === 'png' ? TINY_PNG : Buffer.from(type === 'svg' ? `<svg>${id}</svg>` : `^XA^FD${id}^FS^XZ`);
        return [
          {
            orderId: Number(id),
            partA: text.slice(0, 6),
            partB: text.slice(6),
            barcode: `!${id}`,
            file: file.toString('base64'),
          },
        ];
      });
      return { status: 200, json: { stickers } };
    }
    return wbErr(404, 'NotFound', 'Не найдено');
  }

  function suppliesRoute(req: RecordedRequest): FakeReply {
    if (req.path === '/api/v3/supplies' && req.method === 'POST') {
      const name = json(req)?.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 128) {
        return wbErr(400, 'IncorrectRequestBody', 'Некорректное тело запроса');
      }
      const supply: FakeSupply = {
        id: `WB-GI-${supplySeq++}`,
        name,
        done: false,
        cargoType: 0,
        createdAt: new Date().toISOString(),
        orders: [],
      };
      supplies.push(supply);
      return { status: 201, json: { id: supply.id } };
    }
    if (req.path === '/api/v3/supplies' && req.method === 'GET') {
      const limit = Number(req.query.get('limit'));
      const next = Number(req.query.get('next'));
      const page = supplies.slice(next, next + limit);
      return {
        status: 200,
        json: {
          next: next + page.length,
          supplies: page.map((supply) => ({
            id: supply.id,
            done: supply.done,
            createdAt: supply.createdAt,
            closedAt: null,
            scanDt: null,
            name: supply.name,
            cargoType: supply.cargoType,
            destinationOfficeId: null,
          })),
        },
      };
    }
    const add = /^\/api\/marketplace\/v3\/supplies\/([^/]+)\/(orders|order-ids)$/.exec(req.path);
    if (add) {
      const supply = supplies.find((item) => item.id === decodeURIComponent(add[1]!));
      if (!supply) return wbErr(404, 'NotFound', 'Не найдено');
      if (req.method === 'GET' && add[2] === 'order-ids') return { status: 200, json: { orderIds: supply.orders } };
      if (req.method !== 'PATCH' || add[2] !== 'orders') return wbErr(404, 'NotFound', 'Не найдено');
      const ids = json(req)?.orders;
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
        return wbErr(400, 'IncorrectParameter', 'Передан некорректный параметр');
      }
      const failed = wbErr(409, 'FailedToAddSupplyOrder', 'Не удалось закрепить сборочное задание за поставкой.');
      for (const id of ids) {
        const order = orders.get(Number(id));
        if (!order || order.model !== 'fbs') return wbErr(404, 'NotFound', 'Не найдено');
        const cargo = Number(order.body.cargoType ?? 1);
        if (supply.done || !['new', 'confirm'].includes(order.supplierStatus)) return failed;
        if (supply.cargoType !== 0 && supply.cargoType !== cargo) return failed;
      }
      for (const id of ids) {
        const order = orders.get(Number(id))!;
        if (order.supplyId) {
          const previous = supplies.find((item) => item.id === order.supplyId);
          if (previous) previous.orders = previous.orders.filter((other) => other !== Number(id));
        }
        order.supplierStatus = 'confirm';
        order.supplyId = supply.id;
        if (supply.cargoType === 0) supply.cargoType = Number(order.body.cargoType ?? 1);
        supply.orders.push(Number(id));
      }
      return { status: 204 };
    }
    const deliver = /^\/api\/v3\/supplies\/([^/]+)\/deliver$/.exec(req.path);
    if (deliver && req.method === 'PATCH') {
      const supply = supplies.find((item) => item.id === decodeURIComponent(deliver[1]!));
      if (!supply) return wbErr(404, 'NotFound', 'Не найдено');
      if (!supply.orders.length) {
        return wbErr(
          409,
          'SupplyHasZeroOrders',
          'Не удалось обработать поставку. Убедитесь, что за ней закреплён хотя бы одно сборочное задание.',
        );
      }
      supply.done = true;
      for (const id of supply.orders) {
        const order = orders.get(id)!;
        order.supplierStatus = 'complete';
        shipments.push({ externalId: String(id), trackingNumber: null, carrier: `Wildberries ${supply.id}` });
      }
      return { status: 204 };
    }
    return wbErr(404, 'NotFound', 'Не найдено');
  }

  function stocksRoute(req: RecordedRequest, warehouse: string): FakeReply {
    if (warehouse !== String(opts.warehouseId)) return wbErr(404, 'NotFound', 'Not found');
    const items = json(req)?.stocks;
    if (!Array.isArray(items) || items.length < 1 || items.length > 1000) {
      return wbErr(400, 'IncorrectRequestBody', 'Некорректное тело запроса');
    }
    const barcodes = new Set(Object.values(offers));
    const unknown = (items as { chrtId?: number; sku?: string; amount?: number }[]).filter((item) =>
      item.chrtId !== undefined ? !(String(item.chrtId) in offers) : !barcodes.has(String(item.sku)),
    );
    const tooMany = (items as { amount?: number }[]).filter((item) => Number(item.amount) > 100_000);
    if (unknown.length || tooMany.length) {
      return {
        status: 409,
        json: [
          ...(unknown.length ? [{ code: 'NotFound', message: 'Not found', data: unknown }] : []),
          ...(tooMany.length ? [{ code: 'UploadDataLimit', message: 'Upload limit exceeded.', data: tooMany }] : []),
        ],
      };
    }
    for (const item of items as { chrtId?: number; sku?: string; amount: number }[]) {
      stocks.set(`${warehouse}:${item.chrtId !== undefined ? String(item.chrtId) : String(item.sku)}`, item.amount);
    }
    return { status: 204 };
  }

  const server = await startFakeServer({
    unauthorized,
    rejection: () => wbErr(400, 'IncorrectRequest', 'Переданы некорректные данные'),
    route(req) {
      if (req.headers.authorization !== opts.token) return unauthorized();
      if (throttle !== null) {
        const seconds = throttle;
        throttle = null;
        return {
          status: 429,
          headers: {
            'x-ratelimit-retry': String(seconds),
            'x-ratelimit-limit': '300',
            'x-ratelimit-reset': String(seconds),
          },
          json: {
            title: 'too many requests',
            detail: 'limited by c122a060-a7fb-4bb4-abb0-32fd4e18d489',
            code: '07e4668e-ac2242c5c8c5-[UK-4dx7JUdskGZ]',
            requestId: '9d3c02cc698f8b041c661a7c28bed293',
            origin: 's2s-api-auth-marketplace',
            status: 429,
            statusText: 'Too Many Requests',
            timestamp: new Date().toISOString(),
          },
        };
      }
      if (req.method === 'GET' && req.path === '/api/v3/warehouses') {
        return {
          status: 200,
          json: [{ name: 'Склад на Ленина', officeId: 15, id: opts.warehouseId, cargoType: 1, deliveryType: 1 }],
        };
      }
      const stock = /^\/api\/v3\/stocks\/([^/]+)$/.exec(req.path);
      if (stock && req.method === 'PUT') return stocksRoute(req, decodeURIComponent(stock[1]!));
      if (req.path.includes('/supplies')) return suppliesRoute(req);
      const scoped = modelOf(req.path);
      if (scoped) return ordersRoute(req, scoped.model, scoped.rest);
      return wbErr(404, 'NotFound', 'Не найдено');
    },
  });

  return {
    server,
    addOrder(id, options = {}) {
      orders.set(Number(id), {
        model: options.model ?? 'fbs',
        body: { ...template, id: Number(id), createdAt: new Date().toISOString(), ...options.patch },
        supplierStatus: 'new',
        wbStatus: 'waiting',
      });
    },
    addRawOrder(raw, status = { supplierStatus: 'confirm', wbStatus: 'waiting' }) {
      orders.set(Number(raw.id), { model: 'fbs', body: raw, ...status });
    },
    setStatus(id, supplierStatus, wbStatus) {
      const order = orders.get(Number(id));
      if (order) Object.assign(order, { supplierStatus, wbStatus });
    },
    statusOf(id) {
      const order = orders.get(Number(id));
      return order ? { supplierStatus: order.supplierStatus, wbStatus: order.wbStatus } : undefined;
    },
    supplies,
    shipments,
    cancellations,
    stockOf: (warehouseId, key) => stocks.get(`${warehouseId}:${key}`),
    knownOffers: Object.keys(offers),
    throttleNext(seconds) {
      throttle = seconds;
    },
  };
}
