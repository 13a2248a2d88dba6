/**
 * A local Ozon Seller API for FBS: posting list/get, ship (pack), package label (PDF), tracking
 * numbers, cancel with Ozon's reason ids, stocks and warehouses, with Ozon's headers
 * (Client-Id, Api-Key) and error bodies ({ code, message, details }).
 */
import { readFileSync } from 'node:fs';
import { startFakeServer, type FakeChannelServer, type FakeReply, type RecordedRequest } from './fake-http.js';

type Posting = Record<string, any>;

export interface OzonFake {
  server: FakeChannelServer;
  /** Adds a posting built from the fixture (unfulfilled list), with this posting number. */
  addPosting(postingNumber: string, patch?: Record<string, unknown>): Posting;
  /** Puts a raw item into the list as is (for bad-data cases). */
  addRawPosting(raw: Posting): void;
  postings: Map<string, Posting>;
  cancelByBuyer(postingNumber: string): void;
  shipments: { externalId: string; trackingNumber: string | null; carrier: string }[];
  cancellations: { externalId: string; reasonCode: string }[];
  stockOf(offerId: string, warehouseId?: string): number | undefined;
  knownOffers: string[];
}

/** Ozon's FBS seller cancel reasons (/v2/posting/fbs/cancel-reason/list) the fake accepts. */
export const OZON_CANCEL_REASONS: Record<number, string> = {
  352: 'Товар закончился у продавца',
  400: 'Остался только бракованный товар',
  401: 'Отмена из арбитража',
  402: 'Другое (вина продавца)',
  665: 'Покупатель не забрал заказ',
  666: 'Возврат из службы доставки: нет доставки в указанный регион',
  667: 'Заказ утерян службой доставки',
};

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/ozon/${name}`, import.meta.url), 'utf8'));

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

const ozonErr = (status: number, code: number, message: string): FakeReply => ({
  status,
  json: { code, message, details: [] },
});

export async function startOzonFake(opts: {
  clientId: string;
  apiKey: string;
  warehouseId: string;
  offers?: string[];
}): Promise<OzonFake> {
  const template: Posting = fixture('fbs__TestListUnprocessedShipments_0.json').result.postings[0];
  const postings = new Map<string, Posting>();
  const shipments: OzonFake['shipments'] = [];
  const cancellations: OzonFake['cancellations'] = [];
  const stocks = new Map<string, number>();
  const offers = new Set(opts.offers ?? ['УТ-0001365', 'PH11042', '205953']);

  const unauthorized = (): FakeReply => ozonErr(401, 16, 'Invalid Api-Key, please contact support');
  const body = (req: RecordedRequest): Record<string, any> | undefined => {
    try {
      return JSON.parse(req.body) as Record<string, any>;
    } catch {
      return undefined;
    }
  };
  const notFound = () => ozonErr(404, 5, 'Posting not found');

  function route(req: RecordedRequest): FakeReply {
    if (req.headers['client-id'] !== opts.clientId || req.headers['api-key'] !== opts.apiKey) return unauthorized();
    if (req.method !== 'POST') return ozonErr(404, 5, 'Not found');
    const input = body(req);
    if (!input) return ozonErr(400, 3, 'invalid request payload');
    switch (req.path) {
      case '/v1/warehouse/list':
        return {
          status: 200,
          json: { result: [{ warehouse_id: Number(opts.warehouseId), name: 'Склад на Ленина', is_rfbs: false }] },
        };
      case '/v3/posting/fbs/list': {
        const since = Date.parse(input.filter?.since);
        const to = Date.parse(input.filter?.to);
        const limit = Number(input.limit);
        const offset = Number(input.offset ?? 0);
        if (Number.isNaN(since) || Number.isNaN(to) || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
          return ozonErr(400, 3, 'filter.since, filter.to and limit 1…1000 are required');
        }
        const all = [...postings.values()]
          .filter((posting) => {
            const at = Date.parse(posting.in_process_at);
            return Number.isNaN(at) || (at >= since && at <= to);
          })
          .sort(
            (left, right) =>
              String(left.in_process_at).localeCompare(String(right.in_process_at)) ||
              String(left.posting_number).localeCompare(String(right.posting_number)),
          );
        const page = all.slice(offset, offset + limit);
        return { status: 200, json: { result: { postings: page, has_next: offset + limit < all.length } } };
      }
      case '/v3/posting/fbs/get': {
        const posting = postings.get(String(input.posting_number));
        return posting ? { status: 200, json: { result: posting } } : notFound();
      }
      case '/v4/posting/fbs/ship': {
        const posting = postings.get(String(input.posting_number));
        if (!posting) return notFound();
        if (posting.status !== 'awaiting_packaging') return ozonErr(400, 3, 'POSTING_ALREADY_SHIPPED');
        const packed = new Map<string, number>();
        for (const pkg of input.packages ?? []) {
          for (const product of pkg.products ?? []) {
            packed.set(
              String(product.product_id),
              (packed.get(String(product.product_id)) ?? 0) + Number(product.quantity),
            );
          }
        }
        const expected = new Map<string, number>(
          posting.products.map((product: any) => [String(product.sku), product.quantity]),
        );
        if (packed.size !== expected.size || [...packed].some(([sku, count]) => expected.get(sku) !== count)) {
          return ozonErr(400, 3, 'INVALID_PACKAGE_PRODUCTS');
        }
        posting.status = 'awaiting_deliver';
        shipments.push({
          externalId: posting.posting_number,
          trackingNumber: posting.tracking_number || null,
          carrier: posting.delivery_method?.tpl_provider ?? 'Ozon',
        });
        return { status: 200, json: { additional_data: [], result: [posting.posting_number] } };
      }
      case '/v2/posting/fbs/package-label': {
        const numbers: unknown[] = Array.isArray(input.posting_number) ? input.posting_number : [];
        if (numbers.length < 1 || numbers.length > 20) return ozonErr(400, 3, 'posting_number: 1…20 items');
        for (const number of numbers) {
          const posting = postings.get(String(number));
          if (!posting) return notFound();
          if (posting.status === 'awaiting_packaging' || posting.status === 'cancelled') {
            return ozonErr(400, 3, 'POSTING_NOT_READY_FOR_LABEL');
          }
        }
        return { status: 200, body: PDF, contentType: 'application/pdf' };
      }
      case '/v2/fbs/posting/tracking-number/set': {
        const result = (input.tracking_numbers ?? []).map((item: any) => {
          const posting = postings.get(String(item.posting_number));
          if (!posting)
            return { posting_number: String(item.posting_number), result: false, error: ['POSTING_NOT_FOUND'] };
          posting.tracking_number = String(item.tracking_number);
          const shipped = shipments.find((shipment) => shipment.externalId === posting.posting_number);
          if (shipped) shipped.trackingNumber = posting.tracking_number;
          return { posting_number: posting.posting_number, result: true, error: [] };
        });
        return { status: 200, json: { result } };
      }
      case '/v2/posting/fbs/cancel': {
        const posting = postings.get(String(input.posting_number));
        if (!posting) return notFound();
        const reason = Number(input.cancel_reason_id);
        if (!OZON_CANCEL_REASONS[reason]) return ozonErr(400, 3, 'invalid cancel_reason_id');
        if (reason === 402 && !input.cancel_reason_message) return ozonErr(400, 3, 'cancel_reason_message is required');
        if (['delivering', 'delivered', 'cancelled'].includes(posting.status)) {
          return ozonErr(400, 3, 'POSTING_CANNOT_BE_CANCELLED');
        }
        posting.status = 'cancelled';
        posting.cancellation = {
          cancel_reason_id: reason,
          cancel_reason: OZON_CANCEL_REASONS[reason],
          cancellation_type: 'seller',
          cancelled_after_ship: false,
          affect_cancellation_rating: true,
          cancellation_initiator: 'Продавец',
        };
        cancellations.push({ externalId: posting.posting_number, reasonCode: String(reason) });
        return { status: 200, json: { result: true } };
      }
      case '/v2/products/stocks': {
        const items: any[] = Array.isArray(input.stocks) ? input.stocks : [];
        if (items.length < 1 || items.length > 100) return ozonErr(400, 3, 'stocks: 1…100 items');
        const result = items.map((item) => {
          const known = offers.has(String(item.offer_id)) && String(item.warehouse_id) === opts.warehouseId;
          if (known) stocks.set(`${item.warehouse_id}:${item.offer_id}`, Number(item.stock));
          return {
            warehouse_id: item.warehouse_id,
            product_id: known ? 118597312 : 0,
            offer_id: String(item.offer_id),
            updated: known,
            errors: known ? [] : [{ code: 'NOT_FOUND', message: 'Product not found' }],
          };
        });
        return { status: 200, json: { result } };
      }
      default:
        return ozonErr(404, 5, 'Not found');
    }
  }

  const server = await startFakeServer({
    unauthorized,
    rejection: () => ozonErr(400, 3, 'invalid request'),
    route,
  });

  return {
    server,
    postings,
    addPosting(postingNumber, patch = {}) {
      const posting = {
        ...structuredClone(template),
        posting_number: postingNumber,
        in_process_at: new Date().toISOString(),
        shipment_date: new Date(Date.now() + 86_400_000).toISOString(),
        ...patch,
      };
      postings.set(postingNumber, posting);
      return posting;
    },
    addRawPosting(raw) {
      postings.set(String(raw.posting_number), raw);
    },
    cancelByBuyer(postingNumber) {
      const posting = postings.get(postingNumber);
      if (!posting) return;
      posting.status = 'cancelled';
      posting.cancellation = {
        cancel_reason_id: 0,
        cancel_reason: 'Покупатель отменил заказ',
        cancellation_type: 'client',
        cancelled_after_ship: false,
        affect_cancellation_rating: false,
        cancellation_initiator: 'Клиент',
      };
    },
    shipments,
    cancellations,
    stockOf: (offerId, warehouseId = opts.warehouseId) => stocks.get(`${warehouseId}:${offerId}`),
    knownOffers: [...offers],
  };
}
